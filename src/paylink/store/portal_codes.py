"""Queries for the portal's one-time codes: the codes sent, their limits and wrong tries."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import access_tokens, portal_codes

__all__ = ["add_code", "add_wrong_try", "count_sent", "live_codes", "lock_token", "mark_used"]


def lock_token(conn: Connection, token_hash: str) -> None:
    """Lock the portal token's row until the transaction ends, so that two processes checking
    the same link's limits take turns (PostgreSQL; SQLite serializes writers anyway)."""
    conn.execute(
        sa.select(access_tokens.c.token_hash)
        .where(access_tokens.c.token_hash == token_hash)
        .with_for_update()
    )


def count_sent(
    conn: Connection,
    since: dt.datetime,
    *,
    token_hash: str | None = None,
    phone: str | None = None,
    org_id: str | None = None,
) -> int:
    """How many codes were sent since ``since`` for the link, to the phone or by the
    organization (exactly one of them)."""
    if token_hash is not None:
        where = portal_codes.c.token_hash == token_hash
    elif phone is not None:
        where = portal_codes.c.phone == phone
    elif org_id is not None:
        where = portal_codes.c.organization_id == org_id
    else:
        raise TypeError("count_sent needs token_hash, phone or org_id")
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(portal_codes)
            .where(where, portal_codes.c.created_at >= since)
        ).scalar_one()
    )


def add_code(
    conn: Connection,
    *,
    code_id: str,
    org_id: str,
    token_hash: str,
    phone: str,
    code_hash: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Record a code just sent (its hash only)."""
    conn.execute(
        portal_codes.insert().values(
            id=code_id,
            organization_id=org_id,
            token_hash=token_hash,
            phone=phone,
            code_hash=code_hash,
            created_at=now,
            expires_at=expires_at,
            wrong_tries=0,
        )
    )


def live_codes(
    conn: Connection, token_hash: str, now: dt.datetime, max_tries: int
) -> list[tuple[str, str]]:
    """``(id, code_hash)`` of the link's codes still usable: unexpired, unused and with fewer
    than ``max_tries`` wrong tries."""
    rows = conn.execute(
        sa.select(portal_codes.c.id, portal_codes.c.code_hash).where(
            portal_codes.c.token_hash == token_hash,
            portal_codes.c.expires_at > now,
            portal_codes.c.used_at.is_(None),
            portal_codes.c.wrong_tries < max_tries,
        )
    ).all()
    return [(r.id, r.code_hash) for r in rows]


def add_wrong_try(conn: Connection, code_ids: list[str]) -> None:
    """Count one wrong try against each of these codes."""
    if code_ids:
        conn.execute(
            portal_codes.update()
            .where(portal_codes.c.id.in_(code_ids))
            .values(wrong_tries=portal_codes.c.wrong_tries + 1)
        )


def mark_used(conn: Connection, code_id: str, now: dt.datetime) -> None:
    """A right code opens the portal once."""
    conn.execute(portal_codes.update().where(portal_codes.c.id == code_id).values(used_at=now))
