"""A credit note that takes back what was already paid: the paid part is kept as customer
credit or paid back, once per credit note, and never lost."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Line, Money, Paylink, StateError, ValidationError
from paylink.parties import Customer, Organization
from paylink.store.schema import customer_credit, documents
from paylink.testing import FakeBackend

from ..conftest import BASE_URL

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def _line(price: str, description: str = "Work") -> Line:
    return Line(description=description, quantity="1", unit_price=price, vat_rate="0")


def _ledger(pl: Paylink) -> list[tuple[str, int]]:
    with pl.store.transaction() as conn:
        rows = conn.execute(
            sa.select(customer_credit.c.kind, customer_credit.c.amount_minor).order_by(
                customer_credit.c.created_at, customer_credit.c.id
            )
        ).all()
    return [(kind, int(amount)) for kind, amount in rows]


def _note_count(pl: Paylink) -> int:
    with pl.store.transaction() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(documents.c.kind == "credit_note")
            ).scalar_one()
        )


def test_a_credit_note_on_a_paid_invoice_kept_as_credit_pays_the_next_invoice_once(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=[_line("80"), _line("20", "Extra")])
    pl.payments.record(invoice)
    assert pl.invoices.get(org, invoice.id).status == "paid"
    note = pl.invoices.credit(invoice, lines=[_line("20", "Extra")], settle="credit")
    after = pl.invoices.get(org, invoice.id)
    assert (after.status, after.paid, after.credited) == ("paid", eur("80"), eur("20"))
    assert after.open_amount == eur("0")
    assert pl.customers.balance(customer) == eur("20")
    (entry,) = pl.customers.credit(customer)
    assert (entry.kind, entry.source_id, entry.amount, entry.invoice_id) == (
        "credit_note", note.id, eur("20"), invoice.id,
    )  # fmt: skip
    page = pl.pages.portal(pl.portal.url(customer).rsplit("/", 1)[-1])
    assert page is not None and page.credit == eur("20")
    (line,) = [c for c in pl.reports.customers(org).lines if c.customer_id == customer.id]
    assert line.credit == eur("20")

    following = pl.invoices.issue(org, customer, lines=[_line("50")])
    used = pl.payments.apply_credit(following)
    assert used is not None and used.amount == eur("20")
    assert pl.payments.apply_credit(following) is None  # spent once
    assert pl.invoices.get(org, following.id).open_amount == eur("30")
    assert pl.customers.balance(customer) == eur("0")


def test_a_credit_note_beyond_what_is_open_credits_only_the_paid_part(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=[_line("100")])
    pl.payments.record(invoice, "70")
    with pytest.raises(ValidationError, match="settle='credit'") as refused:
        pl.invoices.credit(invoice, lines=[_line("50")])
    assert refused.value.field == "settle"
    pl.invoices.credit(invoice, lines=[_line("50")], settle="credit")
    after = pl.invoices.get(org, invoice.id)
    # 30 was open and comes off; 20 of what was paid becomes credit
    assert (after.status, after.paid, after.open_amount) == ("paid", eur("50"), eur("0"))
    assert pl.customers.balance(customer) == eur("20")
    pl.payments.refund_credit(customer, "20", note="transfer")
    assert pl.customers.balance(customer) == eur("0")


def test_a_credit_note_on_an_unpaid_invoice_only_reduces_what_is_open(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=[_line("100")])
    pl.invoices.credit(invoice, lines=[_line("40")], settle="credit")
    after = pl.invoices.get(org, invoice.id)
    assert (after.status, after.open_amount) == ("issued", eur("60"))
    assert _ledger(pl) == []
    assert pl.customers.balance(customer) == eur("0")


def test_a_credit_note_refunded_by_bank_transfer_leaves_the_balance_unchanged(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=[_line("100")])
    pl.payments.record(invoice)
    note = pl.invoices.credit(invoice, settle="refund")
    after = pl.invoices.get(org, invoice.id)
    assert (after.status, after.paid, after.open_amount) == ("cancelled", eur("0"), eur("0"))
    assert pl.customers.balance(customer) == eur("0")
    credited, paid_back = pl.customers.credit(customer)
    assert (credited.kind, credited.source_id, credited.amount) == (
        "credit_note", note.id, eur("100"),
    )  # fmt: skip
    assert (paid_back.kind, paid_back.amount) == ("refunded", eur("-100"))
    assert "bank transfer" in paid_back.note and note.number in paid_back.note


def test_crediting_the_paid_part_twice_is_refused_and_changes_nothing(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=[_line("100")])
    pl.payments.record(invoice)
    pl.invoices.credit(invoice, lines=[_line("30")], settle="credit")
    before = (pl.invoices.get(org, invoice.id), _ledger(pl), _note_count(pl))
    with pytest.raises(ValidationError, match="exceeds what is not credited yet"):
        pl.invoices.credit(invoice, lines=[_line("71")], settle="credit")
    with pytest.raises(ValidationError, match="settle"):
        pl.invoices.credit(invoice, lines=[_line("10")], settle="later")  # type: ignore[arg-type]
    with pytest.raises(StateError, match="settle='credit'"):
        pl.invoices.credit(invoice, lines=[_line("10")])  # paid: settle is required
    assert (pl.invoices.get(org, invoice.id), _ledger(pl), _note_count(pl)) == before


def test_the_same_credit_note_is_credited_once(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    from paylink.service._base import Unit
    from paylink.service._credit import credit_from_note

    invoice = pl.invoices.issue(org, customer, lines=[_line("100")])
    pl.payments.record(invoice)
    note = pl.invoices.credit(invoice, lines=[_line("30")], settle="credit")
    with (
        pytest.raises(StateError, match=f"credit note {note.number} was already settled"),
        pl.store.transaction() as conn,
    ):
        credit_from_note(Unit(conn=conn, now=START), note, eur("30"))
    assert pl.customers.balance(customer) == eur("30")


def test_a_credit_note_on_a_provider_payment_is_refunded_through_the_provider(
    fake_pl: Paylink, clock: FixedClock
) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Fake SRL", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="Jan", email="jan@example.be")
    account = pl.providers.connect(org, "fake", api_key="fk_test_1", webhook_secret="fk_whsec")
    invoice = pl.invoices.issue(org, customer, lines=[_line("60"), _line("40", "Extra")])
    checkout = pl.providers.checkout(pl.links.create(invoice), "fake")
    assert checkout.provider_reference is not None
    backend = FakeBackend.for_key("fk_test_1")
    request = backend.pay(
        checkout.provider_reference, secret="fk_whsec", url=account.webhook_url,
        at=clock.now(), event_id="evt_1",
    )  # fmt: skip
    assert pl.providers.handle_webhook("fake", account.id, request) == ["applied"]
    (payment,) = pl.payments.list(org.id)

    note = pl.invoices.credit(invoice, lines=[_line("40", "Extra")], settle="refund")
    (refund,) = pl.payments.refunds(payment)
    assert (refund.amount, refund.provider, refund.allocations) == (
        eur("40"), "fake", ((invoice.id, eur("40")),),
    )  # fmt: skip
    after = pl.invoices.get(org, invoice.id)
    assert (after.status, after.paid, after.open_amount) == ("paid", eur("60"), eur("0"))
    assert pl.customers.balance(customer) == eur("0")
    assert [(e.kind, e.amount) for e in pl.customers.credit(customer)] == [
        ("credit_note", eur("40")), ("refunded", eur("-40")),
    ]  # fmt: skip
    assert pl.customers.credit(customer)[0].source_id == note.id
    # the rest of the payment can still be refunded, and no more than the rest
    with pytest.raises(ValidationError):
        pl.payments.refund(payment, eur("61"))
    pl.payments.refund(payment)
    assert pl.invoices.get(org, invoice.id).paid == eur("0")


@pytest.mark.postgres
def test_a_paid_invoice_credited_from_many_threads_is_credited_once(
    pg_server: object, clock: FixedClock
) -> None:
    url = pg_server.create_database()  # type: ignore[attr-defined]
    pl = Paylink.open(url, clock=clock, base_url=BASE_URL)
    pl.retry.sleep = lambda _seconds: None
    org = pl.organizations.create(name="Busy Garage", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client")
    invoice = pl.invoices.issue(org, customer, lines=[_line("100")])
    pl.payments.record(invoice)
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    notes: list[object] = []

    def credit() -> None:
        barrier.wait()
        try:
            notes.append(pl.invoices.credit(invoice.id, settle="credit"))
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=credit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(notes) == 1
    assert len(errors) == threads_count - 1
    assert all(isinstance(e, StateError | ValidationError) for e in errors), errors
    assert pl.customers.balance(customer) == eur("100")
    assert _ledger(pl) == [("credit_note", 10000)]
    assert _note_count(pl) == 1
    pl.close()
