"""The service's use cases, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import (
    FixedClock,
    Line,
    Money,
    NotFound,
    Paylink,
    StateError,
    ValidationError,
    hookimpl,
)
from paylink.parties import Customer, Organization
from paylink.plugins import Plugins, get_plugin_manager
from paylink.store.schema import documents
from tests.conftest import lines

from ..conftest import BASE_URL


def test_issue_invoice_contract(pl: Paylink, org: Organization, customer: Customer) -> None:
    inv = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21")],
        due_date=dt.date(2026, 4, 1),
    )
    assert inv.number == "2026-000001"
    assert str(inv.reference) == "+++202/6000/00192+++"
    assert inv.net_total == Money.of("90.00", "EUR")
    assert inv.vat_total == Money.of("18.90", "EUR")
    assert inv.total == Money.of("108.90", "EUR")
    assert inv.open_amount == inv.total
    assert inv.status == "issued"
    assert [(str(v.rate), str(v.vat)) for v in inv.vat_breakdown] == [("21", "18.90 EUR")]
    assert pl.invoices.get(org, inv.id) == inv
    assert pl.invoices.get_by_number(org, "2026-000001") == inv


def test_defaults_come_from_the_organization(
    pl: Paylink, org: Organization, customer: Customer, clock: FixedClock
) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())
    assert inv.issue_date == dt.date(2026, 3, 2)
    assert inv.due_date == dt.date(2026, 4, 1)
    assert inv.currency == "EUR"
    assert inv.issued_at == clock.now()


def test_numbers_are_gapless_per_series_and_year(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    numbers = [pl.invoices.issue(org, customer, lines=lines()).number for _ in range(3)]
    assert numbers == ["2026-000001", "2026-000002", "2026-000003"]
    with pytest.raises(ValidationError):
        pl.invoices.issue(org, customer, lines=[])
    nxt = pl.invoices.issue(org, customer, lines=lines(), issue_date=dt.date(2027, 1, 2))
    assert nxt.number == "2027-000001"
    assert pl.invoices.issue(org, customer, lines=lines()).number == "2026-000004"


def test_each_organization_has_its_own_series(pl: Paylink, org: Organization) -> None:
    other = pl.organizations.create(name="Other", country="NL", iban="NL91ABNA0417164300")
    c1 = pl.customers.create(org, name="A")
    c2 = pl.customers.create(other, name="B")
    assert pl.invoices.issue(org, c1, lines=lines()).number == "2026-000001"
    inv = pl.invoices.issue(other, c2, lines=lines())
    assert inv.number == "2026-000001"
    assert inv.reference is not None
    assert inv.reference.scheme == "rf"
    with pytest.raises(NotFound):
        pl.invoices.issue(org, c2, lines=lines())  # c2 is not org's customer
    assert [i.number for i in pl.invoices.list(other)] == ["2026-000001"]


def test_drafts_consume_no_number(pl: Paylink, org: Organization, customer: Customer) -> None:
    draft = pl.invoices.create_draft(org, customer, lines=lines())
    assert draft.number is None
    assert draft.status == "draft"
    first = pl.invoices.issue(org, customer, lines=lines())
    issued = pl.invoices.issue_draft(draft)
    assert (first.number, issued.number) == ("2026-000001", "2026-000002")
    assert issued.id == draft.id
    assert issued.status == "issued"
    with pytest.raises(StateError):
        pl.invoices.issue_draft(draft)


def test_quote_approved_into_invoice(
    pl: Paylink, org: Organization, customer: Customer, clock: FixedClock
) -> None:
    quote = pl.quotes.create(org, customer, lines=lines())
    assert quote.status == "draft"
    assert quote.number is None
    sent = pl.quotes.send(quote)
    assert sent.number == "Q2026-00001"
    assert sent.valid_until == dt.date(2026, 4, 1)
    clock.advance(days=1)
    invoice = pl.quotes.approve(sent, ip="198.51.100.7", user_agent="Mobile Safari")
    stored = pl.quotes.get(org, quote.id)
    assert stored.status == "approved"
    assert stored.invoice_id == invoice.id
    assert invoice.quote_id == quote.id
    assert stored.decision == {"ip": "198.51.100.7", "user_agent": "Mobile Safari"}
    assert stored.decided_at == clock.now()
    assert invoice.lines == quote.lines
    assert invoice.total == quote.total
    with pytest.raises(StateError):
        pl.quotes.approve(quote)


def test_declined_and_expired_quotes_cannot_be_approved(
    pl: Paylink, org: Organization, customer: Customer, clock: FixedClock
) -> None:
    declined = pl.quotes.decline(
        pl.quotes.send(pl.quotes.create(org, customer, lines=lines())), reason="too expensive"
    )
    assert declined.decision == {"reason": "too expensive"}
    with pytest.raises(StateError, match="declined"):
        pl.quotes.approve(declined)
    old = pl.quotes.send(pl.quotes.create(org, customer, lines=lines()), valid_days=5)
    clock.advance(days=6)
    with pytest.raises(StateError, match="expired"):
        pl.quotes.approve(old)
    assert [q.id for q in pl.quotes.expire(org)] == [old.id]
    assert pl.quotes.get(org, old.id).status == "expired"
    assert pl.invoices.list(org) == []


def test_payments_settle_invoices(pl: Paylink, org: Organization, customer: Customer) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())  # 146.00 EUR
    payment = pl.payments.record(inv, "46.00", method="bank_transfer")
    after = pl.invoices.get(org, inv.id)
    assert after.status == "partially_paid"
    assert after.open_amount == Money.of("100.00", "EUR")
    pl.payments.record(inv)
    final = pl.invoices.get(org, inv.id)
    assert final.status == "paid"
    assert final.open_amount == Money.zero("EUR")
    assert final.paid_at is not None
    assert next(p.id for p in pl.payments.list(org.id, invoice=inv)) == payment.id
    with pytest.raises(StateError, match="paid"):
        pl.payments.record(inv, "1")


def test_one_payment_for_several_invoices_keeps_the_excess_as_credit(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    a = pl.invoices.issue(org, customer, lines=lines())
    b = pl.invoices.issue(org, customer, lines=lines())
    payment = pl.payments.record([a, b], "300.00")
    assert [str(x.amount) for x in payment.allocations] == ["146.00 EUR", "146.00 EUR"]
    assert payment.unallocated == Money.of("8.00", "EUR")
    assert pl.payments.get(org.id, payment.id) == payment


def test_provider_payments_are_recorded_once(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())
    first = pl.payments.record(inv, "10", provider="bank", provider_reference="TX-1")
    again = pl.payments.record(inv, "10", provider="bank", provider_reference="TX-1")
    assert again.id == first.id
    assert pl.invoices.get(org, inv.id).paid == Money.of("10", "EUR")


def test_cancel_through_a_credit_note(pl: Paylink, org: Organization, customer: Customer) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())
    note = pl.invoices.cancel(inv, reason="duplicate")
    assert note.number == "CN2026-00001"
    assert note.total == inv.total
    cancelled = pl.invoices.get(org, inv.id)
    assert cancelled.status == "cancelled"
    assert cancelled.open_amount == Money.zero("EUR")
    assert pl.invoices.credit_notes(inv) == [note]
    paid = pl.invoices.issue(org, customer, lines=lines())
    pl.payments.record(paid, "1")
    with pytest.raises(StateError, match="refund"):
        pl.invoices.cancel(paid)


def test_partial_credit_reduces_the_open_amount(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())
    pl.invoices.credit(inv, lines=[lines()[1]], reason="inspection not done")
    after = pl.invoices.get(org, inv.id)
    assert after.status == "issued"
    assert after.open_amount == Money.of("108.90", "EUR")
    with pytest.raises(ValidationError, match="exceeds"):
        pl.invoices.credit(inv, lines=[lines()[0], lines()[0]])


def test_purchase_invoices(pl: Paylink, org: Organization) -> None:
    p = pl.purchases.create(
        org,
        supplier_name="Pieces Auto SA",
        supplier_iban="BE43 0689 9999 9501",
        amount="1210.00",
        due_date=dt.date(2026, 3, 20),
        supplier_reference="F-889",
        payment_reference="+++090/9337/55493+++",
    )
    assert p.direction == "purchase"
    assert p.open_amount == Money.of("1210", "EUR")
    assert pl.purchases.get(org, p.id) == p
    assert pl.purchases.list(org, status="open") == [p]
    with pytest.raises(ValidationError) as info:
        pl.purchases.create(
            org, supplier_name="X", supplier_iban="BE00", amount="1", due_date=dt.date(2026, 3, 1)
        )
    assert info.value.field == "supplier_iban"


def test_catalog_lines(pl: Paylink, org: Organization, customer: Customer) -> None:
    pads = pl.catalog.add(org, name="Brake pads", unit_price="45.00", vat_rate="21", unit="set")
    assert pl.catalog.list(org) == [pads]
    inv = pl.invoices.issue(org, customer, lines=[pl.catalog.line(pads, 2)])
    assert inv.lines[0].catalog_item_id == pads.id
    assert inv.total == Money.of("108.90", "EUR")
    retired = pl.catalog.deactivate(pads)
    assert pl.catalog.list(org) == []
    assert pl.catalog.list(org, include_inactive=True) == [retired]
    with pytest.raises(ValidationError):
        pl.catalog.line(retired)


def test_round_trips(pl: Paylink, org: Organization, customer: Customer) -> None:
    assert pl.organizations.get(org.id) == org
    assert pl.customers.get(org, customer.id) == customer
    updated = pl.customers.update(customer, email="new@example.be")
    assert pl.customers.get(org, customer.id) == updated
    more = pl.customers.add_iban(updated, "BE43 0689 9999 9501")
    assert pl.customers.get(org, customer.id).ibans == ("BE62510007547061", "BE43068999999501")
    assert more.ibans == pl.customers.get(org, customer.id).ibans
    renamed = pl.organizations.update(org, name="Garage Dupont & Fils", payment_terms_days=14)
    assert pl.organizations.get(org.id) == renamed
    q = pl.quotes.send(pl.quotes.create(org, customer, lines=lines(), notes="valid with parts"))
    assert pl.quotes.get(org, q.id) == q


def test_bad_input_leaves_the_store_as_it_was(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    def count() -> int:
        with pl.store.transaction() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one())

    before = count()
    with pytest.raises(ValidationError):
        pl.invoices.issue(org, customer, lines=lines(), due_date=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError):
        pl.invoices.issue(org, customer, lines=lines(), currency="XXX1")
    with pytest.raises(ValidationError):
        pl.customers.create(org, name="X", email="nope")
    assert count() == before
    # The failed issues consumed no number.
    assert pl.invoices.issue(org, customer, lines=lines()).number == "2026-000001"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @hookimpl
    def paylink_invoice_issued(self, invoice: Any) -> None:
        self.events.append(("issued", invoice.number))

    @hookimpl
    def paylink_payment_recorded(self, payment: Any) -> None:
        self.events.append(("payment", str(payment.amount)))

    @hookimpl
    def paylink_invoice_paid(self, organization: Any, invoice: Any) -> None:
        self.events.append(("paid", invoice.number))


class Broken:
    @hookimpl
    def paylink_invoice_issued(self) -> None:
        raise RuntimeError("boom")


def test_events_fire_after_commit_and_a_broken_plugin_changes_nothing(
    db_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    pm = get_plugin_manager(plugins=[Broken(), recorder])
    pl = Paylink(Paylink.open(db_url).store, clock=clock, plugins=Plugins(pm), base_url=BASE_URL)
    org = pl.organizations.create(name="A", country="BE", iban="BE71096123456769")
    cust = pl.customers.create(org, name="B")
    inv = pl.invoices.issue(org, cust, lines=lines())
    pl.payments.record(inv)
    assert recorder.events == [
        ("issued", "2026-000001"),
        ("paid", "2026-000001"),
        ("payment", "146.00 EUR"),
    ]
    assert "boom" in caplog.text
    assert pl.invoices.get(org, inv.id).status == "paid"
    pl.close()


def test_issue_many_is_all_or_nothing(pl: Paylink, org: Organization, customer: Customer) -> None:
    other = pl.customers.create(org, name="Other")
    issued = pl.invoices.issue_many(
        org, [(customer, lines()), (other, lines()), (customer, lines())]
    )
    assert [i.number for i in issued] == ["2026-000001", "2026-000002", "2026-000003"]
    assert [i.customer_id for i in issued] == [customer.id, other.id, customer.id]
    assert pl.invoices.get(org, issued[1].id) == issued[1]
    with pytest.raises(NotFound):
        pl.invoices.issue_many(org, [(customer, lines()), ("cus_unknown", lines())])
    with pytest.raises(ValidationError):
        pl.invoices.issue_many(org, [(customer, lines()), (customer, [])])
    assert len(pl.invoices.list(org)) == 3
    assert pl.invoices.issue(org, customer, lines=lines()).number == "2026-000004"


def test_pl_documents_is_a_deprecated_alias_of_pl_renditions(db_url: str) -> None:
    pl = Paylink.open(db_url, base_url=BASE_URL)
    with pytest.warns(DeprecationWarning, match="pl.renditions"):
        alias = pl.documents
    assert alias is pl.renditions
    pl.close()
