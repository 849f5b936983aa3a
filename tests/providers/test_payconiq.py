"""Payconiq by Bancontact: v3 payments through pytest-httpx; callbacks signed with a test key."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink
from paylink.exceptions import StateError, ValidationError, WebhookRejected
from paylink.parties import Customer, Organization
from paylink.providers import ProviderAccount
from paylink_providers.payconiq import Payconiq, verify_jws

from ._jws import JWKS_URL, PROFILE, TestSigner
from ._pay import data, invoice_link, no_sleep, webhook

API = "https://api.ext.payconiq.com"
KEY = "payconiq-api-key-0123456789abcdef"
PAYMENT_ID = "5bdb1685b93d1c000bde96f2"


@pytest.fixture
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture
def account(pl: Paylink, org: Organization) -> ProviderAccount:
    no_sleep(pl)
    return pl.providers.connect(
        org,
        "payconiq",
        api_key=KEY,
        base_url=API,
        payment_profile_id=PROFILE,
        jwks_url=JWKS_URL,
    )


def started(pl: Paylink, org: Organization, customer: Customer, httpx_mock: HTTPXMock) -> Any:
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(
        method="POST",
        url=f"{API}/v3/payments",
        status_code=201,
        json=data("payconiq", "payment_created.json"),
    )
    checkout = pl.providers.checkout(link, "payconiq")
    return invoice, link, checkout


def callback(
    pl: Paylink,
    account: ProviderAccount,
    signer: TestSigner,
    at: dt.datetime,
    body: dict[str, Any] | None = None,
    **sign: Any,
) -> list[str]:
    raw = json.dumps(body or data("payconiq", "callback_succeeded.json")).encode()
    signature = signer.sign(raw, path=account.webhook_url, at=at, **sign)
    return pl.providers.handle_webhook(
        "payconiq",
        account.id,
        webhook(
            account.webhook_url, raw, {"Signature": signature, "Content-Type": "application/json"}
        ),
    )


def test_the_payment_is_what_payconiq_documents(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link, checkout = started(pl, org, customer, httpx_mock)
    (request,) = httpx_mock.get_requests()
    (attempt,) = pl.providers.attempts(link)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["idempotency-key"] == attempt.idempotency_key
    assert json.loads(request.content) == {
        "amount": 14600,
        "currency": "EUR",
        "reference": link.reference,
        "description": f"Invoice {invoice.number}",
        "callbackUrl": account.webhook_url,
        "returnUrl": f"{link.url}?attempt={attempt.id}&checkout=return",
    }
    assert checkout.qr_payload == f"https://payconiq.com/pay/2/{PAYMENT_ID}"
    assert checkout.instructions["deeplink"] == checkout.qr_payload
    assert checkout.redirect_url == f"https://ext.payconiq.com/checkout/{PAYMENT_ID}"
    assert checkout.expires_at == dt.datetime(2026, 3, 2, 9, 20, 0, 123000, tzinfo=dt.UTC)
    assert pl.links.get(org, link.id).status == "in_progress"


def test_a_signed_callback_pays_once_and_the_jwks_is_fetched_once(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    signer: TestSigner,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, _link, _checkout = started(pl, org, customer, httpx_mock)
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    assert callback(pl, account, signer, clock.now()) == ["applied"]
    assert callback(pl, account, signer, clock.now()) == ["duplicate"]
    jwks_request = httpx_mock.get_requests()[-1]
    assert "authorization" not in jwks_request.headers  # the API key never goes to another host
    assert pl.invoices.get(org, invoice.id).status == "paid"
    (payment,) = pl.payments.list(org.id)
    assert (payment.provider_reference, payment.method) == (PAYMENT_ID, "payconiq")


def test_an_unknown_key_id_refreshes_the_jwks(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    old, new = TestSigner("old"), TestSigner("new")
    started(pl, org, customer, httpx_mock)
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [old.jwk()]})
    body = data("payconiq", "callback_succeeded.json")
    body["status"] = "IDENTIFIED"
    assert callback(pl, account, old, clock.now(), body) == ["applied"]
    instance = pl.providers.open(account)
    instance._fetched_at = None  # a minute later: a refresh is allowed again
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [old.jwk(), new.jwk()]})
    assert callback(pl, account, new, clock.now()) == ["applied"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"alg": "ES384"}, 401),
        ({"https://payconiq.com/iss": "Someone"}, 401),
        ({"crit": ["https://payconiq.com/sub", "https://example.com/unknown"]}, 401),
        ({"crit": ["https://payconiq.com/sub"]}, 401),
        ({"kid": "unpublished"}, 401),
        ({"https://payconiq.com/path": "https://evil.example/webhooks"}, 401),
    ],
)
def test_bad_signatures_are_rejected(
    pl: Paylink,
    account: ProviderAccount,
    signer: TestSigner,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
    change: dict[str, Any],
    status: int,
) -> None:
    httpx_mock.add_response(
        method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]}, is_optional=True
    )
    with pytest.raises(WebhookRejected) as caught:
        callback(pl, account, signer, clock.now(), **change)
    assert caught.value.status_code == status


def test_another_payment_profile_or_a_stale_time_is_rejected(
    pl: Paylink,
    org: Organization,
    account: ProviderAccount,
    signer: TestSigner,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]}, is_optional=True
    )
    with pytest.raises(WebhookRejected) as caught:
        callback(pl, account, signer, clock.now(), profile="another-profile")
    assert caught.value.status_code == 403
    with pytest.raises(WebhookRejected, match="from now"):
        callback(pl, account, signer, clock.now() - dt.timedelta(minutes=6))
    assert pl.payments.list(org.id) == []


def test_a_tampered_body_or_a_missing_signature_is_rejected(
    pl: Paylink,
    account: ProviderAccount,
    signer: TestSigner,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    raw = json.dumps(data("payconiq", "callback_succeeded.json")).encode()
    signature = signer.sign(raw, path=account.webhook_url, at=clock.now())
    tampered = raw.replace(b"14600", b"99999")
    for body, headers in [(tampered, {"Signature": signature}), (raw, {})]:
        with pytest.raises(WebhookRejected):
            pl.providers.handle_webhook(
                "payconiq", account.id, webhook(account.webhook_url, body, headers)
            )


@pytest.mark.parametrize("signature", ["", "abc", "a.b.c", "e30..", "!!!..abc"])
def test_malformed_jws_is_a_400(signature: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        verify_jws(
            signature,
            b"{}",
            lambda kid: None,
            profile_id=None,
            path=None,
            now=dt.datetime.now(dt.UTC),
        )
    assert caught.value.status_code in (400, 401)


@pytest.mark.parametrize(("status", "expected"), sorted(Payconiq.statuses.items()))
def test_the_janitor_maps_every_status(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
    status: str,
    expected: str,
) -> None:
    invoice, link, _checkout = started(pl, org, customer, httpx_mock)
    clock.advance(minutes=30)
    body = data("payconiq", "callback_succeeded.json")
    body["status"] = status
    httpx_mock.add_response(method="GET", url=f"{API}/v3/payments/{PAYMENT_ID}", json=body)
    pl.links.refresh_pending(dt.timedelta(minutes=15))
    assert pl.links.get(org, link.id).status == expected
    assert (pl.invoices.get(org, invoice.id).status == "paid") is (expected == "paid")


def test_payconiq_needs_its_payment_profile_and_refunds_are_not_assumed(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    signer: TestSigner,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises(ValidationError, match="payment_profile_id"):
        pl.providers.connect(org, "payconiq", api_key=KEY)
    started(pl, org, customer, httpx_mock)
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    callback(pl, account, signer, clock.now())
    (payment,) = pl.payments.list(org.id)
    assert Payconiq.supports_refunds is False
    with pytest.raises(StateError, match="does not support refunds"):
        pl.payments.refund(payment, Money.of("1.00", "EUR"))
