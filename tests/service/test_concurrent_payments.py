"""One invoice paid three ways at the same moment, on PostgreSQL: no deadlock, no money lost.

A provider webhook (the fake provider), a manual payment and a bank reconciliation run race
for the same invoices. The invoices are locked before their links on every path, and a unit
that loses a deadlock anyway runs again, so no caller sees one. Each invoice ends paid exactly
once; what came in twice stays on its payment as the customer's credit, or waits for review.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from paylink import FixedClock, Invoice, Line, Money, Paylink, StateError
from paylink.plugins import get_plugin_manager
from paylink.references import parse as parse_reference
from paylink.statements.writer import StatementLine, camt053
from paylink.testing import FakeBackend, PostgresServer, fake_provider_plugin

from ..conftest import BASE_URL

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
INVOICES = 60
ACCOUNT_IBAN = "BE71096123456769"


def _open(url: str, clock: FixedClock) -> Paylink:
    pl = Paylink.open(
        url,
        clock=clock,
        plugins=get_plugin_manager(plugins=[fake_provider_plugin]),
        base_url=BASE_URL,
    )
    pl.retry.sleep = lambda _seconds: None
    return pl


def _race(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run the workers in threads started together; the exceptions they raised."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.slow
@pytest.mark.postgres
def test_webhook_manual_payment_and_reconciliation_race_without_deadlock_or_loss(
    pg_server: PostgresServer,
) -> None:
    FakeBackend.reset()
    url = pg_server.create_database()
    clock = FixedClock(START)
    pl = _open(url, clock)
    org = pl.organizations.create(name="Busy Garage", country="BE", iban=ACCOUNT_IBAN)
    customer = pl.customers.create(org, name="Client", email="client@example.be")
    account = pl.providers.connect(org, "fake", api_key="fk_race", webhook_secret="whsec_race")
    backend = FakeBackend.for_key("fk_race")
    invoices: list[Invoice] = []
    webhooks = []
    statement_lines = []
    for i in range(INVOICES):
        line = Line(description="Service", quantity="1", unit_price=f"{100 + i}.00", vat_rate="21")
        invoice = pl.invoices.issue(org, customer, lines=[line])
        invoices.append(invoice)
        checkout = pl.providers.checkout(pl.links.create(invoice), "fake")
        assert checkout.provider_reference is not None
        webhooks.append(
            backend.pay(
                checkout.provider_reference,
                secret="whsec_race",
                url=account.webhook_url,
                at=clock.now(),
                event_id=f"evt_{i}",
            )
        )
        assert invoice.reference is not None
        statement_lines.append(
            StatementLine(
                amount=invoice.total,
                booking_date=START.date(),
                bank_reference=f"BANK{i:04d}",
                counterparty_name="Client",
                reference=parse_reference(str(invoice.reference)),
            )
        )
    statement = camt053(
        account_iban=ACCOUNT_IBAN,
        statement_id="STMT-RACE",
        opening=Money.of("0", "EUR"),
        lines=statement_lines,
        created_at=START,
    )
    pl.statements.import_bytes(org, statement, filename="race.xml")
    pl.close()

    outcomes: list[str] = []
    manual: list[str] = []
    runs: list[Any] = []
    # The webhook deliveries and the clerks walk the invoices in the same order and wait for
    # each other at every invoice, so they meet on each one; the bank runs meanwhile.
    order = random.sample(range(INVOICES), INVOICES)
    step = threading.Barrier(4, timeout=60)
    finished = threading.Event()

    def by_webhook() -> None:
        worker = _open(url, clock)
        for i in order:
            request = webhooks[i]
            step.wait()
            outcomes.extend(worker.providers.handle_webhook("fake", account.id, request))
        worker.close()

    def by_hand() -> None:
        worker = _open(url, clock)
        for i in order:
            invoice = invoices[i]
            step.wait()
            try:
                worker.payments.record(invoice)
                manual.append(invoice.id)
            except StateError:
                pass  # already paid by another path: a person would not pay it again
        worker.close()

    def by_bank() -> None:
        worker = _open(url, clock)
        while not finished.is_set():
            runs.append(worker.reconciliation.run(org.id))
        runs.append(worker.reconciliation.run(org.id))
        worker.close()

    # Two webhook deliveries of each event (providers retry), two clerks, one bank run.
    def then_finish(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            finally:
                finished.set()

        return run

    errors = _race([by_webhook, by_webhook, by_hand, then_finish(by_hand), by_bank])
    assert errors == []  # no deadlock (nor anything else) surfaced to any caller

    pl = _open(url, clock)
    payments = pl.payments.list(org.id)
    # Every invoice is paid, exactly once in total: allocations never exceed it.
    for invoice in invoices:
        fresh = pl.invoices.get(org, invoice.id)
        assert fresh.status == "paid"
        allocated = Money.sum(
            (a.amount for p in payments for a in p.allocations if a.invoice_id == invoice.id),
            "EUR",
        )
        assert allocated == invoice.total
    # The provider's payments were each recorded once, whatever else paid the invoice first;
    # what they no longer needed is kept on the payment as the customer's credit.
    card = [p for p in payments if p.provider == "fake"]
    assert len(card) == INVOICES
    assert len({p.provider_reference for p in card}) == INVOICES
    assert sorted(outcomes) == ["applied"] * INVOICES + ["duplicate"] * INVOICES
    for payment in payments:
        allocated = Money.sum((a.amount for a in payment.allocations), "EUR")
        assert payment.unallocated == payment.amount - allocated
        assert payment.unallocated.amount >= 0
    # Not a cent lost: what came in = what the invoices took + the surplus kept as credit.
    received = Money.sum((p.amount for p in payments), "EUR")
    owed = Money.sum((i.total for i in invoices), "EUR")
    credit = Money.sum((p.unallocated for p in payments), "EUR")
    assert received == owed + credit
    assert credit.amount >= Decimal("0")
    # A bank line whose invoice was paid meanwhile is not applied: it waits for a person (or
    # stays unmatched); none is lost, none applied twice.
    bank = [p for p in payments if p.provider == "bank"]
    applied = [m for run in runs for m in run.applied]
    matched = pl.statements.transactions(org, status="matched")
    waiting = pl.statements.transactions(org, status=["review", "unmatched"])
    assert len(bank) == len(applied) == len(matched)
    assert len(matched) + len(waiting) == INVOICES
    assert len(manual) + len(bank) + len(card) >= INVOICES
    pl.close()
