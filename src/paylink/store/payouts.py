"""Queries for provider payouts and their items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..exceptions import NotFound
from ..money import Money
from ..payouts import Payout, PayoutItem, ProviderPayout
from .schema import payout_items, payouts, provider_accounts

__all__ = [
    "fees_by_month",
    "find",
    "get",
    "items_of",
    "latest_created",
    "list_payouts",
    "polled_accounts",
    "set_item_links",
    "set_matched",
    "upsert",
]


def _items(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[PayoutItem, ...]]:
    if not ids:
        return {}
    c = payout_items.c
    rows = conn.execute(
        sa.select(payout_items).where(c.payout.in_(ids)).order_by(c.payout, c.position)
    ).all()
    found: dict[str, list[PayoutItem]] = {}
    for row in rows:
        cur = row.currency
        found.setdefault(row.payout, []).append(
            PayoutItem(
                kind=row.kind,
                source_id=row.source_id,
                gross=Money.from_minor(row.gross_minor, cur),
                fee=Money.from_minor(row.fee_minor, cur),
                net=Money.from_minor(row.net_minor, cur),
                payment_reference=row.payment_reference,
                payment_id=row.payment_id,
                invoice_id=row.invoice_id,
                description=row.description,
            )
        )
    return {key: tuple(value) for key, value in found.items()}


def _payout(row: Any, items: tuple[PayoutItem, ...]) -> Payout:
    cur = row.currency
    return Payout(
        id=row.id,
        organization_id=row.organization_id,
        account_id=row.account_id,
        provider=row.provider,
        payout_id=row.payout_id,
        status=row.status,
        gross=Money.from_minor(row.gross_minor, cur),
        fee=Money.from_minor(row.fee_minor, cur),
        net=Money.from_minor(row.net_minor, cur),
        created_on=row.created_on,
        expected_on=row.expected_on,
        reference=row.reference,
        arrived_on=row.arrived_on,
        transaction_account=row.transaction_account,
        transaction_id=row.transaction_id,
        items=items,
        updated_at=row.updated_at,
    )


def _with_items(conn: Connection, rows: Sequence[Any]) -> list[Payout]:
    items = _items(conn, [r.id for r in rows])
    return [_payout(r, items.get(r.id, ())) for r in rows]


def find(conn: Connection, provider: str, account_id: str, payout_id: str) -> Payout | None:
    """The stored payout ``payout_id`` of that provider account, or ``None``."""
    c = payouts.c
    rows = conn.execute(
        sa.select(payouts).where(
            c.provider == provider, c.account_id == account_id, c.payout_id == payout_id
        )
    ).all()
    found = _with_items(conn, rows)
    return found[0] if found else None


def get(conn: Connection, org_id: str, payout_id: str, *, for_update: bool = False) -> Payout:
    """The payout with paylink's id (or the provider's id) ``payout_id``; NotFound otherwise."""
    c = payouts.c
    query = sa.select(payouts).where(
        c.organization_id == org_id, sa.or_(c.id == payout_id, c.payout_id == payout_id)
    )
    if for_update:
        query = query.with_for_update()
    rows = conn.execute(query).all()
    if not rows:
        raise NotFound(f"no payout {payout_id!r}")
    return _with_items(conn, rows[:1])[0]


def upsert(
    conn: Connection,
    *,
    new_id: str,
    org_id: str,
    account_id: str,
    payout: ProviderPayout,
    now: dt.datetime,
) -> tuple[Payout, bool]:
    """Record ``payout`` once per (provider, account, payout id): a new one is inserted with
    its items; a known one gets its status, amounts, dates and items refreshed (a payout moves
    from ``pending`` to ``paid``). Returns the stored payout and whether it was new."""
    known = find(conn, payout.provider, account_id, payout.payout_id)
    values = {
        "status": payout.status,
        "reference": payout.reference,
        "currency": payout.currency,
        "gross_minor": payout.gross.minor_units,
        "fee_minor": payout.fee.minor_units,
        "net_minor": payout.net.minor_units,
        "created_on": payout.created_on,
        "expected_on": payout.expected_on,
        "updated_at": now,
    }
    if known is None:
        stored_id = new_id
        conn.execute(
            payouts.insert().values(
                id=stored_id,
                organization_id=org_id,
                account_id=account_id,
                provider=payout.provider,
                payout_id=payout.payout_id,
                **values,
            )
        )
    else:
        stored_id = known.id
        unchanged = (
            known.status == payout.status
            and known.net == payout.net
            and known.fee == payout.fee
            and len(known.items) == len(payout.items)
        )
        if unchanged:
            return known, False
        conn.execute(payouts.update().where(payouts.c.id == stored_id).values(**values))
        conn.execute(payout_items.delete().where(payout_items.c.payout == stored_id))
    if payout.items:
        conn.execute(
            payout_items.insert(),
            [
                {
                    "payout": stored_id,
                    "position": n,
                    "kind": item.kind,
                    "source_id": item.source_id,
                    "payment_reference": item.payment_reference,
                    "payment_id": item.payment_id,
                    "invoice_id": item.invoice_id,
                    "currency": item.net.currency,
                    "gross_minor": item.gross.minor_units,
                    "fee_minor": item.fee.minor_units,
                    "net_minor": item.net.minor_units,
                    "description": item.description,
                }
                for n, item in enumerate(payout.items)
            ],
        )
    return get(conn, org_id, stored_id), known is None


def set_item_links(
    conn: Connection, payout_id: str, position: int, payment_id: str | None, invoice_id: str | None
) -> None:
    """Link item ``position`` of a payout to paylink's payment and invoice."""
    c = payout_items.c
    conn.execute(
        payout_items.update()
        .where(c.payout == payout_id, c.position == position)
        .values(payment_id=payment_id, invoice_id=invoice_id)
    )


