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

from ..exceptions import ConfigurationError, ValidationError
from ..extras import require
from .schema import migrate, schema_version

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_URL",
    "Connection",
    "Store",
    "choose_url",
    "normalize_url",
    "savepoint",
]

DEFAULT_URL = "sqlite:///paylink.db"
"""The usual name of an embedded store: a SQLite file ``paylink.db`` in the working directory.
Never opened unless named: :meth:`Store.open` needs a URL."""

DATABASE_URL_ENV = "PAYLINK_DATABASE_URL"
"""The environment variable that names the database when no URL is given."""

_NO_DATABASE = (
    "no database chosen: pass its URL (Paylink.open('sqlite:///paylink.db'), "
    "'postgresql://user@host/db') or set the environment variable PAYLINK_DATABASE_URL"
)


def choose_url(url: str | None) -> tuple[str, bool]:
    """The database URL to open and whether the caller named it (``False``: it came from
    ``$PAYLINK_DATABASE_URL``); :class:`~paylink.exceptions.ConfigurationError` when neither."""
    if url:
        return url, True
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return from_env, False
    raise ConfigurationError(_NO_DATABASE, setting="database URL")


_SQLITE_BUSY_MS = 60_000


def _no_store(url: str) -> str:
    shown = sa.engine.make_url(normalize_url(url)).render_as_string(hide_password=True)
    return (
        f"no paylink store at {shown}: create it explicitly with "
        "Paylink.open(url, create=True) or `paylink init --db URL`"
    )


def normalize_url(url: str | None) -> str:
    """Map the URLs people write to the driver paylink uses (psycopg 3 for PostgreSQL)."""
    url, _ = choose_url(url)
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
    def open(
        cls, url: str | None = None, *, migrate_schema: bool = True, create: bool | None = None
    ) -> Store:
        """Connect to ``url`` (or ``$PAYLINK_DATABASE_URL``) and bring its schema up to date.

        With neither, :class:`~paylink.exceptions.ConfigurationError`: there is no default
        database. ``create`` says whether a new store may be made (a missing SQLite file, a
        database without paylink's tables): ``True`` yes, ``False`` no (the store must exist),
        ``None`` (the default) yes when ``url`` is given here and no when it comes from the
        environment, where a typo must not start an empty store. ``sqlite://`` (memory) is
        always new.
        """
        chosen, named = choose_url(url)
        may_create = named if create is None else create
        normalized = normalize_url(chosen)
        sa_url = sa.engine.make_url(normalized)
        is_file = sa_url.get_backend_name() == "sqlite" and sa_url.database not in (
            None,
            "",
            ":memory:",
        )
        if is_file and not may_create and not os.path.exists(str(sa_url.database)):
            raise ConfigurationError(_no_store(chosen), setting="database URL")
        store = cls(_make_engine(normalized))
        if not may_create and store.dialect != "sqlite":
            with store.engine.connect() as conn:
                exists = sa.inspect(conn).has_table(schema_version.name)
            if not exists:
                store.close()
                raise ConfigurationError(_no_store(chosen), setting="database URL")
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
