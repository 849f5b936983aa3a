"""``pl.pages``: the read models of the customer pages, on SQLite and PostgreSQL."""

from __future__ import annotations

from paylink import FixedClock, Line, Money, Paylink
from paylink.parties import Customer, Organization
from tests.conftest import lines


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_pay_page_of_an_invoice(pl: Paylink, org: Organization, customer: Customer) -> None:
    invoice = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(invoice)
    page = pl.pages.pay_page(_token(link.url))
    assert page is not None
    assert page.link.id == link.id
    assert page.organization.id == org.id
    assert page.customer is not None and page.customer.id == customer.id
    assert page.invoice is not None and page.invoice.id == invoice.id
    assert page.amount_due == invoice.open_amount == Money.of("146.00", "EUR")
    assert page.fee_lines == ()
    assert page.paid_at is None
    # The bank-transfer method's own instructions, computed by its plugin.
    assert page.transfer is not None
    info = page.transfer.instructions
    assert info["iban"] == "BE71096123456769"
    assert info["reference"] == invoice.reference.display
    assert info["amount"] == "146.00"
    assert page.transfer.qr_payload and page.transfer.qr_payload.startswith("BCD\n")


def test_pay_page_after_payment_and_of_unknown_tokens(
    pl: Paylink, org: Organization, customer: Customer, clock: FixedClock
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(invoice)
    assert pl.pages.pay_page("no-such-token") is None
    clock.advance(hours=1)
    pl.payments.record(invoice, method="bank_transfer")
    page = pl.pages.pay_page(_token(link.url))
    assert page is not None
    assert page.link.status == "paid"
    assert page.paid_at == clock.now()
    assert page.transfer is None
    cancelled = pl.links.cancel(pl.links.create(pl.invoices.issue(org, customer, lines=lines())))
    assert pl.pages.pay_page(_token(cancelled.url)) is None


def test_pay_page_of_a_payment_request(pl: Paylink, org: Organization) -> None:
    link = pl.links.request(org, None, amount="25", description="Deposit")
    page = pl.pages.pay_page(_token(link.url))
    assert page is not None
    assert page.invoice is None and page.customer is None
    assert page.amount_due == Money.of("25.00", "EUR")


def test_quote_page(pl: Paylink, org: Organization, customer: Customer) -> None:
    quote = pl.quotes.send(
        pl.quotes.create(
            org,
            customer,
            lines=[Line(description="Timing belt", quantity="1", unit_price="400", vat_rate="21")],
        )
    )
    token = _token(pl.quotes.url(quote))
    page = pl.pages.quote_page(token)
    assert page is not None
    assert page.state == "open" and page.invoice is None
    assert page.customer.id == customer.id
    invoice = pl.quotes.approve(quote)
    approved = pl.pages.quote_page(token)
    assert approved is not None
    assert approved.state == "approved"
    assert approved.invoice is not None and approved.invoice.id == invoice.id
    assert pl.pages.quote_page("nothing") is None


def test_portal(pl: Paylink, org: Organization, customer: Customer) -> None:
    first = pl.invoices.issue(org, customer, lines=lines())
    second = pl.invoices.issue(
        org, customer, lines=[Line(description="Oil", quantity="1", unit_price="50", vat_rate="21")]
    )
    pl.payments.record(first, method="bank_transfer")
    page = pl.pages.portal(_token(pl.portal.url(customer)))
    assert page is not None
    assert [i.id for i in page.invoices] == [second.id, first.id]  # open ones first
    assert page.balance == Money.of("60.50", "EUR")
    assert page.open_count == 1
    assert page.fee_lines == {}
    assert pl.pages.portal("nothing") is None
