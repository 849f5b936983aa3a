"""The lookups a payment makes use their indexes (SQLite's query plans, read while it runs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.parties import Customer, Organization

from ..conftest import lines


@pytest.fixture
def sqlite_pl(tmp_path: Path, clock: FixedClock) -> Iterator[Paylink]:
    paylink = Paylink.open(f"sqlite:///{tmp_path / 'plans.db'}", clock=clock)
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
