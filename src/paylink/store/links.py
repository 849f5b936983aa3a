"""Queries for payment links, their history, and public access tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..exceptions import NotFound
from ..links import LinkEvent, PaymentLink
from ..money import Money
from ._bulk import insert_many
from .schema import LINK_NOT_FINAL, access_tokens, documents, link_events, payment_links


def token_hash(token: str) -> str:
    """What the store indexes instead of the token: lookups never compare secrets directly."""
    return hashlib.sha256(token.encode()).hexdigest()


def _values(link: PaymentLink) -> dict[str, Any]:
    return {
        "organization_id": link.organization_id,
        "invoice_id": link.invoice_id,
        "customer_id": link.customer_id,
        "currency": link.amount.currency,
        "amount_minor": link.amount.minor_units,
        "status": link.status,
        "reference": link.reference,
        "description": link.description,
        "data": {"invoice_ids": list(link.invoice_ids)},
        "expires_at": link.expires_at,
    }


def insert_link(conn: Connection, link: PaymentLink, now: dt.datetime) -> None:
    conn.execute(
        payment_links.insert(),
        {
            "id": link.id,
            "token": link.token,
            "token_hash": token_hash(link.token),
            "created_at": link.created_at or now,
            "updated_at": now,
            **_values(link),
        },
    )
    _insert_events(conn, link.id, link.history, 0)


_INSERT_EVENTS = link_events.insert()


def _event_rows(link_id: str, events: Sequence[LinkEvent], start: int) -> list[dict[str, Any]]:
    return [
        {
            "link_id": link_id,
            "position": start + i,
            "at": e.at,
            "status": e.status,
            "source": e.source,
            "detail": e.detail,
        }
        for i, e in enumerate(events)
    ]


def _insert_events(conn: Connection, link_id: str, events: Sequence[LinkEvent], start: int) -> None:
    if events:
        conn.execute(_INSERT_EVENTS, _event_rows(link_id, events, start))


_UPDATED_COLUMNS = (
    "organization_id", "invoice_id", "customer_id", "currency", "amount_minor", "status",
    "reference", "description", "data", "expires_at", "updated_at",
)  # fmt: skip
# built once, as every status change of every link runs it
_UPDATE_LINK = (
    payment_links.update()
    .where(payment_links.c.id == sa.bindparam("p_id"))
    .values({name: sa.bindparam(f"p_{name}") for name in _UPDATED_COLUMNS})
)


def update_link(
    conn: Connection, before: PaymentLink, after: PaymentLink, now: dt.datetime
) -> None:
    """Write ``after``; history entries it has beyond ``before`` are appended."""
    values = {**_values(after), "updated_at": now}
    conn.execute(
        _UPDATE_LINK, {"p_id": after.id, **{f"p_{name}": values[name] for name in _UPDATED_COLUMNS}}
    )
    _insert_events(conn, after.id, after.history[len(before.history) :], len(before.history))


_SET_STATUS = (
    payment_links.update()
    .where(payment_links.c.id == sa.bindparam("p_id"))
    .values(status=sa.bindparam("p_status"), updated_at=sa.bindparam("p_now"))
)
_SET_STATUSES_PG = sa.text(
    "UPDATE payment_links AS l SET status = v.status, updated_at = :now "
    "FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[])) AS v(id, status) "
    "WHERE l.id = v.id"
)


def update_link_statuses(
    conn: Connection, changes: Sequence[tuple[PaymentLink, PaymentLink]], now: dt.datetime
) -> None:
    """Write many ``(before, after)`` pairs of links whose status moved (nothing else): the
    statuses in one statement on PostgreSQL (an executemany on SQLite), and the history
    entries they gained in one multi-row insert."""
    if not changes:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _SET_STATUSES_PG,
            {
                "ids": [after.id for _, after in changes],
                "statuses": [after.status for _, after in changes],
                "now": now.astimezone(dt.UTC).replace(tzinfo=None),
            },
        )
    else:
        conn.execute(
            _SET_STATUS,
            [{"p_id": after.id, "p_status": after.status, "p_now": now} for _, after in changes],
        )
    events: list[dict[str, Any]] = []
    for before, after in changes:
        events.extend(
            _event_rows(after.id, after.history[len(before.history) :], len(before.history))
        )
    insert_many(conn, _INSERT_EVENTS, events)


def _load(conn: Connection, query: sa.Select[Any], base_url: str) -> list[PaymentLink]:
    rows = conn.execute(query).all()
    ids = [r.id for r in rows]
    history: dict[str, list[LinkEvent]] = {i: [] for i in ids}
    if ids:
        for e in conn.execute(
            sa.select(link_events)
            .where(link_events.c.link_id.in_(ids))
            .order_by(link_events.c.link_id, link_events.c.position)
        ):
            history[e.link_id].append(LinkEvent(e.at, e.status, e.source, e.detail))
    return [
        PaymentLink(
            id=r.id,
            organization_id=r.organization_id,
            token=r.token,
            amount=Money.from_minor(r.amount_minor, r.currency),
            status=r.status,
            invoice_id=r.invoice_id,
            invoice_ids=tuple((r.data or {}).get("invoice_ids", ())),
            customer_id=r.customer_id,
            reference=r.reference,
            description=r.description,
            url=f"{base_url}/pay/{r.token}",
            history=tuple(history[r.id]),
            created_at=r.created_at,
            expires_at=r.expires_at,
        )
        for r in rows
    ]


def get_link(
    conn: Connection, link_id: str, base_url: str, *, for_update: bool = False
) -> PaymentLink:
    query = sa.select(payment_links).where(payment_links.c.id == link_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = _load(conn, query, base_url)
    if not found:
        raise NotFound(f"no payment link {link_id!r}")
    return found[0]


def find_by_token(conn: Connection, token: str, base_url: str) -> PaymentLink | None:
    """The link with this token, or None (also for malformed tokens)."""
    found = _load(
        conn,
        sa.select(payment_links).where(payment_links.c.token_hash == token_hash(token)),
        base_url,
    )
    return found[0] if found else None


def active_for_invoice(conn: Connection, invoice_id: str, base_url: str) -> PaymentLink | None:
    found = _load(
        conn,
        sa.select(payment_links).where(
            payment_links.c.invoice_id == invoice_id,
            LINK_NOT_FINAL,
        ),
        base_url,
    )
    return found[0] if found else None


def list_links(
    conn: Connection,
    org_id: str,
    base_url: str,
    *,
    invoice_id: str | None = None,
    customer_id: str | None = None,
    statuses: Sequence[str] | None = None,
    without_invoice: bool = False,
) -> list[PaymentLink]:
    """The organization's links, oldest first; ``without_invoice`` keeps those that are not
    one invoice's (quick requests and pay-all links)."""
    query = sa.select(payment_links).where(payment_links.c.organization_id == org_id)
    if invoice_id is not None:
        query = query.where(payment_links.c.invoice_id == invoice_id)
    if without_invoice:
        query = query.where(payment_links.c.invoice_id.is_(None))
    if customer_id is not None:
        query = query.where(payment_links.c.customer_id == customer_id)
    if statuses is not None:
        query = query.where(payment_links.c.status.in_(list(statuses)))
    return _load(conn, query.order_by(payment_links.c.created_at, payment_links.c.id), base_url)


