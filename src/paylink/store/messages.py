"""Queries for the outbox (outgoing messages), saved templates, channel settings and opt-outs.

Claiming work: :func:`claim_due` marks due messages as ``sending`` with a lease
(``claimed_until``) and a claim token, in a short transaction of its own. On PostgreSQL the
rows are picked with ``FOR UPDATE SKIP LOCKED``, so several workers never pick the same
message; on SQLite the transaction's ``BEGIN IMMEDIATE`` serialises the claim. A message whose
lease ran out (its worker died) is claimable again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..exceptions import NotFound
from ..links import Addresses, seal_tokens
from ..notify import OutgoingMessage
from . import links as link_queries
from ._bulk import insert_many
from .schema import (
    channel_settings,
    inbound_messages,
    message_optouts,
    message_templates,
    messages,
)

_DATA_FIELDS = ("sender", "sender_name", "reply_to")

# A message keeps the URLs of its pages with the token's hash in place of the token (the store
# keeps no token, the outbox included); they are rebuilt from the secret when read.
_SEALED = re.compile(r"/(pay|quote|portal)/\{token:([0-9a-f]{64})\}")


def _unseal(conn: Connection, text: str, addresses: Addresses) -> str:
    def rebuilt(m: re.Match[str]) -> str:
        token = link_queries.token_for_hash(conn, m[1], m[2], addresses)
        # a URL whose link or page is gone stays sealed: it would lead nowhere anyway
        return f"/{m[1]}/{token}" if token else m[0]

    return _SEALED.sub(rebuilt, text) if "{token:" in text else text


def _message_row(msg: OutgoingMessage, now: dt.datetime) -> dict[str, Any]:
    data: dict[str, Any] = {k: getattr(msg, k) for k in _DATA_FIELDS}
    data["metadata"] = dict(msg.metadata)
    return {
        "id": msg.id,
        "organization_id": msg.organization_id,
        "kind": msg.kind,
        "channel_kind": msg.channel_kind,
        "channel": msg.channel,
        "recipient": msg.recipient,
        "customer_id": msg.customer_id,
        "document_id": msg.document_id,
        "link_id": msg.link_id,
        "language": msg.language,
        "subject": seal_tokens(msg.subject),
        "text": seal_tokens(msg.text),
        "html": seal_tokens(msg.html),
        "status": msg.status,
        "attempts": msg.attempts,
        "next_attempt_at": msg.next_attempt_at,
        "claimed_until": None,
        "claim_token": None,
        "provider_message_id": msg.provider_message_id,
        "provider_status": msg.provider_status,
        "error": msg.error,
        "segments": msg.segments,
        "encoding": msg.encoding,
        "data": data,
        "created_at": msg.created_at or now,
        "updated_at": now,
        "sent_at": msg.sent_at,
        "delivered_at": msg.delivered_at,
    }


_INSERT_MESSAGE = messages.insert()


def insert_message(conn: Connection, msg: OutgoingMessage, now: dt.datetime) -> None:
    conn.execute(_INSERT_MESSAGE, _message_row(msg, now))


def insert_messages(conn: Connection, found: Sequence[OutgoingMessage], now: dt.datetime) -> None:
    """Store many messages at once (a multi-row insert on PostgreSQL)."""
    insert_many(conn, _INSERT_MESSAGE, [_message_row(m, now) for m in found])


def _from_row(conn: Connection, row: Any, addresses: Addresses) -> OutgoingMessage:
    data = dict(row.data or {})
    return OutgoingMessage(
        id=row.id,
        organization_id=row.organization_id,
        kind=row.kind,
        channel_kind=row.channel_kind,
        channel=row.channel,
        recipient=row.recipient,
        sender=data.get("sender"),
        sender_name=data.get("sender_name") or "",
        reply_to=data.get("reply_to"),
        subject=_unseal(conn, row.subject, addresses),
        text=_unseal(conn, row.text, addresses),
        html=_unseal(conn, row.html, addresses),
        language=row.language,
        customer_id=row.customer_id,
        document_id=row.document_id,
        link_id=row.link_id,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        provider_message_id=row.provider_message_id,
        provider_status=row.provider_status,
        error=row.error,
        segments=row.segments,
        encoding=row.encoding,
        created_at=row.created_at,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
        metadata=data.get("metadata") or {},
    )


def get_message(
    conn: Connection, message_id: str, addresses: Addresses, *, for_update: bool = False
) -> OutgoingMessage:
    query = sa.select(messages).where(messages.c.id == message_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no message {message_id!r}")
    return _from_row(conn, row, addresses)


def claim_token_of(conn: Connection, message_id: str) -> str | None:
    return conn.execute(
        sa.select(messages.c.claim_token).where(messages.c.id == message_id)
    ).scalar_one_or_none()


def list_messages(
    conn: Connection,
    org_id: str,
    addresses: Addresses,
    *,
    statuses: Sequence[str] | None = None,
    customer_id: str | None = None,
    document_id: str | None = None,
    link_id: str | None = None,
    kind: str | None = None,
) -> list[OutgoingMessage]:
    query = sa.select(messages).where(messages.c.organization_id == org_id)
    if statuses is not None:
        query = query.where(messages.c.status.in_(list(statuses)))
    if customer_id is not None:
        query = query.where(messages.c.customer_id == customer_id)
    if document_id is not None:
        query = query.where(messages.c.document_id == document_id)
    if link_id is not None:
        query = query.where(messages.c.link_id == link_id)
    if kind is not None:
        query = query.where(messages.c.kind == kind)
    rows = conn.execute(query.order_by(messages.c.created_at, messages.c.id))
    return [_from_row(conn, r, addresses) for r in rows]


def claim_due(
    conn: Connection, *, now: dt.datetime, lease_until: dt.datetime, token: str, limit: int
) -> list[str]:
    """Claim up to ``limit`` due messages for one worker; return their ids, oldest due first."""
    query = (
        sa.select(messages.c.id)
        .where(
            messages.c.status.in_(["queued", "sending"]),
            messages.c.next_attempt_at <= now,
            sa.or_(messages.c.claimed_until.is_(None), messages.c.claimed_until < now),
        )
        .order_by(messages.c.next_attempt_at, messages.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = [r.id for r in conn.execute(query)]
    if ids:
        conn.execute(
            messages.update()
            .where(messages.c.id.in_(ids))
            .values(status="sending", claimed_until=lease_until, claim_token=token, updated_at=now)
        )
    return ids


def update_message(
    conn: Connection, message_id: str, now: dt.datetime, *, token: str | None = None, **values: Any
) -> bool:
    """Update a message; with ``token``, only while this worker's claim holds. True if updated."""
    query = messages.update().where(messages.c.id == message_id)
    if token is not None:
        query = query.where(messages.c.claim_token == token)
    result = conn.execute(query.values(updated_at=now, **values))
    return bool(result.rowcount)


