"""Money a provider reports for something that can no longer take it is logged, not forced in.

The invoice was cancelled while the customer was paying: the provider's paid webhook is
acknowledged as ``not_applied``, the error log names the payment and what it was for, and no
payment is recorded. The same holds for a payment found by the invoice's reference alone.
"""

from __future__ import annotations

import logging

import pytest

from paylink import FixedClock, Line, NotFound, Paylink
from paylink.testing import FakeBackend


def test_a_payment_for_a_cancelled_invoice_is_logged_not_recorded(
    fake_pl: Paylink, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client", email="client@example.be")
    account = pl.providers.connect(org, "fake", api_key="fk_late", webhook_secret="whsec_late")
    line = Line(description="Service", quantity="1", unit_price="100.00", vat_rate="21")
    invoice = pl.invoices.issue(org, customer, lines=[line])
    link = pl.links.create(invoice)
    checkout = pl.providers.checkout(link, "fake")
    assert checkout.provider_reference is not None
    pl.invoices.cancel(invoice)  # while the customer is on the provider's page

    request = FakeBackend.for_key("fk_late").pay(
        checkout.provider_reference, secret="whsec_late", url=account.webhook_url, at=clock.now()
    )
    with caplog.at_level(logging.ERROR, logger="paylink"):
        outcomes = pl.providers.handle_webhook("fake", account.id, request)

    assert outcomes == ["not_applied"]
    assert pl.payments.list(org) == []
    assert pl.invoices.get(org, invoice.id).status == "cancelled"
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert f"for link {link.id} was not recorded" in errors[0]
    assert errors[0].startswith("fake payment ")


def test_payments_are_listed_and_got_by_organization_or_its_id(fake_pl: Paylink) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    other = pl.organizations.create(name="Other", country="BE", iban="BE43068999999501")
    customer = pl.customers.create(org, name="Client", email="client@example.be")
    line = Line(description="Service", quantity="1", unit_price="100.00", vat_rate="21")
    invoice = pl.invoices.issue(org, customer, lines=[line])
    payment = pl.payments.record(invoice)
    assert pl.payments.list(org) == pl.payments.list(org.id) == [payment]
    assert pl.payments.list(org, invoice=invoice) == [payment]
    assert pl.payments.get(org, payment.id) == pl.payments.get(org.id, payment.id) == payment
    assert pl.payments.list(other) == []
    with pytest.raises(NotFound):
        pl.payments.get(other, payment.id)
