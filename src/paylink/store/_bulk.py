"""Writing many rows at once, the way each engine does it fastest."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

__all__ = ["execute_many", "insert_many"]


@functools.cache
def _unnest_insert(
    table: sa.Table, keys: tuple[str, ...], documents: frozenset[str], dialect: Dialect
) -> sa.TextClause:
    """``INSERT INTO table (keys) SELECT * FROM ROWS FROM (unnest(:key::type[]), …)``: one
    statement, one array parameter per column, whatever the number of rows. The JSON columns
    named in ``documents`` come as one JSON array each, its elements in row order: a JSON
    text in an array of texts would have each of its quotes escaped one by one."""

    def source(key: str) -> str:
        if key in documents:
            return f"json_array_elements(CAST(:{key} AS json))"
        return f"unnest(CAST(:{key} AS {table.c[key].type.compile(dialect=dialect)}[]))"

    sources = ", ".join(source(key) for key in keys)
    return sa.text(
        f"INSERT INTO {table.name} ({', '.join(keys)}) "  # noqa: S608
        f"SELECT * FROM ROWS FROM ({sources})"
    )


_Processor = Callable[[Any], Any] | None


@functools.lru_cache(maxsize=512)  # statements are built once, at import
def _positional(
    statement: sa.Insert | sa.Update | sa.Delete, keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[_Processor, ...]] | None:
    """``statement`` compiled once for rows with ``keys``: its SQL, the parameter names in
    their positional order and each one's bind processor (what its type does to a value);
    ``None`` when the driver does not take positional parameters."""
    compiled = statement.compile(
        dialect=dialect, column_keys=list(keys) if isinstance(statement, sa.Insert) else None
    )
    if not compiled.positional or not compiled.positiontup:
        return None
    names = tuple(compiled.positiontup)
    processors = tuple(compiled.binds[name].type._cached_bind_processor(dialect) for name in names)
    return str(compiled), names, processors


def execute_many(
    conn: Connection,
    statement: sa.Insert | sa.Update | sa.Delete,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Run ``statement`` (built once, its parameters bound by name) for each of ``rows``
    (dicts with the same keys) as one executemany.

    Where the driver takes positional parameters (SQLite), the statement is compiled once and
    the rows go to the driver's executemany as tuples, each value bound by its column type's
    processor, exactly what SQLAlchemy's own executemany binds: it would also build and check
    a parameter dictionary per row, which costs more than SQLite running the row."""
    if not rows:
        return
    plan = _positional(statement, tuple(rows[0]), conn.dialect)
    if plan is None:
        conn.execute(statement, list(rows))
        return
    sql, names, processors = plan
    columns = [
        _bound([row[name] for row in rows], p) for name, p in zip(names, processors, strict=True)
    ]
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _sql_null(value: Any) -> bool:
    """Whether a JSON column gets SQL NULL (rather than a document) for ``value``."""
    return value is None or value is sa.JSON.NULL or isinstance(value, sa.ColumnElement)


def _bound(values: list[Any], process: _Processor) -> list[Any]:
    """``values`` as ``process`` binds them; a time that repeats (the unit's time, stamped
    on every row of a batch) is bound once. Only times: equal values of other types may be
    bound differently (``Decimal("1.0")`` and ``Decimal("1.00")``), equal aware datetimes
    are one instant, bound as the same UTC time."""
    if process is None:
        return values
    seen: dict[dt.datetime, Any] = {}
    bound = []
    for value in values:
        if type(value) is not dt.datetime:
            bound.append(process(value))
        elif value in seen:
            bound.append(seen[value])
        else:
            seen[value] = done = process(value)
            bound.append(done)
    return bound


def insert_many(conn: Connection, insert: sa.Insert, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with ``insert`` (a prebuilt
    ``table.insert()``).

    On PostgreSQL as one ``INSERT … SELECT * FROM unnest(…)`` with a typed array per column,
    the values bound as the column's type binds them: the driver's executemany sends a
    statement per row, and a multi-row ``VALUES`` costs more to build than to run. On SQLite
    as an executemany (:func:`execute_many`), which runs the one prepared statement for every
    row in C."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) == 1:
        execute_many(conn, insert, rows)
        return
    table = insert.table
    assert isinstance(table, sa.Table)
    keys = tuple(rows[0])
    params: dict[str, Any] = {}
    documents = set()
    for key in keys:
        kind = table.c[key].type
        values = [row[key] for row in rows]
        if isinstance(kind, sa.JSON) and not any(_sql_null(v) for v in values):
            # serialized as the driver would serialize each document (the engine's JSON
            # serializer, else json.dumps), then joined into one JSON array
            dumps = getattr(conn.dialect, "_json_serializer", None) or json.dumps
            documents.add(key)
            params[key] = f"[{','.join(map(dumps, values))}]"
        else:
            params[key] = _bound(values, kind._cached_bind_processor(conn.dialect))
    conn.execute(_unnest_insert(table, keys, frozenset(documents), conn.dialect), params)
