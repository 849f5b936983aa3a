"""What the account tables of plugins share: payment provider accounts
(:mod:`.providers`) and e-invoice network accounts (:mod:`.networks`) are both one row per
organization and plugin, reconnected in place, deactivated rather than deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["account_row", "deactivate_account", "upsert_account"]


def upsert_account(
    conn: Connection,
    table: sa.Table,
    plugin_column: str,
    *,
    account_id: str,
    org_id: str,
    plugin: str,
    values: Mapping[str, Any],
    now: dt.datetime,
) -> str:
    """Store the organization's account at ``plugin`` (the value of ``plugin_column``) with
    ``values``; an existing one is updated, reactivated and keeps its id."""
    column = table.c[plugin_column]
    existing = conn.execute(
        sa.select(table.c.id).where(table.c.organization_id == org_id, column == plugin)
    ).scalar_one_or_none()
    if existing is not None:
        conn.execute(
            table.update()
            .where(table.c.id == existing)
            .values(**values, active=True, updated_at=now)
        )
        return str(existing)
    conn.execute(
        table.insert().values(
            id=account_id,
            organization_id=org_id,
            **{plugin_column: plugin},
            **values,
            active=True,
            created_at=now,
            updated_at=now,
        )
    )
    return account_id


def deactivate_account(
    conn: Connection,
    table: sa.Table,
    plugin_column: str,
    org_id: str,
    plugin: str,
    now: dt.datetime,
) -> bool:
    """Deactivate the organization's account at ``plugin``; whether it was active."""
    result = conn.execute(
        table.update()
        .where(
            table.c.organization_id == org_id,
            table.c[plugin_column] == plugin,
            table.c.active.is_(True),
        )
        .values(active=False, updated_at=now)
    )
    return bool(result.rowcount)


def account_row(conn: Connection, table: sa.Table, account_id: str) -> Any:
    """The account row with this id (active or not), or ``None``."""
    return conn.execute(sa.select(table).where(table.c.id == account_id)).first()
