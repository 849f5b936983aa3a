"""Queries for the connected bank feeds: their settings and their sync state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import feed_accounts

__all__ = ["get_feed_account", "list_feed_accounts", "save_feed_account", "save_sync_state"]


def save_feed_account(
    conn: Connection,
    *,
    new_id: str,
    org_id: str,
    feed: str,
    settings: Mapping[str, Any],
    now: dt.datetime,
) -> str:
    """Store ``feed``'s settings for the organization (replacing earlier ones, keeping the
    sync state); returns the account id (``new_id`` for a first connection)."""
    row = conn.execute(
        sa.select(feed_accounts.c.id).where(
            feed_accounts.c.organization_id == org_id, feed_accounts.c.feed == feed
        )
    ).first()
    if row is None:
        conn.execute(
            feed_accounts.insert().values(
                id=new_id,
                organization_id=org_id,
                feed=feed,
                settings=dict(settings),
                state={},
                created_at=now,
            )
        )
        return new_id
    conn.execute(
        feed_accounts.update().where(feed_accounts.c.id == row.id).values(settings=dict(settings))
    )
    return str(row.id)


def list_feed_accounts(conn: Connection, org_id: str) -> list[Any]:
    """The organization's feed account rows (``id``, ``organization_id``, ``feed``,
    ``settings``, ``state``)."""
    return list(
        conn.execute(
            sa.select(feed_accounts).where(feed_accounts.c.organization_id == org_id)
        ).all()
    )


def get_feed_account(conn: Connection, account_id: str) -> Any | None:
    """The feed account row with this id, or None."""
    return conn.execute(sa.select(feed_accounts).where(feed_accounts.c.id == account_id)).first()


def save_sync_state(
    conn: Connection, account_id: str, state: Mapping[str, Any], now: dt.datetime
) -> None:
    """Keep what the feed needs to resume (its cursor) and when it last synced."""
    conn.execute(
        feed_accounts.update()
        .where(feed_accounts.c.id == account_id)
        .values(state=dict(state), last_sync_at=now)
    )
