"""Queries for provider accounts, checkout attempts, processed provider events and refunds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..exceptions import NotFound
from ..money import Money
from ..providers import CheckoutAttempt, ProviderAccount, Refund
from . import _accounts
from .schema import payment_links, provider_accounts, provider_checkouts, provider_events, refunds

# -- accounts ------------------------------------------------------------------------------------


def _account(row: Any, base_url: str, secret: frozenset[str]) -> ProviderAccount:
    return ProviderAccount(
        id=row.id,
        organization_id=row.organization_id,
        provider=row.provider,
        methods=tuple(row.methods or ()),
        settings=dict(row.settings or {}),
        secret_settings=secret,
        webhook_url=f"{base_url}/webhooks/providers/{row.provider}/{row.id}",
        active=bool(row.active),
        created_at=row.created_at,
    )


def upsert_account(
    conn: Connection,
    *,
    account_id: str,
    org_id: str,
    provider: str,
    settings: dict[str, Any],
    methods: Sequence[str],
    now: dt.datetime,
) -> str:
    """Store the organization's account at ``provider``; an existing one keeps its id."""
    return _accounts.upsert_account(
        conn,
        provider_accounts,
        "provider",
        account_id=account_id,
        org_id=org_id,
        plugin=provider,
        values={"settings": settings, "methods": list(methods)},
        now=now,
    )


def deactivate_account(conn: Connection, org_id: str, provider: str, now: dt.datetime) -> bool:
    """Deactivate the organization's account at ``provider``; whether it was active."""
    return _accounts.deactivate_account(conn, provider_accounts, "provider", org_id, provider, now)


def get_account(
    conn: Connection, account_id: str, base_url: str, secret: frozenset[str] = frozenset()
) -> ProviderAccount:
    """The account with this id (active or not)."""
    row = _accounts.account_row(conn, provider_accounts, account_id)
    if row is None:
        raise NotFound(f"no provider account {account_id!r}")
    return _account(row, base_url, secret)


def account_id_for(conn: Connection, org_id: str, provider: str) -> str | None:
    """The id of the organization's account at ``provider`` (active or not), or ``None``."""
    found = conn.execute(
        sa.select(provider_accounts.c.id).where(
            provider_accounts.c.organization_id == org_id,
            provider_accounts.c.provider == provider,
        )
    ).scalar_one_or_none()
    return str(found) if found is not None else None


def list_accounts(
    conn: Connection,
    org_id: str,
    base_url: str,
    secret_of: Any = None,
    *,
    active_only: bool = True,
) -> list[ProviderAccount]:
    query = sa.select(provider_accounts).where(provider_accounts.c.organization_id == org_id)
    if active_only:
        query = query.where(provider_accounts.c.active.is_(True))
    rows = conn.execute(query.order_by(provider_accounts.c.created_at)).all()
    return [
        _account(r, base_url, secret_of(r.provider) if secret_of else frozenset()) for r in rows
    ]


# -- checkout attempts -------------------------------------------------------------------------


