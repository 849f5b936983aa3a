"""An older database migrated to the current schema equals a new one."""

from __future__ import annotations

import sqlalchemy as sa

from paylink import Paylink
from paylink.store import Store
from paylink.store.schema import SCHEMA_VERSION, VERSION_TABLES, metadata, schema_version


def _shape(engine: sa.Engine) -> dict[str, list[tuple[str, str, bool]]]:
    inspector = sa.inspect(engine)
    return {
        table: sorted(
            (c["name"], str(c["type"]), bool(c["nullable"])) for c in inspector.get_columns(table)
        )
        for table in sorted(inspector.get_table_names())
    }


def test_migrating_from_version_1_gives_the_current_schema(db_url: str) -> None:
    store = Store.open(db_url)
    fresh = _shape(store.engine)
    with store.transaction() as conn:
        added = [t for v in range(2, SCHEMA_VERSION + 1) for t in VERSION_TABLES[v]]
        for name in reversed(added):
            metadata.tables[name].drop(conn)
        conn.execute(schema_version.update().values(version=1))
    store.close()
    pl = Paylink.open(db_url)  # migrates
    assert _shape(pl.store.engine) == fresh
    with pl.store.transaction() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
    pl.close()