def find_by_provider_id(
    conn: Connection,
    channel: str,
    provider_message_id: str,
    addresses: Addresses,
    org_id: str | None = None,
) -> OutgoingMessage | None:
    query = sa.select(messages).where(
        messages.c.channel == channel, messages.c.provider_message_id == provider_message_id
    )
    if org_id is not None:
        query = query.where(messages.c.organization_id == org_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _from_row(conn, row, addresses) if row else None


def count_by_status(conn: Connection, org_id: str | None = None) -> dict[str, int]:
    query = sa.select(messages.c.status, sa.func.count()).group_by(messages.c.status)
    if org_id is not None:
        query = query.where(messages.c.organization_id == org_id)
    return {status: int(n) for status, n in conn.execute(query)}


# --- saved templates --------------------------------------------------------------------------


def save_template(
    conn: Connection,
    org_id: str,
    *,
    kind: str,
    channel_kind: str,
    language: str,
    subject: str,
    body: str,
    now: dt.datetime,
) -> None:
    key = {
        "organization_id": org_id,
        "kind": kind,
        "channel_kind": channel_kind,
        "language": language,
    }
    delete_template(conn, org_id, kind=kind, channel_kind=channel_kind, language=language)
    conn.execute(
        message_templates.insert(), {**key, "subject": subject, "body": body, "updated_at": now}
    )


def delete_template(
    conn: Connection, org_id: str, *, kind: str, channel_kind: str, language: str
) -> bool:
    result = conn.execute(
        message_templates.delete().where(
            message_templates.c.organization_id == org_id,
            message_templates.c.kind == kind,
            message_templates.c.channel_kind == channel_kind,
            message_templates.c.language == language,
        )
    )
    return bool(result.rowcount)


def get_template(
    conn: Connection, org_id: str, *, kind: str, channel_kind: str, language: str
) -> tuple[str, str] | None:
    row = conn.execute(
        sa.select(message_templates.c.subject, message_templates.c.body).where(
            message_templates.c.organization_id == org_id,
            message_templates.c.kind == kind,
            message_templates.c.channel_kind == channel_kind,
            message_templates.c.language == language,
        )
    ).first()
    return (row.subject, row.body) if row else None


def list_templates(conn: Connection, org_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(message_templates)
        .where(message_templates.c.organization_id == org_id)
        .order_by(
            message_templates.c.kind, message_templates.c.channel_kind, message_templates.c.language
        )
    )
    return [dict(r._mapping) for r in rows]


# --- channel settings -------------------------------------------------------------------------


def set_settings(
    conn: Connection, org_id: str, channel: str, settings: Mapping[str, Any], now: dt.datetime
) -> None:
    conn.execute(
        channel_settings.delete().where(
            channel_settings.c.organization_id == org_id, channel_settings.c.channel == channel
        )
    )
    conn.execute(
        channel_settings.insert(),
        {
            "organization_id": org_id,
            "channel": channel,
            "settings": dict(settings),
            "updated_at": now,
        },
    )


def get_settings(conn: Connection, org_id: str, channel: str) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(channel_settings.c.settings).where(
            channel_settings.c.organization_id == org_id, channel_settings.c.channel == channel
        )
    ).first()
    return dict(row.settings) if row else None


