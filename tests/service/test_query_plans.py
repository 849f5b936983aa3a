"""Payments and reconciliation runs read through indexes (SQLite's query plans, read while
they run): their cost must not grow with the size of tables they only look into."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.money import Money
from paylink.parties import Customer, Organization
from paylink.statements.writer import StatementLine, camt053

from ..conftest import BASE_URL, lines


@pytest.fixture
def sqlite_pl(tmp_path: Path, clock: FixedClock) -> Iterator[Paylink]:
    paylink = Paylink.open(f"sqlite:///{tmp_path / 'plans.db'}", clock=clock, base_url=BASE_URL)
    yield paylink
    paylink.close()


def _plans_while(pl: Paylink, action: Any) -> list[tuple[str, str]]:
    """Run ``action`` and return (statement, plan) for each SELECT it made."""
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(pl.store.engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        sa.event.remove(pl.store.engine, "before_cursor_execute", seen)
    plans = []
    with pl.store.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans.append((statement, " | ".join(row[-1] for row in rows)))
    return plans


def test_a_payment_reads_its_links_through_their_indexes(sqlite_pl: Paylink) -> None:
    pl = sqlite_pl
    org: Organization = pl.organizations.create(name="Plans SRL", country="BE")
    customer: Customer = pl.customers.create(org, name="Marie Peeters")
    first = pl.invoices.issue(org, customer, lines=lines())
    second = pl.invoices.issue(org, customer, lines=lines())
    pl.links.create(first)
    pl.links.pay_all(customer)
    plans = _plans_while(pl, lambda: pl.payments.record(first))
    link_plans = [plan for statement, plan in plans if "FROM payment_links" in statement]
    assert len(link_plans) == 2  # its own link, then the customer's pay-all links
    # no table is read whole: every lookup of the payment goes through an index
    assert not [plan for _, plan in plans if "SCAN " in plan], plans
    assert pl.links.pay_all(customer).invoice_ids == (second.id,)


def test_applying_a_statement_reads_no_table_whole(sqlite_pl: Paylink) -> None:
    pl = sqlite_pl
    org = pl.organizations.create(name="Plans SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Marie Peeters")
    invoices = [pl.invoices.issue(org, customer, lines=lines()) for _ in range(3)]
    for invoice in invoices:
        pl.links.create(invoice)
    statement = camt053(
        account_iban="BE71096123456769",
        statement_id="PLANS-1",
        opening=Money.of("0", "EUR"),
        lines=[
            StatementLine(
                amount=inv.open_amount,
                booking_date=dt.date(2026, 3, 5),
                bank_reference=f"B{i}",
                counterparty_name="Marie Peeters",
                reference=inv.reference,
            )
            for i, inv in enumerate(invoices)
        ],
        created_at=dt.datetime(2026, 3, 6, 6, tzinfo=dt.UTC),
    )
    pl.statements.import_bytes(org, statement, filename="plans.xml")
    runs: list[Any] = []
    plans = _plans_while(pl, lambda: runs.append(pl.reconciliation.run(org)))
    assert len(runs[0].applied) == 3
    assert not [plan for _, plan in plans if "SCAN " in plan], plans


def test_the_providers_janitor_reads_only_the_open_attempts(sqlite_pl: Paylink) -> None:
    plans = _plans_while(sqlite_pl, sqlite_pl.providers.refresh_pending)
    assert any("provider_checkouts" in statement for statement, _ in plans)
    assert not [plan for _, plan in plans if "SCAN " in plan], plans
