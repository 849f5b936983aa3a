"""Payment links: creation, statuses that only move forward, history, pay-all, portal, quotes."""

from __future__ import annotations

from typing import Any

import pytest

from paylink import FixedClock, Money, Paylink, StateError, ValidationError, hookimpl
from paylink.parties import Customer, Organization
from paylink.plugins import Plugins, get_plugin_manager
from tests.conftest import lines

from ..conftest import BASE_URL


def test_one_active_link_per_invoice(pl: Paylink, org: Organization, customer: Customer) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(inv)
    assert link.status == "created"
    assert link.amount == inv.total
    assert link.reference == str(inv.reference)
    assert link.url == f"{pl.base_url}/pay/{link.token}"
    assert len(link.token) >= 32  # 192 random bits, URL-safe
    assert link.token not in repr(link)
    assert pl.links.create(inv).id == link.id
    pl.links.cancel(link)
    fresh = pl.links.create(inv)
    assert fresh.id != link.id
    assert pl.links.get_by_token(link.token).status == "cancelled"  # type: ignore[union-attr]
    assert pl.links.get_by_token("nope") is None


def test_statuses_only_move_forward_with_history(
    pl: Paylink, org: Organization, customer: Customer, clock: FixedClock
) -> None:
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    clock.advance(minutes=2)
    link = pl.links.mark(link, "sent", source="email")
    clock.advance(hours=8)
    link = pl.links.mark(link, "opened", source="web")
    link = pl.links.mark(link, "in_progress", source="stripe")
    link = pl.links.mark(link, "interrupted", source="stripe", detail="card declined")
    link = pl.links.mark(link, "in_progress", source="stripe")
    assert pl.links.mark(link, "sent", source="email").status == "in_progress"
    assert pl.links.mark(link, "opened", source="web").status == "in_progress"
    clock.advance(hours=12)
    pl.links.settle(link, method="card", provider="stripe", provider_reference="pi_123")
    stored = pl.links.get(org, link.id)
    assert stored.status == "paid"
    assert [(e.status, e.source) for e in stored.history] == [
        ("created", "api"),
        ("sent", "email"),
        ("opened", "web"),
        ("in_progress", "stripe"),
        ("interrupted", "stripe"),
        ("in_progress", "stripe"),
        ("paid", "card"),
    ]
    assert stored.history[4].detail == "card declined"
    assert stored.history[-1].at == clock.now()
    assert pl.links.mark(stored, "in_progress", source="stripe").status == "paid"
    with pytest.raises(StateError):
        pl.links.cancel(stored)
    with pytest.raises(ValidationError):
        pl.links.mark(stored, "paid", source="web")


def test_recording_a_payment_closes_the_link(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    inv = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(inv)
    pl.payments.record(inv, "10")
    assert pl.links.get(org, link.id).status == "created"
    pl.payments.record(inv)
    assert pl.links.get(org, link.id).status == "paid"
    with pytest.raises(StateError):
        pl.links.create(inv)


def test_quick_payment_request(pl: Paylink, org: Organization, customer: Customer) -> None:
    link = pl.links.request(org, customer, amount="25.00", description="Deposit for repair")
    assert link.invoice_id is None
    assert link.amount == Money.of("25", "EUR")
    assert link.reference == "+++900/0000/00116+++"
    second = pl.links.request(
        org, None, amount="5", description="Parking", reference="RF18 5390 0754 7034"
    )
    assert second.reference == "RF18539007547034"
    payment = pl.links.settle(link, method="bank_transfer", provider_reference="TX-9")
    assert payment.allocations == ()
    assert payment.unallocated == Money.of("25", "EUR")
    assert payment.customer_id == customer.id
    assert pl.links.get(org, link.id).status == "paid"
    with pytest.raises(ValidationError):
        pl.links.request(org, customer, amount="-1", description="x")
    with pytest.raises(ValidationError):
        pl.links.request(org, customer, amount="1", description="x", reference="+++1+++")


def test_pay_all_allocates_over_open_invoices(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    a = pl.invoices.issue(org, customer, lines=lines())
    b = pl.invoices.issue(org, customer, lines=lines())
    pl.payments.record(a, "46.00")
    link = pl.links.pay_all(customer)
    assert link.amount == Money.of("246.00", "EUR")
    assert link.settles == (a.id, b.id)
    pl.links.settle(link, method="bank_transfer")
    assert pl.invoices.get(org, a.id).status == "paid"
    assert pl.invoices.get(org, b.id).status == "paid"
    assert pl.links.get(org, link.id).status == "paid"
    with pytest.raises(StateError, match="no open invoices"):
        pl.links.pay_all(customer)


def test_portal_and_quote_urls(pl: Paylink, org: Organization, customer: Customer) -> None:
    url = pl.portal.url(customer)
    assert url.startswith(f"{pl.base_url}/portal/")
    assert pl.portal.url(customer) == url
    token = url.rsplit("/", 1)[1]
    assert pl.portal.customer_for(token) == customer
    pl.portal.revoke(customer)
    assert pl.portal.customer_for(token) is None
    assert pl.portal.url(customer) != url
    quote = pl.quotes.create(org, customer, lines=lines())
    with pytest.raises(StateError):
        pl.quotes.url(quote)
    quote = pl.quotes.send(quote)
    qurl = pl.quotes.url(quote)
    assert pl.quotes.for_token(qurl.rsplit("/", 1)[1]) == quote
    assert pl.quotes.for_token(token) is None  # a portal token does not open a quote


def test_status_changes_fire_the_hook(db_url: str, clock: FixedClock) -> None:
    seen: list[tuple[str, str]] = []

    class Listener:
        @hookimpl
        def paylink_link_status_changed(self, old_status: str, new_status: str, link: Any) -> None:
            seen.append((old_status, new_status))

    pl = Paylink(
        Paylink.open(db_url).store,
        clock=clock,
        plugins=Plugins(get_plugin_manager(plugins=[Listener()])),
        base_url=BASE_URL,
    )
    org = pl.organizations.create(name="A", country="BE", iban="BE71096123456769")
    cust = pl.customers.create(org, name="B")
    link = pl.links.create(pl.invoices.issue(org, cust, lines=lines()))
    pl.links.mark(link, "opened", source="web")
    pl.links.mark(link, "opened", source="web")
    pl.links.settle(link, method="card")
    assert seen == [("created", "opened"), ("opened", "paid")]
    pl.close()


def test_cancelling_the_invoice_cancels_its_links(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    a = pl.invoices.issue(org, customer, lines=lines())
    b = pl.invoices.issue(org, customer, lines=lines())
    own = pl.links.create(a)
    together = pl.links.pay_all(customer)
    assert pl.links.amount_due(together) == Money.of("292.00", "EUR")
    pl.payments.record(b, "92.00")
    assert pl.links.amount_due(together) == Money.of("200.00", "EUR")
    pl.invoices.cancel(a)
    assert pl.links.get(org, own.id).status == "cancelled"
    cancelled = pl.links.get(org, together.id)
    assert cancelled.status == "cancelled"
    assert cancelled.history[-1].detail == "invoice 2026-000001 cancelled"