def configured_channels(conn: Connection, org_id: str) -> list[str]:
    rows = conn.execute(
        sa.select(channel_settings.c.channel)
        .where(channel_settings.c.organization_id == org_id)
        .order_by(channel_settings.c.updated_at)
    )
    return [r.channel for r in rows]


def remove_settings(conn: Connection, org_id: str, channel: str) -> None:
    conn.execute(
        channel_settings.delete().where(
            channel_settings.c.organization_id == org_id, channel_settings.c.channel == channel
        )
    )


# --- opt-outs and inbound messages ------------------------------------------------------------


def set_optout(
    conn: Connection,
    org_id: str,
    channel_kind: str,
    address: str,
    opted_out: bool,
    *,
    source: str,
    now: dt.datetime,
) -> None:
    conn.execute(
        message_optouts.delete().where(
            message_optouts.c.organization_id == org_id,
            message_optouts.c.channel_kind == channel_kind,
            message_optouts.c.address == address,
        )
    )
    conn.execute(
        message_optouts.insert(),
        {
            "organization_id": org_id,
            "channel_kind": channel_kind,
            "address": address,
            "opted_out": opted_out,
            "source": source,
            "updated_at": now,
        },
    )


def is_opted_out(conn: Connection, org_id: str, channel_kind: str, address: str) -> bool:
    row = conn.execute(
        sa.select(message_optouts.c.opted_out).where(
            message_optouts.c.organization_id == org_id,
            message_optouts.c.channel_kind == channel_kind,
            message_optouts.c.address == address,
        )
    ).first()
    return bool(row and row.opted_out)


def insert_inbound(
    conn: Connection,
    *,
    id: str,
    org_id: str,
    channel: str,
    sender: str,
    text: str,
    provider_message_id: str | None,
    customer_id: str | None,
    now: dt.datetime,
) -> bool:
    """Store an inbound message once per provider id; False when it was already stored."""
    if provider_message_id:
        seen = conn.execute(
            sa.select(inbound_messages.c.id).where(
                inbound_messages.c.channel == channel,
                inbound_messages.c.provider_message_id == provider_message_id,
            )
        ).first()
        if seen:
            return False
    conn.execute(
        inbound_messages.insert(),
        {
            "id": id,
            "organization_id": org_id,
            "channel": channel,
            "sender": sender,
            "text": text,
            "provider_message_id": provider_message_id,
            "customer_id": customer_id,
            "received_at": now,
        },
    )
    return True


def list_inbound(conn: Connection, org_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(inbound_messages)
        .where(inbound_messages.c.organization_id == org_id)
        .order_by(inbound_messages.c.received_at, inbound_messages.c.id)
    )
    return [dict(r._mapping) for r in rows]


def send_now(conn: Connection, message_id: str, now: dt.datetime) -> None:
    """Make a queued message due at ``now`` (quiet hours do not hold it back)."""
    conn.execute(messages.update().where(messages.c.id == message_id).values(next_attempt_at=now))
