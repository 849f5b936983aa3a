"""An older database migrated to the current schema equals a new one."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.money import Money
from paylink.store import Store
from paylink.store.schema import (
    SCHEMA_VERSION,
    VERSION_COLUMNS,
    VERSION_DROPPED_COLUMNS,
    VERSION_INDEXES,
    VERSION_TABLES,
    documents,
    metadata,
    organizations,
    reminders,
    schema_version,
)

from ..conftest import BASE_URL, lines


def _shape(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    inspector = sa.inspect(engine)
    return {
        table: sorted(
            (c["name"], str(c["type"]), str(c["nullable"])) for c in inspector.get_columns(table)
        )
        + sorted(("index", str(i["name"])) for i in inspector.get_indexes(table))
        for table in sorted(inspector.get_table_names())
    }


def _back_to(conn: sa.Connection, version: int) -> None:
    """Undo the versions above ``version``: drop the columns and tables they added."""
    for v in range(SCHEMA_VERSION, version, -1):
        for index in VERSION_INDEXES.get(v, ()):
            conn.exec_driver_sql(f"DROP INDEX {index}")
        for table, column in VERSION_COLUMNS.get(v, ()):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        for table, column in VERSION_DROPPED_COLUMNS.get(v, ()):
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(64)")
        for name in reversed(VERSION_TABLES[v]):
            metadata.tables[name].drop(conn)
    conn.execute(schema_version.update().values(version=version))


def test_migrating_from_version_1_gives_the_current_schema(db_url: str) -> None:
    store = Store.open(db_url)
    fresh = _shape(store.engine)
    with store.transaction() as conn:
        _back_to(conn, 1)
    store.close()
    pl = Paylink.open(db_url, base_url=BASE_URL)  # migrates
    assert _shape(pl.store.engine) == fresh
    with pl.store.transaction() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
    pl.close()


def test_version_7_adds_the_fees_already_charged_to_open_invoices(db_url: str) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client", email="client@example.be")
    open_one = pl.invoices.issue(org, customer, lines=lines(), due_date=dt.date(2026, 3, 31))
    paid_one = pl.invoices.issue(org, customer, lines=lines(), due_date=dt.date(2026, 3, 31))
    pl.payments.record(paid_one)
    with pl.store.transaction() as conn:
        _back_to(conn, 6)
        # Two charged fee lines and an info-only one, as version 6 recorded them.
        for invoice_id, step, fee, mode in (
            (open_one.id, 1, 1500, "charge"),
            (open_one.id, 2, 4250, "charge"),
            (open_one.id, 3, 999, "info"),
            (paid_one.id, 1, 1500, "charge"),
        ):
            conn.execute(
                reminders.insert().values(
                    invoice_id=invoice_id, step=step, organization_id=org.id,
                    customer_id=customer.id, step_name=f"s{step}", due_on=dt.date(2026, 2, 7),
                    status="sent", run_id="old", currency="EUR", fee_minor=fee, fee_mode=mode,
                    created_at=clock.now(),
                )
            )  # fmt: skip
    pl.close()
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    with pl.store.transaction() as conn:
        fees = dict(conn.execute(sa.select(documents.c.id, documents.c.fees_minor)).all())
    assert fees[open_one.id] == 5750
    assert fees[paid_one.id] == 0  # settled under the old rule: stays paid
    migrated = pl.invoices.get(org, open_one.id)
    assert migrated.open_amount == open_one.total + Money.of("57.50", "EUR")
    assert pl.invoices.get(org, paid_one.id).status == "paid"
    pl.close()


def test_version_8_drops_the_run_index_and_adds_the_open_invoice_index(db_url: str) -> None:
    store = Store.open(db_url)
    with store.transaction() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_reminders_run ON reminders (run_id, step)")
        if store.dialect == "postgresql":
            conn.exec_driver_sql("DROP INDEX ix_documents_open_due")
            conn.exec_driver_sql(
                "ALTER TABLE reminders ADD CONSTRAINT reminders_organization_id_fkey "
                "FOREIGN KEY (organization_id) REFERENCES organizations (id)"
            )
        conn.execute(schema_version.update().values(version=7))
    store.close()
    store = Store.open(db_url)  # migrates
    inspector = sa.inspect(store.engine)
    assert "ix_reminders_run" not in {i["name"] for i in inspector.get_indexes("reminders")}
    documents_indexes = {i["name"] for i in inspector.get_indexes("documents")}
    assert ("ix_documents_open_due" in documents_indexes) == (store.dialect == "postgresql")
    if store.dialect == "postgresql":
        keys = [fk["constrained_columns"] for fk in inspector.get_foreign_keys("reminders")]
        assert keys == [["invoice_id"]]
    store.close()


def test_version_9_adds_the_indexes_for_replies_pay_all_links_and_open_checkouts(
    db_url: str,
) -> None:
    store = Store.open(db_url)
    with store.transaction() as conn:
        conn.exec_driver_sql("DROP INDEX ix_customers_org_phone")
        conn.exec_driver_sql("DROP INDEX ix_customers_org_email")
        conn.exec_driver_sql("DROP INDEX ix_payment_links_pay_all")
        conn.exec_driver_sql("DROP INDEX ix_provider_checkouts_status")
        conn.execute(schema_version.update().values(version=8))
    store.close()
    store = Store.open(db_url)  # migrates
    inspector = sa.inspect(store.engine)
    names = {i["name"] for i in inspector.get_indexes("customers")}
    assert {"ix_customers_org_phone", "ix_customers_org_email"} <= names
    assert "ix_payment_links_pay_all" in {i["name"] for i in inspector.get_indexes("payment_links")}
    checkouts = {i["name"] for i in inspector.get_indexes("provider_checkouts")}
    assert "ix_provider_checkouts_status" in checkouts
    store.close()


def test_version_11_adds_the_portal_codes_and_old_portals_keep_working(db_url: str) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client", phone="+32470123456")
    url = pl.portal.url(customer, require_code=True)
    with pl.store.transaction() as conn:
        _back_to(conn, 10)
        assert "portal_codes" not in sa.inspect(conn).get_table_names()
    pl.close()

    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)  # migrates
    with pl.store.transaction() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
    token = url.rsplit("/", 1)[1]
    assert pl.portal.access(token) == (customer, True)  # the link made before still opens
    assert pl.portal.check_code(token, "123456") == "too_many"  # no code asked yet
    pl.close()


def test_version_12_adds_the_e_invoice_network_tables_and_old_invoices_have_no_delivery(
    db_url: str,
) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client", email="c@example.com")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    with pl.store.transaction() as conn:
        _back_to(conn, 11)
    pl.close()
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)  # migrates
    names = set(sa.inspect(pl.store.engine).get_table_names())
    assert set(VERSION_TABLES[12]) <= names
    assert pl.einvoices.deliveries(invoice) == []
    assert pl.einvoices.account(org) is None
    assert pl.einvoices.send(invoice).via == "email"  # no network connected: by e-mail
    pl.close()


def test_version_13_adds_the_credit_ledger_and_old_rows_keep_working(db_url: str) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    with pl.store.transaction() as conn:
        _back_to(conn, 12)
        # an organization stored before the setting existed
        for row in conn.execute(sa.select(organizations.c.id, organizations.c.data)).all():
            old = {k: v for k, v in row.data.items() if k != "apply_credit_automatically"}
            conn.execute(
                organizations.update().where(organizations.c.id == row.id).values(data=old)
            )
    pl.close()
    pl = Paylink.open(db_url, clock=clock, base_url=BASE_URL)  # migrates
    assert pl.organizations.get(org.id).apply_credit_automatically is False
    pl.payments.record(invoice, invoice.total + Money.of("5", "EUR"))
    assert pl.customers.balance(customer) == Money.of("5", "EUR")
    pl.close()
    pl.close()


def test_version_14_adds_the_desk_tables_and_old_data_keeps_working(db_url: str) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock, base_url="http://desk.example")
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    with pl.store.transaction() as conn:
        _back_to(conn, 13)
        assert not sa.inspect(conn).has_table("desk_users")
    pl.close()
    pl = Paylink.open(db_url, clock=clock, base_url="http://desk.example")  # migrates
    user = pl.desk.add_user(org, email="owner@old.example", password="a long password")
    signed_in = pl.desk.login("owner@old.example", "a long password")
    assert signed_in.outcome == "ok" and signed_in.user is not None
    assert signed_in.user.id == user.id
    assert pl.desk_pages.home(org).receivables == invoice.total
    pl.close()


def test_version_15_adds_the_payout_tables_and_old_accounts_have_no_payouts(db_url: str) -> None:
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open(db_url, clock=clock)
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    pl.providers.connect(org, "stripe", api_key="sk_test_old", webhook_secret="whsec_old")
    with pl.store.transaction() as conn:
        _back_to(conn, 14)
        assert not sa.inspect(conn).has_table("payouts")
    pl.close()
    pl = Paylink.open(db_url, clock=clock)  # migrates
    with pl.store.transaction() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
        assert {"payouts", "payout_items"} <= set(sa.inspect(conn).get_table_names())
    assert pl.payouts.list(org) == []
    assert pl.reports.cashflow(org).fees == ()
    pl.close()


def test_version_16_seeds_the_reference_rates_from_the_shipped_table(db_url: str) -> None:
    from paylink.reminders import ECB_REFERENCE_RATES

    pl = Paylink.open(db_url)
    assert {r.effective_from: r.rate for r in pl.reminders.rates.list()} == dict(
        ECB_REFERENCE_RATES.rates
    )
    with pl.store.transaction() as conn:
        _back_to(conn, 15)
    pl.close()
    pl = Paylink.open(db_url)  # migrates
    stored = pl.reminders.rates.list()
    assert {r.effective_from: r.rate for r in stored} == dict(ECB_REFERENCE_RATES.rates)
    assert all(r.added_at is None and "shipped" in r.source for r in stored)
    assert pl.reminders.rates.table() == ECB_REFERENCE_RATES
    pl.close()
