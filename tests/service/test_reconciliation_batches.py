"""Matches applied a batch per unit give exactly what one unit per match gives: the same
payments, allocations, invoices, links, transactions, match records, messages and events."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Line, Money, Paylink, hookimpl
from paylink.plugins import Plugins, get_plugin_manager
from paylink.service import _base
from paylink.service import reconciliation as reconciliation_module
from paylink.store.schema import (
    allocations,
    bank_transactions,
    documents,
    link_events,
    messages,
    payment_links,
    payments,
    reconciliation_matches,
)
from paylink.testing import PostgresServer, StatementLine, camt053

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TABLES = (
    payments,
    allocations,
    documents,
    payment_links,
    link_events,
    bank_transactions,
    reconciliation_matches,
    messages,
)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    @hookimpl
    def paylink_payment_recorded(self, organization: Any, payment: Any) -> None:
        self.events.append(("payment_recorded", payment.id, str(payment.amount)))

    @hookimpl
    def paylink_invoice_paid(self, organization: Any, invoice: Any) -> None:
        self.events.append(("invoice_paid", invoice.number))

    @hookimpl
    def paylink_link_status_changed(
        self, organization: Any, link: Any, old_status: str, new_status: str
    ) -> None:
        self.events.append(("link", link.id, old_status, new_status))


def _scenario(url: str, tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    counter = itertools.count()
    # Ids are random; the two runs draw them in the same order, so a counter makes them equal.
    monkeypatch.setattr(_base.secrets, "token_hex", lambda n=12: f"{next(counter):0{2 * n}x}")
    monkeypatch.setattr(_base.secrets, "token_urlsafe", lambda n=32: f"t{next(counter):0{n}x}")
    monkeypatch.setattr(reconciliation_module, "_APPLY_BATCH", batch)
    recorder = Recorder()
    pl = Paylink(
        Paylink.open(url).store,
        clock=FixedClock(START),
        plugins=Plugins(get_plugin_manager(plugins=[recorder])),
    )
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    customers = [
        pl.customers.create(org, name=f"Customer {i}", email=f"c{i}@example.com") for i in range(3)
    ]
    invoices = [
        pl.invoices.issue(
            org,
            customers[i % 3],
            lines=[Line(description="Work", quantity="1", unit_price=f"{50 + i}.00", vat_rate="0")],
        )
        for i in range(11)
    ]
    for invoice in invoices[::2]:
        pl.links.create(invoice)
    lines = [
        StatementLine(
            amount=inv.open_amount if i != 3 else Money.of("20.00", "EUR"),  # one partial
            booking_date=dt.date(2026, 3, 5),
            bank_reference=f"B{i:04d}",
            counterparty_name=f"Customer {i % 3}",
            reference=inv.reference,
        )
        for i, inv in enumerate(invoices[:9])
    ]
    lines.append(  # no reference, a name and an amount: a proposal for review at most
        StatementLine(
            amount=Money.of("59.00", "EUR"),
            booking_date=dt.date(2026, 3, 5),
            bank_reference="B0100",
            counterparty_name="Customer 0",
        )
    )
    lines.append(
        StatementLine(
            amount=Money.of("7.00", "EUR"),
            booking_date=dt.date(2026, 3, 5),
            bank_reference="B0101",
            counterparty_name="Nobody",
            text="no idea",
        )
    )
    path = tmp_path / f"statement-{batch}.xml"
    path.write_bytes(
        camt053(
            account_iban="BE71096123456769",
            statement_id="S1",
            opening=Money.of("0", "EUR"),
            lines=lines,
            created_at=START,
        )
    )
    pl.statements.import_file(org, path)
    run = pl.reconcile(org)
    with pl.store.transaction() as conn:
        rows = {
            table.name: sorted(
                (
                    tuple((k, repr(v)) for k, v in row._mapping.items())
                    for row in conn.execute(sa.select(table))
                ),
            )
            for table in TABLES
        }
    pl.close()
    summary = (
        [(m.transaction_id, m.payment_id, m.invoices, m.rule) for m in run.applied],
        [(p.transaction_id, p.auto, p.explanation) for p in run.review],
        run.unmatched,
    )
    return summary, rows, recorder.events


def test_batches_and_one_unit_per_match_give_the_same_store(
    db_url: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        other = server.create_database()
    batched = _scenario(db_url, tmp_path, 4, monkeypatch)
    one_by_one = _scenario(other, tmp_path, 1, monkeypatch)
    summary, rows, events = batched
    assert len(summary[0]) >= 8  # most lines applied, across several batches of 4
    assert any(name == "invoice_paid" for name, *_ in events)
    assert any(name == "link" for name, *_ in events)
    assert rows["payments"] and rows["allocations"] and rows["messages"]
    assert summary == one_by_one[0]
    for table in rows:
        assert rows[table] == one_by_one[1][table], table
    assert events == one_by_one[2]