def _attempt(row: Any) -> CheckoutAttempt:
    return CheckoutAttempt(
        id=row.id,
        organization_id=row.organization_id,
        account_id=row.account_id,
        provider=row.provider,
        link_id=row.link_id,
        idempotency_key=row.idempotency_key,
        status=row.status,
        amount=Money.from_minor(row.amount_minor, row.currency),
        provider_reference=row.provider_reference,
        redirect_url=row.redirect_url,
        data=dict(row.data or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
    )


def insert_attempt(conn: Connection, attempt: CheckoutAttempt, now: dt.datetime) -> None:
    conn.execute(
        provider_checkouts.insert().values(
            id=attempt.id,
            organization_id=attempt.organization_id,
            account_id=attempt.account_id,
            provider=attempt.provider,
            link_id=attempt.link_id,
            idempotency_key=attempt.idempotency_key,
            status=attempt.status,
            currency=attempt.amount.currency,
            amount_minor=attempt.amount.minor_units,
            provider_reference=attempt.provider_reference,
            redirect_url=attempt.redirect_url,
            data=dict(attempt.data),
            created_at=now,
            updated_at=now,
            expires_at=attempt.expires_at,
        )
    )


def update_attempt(conn: Connection, attempt_id: str, now: dt.datetime, **values: Any) -> None:
    conn.execute(
        provider_checkouts.update()
        .where(provider_checkouts.c.id == attempt_id)
        .values(updated_at=now, **values)
    )


def get_attempt(conn: Connection, attempt_id: str) -> CheckoutAttempt:
    row = conn.execute(
        sa.select(provider_checkouts).where(provider_checkouts.c.id == attempt_id)
    ).first()
    if row is None:
        raise NotFound(f"no checkout attempt {attempt_id!r}")
    return _attempt(row)


def attempts_for_link(
    conn: Connection, link_id: str, *, statuses: Sequence[str] | None = None
) -> list[CheckoutAttempt]:
    query = sa.select(provider_checkouts).where(provider_checkouts.c.link_id == link_id)
    if statuses:
        query = query.where(provider_checkouts.c.status.in_(list(statuses)))
    rows = conn.execute(query.order_by(provider_checkouts.c.created_at)).all()
    return [_attempt(r) for r in rows]


def attempt_by_reference(conn: Connection, provider: str, reference: str) -> CheckoutAttempt | None:
    row = conn.execute(
        sa.select(provider_checkouts).where(
            provider_checkouts.c.provider == provider,
            provider_checkouts.c.provider_reference == reference,
        )
    ).first()
    return _attempt(row) if row is not None else None


def stale_attempts(conn: Connection, before: dt.datetime) -> list[CheckoutAttempt]:
    """Open attempts of links still ``in_progress`` whose last change is older than ``before``."""
    query = (
        sa.select(provider_checkouts)
        .join(payment_links, payment_links.c.id == provider_checkouts.c.link_id)
        .where(
            provider_checkouts.c.status == "open",
            provider_checkouts.c.provider_reference.is_not(None),
            payment_links.c.status == "in_progress",
            payment_links.c.updated_at <= before,
        )
        .order_by(provider_checkouts.c.created_at)
    )
    return [_attempt(r) for r in conn.execute(query).all()]


# -- processed events ----------------------------------------------------------------------------


def event_seen(conn: Connection, provider: str, event_id: str) -> bool:
    return (
        conn.execute(
            sa.select(provider_events.c.event_id).where(
                provider_events.c.provider == provider, provider_events.c.event_id == event_id
            )
        ).first()
        is not None
    )


def record_event(conn: Connection, **values: Any) -> bool:
    """Record a provider event once per (provider, event id); False when it already was.

    A concurrent unit recording the same event makes this one wait on the key, then see the
    conflict (and not fail), so its caller can roll back what it applied.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = conn.execute(
        dialect.insert(provider_events)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
    )
    return bool(inserted.rowcount)


def count_events(conn: Connection, provider: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(provider_events)
    if provider:
        query = query.where(provider_events.c.provider == provider)
    return int(conn.execute(query).scalar_one())


# -- refunds -------------------------------------------------------------------------------------


def _refund(row: Any) -> Refund:
    return Refund(
        id=row.id,
        organization_id=row.organization_id,
        payment_id=row.payment_id,
        amount=Money.from_minor(row.amount_minor, row.currency),
        status=row.status,
        provider=row.provider,
        provider_reference=row.provider_reference,
        allocations=tuple(
            (item[0], Money.from_minor(int(item[1]), row.currency))
            for item in (row.allocations or [])
        ),
        created_at=row.created_at,
    )


def insert_refund(conn: Connection, refund: Refund, now: dt.datetime) -> None:
    conn.execute(
        refunds.insert().values(
            id=refund.id,
            organization_id=refund.organization_id,
            payment_id=refund.payment_id,
            provider=refund.provider,
            provider_reference=refund.provider_reference,
            currency=refund.amount.currency,
            amount_minor=refund.amount.minor_units,
            status=refund.status,
            allocations=[[i, m.minor_units] for i, m in refund.allocations],
            created_at=refund.created_at or now,
        )
    )


def refunds_of(conn: Connection, payment_id: str) -> list[Refund]:
    rows = conn.execute(
        sa.select(refunds).where(refunds.c.payment_id == payment_id).order_by(refunds.c.created_at)
    ).all()
    return [_refund(r) for r in rows]


def refund_by_reference(conn: Connection, provider: str, reference: str) -> Refund | None:
    row = conn.execute(
        sa.select(refunds).where(
            refunds.c.provider == provider, refunds.c.provider_reference == reference
        )
    ).first()
    return _refund(row) if row is not None else None
