"""Mollie: Payments API v2 through pytest-httpx; webhooks are fetched back, never believed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink
from paylink.exceptions import ProviderAuthError, WebhookRejected
from paylink.parties import Customer, Organization
from paylink.providers import ProviderAccount
from paylink_providers.mollie import Mollie, amount_to_api

from ._pay import data, invoice_link, no_sleep, webhook

API = "https://api.mollie.com"
KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
PAYMENT = f"{API}/v2/payments/tr_7UhSN1zuXS"


@pytest.fixture
def account(pl: Paylink, org: Organization) -> ProviderAccount:
    no_sleep(pl)
    return pl.providers.connect(org, "mollie", api_key=KEY, methods=["bancontact", "creditcard"])


def payment(name: str, link_id: str, account_id: str, **changes: Any) -> dict[str, Any]:
    body = data("mollie", name)
    body["metadata"] = {"paylink_link": link_id, "paylink_account": account_id}
    body.update(changes)
    return body


def deliver(pl: Paylink, account: ProviderAccount, payment_id: str = "tr_7UhSN1zuXS") -> list[str]:
    body = f"id={payment_id}".encode()
    return pl.providers.handle_webhook(
        "mollie",
        account.id,
        webhook(
            account.webhook_url,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
            form={"id": payment_id},
        ),
    )


@pytest.mark.parametrize(
    ("money", "value"),
    [
        (Money.of("10", "EUR"), "10.00"),
        (Money.of("0.5", "EUR"), "0.50"),
        (Money.of("1000", "JPY"), "1000"),
    ],
)
def test_amounts_are_decimal_strings_at_the_currency_exponent(money: Money, value: str) -> None:
    assert amount_to_api(money) == {"currency": money.currency, "value": value}


def test_the_payment_is_what_mollie_documents(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(
        method="POST",
        url=f"{API}/v2/payments",
        status_code=201,
        json=payment("payment_open.json", link.id, account.id),
    )
    checkout = pl.providers.checkout(link, "mollie", language="fr")
    (request,) = httpx_mock.get_requests()
    (attempt,) = pl.providers.attempts(link)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["idempotency-key"] == attempt.idempotency_key
    body = json.loads(request.content)
    assert body == {
        "amount": {"currency": "EUR", "value": "146.00"},
        "description": f"Invoice {invoice.number}",
        "redirectUrl": f"{link.url}?attempt={attempt.id}&checkout=return",
        "cancelUrl": f"{link.url}?attempt={attempt.id}&checkout=cancel",
        "webhookUrl": account.webhook_url,
        "metadata": {"paylink_link": link.id, "paylink_account": account.id},
        "method": ["bancontact", "creditcard"],
        "locale": "fr_BE",
    }
    assert checkout.redirect_url == "https://www.mollie.com/checkout/select-method/7UhSN1zuXS"
    assert checkout.provider_reference == "tr_7UhSN1zuXS"
    assert checkout.expires_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC)
    assert pl.links.get(org, link.id).status == "in_progress"


def test_a_webhook_is_fetched_back_and_applied_once(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(
        method="GET",
        url=PAYMENT,
        json=payment("payment_paid.json", link.id, account.id),
        is_reusable=True,
    )
    assert deliver(pl, account) == ["applied"]
    assert deliver(pl, account) == ["duplicate"]
    get = httpx_mock.get_requests()[0]
    assert get.method == "GET"
    assert get.headers["authorization"] == f"Bearer {KEY}"
    assert pl.invoices.get(org, invoice.id).status == "paid"
    (paid,) = pl.payments.list(org.id)
    assert (paid.provider, paid.provider_reference, paid.method) == (
        "mollie",
        "tr_7UhSN1zuXS",
        "bancontact",
    )


@pytest.mark.parametrize(("status", "expected"), sorted(Mollie.statuses.items()))
def test_every_status_is_mapped(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
    status: str,
    expected: str,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    pl.links.mark(link, "in_progress", source="test")
    httpx_mock.add_response(
        url=PAYMENT, json=payment("payment_paid.json", link.id, account.id, status=status)
    )
    deliver(pl, account)
    link_status = {"paid": "paid", "in_progress": "in_progress", "interrupted": "interrupted"}[
        expected
    ]
    assert pl.links.get(org, link.id).status == link_status


def test_a_webhook_for_an_id_mollie_does_not_know_is_refused_and_changes_nothing(
    pl: Paylink, account: ProviderAccount, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{API}/v2/payments/tr_unknown0000",
        status_code=404,
        json=data("mollie", "error_not_found.json"),
    )
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account, "tr_unknown0000")
    assert caught.value.status_code == 404


@pytest.mark.parametrize("payment_id", ["", "../v2/refunds", "tr_abc/../x"])
def test_a_webhook_without_a_payment_id_is_refused_without_asking_mollie(
    pl: Paylink, account: ProviderAccount, payment_id: str
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account, payment_id)
    assert caught.value.status_code == 400


def test_a_payment_of_another_paylink_account_is_refused(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(url=PAYMENT, json=payment("payment_paid.json", link.id, "pacc_other"))
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account)
    assert caught.value.status_code == 403
    assert pl.payments.list(org.id) == []


def test_mollie_down_during_a_webhook_answers_503_so_mollie_retries(
    pl: Paylink, account: ProviderAccount, httpx_mock: HTTPXMock
) -> None:
    for _ in range(3):
        httpx_mock.add_response(url=PAYMENT, status_code=502)
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account)
    assert caught.value.status_code == 503


def test_bad_credentials(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(status_code=401, json=data("mollie", "error_unauthorized.json"))
    with pytest.raises(ProviderAuthError, match="Unauthorized Request") as caught:
        pl.providers.checkout(link, "mollie")
    assert KEY not in str(caught.value)


def test_janitor_then_refund_then_the_refunded_webhook_counts_once(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(
        method="POST",
        url=f"{API}/v2/payments",
        json=payment("payment_open.json", link.id, account.id),
    )
    pl.providers.checkout(link, "mollie")
    clock.advance(hours=1)
    httpx_mock.add_response(
        method="GET", url=PAYMENT, json=payment("payment_paid.json", link.id, account.id)
    )
    assert pl.links.refresh_pending(dt.timedelta(minutes=30)).changed == (link.id,)
    assert pl.invoices.get(org, invoice.id).status == "paid"

    (paid,) = pl.payments.list(org.id)
    httpx_mock.add_response(
        method="POST", url=f"{PAYMENT}/refunds", json=data("mollie", "refund.json")
    )
    refund = pl.payments.refund(paid, Money.of("50.00", "EUR"))
    assert json.loads(httpx_mock.get_requests()[-1].content) == {
        "amount": {"currency": "EUR", "value": "50.00"}
    }
    assert refund.status == "pending"
    assert pl.invoices.get(org, invoice.id).status == "partially_paid"

    refunded = payment(
        "payment_paid.json",
        link.id,
        account.id,
        amountRefunded={"value": "50.00", "currency": "EUR"},
    )
    httpx_mock.add_response(method="GET", url=PAYMENT, json=refunded)
    assert deliver(pl, account) == ["duplicate", "duplicate"]  # paid already, refund already
    assert pl.invoices.get(org, invoice.id).open_amount == Money.of("50.00", "EUR")
    assert len(pl.payments.list(org.id)) == 1
