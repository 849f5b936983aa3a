"""Writing many rows at once, the way each engine does it fastest."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

__all__ = ["insert_many"]


@functools.cache
def _unnest_insert(table: sa.Table, keys: tuple[str, ...], dialect: Dialect) -> sa.TextClause:
    """``INSERT INTO table (keys) SELECT * FROM unnest(:key::type[], …)``: one statement,
    one array parameter per column, whatever the number of rows."""
    arrays = ", ".join(
        f"CAST(:{key} AS {table.c[key].type.compile(dialect=dialect)}[])" for key in keys
    )
    return sa.text(
        f"INSERT INTO {table.name} ({', '.join(keys)}) SELECT * FROM unnest({arrays})"  # noqa: S608
    )


def insert_many(conn: Connection, insert: sa.Insert, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with ``insert`` (a prebuilt
    ``table.insert()``).

    On PostgreSQL as one ``INSERT … SELECT * FROM unnest(…)`` with a typed array per column,
    the values bound as the column's type binds them: the driver's executemany sends a
    statement per row, and a multi-row ``VALUES`` costs more to build than to run. On SQLite
    as an executemany, which runs the one prepared statement for every row in C."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) == 1:
        conn.execute(insert, list(rows))
        return
    table = insert.table
    assert isinstance(table, sa.Table)
    keys = tuple(rows[0])
    params: dict[str, list[Any]] = {}
    for key in keys:
        process = table.c[key].type._cached_bind_processor(conn.dialect)
        values = [row[key] for row in rows]
        params[key] = [process(v) for v in values] if process is not None else values
    conn.execute(_unnest_insert(table, keys, conn.dialect), params)
