"""Version 10 (e-invoices) keeps what an older database holds valid: old lines get their VAT
category from their rate and the unit code C62, old parties and purchase invoices load."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from paylink import FixedClock, Line, Paylink
from paylink.store.schema import (
    SCHEMA_VERSION,
    VERSION_COLUMNS,
    VERSION_DROPPED_COLUMNS,
    VERSION_INDEXES,
    VERSION_TABLES,
    customers,
    metadata,
    organizations,
    schema_version,
)

from ..conftest import BASE_URL


def test_a_version_9_database_migrates_and_loads(db_url: str) -> None:
    assert SCHEMA_VERSION >= 10
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(
        name="Old SRL", country="BE", iban="BE71096123456769", vat_id="BE0403170701"
    )
    customer = pl.customers.create(org, name="Client NV", vat_id="BE0202239951")
    invoice = pl.invoices.issue(
        org,
        customer,
        lines=[
            Line(description="Work", quantity="1", unit_price="100", vat_rate="21"),
            Line(description="Book", quantity="1", unit_price="20", vat_rate="0"),
        ],
    )
    purchase = pl.purchases.create(
        org, supplier_name="Supplier", supplier_iban="BE43068999999501", amount="50",
        due_date=dt.date(2026, 3, 20),
    )  # fmt: skip
    with pl.store.transaction() as conn:
        for version in range(SCHEMA_VERSION, 9, -1):
            for index in VERSION_INDEXES.get(version, ()):
                conn.exec_driver_sql(f"DROP INDEX {index}")
            for table, column in VERSION_COLUMNS.get(version, ()):
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
            for table, column in VERSION_DROPPED_COLUMNS.get(version, ()):
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(64)")
            for name in reversed(VERSION_TABLES[version]):
                metadata.tables[name].drop(conn)
        for table in (organizations, customers):
            for row in conn.execute(sa.select(table.c.id, table.c.data)).all():
                old = {k: v for k, v in row.data.items() if k not in ("registration", "endpoint")}
                conn.execute(table.update().where(table.c.id == row.id).values(data=old))
        conn.execute(schema_version.update().values(version=9))
    pl.close()

    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)  # migrates
    with pl.store.transaction() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
    loaded = pl.invoices.get(org, invoice.id)
    assert [(line.vat_category, line.unit_code) for line in loaded.lines] == [
        ("S", "C62"), ("Z", "C62")
    ]  # fmt: skip
    assert loaded.total == invoice.total
    assert loaded.buyer_reference == ""
    old_org = pl.organizations.get(org.id)
    assert old_org.registration is None and old_org.vat_id == "BE0403170701"
    again = pl.purchases.get(org, purchase.id)
    assert again.lines == () and again.vat_amount is None and again.supplier_id is None
    # an old organization gets its enterprise number when it is next updated
    assert (
        str(pl.organizations.update(org, email="x@old.example").registration) == "0208:0403170701"
    )
    # and the old invoice can go as an e-invoice: the view derives the enterprise number (the
    # Peppol address) and the buyer's country from the VAT id
    pl.einvoices.set_references(invoice, buyer_reference="REF")
    assert pl.einvoices.check(invoice) == []
    pl.close()
