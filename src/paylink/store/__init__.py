"""Persistence: SQLite by default, PostgreSQL for production and many workers.

The service asks the store; nothing else touches SQL. :class:`Store` owns the engine and hands
out transactions; the query functions per aggregate live in the submodules
(:mod:`.organizations`, :mod:`.documents`, :mod:`.payments`) and take the transaction's
connection as their first argument, so one use case is one transaction however many
aggregates it touches.

SQLite is opened in WAL mode, and every transaction starts with ``BEGIN IMMEDIATE``: writers
queue on SQLite's lock (up to ``busy_timeout``) at the start of a transaction instead of failing
with "database is locked" half-way through, which is what makes several processes issuing
invoices on one file safe. PostgreSQL runs at READ COMMITTED; invoice numbers are drawn with a
row lock on their series (see :func:`.documents.next_in_series`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ..exceptions import ValidationError
from ..extras import require
from .schema import migrate

__all__ = ["DEFAULT_URL", "Connection", "Store", "normalize_url", "savepoint"]

DEFAULT_URL = "sqlite:///paylink.db"
"""The embedded default: a SQLite file ``paylink.db`` in the working directory."""

_SQLITE_BUSY_MS = 60_000


def normalize_url(url: str | None) -> str:
    """Map the URLs people write to the driver paylink uses (psycopg 3 for PostgreSQL)."""
    url = url or os.environ.get("PAYLINK_DATABASE_URL") or DEFAULT_URL
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith(("sqlite", "postgresql+")):
        raise ValidationError(
            "expected a database URL like sqlite:///paylink.db or postgresql://user@host/db",
            field="url",
        )
    return url


@contextlib.contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """A savepoint inside the current transaction: what runs inside is undone alone when it
    raises (the exception goes on), the transaction's earlier work stays."""
    nested = conn.begin_nested()
    try:
        yield
    except BaseException:
        nested.rollback()
        raise
    nested.commit()


def _make_engine(url: str) -> Engine:
    sa_url = sa.engine.make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        if sa_url.get_backend_name() == "postgresql":
            require("psycopg", extra="postgres", feature="PostgreSQL")
        return sa.create_engine(url, pool_pre_ping=True, future=True)

    memory = sa_url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": _SQLITE_BUSY_MS / 1000}}
    if memory:
        kwargs.update(poolclass=StaticPool)
        kwargs["connect_args"]["check_same_thread"] = False
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below control transactions (pysqlite's own handling
        # would start them late, with a deferred BEGIN).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """The database behind one :class:`~paylink.Paylink`.

    >>> store = Store.open("sqlite://")          # in memory, for a quick try
    >>> with store.transaction() as conn:
    ...     pass
    >>> store.close()
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str | None = None, *, migrate_schema: bool = True) -> Store:
        """Connect to ``url`` (default: ``$PAYLINK_DATABASE_URL`` or ``sqlite:///paylink.db``)
        and bring its schema up to date."""
        store = cls(_make_engine(normalize_url(url)))
        if migrate_schema:
            with store.transaction() as conn:
                if store.dialect == "postgresql":
                    # Several processes may open a new database at once: one migrates.
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7270451)"))
                migrate(conn)
        return store

    @property
    def in_memory(self) -> bool:
        """True for a SQLite database in memory, which nothing outlives."""
        return self.dialect == "sqlite" and self.engine.url.database in (None, "", ":memory:")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"<Store {self.engine.url.render_as_string(hide_password=True)}>"