def items_of(conn: Connection, payout_id: str) -> tuple[PayoutItem, ...]:
    """The items of one payout, in order."""
    return _items(conn, [payout_id]).get(payout_id, ())


def list_payouts(
    conn: Connection,
    org_id: str,
    *,
    matched: bool | None = None,
    provider: str | None = None,
    statuses: Sequence[str] | None = None,
) -> list[Payout]:
    """The organization's payouts, newest first; ``matched`` keeps only those (not) matched
    to a bank transaction."""
    c = payouts.c
    query = sa.select(payouts).where(c.organization_id == org_id)
    if matched is not None:
        query = query.where(
            c.transaction_id.is_not(None) if matched else c.transaction_id.is_(None)
        )
    if provider is not None:
        query = query.where(c.provider == provider)
    if statuses is not None:
        query = query.where(c.status.in_(list(statuses)))
    rows = conn.execute(query.order_by(c.created_on.desc(), c.payout_id.desc())).all()
    return _with_items(conn, rows)


def latest_created(conn: Connection, account_id: str) -> dt.date | None:
    """The creation date of the newest payout stored for the account."""
    c = payouts.c
    value = conn.execute(
        sa.select(sa.func.max(c.created_on)).where(c.account_id == account_id)
    ).scalar()
    return value if isinstance(value, dt.date) else None


def set_matched(
    conn: Connection,
    payout_id: str,
    *,
    arrived_on: dt.date | None,
    account: str | None,
    transaction_id: str | None,
    now: dt.datetime,
) -> None:
    """Record (or, with ``None``, forget) the bank transaction that brought the payout."""
    conn.execute(
        payouts.update()
        .where(payouts.c.id == payout_id)
        .values(
            arrived_on=arrived_on,
            transaction_account=account,
            transaction_id=transaction_id,
            updated_at=now,
        )
    )


def fees_by_month(
    conn: Connection, org_id: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, str, str, int, int, int]]:
    """``(payout date, provider, currency, gross, fee, net)`` minor units of each payout
    created between ``first`` and ``last`` (failed and cancelled payouts left out)."""
    c = payouts.c
    rows = conn.execute(
        sa.select(c.created_on, c.provider, c.currency, c.gross_minor, c.fee_minor, c.net_minor)
        .where(
            c.organization_id == org_id,
            c.created_on >= first,
            c.created_on <= last,
            c.status.not_in(["failed", "canceled"]),
        )
        .order_by(c.created_on)
    ).all()
    return [(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5])) for r in rows]


def polled_accounts(conn: Connection) -> list[tuple[str, str]]:
    """``(account id, provider)`` of every active provider account, of every organization."""
    c = provider_accounts.c
    rows = conn.execute(
        sa.select(c.id, c.provider).where(c.active.is_(True)).order_by(c.created_at)
    ).all()
    return [(r[0], r[1]) for r in rows]
