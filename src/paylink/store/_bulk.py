"""Writing many rows at once, the way each engine does it fastest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["insert_many"]

_MAX_PARAMETERS = 30_000
"""Bound parameters per multi-row INSERT on PostgreSQL (its protocol allows 65,535)."""


def insert_many(conn: Connection, insert: sa.Insert, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` with ``insert`` (a prebuilt ``table.insert()``).

    On PostgreSQL as multi-row ``INSERT … VALUES (…), (…)`` statements: the driver's
    executemany sends a statement per row, which the server parses and runs one by one. On
    SQLite as an executemany, which runs the one prepared statement for every row in C."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) == 1:
        conn.execute(insert, list(rows))
        return
    size = max(1, _MAX_PARAMETERS // max(1, len(rows[0])))
    for start in range(0, len(rows), size):
        conn.execute(insert.values(list(rows[start : start + size])))
