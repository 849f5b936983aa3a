"""Provider payouts through pytest-httpx, in the shapes Stripe and Mollie document: Stripe's
payouts and their balance transactions (and the ``payout.paid`` webhook), Mollie's settlements
and what they carry (polled by the janitor: Mollie sends no settlement webhook)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink
from paylink.parties import Customer, Organization
from paylink.providers import ProviderAccount
from paylink_providers.mollie import Mollie
from paylink_providers.stripe import Stripe, sign_payload

from ..conftest import lines
from ._pay import STRIPE_KEY, STRIPE_WHSEC, data, no_sleep, webhook

STRIPE = "https://api.stripe.com"
MOLLIE = "https://api.mollie.com"
MOLLIE_KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
PAYOUT = "po_1PaylinkPayout0001"
SETTLEMENT = "stl_jDk30akdN"


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def stripe_payout_responses(httpx_mock: HTTPXMock, *, listed: bool) -> None:
    if listed:
        httpx_mock.add_response(
            method="GET",
            url=httpx.URL(f"{STRIPE}/v1/payouts", params={"limit": "100"}),
            json={"object": "list", "url": "/v1/payouts", "has_more": False,
                  "data": [data("stripe", "payout_paid.json")]},
        )  # fmt: skip
    else:
        httpx_mock.add_response(
            method="GET",
            url=f"{STRIPE}/v1/payouts/{PAYOUT}",
            json=data("stripe", "payout_paid.json"),
        )
    httpx_mock.add_response(
        method="GET",
        url=httpx.URL(
            f"{STRIPE}/v1/balance_transactions",
            params={"limit": "100", "payout": PAYOUT, "expand[]": "data.source"},
        ),
        json=data("stripe", "balance_transactions_payout.json"),
    )


def test_stripe_reads_a_payout_and_its_balance_transactions(httpx_mock: HTTPXMock) -> None:
    stripe_payout_responses(httpx_mock, listed=True)
    provider = Stripe(api_key=STRIPE_KEY, sleep=lambda s: None)
    [payout] = provider.list_payouts(None)
    assert Stripe.supports_payouts is True
    assert payout.payout_id == PAYOUT
    assert payout.status == "paid"
    assert (payout.gross, payout.fee, payout.net) == (eur("121.00"), eur("18.31"), eur("102.69"))
    assert payout.created_on == dt.date(2026, 3, 3)
    assert payout.expected_on == dt.date(2026, 3, 5)
    assert [(i.kind, i.source_id, i.payment_reference) for i in payout.items] == [
        ("payment", "ch_1PaylinkCharge0001", "pi_1PaylinkIntent0001"),
        ("payment", "ch_1PaylinkCharge0002", "pi_1PaylinkIntent0002"),
        ("chargeback", "dp_1PaylinkDispute0001", "pi_1PaylinkIntent0002"),
    ]
    assert [i.net for i in payout.items] == [eur("119.06"), eur("78.63"), eur("-95.00")]
    for request in httpx_mock.get_requests():
        assert request.headers["authorization"] == f"Bearer {STRIPE_KEY}"


def test_stripe_pages_through_payouts_with_starting_after(httpx_mock: HTTPXMock) -> None:
    first = data("stripe", "payout_paid.json")
    second = dict(first, id="po_1PaylinkPayout0002", automatic=False, amount=500)
    since = dt.date(2026, 3, 1)
    gte = str(int(dt.datetime(2026, 3, 1, tzinfo=dt.UTC).timestamp()))
    httpx_mock.add_response(
        url=httpx.URL(f"{STRIPE}/v1/payouts", params={"limit": "100", "created[gte]": gte}),
        json={"object": "list", "has_more": True, "data": [second]},
    )
    httpx_mock.add_response(
        url=httpx.URL(
            f"{STRIPE}/v1/payouts",
            params={"limit": "100", "created[gte]": gte, "starting_after": "po_1PaylinkPayout0002"},
        ),
        json={"object": "list", "has_more": False, "data": []},
    )
    [manual] = Stripe(api_key=STRIPE_KEY, sleep=lambda s: None).list_payouts(since)
    # a manual payout has no balance transactions of its own: its net is all Stripe says
    assert (manual.gross, manual.fee, manual.net, manual.items) == (
        eur("5"),
        eur("0"),
        eur("5"),
        (),
    )


@pytest.fixture
def stripe_account(pl: Paylink, org: Organization) -> ProviderAccount:
    no_sleep(pl)
    return pl.providers.connect(org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)


def test_the_payout_webhook_records_the_payout_once_and_its_chargeback_reopens_the_invoice(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    stripe_account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    first = pl.invoices.issue(org, customer, lines=lines())
    second = pl.invoices.issue(org, customer, lines=lines())
    paid = pl.payments.record(
        first, eur("121.00"), provider="stripe", provider_reference="pi_1PaylinkIntent0001"
    )
    taken = pl.payments.record(
        second, eur("80.00"), provider="stripe", provider_reference="pi_1PaylinkIntent0002"
    )
    assert pl.invoices.get(second.organization_id, second.id).status == "partially_paid"
    event = data("stripe", "event_payout_paid.json")
    body = json.dumps(event).encode()
    ts = int(clock.now().timestamp())
    signature = f"t={ts},v1={sign_payload(body, STRIPE_WHSEC, ts)}"
    request = webhook(stripe_account.webhook_url, body, {"Stripe-Signature": signature})
    stripe_payout_responses(httpx_mock, listed=False)
    assert pl.providers.handle_webhook("stripe", stripe_account.id, request) == ["applied"]
    [payout] = pl.payouts.list(org)
    assert payout.net == eur("102.69") and payout.fee == eur("18.31")
    assert [i.payment_id for i in payout.items] == [paid.id, taken.id, taken.id]
    assert [i.invoice_id for i in payout.items] == [first.id, second.id, second.id]
    # the chargeback took the 80.00 back: the invoice is open again, recorded like a refund
    reopened = pl.invoices.get(second.organization_id, second.id)
    assert reopened.status == "issued" and reopened.open_amount == second.total
    [chargeback] = pl.payments.refunds(taken)
    assert chargeback.status == "chargeback"
    assert chargeback.provider_reference == "chargeback:dp_1PaylinkDispute0001"
    assert "chargeback" in pl.payouts.explain(org, payout.id)
    # delivered again (Stripe retries): the same payout, recorded once, the chargeback once
    stripe_payout_responses(httpx_mock, listed=False)
    assert pl.providers.handle_webhook("stripe", stripe_account.id, request) == ["duplicate"]
    assert len(pl.payouts.list(org)) == 1
    assert len(pl.payments.refunds(taken)) == 1
    assert pl.invoices.get(second.organization_id, second.id).open_amount == second.total


def test_mollie_settlements_are_read_with_what_they_carry(httpx_mock: HTTPXMock) -> None:
    mollie_responses(httpx_mock)
    [settlement] = Mollie(api_key=MOLLIE_KEY, sleep=lambda s: None).list_payouts(None)
    assert Mollie.supports_payouts is True
    assert settlement.reference == "1234567.2603.03"
    assert settlement.status == "paid"
    assert (settlement.gross, settlement.fee, settlement.net) == (
        eur("71.00"), eur("0.56"), eur("70.44")
    )  # fmt: skip
    assert settlement.expected_on == dt.date(2026, 3, 5)
    assert [(i.kind, i.source_id, i.payment_reference, i.net) for i in settlement.items] == [
        ("payment", "tr_7UhSN1zuXS", "tr_7UhSN1zuXS", eur("60.00")),
        ("payment", "tr_8VjTO2avYT", "tr_8VjTO2avYT", eur("40.00")),
        ("refund", "re_4qqhO89gsT", "tr_7UhSN1zuXS", eur("-10.00")),
        ("chargeback", "chb_n9z0tp", "tr_8VjTO2avYT", eur("-19.00")),
        ("fee", f"{SETTLEMENT}:costs:bancontact", None, eur("-0.56")),
    ]


def mollie_responses(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=httpx.URL(f"{MOLLIE}/v2/settlements", params={"limit": "250"}),
        json=data("mollie", "settlements.json"),
    )
    for part in ("payments", "refunds", "chargebacks", "captures"):
        httpx_mock.add_response(
            url=httpx.URL(f"{MOLLIE}/v2/settlements/{SETTLEMENT}/{part}", params={"limit": "250"}),
            json=data("mollie", f"settlement_{part}.json"),
        )


def test_the_janitors_poll_reads_mollie_settlements_and_records_them_once(
    pl: Paylink, org: Organization, customer: Customer, httpx_mock: HTTPXMock
) -> None:
    no_sleep(pl)
    pl.providers.connect(org, "mollie", api_key=MOLLIE_KEY)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    payment = pl.payments.record(
        invoice, eur("40.00"), provider="mollie", provider_reference="tr_8VjTO2avYT"
    )
    mollie_responses(httpx_mock)
    report = pl.payouts.poll()
    assert report.errors == ()
    [payout] = pl.payouts.list(org)
    assert report.recorded == (payout.id,)
    assert payout.reference == "1234567.2603.03"
    assert [i.payment_id for i in payout.items if i.kind == "payment"] == [None, payment.id]
    # the partial chargeback (19.00 of 40.00) reopened that much of the invoice
    assert pl.invoices.get(invoice.organization_id, invoice.id).open_amount == invoice.total - eur("21.00")
    mollie_responses(httpx_mock)
    again = pl.payouts.poll()
    assert again.recorded == again.updated == () and len(pl.payouts.list(org)) == 1
    assert pl.invoices.get(invoice.organization_id, invoice.id).open_amount == invoice.total - eur("21.00")


def test_stripe_is_not_polled_by_the_janitor_its_webhook_says_when(
    pl: Paylink, stripe_account: ProviderAccount, httpx_mock: HTTPXMock
) -> None:
    assert pl.payouts.poll() == type(pl.payouts.poll())()
    assert httpx_mock.get_requests() == []
