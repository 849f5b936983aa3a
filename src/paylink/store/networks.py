"""Queries for e-invoice networks: accounts, deliveries, the participant cache, received ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..exceptions import NotFound
from ..networks import EInvoiceDelivery, NetworkAccount, Participant, ReceivedEInvoice
from ..parties import PartyId
from . import _accounts
from .schema import (
    documents,
    einvoice_accounts,
    einvoice_deliveries,
    einvoice_participants,
    einvoice_received,
)

# -- accounts ------------------------------------------------------------------------------------


def _account(row: Any, base_url: str, secret: frozenset[str]) -> NetworkAccount:
    return NetworkAccount(
        id=row.id,
        organization_id=row.organization_id,
        network=row.network,
        settings=dict(row.settings or {}),
        secret_settings=secret,
        webhook_url=f"{base_url}/webhooks/einvoice/{row.network}/{row.id}",
        send_invoices=bool(row.send_invoices),
        active=bool(row.active),
        created_at=row.created_at,
    )


def upsert_account(
    conn: Connection,
    *,
    account_id: str,
    org_id: str,
    network: str,
    settings: dict[str, Any],
    send_invoices: bool,
    now: dt.datetime,
) -> str:
    """Store the organization's account at ``network``; an existing one keeps its id."""
    return _accounts.upsert_account(
        conn,
        einvoice_accounts,
        "network",
        account_id=account_id,
        org_id=org_id,
        plugin=network,
        values={"settings": settings, "send_invoices": send_invoices},
        now=now,
    )


def deactivate_account(conn: Connection, org_id: str, network: str, now: dt.datetime) -> bool:
    """Disconnect the organization from ``network``; whether it was connected."""
    return _accounts.deactivate_account(conn, einvoice_accounts, "network", org_id, network, now)


def get_account(
    conn: Connection, account_id: str, base_url: str, secret: frozenset[str] = frozenset()
) -> NetworkAccount:
    """The account with this id (active or not)."""
    row = _accounts.account_row(conn, einvoice_accounts, account_id)
    if row is None:
        raise NotFound(f"no e-invoice network account {account_id!r}")
    return _account(row, base_url, secret)


