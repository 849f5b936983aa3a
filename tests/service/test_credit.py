"""Customer credit: a surplus becomes credit, is applied once (by hand or automatically),
shows in the API, the customer report and the portal, and can be paid back."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Line, Money, Paylink, ValidationError
from paylink.parties import Customer, Organization
from paylink.store.schema import customer_credit

from ..conftest import BASE_URL

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def _line(price: str) -> list[Line]:
    return [Line(description="Work", quantity="1", unit_price=price, vat_rate="0")]


def test_a_surplus_becomes_credit_and_pays_the_next_invoice_by_hand(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    first = pl.invoices.issue(org, customer, lines=_line("100"))
    payment = pl.payments.record(first, "130")
    assert payment.unallocated == eur("30")
    assert pl.customers.balance(customer) == eur("30")
    (entry,) = pl.customers.credit(customer)
    assert (entry.kind, entry.source_id, entry.amount) == ("surplus", payment.id, eur("30"))

    second = pl.invoices.issue(org, customer, lines=_line("50"))
    assert pl.invoices.get(org, second.id).status == "issued"  # off by default: waits
    used = pl.payments.apply_credit(second)
    assert used is not None and used.method == "credit" and used.amount == eur("30")
    again = pl.invoices.get(org, second.id)
    assert again.status == "partially_paid" and again.open_amount == eur("20")
    assert pl.customers.balance(customer) == eur("0")
    assert pl.payments.apply_credit(second) is None  # nothing left: never applied twice
    assert [e.kind for e in pl.customers.credit(customer)] == ["surplus", "applied"]


def test_apply_credit_refuses_more_than_the_credit_or_the_open_amount(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    pl.payments.record(pl.invoices.issue(org, customer, lines=_line("100")), "140")
    small = pl.invoices.issue(org, customer, lines=_line("10"))
    with pytest.raises(ValidationError, match="exceeds the customer's credit"):
        pl.payments.apply_credit(small, "41")
    with pytest.raises(ValidationError, match="exceeds what is open"):
        pl.payments.apply_credit(small, "11")
    assert pl.customers.balance(customer) == eur("40")  # the store as it was
    assert pl.invoices.get(org, small.id).status == "issued"
    pl.payments.apply_credit(small, "10")
    assert pl.invoices.get(org, small.id).status == "paid"
    assert pl.customers.balance(customer) == eur("30")


def test_credit_applies_itself_when_the_organization_chooses_so(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    org = pl.organizations.update(org, apply_credit_automatically=True)
    assert org.apply_credit_automatically is True
    waiting = pl.invoices.issue(org, customer, lines=_line("25"))
    paid_first = pl.invoices.issue(org, customer, lines=_line("100"))
    # pays the invoice it was meant for; the 40 beyond it goes to the open one at once
    pl.payments.record(paid_first, "140")
    assert pl.invoices.get(org, waiting.id).status == "paid"
    assert pl.customers.balance(customer) == eur("15")
    # and the next invoice takes what is left when it is issued
    later = pl.invoices.issue(org, customer, lines=_line("60"))
    assert later.status == "partially_paid" and later.open_amount == eur("45")
    assert pl.customers.balance(customer) == eur("0")
    with pytest.raises(ValidationError, match="apply_credit_automatically"):
        pl.organizations.update(org, apply_credit_automatically="yes")


def test_credit_is_paid_back_and_shows_in_the_report_and_the_portal(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    pl.payments.record(pl.invoices.issue(org, customer, lines=_line("100")), "125")
    report = pl.reports.customers(org)
    (line,) = [c for c in report.lines if c.customer_id == customer.id]
    assert line.credit == eur("25")
    assert report.to_records()[0]["credit"] == eur("25").amount
    page = pl.pages.portal(pl.portal.url(customer).rsplit("/", 1)[-1])
    assert page is not None and page.credit == eur("25")

    with pytest.raises(ValidationError, match="exceeds the customer's credit"):
        pl.payments.refund_credit(customer, "30")
    entry = pl.payments.refund_credit(customer, "10", note="transfer to the customer")
    assert entry.kind == "refunded" and entry.amount == eur("-10")
    assert pl.customers.balance(customer) == eur("15")
    pl.payments.refund_credit(customer)
    assert pl.customers.balance(customer) == eur("0")


def test_a_customer_with_only_credit_appears_in_the_customer_report(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    pl.payments.record(pl.invoices.issue(org, customer, lines=_line("100")), "101")
    report = pl.reports.customers(org)
    assert [(c.name, c.open_balance, c.credit) for c in report.lines] == [
        ("Marie Peeters", eur("0"), eur("1"))
    ]


@pytest.mark.postgres
def test_credit_is_applied_once_when_many_threads_apply_it(
    pg_server: object, clock: FixedClock
) -> None:
    url = pg_server.create_database()  # type: ignore[attr-defined]
    pl = Paylink.open(url, clock=clock, base_url=BASE_URL)
    pl.retry.sleep = lambda _seconds: None
    org = pl.organizations.create(name="Busy Garage", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client")
    pl.payments.record(pl.invoices.issue(org, customer, lines=_line("10")), "60")
    invoices = [pl.invoices.issue(org, customer, lines=_line("20")) for _ in range(8)]
    barrier = threading.Barrier(len(invoices) * 2)
    errors: list[BaseException] = []

    def apply(invoice_id: str) -> None:
        barrier.wait()
        try:
            pl.payments.apply_credit(invoice_id)
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=apply, args=(inv.id,)) for inv in invoices for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    settled = [pl.invoices.get(org, inv.id) for inv in invoices]
    assert sum((i.paid for i in settled), eur("0")) == eur("50")
    assert pl.customers.balance(customer) == eur("0")
    with pl.store.transaction() as conn:
        total = conn.execute(sa.select(sa.func.sum(customer_credit.c.amount_minor))).scalar_one()
    assert total == 0
    pl.close()


def test_a_provider_refund_of_a_surplus_takes_it_off_the_credit(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    from paylink.service._base import Unit
    from paylink.service._payments import apply_refund

    payment = pl.payments.record(pl.invoices.issue(org, customer, lines=_line("100")), "120")
    with pl.store.transaction() as conn:
        unit = Unit(conn=conn, now=START)
        refund = apply_refund(
            unit, payment, eur("15"), provider=None, provider_reference=None, status="succeeded"
        )
    assert refund.allocations == ()  # the credit is refunded first
    assert pl.customers.balance(customer) == eur("5")
