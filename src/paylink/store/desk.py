"""Queries for the merchant's desk: its users, API keys and failed sign-ins, and the bank
position it shows (the last closing balance per account)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import bank_statements, desk_api_keys, desk_login_failures, desk_users

__all__ = [
    "add_failure",
    "clear_failures",
    "closing_balances",
    "count_failures",
    "find_key",
    "get_key",
    "get_user",
    "insert_key",
    "insert_user",
    "list_keys",
    "list_users",
    "revoke_key",
    "take_turn",
    "touch_key",
    "update_user",
    "user_by_email",
]


def insert_user(conn: Connection, values: dict[str, Any]) -> None:
    """Add a desk user (``values`` are the row's columns)."""
    conn.execute(desk_users.insert().values(**values))


def user_by_email(conn: Connection, email: str) -> Any | None:
    """The user row with this (normalised) e-mail, or None."""
    return conn.execute(sa.select(desk_users).where(desk_users.c.email == email)).first()


def get_user(conn: Connection, user_id: str) -> Any | None:
    """The user row with this id, or None."""
    return conn.execute(sa.select(desk_users).where(desk_users.c.id == user_id)).first()


def take_turn(conn: Connection, email: str, client: str) -> None:
    """Hold the e-mail's and the client address's turn until the transaction ends, so
    concurrent sign-ins for one e-mail (known or not) or from one address count their failures
    one after the other and no burst gets past a limit (PostgreSQL: transaction-level advisory
    locks, taken in one order everywhere; SQLite's ``BEGIN IMMEDIATE`` serializes writers
    anyway)."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted((f"paylink-login-email:{email}", f"paylink-login-ip:{client}")):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def list_users(conn: Connection, org_id: str) -> list[Any]:
    """The organization's users, by e-mail."""
    return list(
        conn.execute(
            sa.select(desk_users)
            .where(desk_users.c.organization_id == org_id)
            .order_by(desk_users.c.email)
        ).all()
    )


def update_user(conn: Connection, user_id: str, **values: Any) -> None:
    """Change columns of one user row."""
    conn.execute(desk_users.update().where(desk_users.c.id == user_id).values(**values))


def insert_key(conn: Connection, values: dict[str, Any]) -> None:
    """Add an API key (its hash, never the key)."""
    conn.execute(desk_api_keys.insert().values(**values))


def find_key(conn: Connection, key_hash: str) -> Any | None:
    """The key row with this hash, or None."""
    return conn.execute(
        sa.select(desk_api_keys).where(desk_api_keys.c.key_hash == key_hash)
    ).first()


def get_key(conn: Connection, org_id: str, key_id: str) -> Any | None:
    """The organization's key row with this id, or None (another organization's key is
    None too)."""
    return conn.execute(
        sa.select(desk_api_keys).where(
            desk_api_keys.c.id == key_id, desk_api_keys.c.organization_id == org_id
        )
    ).first()


def list_keys(conn: Connection, org_id: str) -> list[Any]:
    """The organization's keys, oldest first (revoked ones included)."""
    return list(
        conn.execute(
            sa.select(desk_api_keys)
            .where(desk_api_keys.c.organization_id == org_id)
            .order_by(desk_api_keys.c.created_at, desk_api_keys.c.id)
        ).all()
    )


def revoke_key(conn: Connection, org_id: str, key_id: str, now: dt.datetime) -> bool:
    """Revoke the organization's key; False when it has no such live key."""
    done = conn.execute(
        desk_api_keys.update()
        .where(
            desk_api_keys.c.id == key_id,
            desk_api_keys.c.organization_id == org_id,
            desk_api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(done.rowcount)


def touch_key(conn: Connection, key_id: str, now: dt.datetime) -> None:
    """Note when a key was last used."""
    conn.execute(
        desk_api_keys.update().where(desk_api_keys.c.id == key_id).values(last_used_at=now)
    )


def count_failures(
    conn: Connection, since: dt.datetime, *, email: str | None = None, ip: str | None = None
) -> int:
    """Failed sign-ins since ``since`` for the e-mail or from the address (one of them)."""
    if email is not None:
        where = desk_login_failures.c.email == email
    elif ip is not None:
        where = desk_login_failures.c.ip == ip
    else:
        raise TypeError("count_failures needs email or ip")
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(desk_login_failures)
            .where(where, desk_login_failures.c.at >= since)
        ).scalar_one()
    )


def add_failure(conn: Connection, failure_id: str, email: str, ip: str, now: dt.datetime) -> None:
    """Record one failed sign-in."""
    conn.execute(desk_login_failures.insert().values(id=failure_id, email=email, ip=ip, at=now))


def clear_failures(conn: Connection, email: str) -> None:
    """Forget an account's failures (after a successful sign-in)."""
    conn.execute(desk_login_failures.delete().where(desk_login_failures.c.email == email))


def closing_balances(conn: Connection, org_id: str) -> list[tuple[str, str, int, dt.date | None]]:
    """``(account, currency, closing balance in minor units, its date)`` of the latest
    statement with a closing balance, per account, by account."""
    s = bank_statements
    rows = conn.execute(
        sa.select(s.c.account, s.c.currency, s.c.closing_minor, s.c.closing_date, s.c.row_id)
        .where(s.c.organization_id == org_id, s.c.closing_minor.is_not(None))
        .order_by(s.c.account, s.c.closing_date, s.c.row_id)
    ).all()
    latest: dict[str, tuple[str, str, int, dt.date | None]] = {}
    for row in rows:
        latest[row.account] = (row.account, row.currency, int(row.closing_minor), row.closing_date)
    return [latest[a] for a in sorted(latest)]