def active_account(
    conn: Connection, org_id: str, base_url: str, secret_of: Any = None
) -> NetworkAccount | None:
    """The organization's connected network account (the latest connected), or ``None``."""
    t = einvoice_accounts
    row = conn.execute(
        sa.select(t)
        .where(t.c.organization_id == org_id, t.c.active.is_(True))
        .order_by(t.c.updated_at.desc(), t.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return _account(row, base_url, secret_of(row.network) if secret_of else frozenset())


def active_accounts(conn: Connection, base_url: str, secret_of: Any = None) -> list[NetworkAccount]:
    """Every connected network account, oldest first."""
    t = einvoice_accounts
    rows = conn.execute(sa.select(t).where(t.c.active.is_(True)).order_by(t.c.created_at)).all()
    return [_account(r, base_url, secret_of(r.network) if secret_of else frozenset()) for r in rows]


# -- deliveries ----------------------------------------------------------------------------------


def _history(raw: Any) -> tuple[tuple[str, dt.datetime, str], ...]:
    return tuple((str(h[0]), dt.datetime.fromisoformat(h[1]), str(h[2] or "")) for h in (raw or []))


def _delivery(row: Any) -> EInvoiceDelivery:
    return EInvoiceDelivery(
        id=row.id,
        organization_id=row.organization_id,
        document_id=row.document_id,
        via=row.via,
        status=row.status,
        receiver=row.receiver,
        network=row.network,
        account_id=row.account_id,
        network_id=row.network_id,
        message_id=row.message_id,
        reason=row.reason,
        history=_history(row.history),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _history_json(history: Sequence[tuple[str, dt.datetime, str]]) -> list[list[str]]:
    return [[status, at.isoformat(), detail] for status, at, detail in history]


def insert_delivery(conn: Connection, delivery: EInvoiceDelivery, now: dt.datetime) -> None:
    """Record a new delivery."""
    conn.execute(
        einvoice_deliveries.insert().values(
            id=delivery.id,
            organization_id=delivery.organization_id,
            document_id=delivery.document_id,
            via=delivery.via,
            status=delivery.status,
            receiver=delivery.receiver,
            network=delivery.network,
            account_id=delivery.account_id,
            network_id=delivery.network_id,
            message_id=delivery.message_id,
            reason=delivery.reason,
            history=_history_json(delivery.history),
            created_at=now,
            updated_at=now,
        )
    )


def update_delivery(conn: Connection, delivery: EInvoiceDelivery, now: dt.datetime) -> None:
    """Write the delivery's status, reason and history."""
    conn.execute(
        einvoice_deliveries.update()
        .where(einvoice_deliveries.c.id == delivery.id)
        .values(
            status=delivery.status,
            reason=delivery.reason,
            network_id=delivery.network_id,
            history=_history_json(delivery.history),
            updated_at=now,
        )
    )


def get_delivery(
    conn: Connection, delivery_id: str, *, for_update: bool = False
) -> EInvoiceDelivery:
    """The delivery with this id."""
    query = sa.select(einvoice_deliveries).where(einvoice_deliveries.c.id == delivery_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no e-invoice delivery {delivery_id!r}")
    return _delivery(row)


def delivery_by_network_id(
    conn: Connection, network: str, network_id: str, *, for_update: bool = False
) -> EInvoiceDelivery | None:
    """The delivery the network knows as ``network_id``, if any."""
    t = einvoice_deliveries
    query = sa.select(t).where(t.c.network == network, t.c.network_id == network_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _delivery(row) if row is not None else None


def deliveries_of(conn: Connection, document_id: str) -> list[EInvoiceDelivery]:
    """The document's deliveries, oldest first."""
    t = einvoice_deliveries
    rows = conn.execute(
        sa.select(t).where(t.c.document_id == document_id).order_by(t.c.created_at, t.c.id)
    ).all()
    return [_delivery(r) for r in rows]


def pending_deliveries(conn: Connection, org_id: str | None) -> list[EInvoiceDelivery]:
    """Network deliveries not yet delivered or refused (of one organization, or all)."""
    t = einvoice_deliveries
    query = sa.select(t).where(t.c.via == "network", t.c.status.in_(("queued", "sent")))
    if org_id is not None:
        query = query.where(t.c.organization_id == org_id)
    return [_delivery(r) for r in conn.execute(query.order_by(t.c.created_at, t.c.id)).all()]


def refused_deliveries(
    conn: Connection, org_id: str, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, EInvoiceDelivery]]:
    """The organization's deliveries refused in ``(since, until]`` with their document's
    number, oldest first."""
    t = einvoice_deliveries
    rows = conn.execute(
        sa.select(t, documents.c.number.label("document_number"))
        .join(documents, documents.c.id == t.c.document_id)
        .where(
            t.c.organization_id == org_id,
            t.c.status == "refused",
            t.c.updated_at > since,
            t.c.updated_at <= until,
        )
        .order_by(t.c.updated_at, t.c.id)
    ).all()
    return [(str(r.document_number or r.document_id), _delivery(r)) for r in rows]


def recent_deliveries(
    conn: Connection, org_id: str, limit: int
) -> list[tuple[str, EInvoiceDelivery]]:
    """The organization's latest ``limit`` deliveries, newest first, each with its document's
    number."""
    t = einvoice_deliveries
    rows = conn.execute(
        sa.select(t, documents.c.number.label("document_number"))
        .join(documents, documents.c.id == t.c.document_id)
        .where(t.c.organization_id == org_id)
        .order_by(t.c.created_at.desc(), t.c.id.desc())
        .limit(limit)
    ).all()
    return [(str(r.document_number or r.document_id), _delivery(r)) for r in rows]


# -- participant cache ---------------------------------------------------------------------------


def cached_participant(
    conn: Connection, network: str, party: PartyId, now: dt.datetime
) -> tuple[bool, Participant | None]:
    """``(True, participant or None)`` when the cache has an unexpired answer, else
    ``(False, None)``."""
    t = einvoice_participants
    row = conn.execute(
        sa.select(t).where(
            t.c.network == network, t.c.scheme == party.scheme, t.c.identifier == party.value
        )
    ).first()
    if row is None or row.expires_at <= now:
        return False, None
    if not row.found:
        return True, None
    return True, Participant(
        id=party, name=row.name, document_types=tuple(row.document_types or ())
    )


def cache_participant(
    conn: Connection,
    network: str,
    party: PartyId,
    participant: Participant | None,
    expires_at: dt.datetime,
) -> None:
    """Remember the network's answer about ``party`` until ``expires_at``."""
    t = einvoice_participants
    values = {
        "found": participant is not None,
        "name": participant.name if participant else None,
        "document_types": list(participant.document_types) if participant else [],
        "expires_at": expires_at,
    }
    # two workers asking about the same buyer at once: the later answer wins, neither fails
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(t)
        .values(network=network, scheme=party.scheme, identifier=party.value, **values)
        .on_conflict_do_update(index_elements=["network", "scheme", "identifier"], set_=values)
    )


# -- received documents --------------------------------------------------------------------------


def received(conn: Connection, account_id: str, network_id: str) -> str | None:
    """The purchase a received document became, or ``None`` when it is not recorded yet."""
    t = einvoice_received
    found = conn.execute(
        sa.select(t.c.purchase_id).where(t.c.account_id == account_id, t.c.network_id == network_id)
    ).first()
    return None if found is None else str(found.purchase_id or "")


def record_received(
    conn: Connection,
    *,
    account_id: str,
    network_id: str,
    org_id: str,
    purchase_id: str | None,
    error: str | None,
    now: dt.datetime,
) -> None:
    """Remember that the document ``network_id`` was recorded (or refused with ``error``)."""
    conn.execute(
        einvoice_received.insert().values(
            account_id=account_id,
            network_id=network_id,
            organization_id=org_id,
            purchase_id=purchase_id,
            error=error,
            received_at=now,
        )
    )


def received_documents(
    conn: Connection,
    org_id: str,
    *,
    refused_only: bool = False,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[ReceivedEInvoice]:
    """The documents the organization received over its networks, oldest first: all, or only
    the refused ones (unreadable: no purchase invoice), received in ``(since, until]``."""
    t = einvoice_received
    query = (
        sa.select(t, einvoice_accounts.c.network)
        .join(einvoice_accounts, einvoice_accounts.c.id == t.c.account_id)
        .where(t.c.organization_id == org_id)
    )
    if refused_only:
        query = query.where(t.c.purchase_id.is_(None))
    if since is not None:
        query = query.where(t.c.received_at > since)
    if until is not None:
        query = query.where(t.c.received_at <= until)
    rows = conn.execute(query.order_by(t.c.received_at, t.c.network_id)).all()
    return [
        ReceivedEInvoice(
            account_id=r.account_id,
            network=r.network,
            network_id=r.network_id,
            organization_id=r.organization_id,
            purchase_id=r.purchase_id,
            error=r.error,
            received_at=r.received_at,
        )
        for r in rows
    ]
