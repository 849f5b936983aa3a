"""Matches applied set-wise give exactly what one unit per match gives: the same payments,
allocations, invoices, links and their history, transactions, match records, messages and
hook calls, also when a match no longer fits, when a payment link is the open item (applied
one by one in its place), and when a batch fails and falls back to one match per unit."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Line, Money, Paylink, hookimpl
from paylink.plugins import Plugins, get_plugin_manager
from paylink.references import parse as parse_reference
from paylink.service import _base, _match_batch
from paylink.service import reconciliation as reconciliation_module
from paylink.store import Store
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
BASE = "https://pay.example"
ACCOUNT = "BE71096123456769"
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
        self.events.append(("payment_recorded", organization.id, payment))

    @hookimpl
    def paylink_invoice_paid(self, organization: Any, invoice: Any) -> None:
        self.events.append(("invoice_paid", organization.id, invoice))

    @hookimpl
    def paylink_link_status_changed(
        self, organization: Any, link: Any, old_status: str, new_status: str
    ) -> None:
        self.events.append(("link", organization.id, link, old_status, new_status))


def _dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.transaction() as conn:
        return {
            table.name: sorted(
                tuple((k, repr(v)) for k, v in row._mapping.items())
                for row in conn.execute(sa.select(table))
            )
            for table in TABLES
        }


def _scenario(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, setwise: bool, batch: int = 4
) -> Any:
    counter = itertools.count()
    # Ids are random; both paths draw them in the same order, so a counter makes them equal.
    monkeypatch.setattr(_base.secrets, "token_hex", lambda n=12: f"{next(counter):0{2 * n}x}")
    monkeypatch.setattr(_base.secrets, "token_urlsafe", lambda n=32: f"t{next(counter):0{n}x}")
    monkeypatch.setattr(reconciliation_module, "_APPLY_BATCH", batch)
    if not setwise:
        monkeypatch.setattr(reconciliation_module, "applies_setwise", lambda tx, proposal: False)
    recorder = Recorder()
    pl = Paylink(
        Paylink.open(url, base_url=BASE).store,
        clock=FixedClock(START),
        plugins=Plugins(get_plugin_manager(plugins=[recorder])),
        base_url=BASE,
    )
    org = pl.organizations.create(
        name="Garage", country="BE", iban=ACCOUNT, email="billing@garage.example"
    )
    customers = [
        pl.customers.create(org, name=f"Customer {i}", email=f"c{i}@example.com") for i in range(5)
    ]
    customers[3] = pl.customers.create(org, name="Customer 5", phone="+32470123456")
    invoices = [
        pl.invoices.issue(
            org,
            customers[i % 5],
            lines=[Line(description="Work", quantity="1", unit_price=f"{50 + i}.00", vat_rate="0")],
        )
        for i in range(15)
    ]
    for invoice in invoices[::2]:
        pl.links.create(invoice)
    paid_by_reference = pl.links.pay_all(customers[1])  # its invoices 6 and 11 have no line
    pl.links.pay_all(customers[4])  # closed once invoices 4, 9 and 14 are paid
    lines = [
        StatementLine(
            amount=inv.open_amount if i != 3 else Money.of("20.00", "EUR"),  # one partial
            booking_date=dt.date(2026, 3, 5),
            bank_reference=f"B{i:04d}",
            counterparty_name=customers[i % 5].name,
            reference=inv.reference,
        )
        for i, inv in enumerate(invoices)
        if i not in (6, 11)
    ]
    lines.insert(  # a pay-all link as the open item: applied one by one, in its place
        3,
        StatementLine(
            amount=paid_by_reference.amount,
            booking_date=dt.date(2026, 3, 5),
            bank_reference="B0050",
            counterparty_name=customers[1].name,
            reference=parse_reference(paid_by_reference.reference or ""),
        ),
    )
    lines.append(  # no reference: a proposal for review at most
        StatementLine(
            amount=Money.of("59.00", "EUR"),
            booking_date=dt.date(2026, 3, 5),
            bank_reference="B0100",
            counterparty_name="Customer 0",
        )
    )
    path = tmp_path / f"statement-{setwise}.xml"
    path.write_bytes(
        camt053(
            account_iban=ACCOUNT,
            statement_id="S1",
            opening=Money.of("0", "EUR"),
            lines=lines,
            created_at=START,
        )
    )
    pl.statements.import_file(org, path)
    original = reconciliation_module.Reconciliation._open_items

    def stale_items(self: Any, conn: Any, organization: Any) -> Any:
        # The engine sees these invoices open; by the time the matches are applied one was
        # paid in full and another in part meanwhile (committed with the engine's read).
        items = original(self, conn, organization)
        d = documents.c
        conn.execute(
            documents.update().where(d.id == invoices[5].id).values(status="paid", paid_minor=5500)
        )
        conn.execute(
            documents.update()
            .where(d.id == invoices[7].id)
            .values(status="partially_paid", paid_minor=100)
        )
        return items

    monkeypatch.setattr(reconciliation_module.Reconciliation, "_open_items", stale_items)
    run = pl.reconciliation.run(org)
    monkeypatch.setattr(reconciliation_module.Reconciliation, "_open_items", original)
    rows = _dump(pl.store)
    pl.close()
    summary = (
        [(m.transaction_id, m.payment_id, m.invoices, m.rule, m.explanation) for m in run.applied],
        [(p.transaction_id, p.auto, p.explanation) for p in run.review],
        run.unmatched,
    )
    return summary, rows, recorder.events


def _other_database(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'one-by-one.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


def test_setwise_and_one_unit_per_match_give_the_same_store_and_hooks(
    db_url: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setwise = _scenario(db_url, tmp_path, monkeypatch, setwise=True)
    with monkeypatch.context() as patch:
        one_by_one = _scenario(
            _other_database(db_url, request, tmp_path), tmp_path, patch, setwise=False
        )
    summary, rows, events = setwise
    # The scenario covers what it claims: applied matches across several batches, a pay-all
    # link paid through its reference and one closed by its invoices, matches kept for review
    # because an invoice changed, receipts by e-mail and SMS, notices.
    assert len(summary[0]) >= 8
    kept = [explanation for _, _, explanation in summary[1] if "not applied" in explanation]
    assert any("cannot be paid" in k for k in kept) and any("does not fit" in k for k in kept)
    assert any(e[0] == "link" and e[2].invoice_id is None for e in events)
    assert {r[2][1] for r in rows["messages"]} >= {"'receipt'", "'payment_notice'"}
    assert any("'sms'" in dict(r)["channel_kind"] for r in rows["messages"])
    assert summary == one_by_one[0]
    for table in rows:
        assert rows[table] == one_by_one[1][table], table
    assert events == one_by_one[2]


def test_a_batch_that_fails_is_applied_one_by_one(
    db_url: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        expected = _scenario(db_url, tmp_path, patch, setwise=False)
    original = _match_batch.pay_queries.insert_payments
    calls = itertools.count()

    def fail_second_batch(conn: Any, found: Any, now: Any) -> None:
        original(conn, found, now)
        if next(calls) == 1:  # after the writes began: all of this batch must be undone
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    with monkeypatch.context() as patch:
        patch.setattr(_match_batch.pay_queries, "insert_payments", fail_second_batch)
        fallen_back = _scenario(
            _other_database(db_url, request, tmp_path), tmp_path, patch, setwise=True
        )
    assert next(calls) >= 3  # the failing batch was not the last one

    # The ids the failed batch drew are not drawn again, so what holds a payment or message
    # id compares without it; everything else compares whole.
    def strip(result: Any) -> Any:
        (applied, review, unmatched), rows, events = result
        drawn = {"id", "payment_id", "data"}
        return (
            ([m[:1] + m[2:] for m in applied], review, unmatched),
            {
                table: sorted(tuple(c for c in row if c[0] not in drawn) for row in found)
                for table, found in rows.items()
            },
            [e[:2] for e in events],
        )

    assert strip(fallen_back) == strip(expected)


def test_two_workers_reconciling_at_once_apply_each_match_once(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconciliation_module, "_APPLY_BATCH", 8)
    pl = Paylink.open(db_url, clock=FixedClock(START), base_url=BASE)
    org = pl.organizations.create(name="Garage", country="BE", iban=ACCOUNT)
    customers = [pl.customers.create(org, name=f"Customer {i}") for i in range(5)]
    invoices = pl.invoices.issue_many(
        org,
        [
            (
                customers[i % 5],
                [Line(description="Work", quantity="1", unit_price=f"{20 + i}.00", vat_rate="21")],
            )
            for i in range(40)
        ],
    )
    for invoice in invoices:
        pl.links.create(invoice)
    path = tmp_path / "statement.xml"
    path.write_bytes(
        camt053(
            account_iban=ACCOUNT,
            statement_id="S1",
            opening=Money.of("0", "EUR"),
            lines=[
                StatementLine(
                    amount=inv.open_amount,
                    booking_date=dt.date(2026, 3, 5),
                    bank_reference=f"B{i:04d}",
                    reference=inv.reference,
                )
                for i, inv in enumerate(invoices)
            ],
            created_at=START,
        )
    )
    pl.statements.import_file(org, path)
    recorders = [Recorder(), Recorder()]
    workers = [
        Paylink(
            Paylink.open(db_url, base_url=BASE).store,
            clock=FixedClock(START),
            plugins=Plugins(get_plugin_manager(plugins=[recorder])),
            base_url=BASE,
        )
        for recorder in recorders
    ]
    start = threading.Barrier(2)
    runs: list[Any] = [None, None]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            start.wait()
            runs[i] = workers[i].reconciliation.run(org)
        except BaseException as exc:  # reported below, with the worker's traceback
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with pl.store.transaction() as conn:
        found = conn.execute(
            sa.select(payments.c.provider_reference, sa.func.count()).group_by(
                payments.c.provider_reference
            )
        ).all()
        paid = conn.execute(
            sa.select(documents.c.status, documents.c.paid_minor).where(
                documents.c.kind == "invoice"
            )
        ).all()
    assert len(found) == 40 and all(count == 1 for _, count in found)
    assert all(status == "paid" for status, _ in paid)
    assert sorted(p for _, p in paid) == sorted(i.open_amount.minor_units for i in invoices)
    # Each payment was recorded (and announced) by one worker only; whatever the other
    # worker applied, it found recorded and reports with the same payment.
    announced = [e[2].id for r in recorders for e in r.events if e[0] == "payment_recorded"]
    assert len(announced) == len(set(announced)) == 40
    for run in runs:
        assert run is not None
        assert {m.payment_id for m in run.applied} <= set(announced)
    for worker in workers:
        worker.close()
    pl.close()