def links_settling(conn: Connection, invoice_id: str, base_url: str) -> list[PaymentLink]:
    """Open links through which ``invoice_id`` can be paid: its own, and pay-all links
    (oldest first)."""
    own = active_for_invoice(conn, invoice_id, base_url)
    result = [own] if own else []
    rows = _load(
        conn,
        sa.select(payment_links)
        .where(
            payment_links.c.invoice_id.is_(None),
            LINK_NOT_FINAL,
            payment_links.c.customer_id.in_(
                sa.select(documents.c.customer_id).where(documents.c.id == invoice_id)
            ),
        )
        .order_by(payment_links.c.created_at, payment_links.c.id),
        base_url,
    )
    result.extend(link for link in rows if invoice_id in link.invoice_ids)
    return result


def open_links_of(
    conn: Connection, invoice_ids: Sequence[str], customer_ids: Sequence[str], base_url: str
) -> tuple[dict[str, PaymentLink], list[PaymentLink]]:
    """For many invoices at once, what :func:`links_settling` reads for each: the active link
    of each invoice (by invoice id) and the open pay-all links of these customers (oldest
    first). Links are read after their invoices were locked (the lock order)."""
    own: dict[str, PaymentLink] = {}
    if invoice_ids:
        for link in _load(
            conn,
            sa.select(payment_links).where(
                payment_links.c.invoice_id.in_(sorted(set(invoice_ids))), LINK_NOT_FINAL
            ),
            base_url,
        ):
            assert link.invoice_id is not None
            own[link.invoice_id] = link
    pay_all: list[PaymentLink] = []
    if customer_ids:
        pay_all = _load(
            conn,
            sa.select(payment_links)
            .where(
                payment_links.c.invoice_id.is_(None),
                LINK_NOT_FINAL,
                payment_links.c.customer_id.in_(sorted(set(customer_ids))),
            )
            .order_by(payment_links.c.created_at, payment_links.c.id),
            base_url,
        )
    return own, pay_all


# --- access tokens (quote approval, customer portal) ------------------------------------------


def create_access_token(
    conn: Connection, *, token: str, org_id: str, kind: str, object_id: str, now: dt.datetime
) -> None:
    conn.execute(
        access_tokens.insert(),
        {
            "token_hash": token_hash(token),
            "token": token,
            "organization_id": org_id,
            "kind": kind,
            "object_id": object_id,
            "created_at": now,
            "expires_at": None,
            "revoked": False,
        },
    )


def access_token_for(conn: Connection, kind: str, object_id: str) -> str | None:
    """The current token giving access to ``object_id``, if one was made."""
    row = conn.execute(
        sa.select(access_tokens.c.token).where(
            access_tokens.c.kind == kind,
            access_tokens.c.object_id == object_id,
            access_tokens.c.revoked.is_(False),
        )
    ).first()
    return row.token if row else None


def resolve_access_token(
    conn: Connection, token: str, kind: str | tuple[str, ...], now: dt.datetime
) -> tuple[str, str] | None:
    """``(organization_id, object_id)`` for a valid token of ``kind``, else None."""
    found = resolve_access_token_kind(conn, token, kind, now)
    return None if found is None else (found[0], found[1])


def resolve_access_token_kind(
    conn: Connection, token: str, kind: str | tuple[str, ...], now: dt.datetime
) -> tuple[str, str, str] | None:
    """``(organization_id, object_id, kind)`` for a valid token of one of ``kind``, else None."""
    kinds = (kind,) if isinstance(kind, str) else kind
    row = conn.execute(
        sa.select(access_tokens).where(access_tokens.c.token_hash == token_hash(token))
    ).first()
    if row is None or row.kind not in kinds or row.revoked:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row.organization_id, row.object_id, row.kind


def revoke_access_tokens(conn: Connection, kind: str, object_id: str) -> None:
    conn.execute(
        access_tokens.update()
        .where(access_tokens.c.kind == kind, access_tokens.c.object_id == object_id)
        .values(revoked=True)
    )
