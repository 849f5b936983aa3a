"""Provider accounts per organization, the shared HTTP client, and the fake provider end to end."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink
from paylink.exceptions import (
    PluginError,
    ProviderRejected,
    ProviderUnavailable,
    StateError,
    ValidationError,
)
from paylink.parties import Customer, Organization
from paylink.ports import OnlinePaymentProvider
from paylink.testing import FakeBackend
from paylink_providers._http import ApiClient
from paylink_providers.mollie import Mollie
from paylink_providers.payconiq import Payconiq
from paylink_providers.stripe import Stripe

from ..conftest import lines
from ._pay import STRIPE_KEY, STRIPE_WHSEC, invoice_link, no_sleep


def test_the_builtin_providers_come_through_the_entry_point_group(pl: Paylink) -> None:
    found = pl.plugins.payment_providers
    assert found["stripe"] is Stripe
    assert found["mollie"] is Mollie
    assert found["payconiq"] is Payconiq
    for cls in (Stripe, Mollie, Payconiq):
        assert cls.__module__ == f"paylink_providers.{cls.name}"


def test_connecting_stores_the_account_and_never_shows_its_secrets(
    pl: Paylink, org: Organization, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = pl.providers.connect(
        org,
        "stripe",
        api_key=STRIPE_KEY,
        webhook_secret=STRIPE_WHSEC,
        base_url="https://stripe-mock.local/",
    )
    assert account.webhook_url == f"{pl.base_url}/webhooks/providers/stripe/{account.id}"
    assert account.base_url == "https://stripe-mock.local"
    assert account.methods == ("card",)
    assert account.settings["api_key"] == STRIPE_KEY
    shown = repr(account) + repr(pl.providers.get(org, "stripe")) + repr(pl.providers.open(account))
    shown += str(account.public_settings()) + caplog.text
    assert STRIPE_KEY not in shown
    assert STRIPE_WHSEC not in shown
    assert account.public_settings()["api_key"] == "***"
    assert isinstance(pl.providers.open(account), OnlinePaymentProvider)
    assert pl.providers.open(account).base_url == "https://stripe-mock.local"


def test_reconnecting_keeps_the_webhook_url_and_replaces_the_settings(
    pl: Paylink, org: Organization
) -> None:
    first = pl.providers.connect(org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)
    second = pl.providers.connect(
        org,
        "stripe",
        api_key="sk_test_rotated_key_0001",
        webhook_secret=["whsec_old", "whsec_new"],
        methods=["card", "bancontact"],
    )
    assert second.id == first.id
    assert second.webhook_url == first.webhook_url
    assert second.methods == ("card", "bancontact")
    assert pl.providers.open(second).methods == ("card", "bancontact")
    assert [label for _a, label in pl.providers.offers(org)] == ["Card / Bancontact"]
    assert pl.providers.disconnect(org, "stripe") is True
    assert pl.providers.list(org) == []
    assert pl.providers.account(first.id).active is False  # late webhooks still verify


@pytest.mark.parametrize(
    ("provider", "settings", "field"),
    [
        ("stripe", {}, "api_key"),
        ("stripe", {"api_key": "sk_x", "colour": "red"}, "colour"),
        ("payconiq", {"api_key": "k"}, "payment_profile_id"),
    ],
)
def test_bad_settings_are_refused_by_name_never_by_value(
    pl: Paylink, org: Organization, provider: str, settings: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        pl.providers.connect(org, provider, **settings)
    assert caught.value.field == field
    assert "sk_x" not in str(caught.value)
    assert pl.providers.list(org) == []


def test_bank_transfer_and_unknown_providers_take_no_account(
    pl: Paylink, org: Organization
) -> None:
    with pytest.raises(PluginError, match="no payment provider 'acme'"):
        pl.providers.connect(org, "acme", api_key="x")
    with pytest.raises(PluginError, match="takes no account"):
        pl.providers.connect(org, "bank_transfer")


def test_accounts_are_per_organization(pl: Paylink, org: Organization, customer: Customer) -> None:
    other = pl.organizations.create(name="Other BV", country="BE", iban="BE62 5100 0754 7061")
    pl.providers.connect(other, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)
    assert pl.providers.list(org) == []
    _invoice, link = invoice_link(pl, org, customer)
    with pytest.raises(LookupError):
        pl.providers.checkout(link, "stripe")


# -- the shared HTTP client ------------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[tuple[ApiClient, list[float]]]:
    delays: list[float] = []
    api = ApiClient(
        provider="acme",
        base_url="https://api.acme.test/",
        headers={"Authorization": "Bearer acme_secret_key_123"},
        secrets=["acme_secret_key_123"],
        sleep=delays.append,
        request_id_header="x-request-id",
        error_message=lambda body: body.get("message"),
    )
    yield api, delays
    api.close()


def test_two_retries_then_unavailable_with_the_request_id(
    client: tuple[ApiClient, list[float]], httpx_mock: HTTPXMock
) -> None:
    api, delays = client
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    httpx_mock.add_response(status_code=502)
    httpx_mock.add_response(status_code=500, headers={"X-Request-Id": "req_last"})
    with pytest.raises(ProviderUnavailable) as caught:
        api.request("POST", "/v1/things", json={"a": 1}, idempotency_key="key-1")
    assert caught.value.request_id == "req_last"
    assert caught.value.status_code == 500
    assert len(delays) == 2
    assert all(0 <= d <= 8 for d in delays)
    assert [r.headers["idempotency-key"] for r in httpx_mock.get_requests()] == ["key-1"] * 3
    assert str(httpx_mock.get_requests()[0].url) == "https://api.acme.test/v1/things"


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_these_statuses_are_retried(
    client: tuple[ApiClient, list[float]], httpx_mock: HTTPXMock, status: int
) -> None:
    api, delays = client
    httpx_mock.add_response(status_code=status)
    httpx_mock.add_response(json={"ok": True})
    assert api.json("GET", "/v1/x") == {"ok": True}
    assert len(delays) == 1


def test_a_rejection_is_not_retried_and_never_carries_the_key(
    client: tuple[ApiClient, list[float]], httpx_mock: HTTPXMock
) -> None:
    api, delays = client
    httpx_mock.add_response(
        status_code=422,
        json={"message": "bad field; you sent acme_secret_key_123"},
        headers={"X-Request-Id": "req_422"},
    )
    with pytest.raises(ProviderRejected) as caught:
        api.request("POST", "/v1/x")
    assert delays == []
    assert "acme_secret_key_123" not in str(caught.value)
    assert caught.value.request_id == "req_422"
    assert "acme_secret_key_123" not in repr(api)


def test_retry_after_is_honoured_and_capped(
    client: tuple[ApiClient, list[float]], httpx_mock: HTTPXMock
) -> None:
    api, delays = client
    httpx_mock.add_response(status_code=503, headers={"Retry-After": "2"})
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3600"})
    httpx_mock.add_response(json={})
    api.request("GET", "/v1/x")
    assert delays == [2.0, 20.0]


# -- the fake provider through the whole service ----------------------------------------------


def test_the_fake_provider_pays_refunds_and_dedupes_like_a_real_one(
    fake_pl: Paylink, clock: FixedClock
) -> None:
    pl = fake_pl
    no_sleep(pl)
    org = pl.organizations.create(name="Fake SRL", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="Jan", email="jan@example.be")
    account = pl.providers.connect(org, "fake", api_key="fk_test_1", webhook_secret="fk_whsec")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(invoice)
    checkout = pl.providers.checkout(link, "fake")
    backend = FakeBackend.for_key("fk_test_1")
    assert checkout.provider_reference is not None
    request = backend.pay(
        checkout.provider_reference,
        secret="fk_whsec",
        url=account.webhook_url,
        at=clock.now(),
        event_id="evt_1",
    )
    assert pl.providers.handle_webhook("fake", account.id, request) == ["applied"]
    assert pl.providers.handle_webhook("fake", account.id, request) == ["duplicate"]
    (payment,) = pl.payments.list(org.id)
    refund = pl.payments.refund(payment)
    assert refund.amount == invoice.total
    assert pl.invoices.get(org, invoice.id).status == "issued"
    assert pl.payments.refunds(payment) == [refund]
    with pytest.raises(ValidationError):
        pl.payments.refund(payment, Money.of("1.00", "EUR"))
    again = backend.webhook(
        checkout.provider_reference,
        secret="fk_whsec",
        url=account.webhook_url,
        at=clock.now(),
        event_id="evt_2",
    )
    assert pl.providers.handle_webhook("fake", account.id, again) == ["duplicate", "duplicate"]
    assert pl.invoices.get(org, invoice.id).open_amount == invoice.total


def test_a_manual_payment_cannot_be_refunded_through_a_provider(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    invoice = pl.invoices.issue(org, customer, lines=lines())
    payment = pl.payments.record(invoice)
    with pytest.raises(StateError):
        pl.payments.refund(payment)


def test_the_janitor_reports_provider_failures_instead_of_raising(
    fake_pl: Paylink, clock: FixedClock
) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Fake SRL", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="Jan", email="jan@example.be")
    pl.providers.connect(org, "fake", api_key="fk_test_2", webhook_secret="fk_whsec")
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    pl.providers.checkout(link, "fake")
    clock.advance(hours=1)
    FakeBackend.for_key("fk_test_2").fail(503)
    report = pl.links.refresh_pending(dt.timedelta(minutes=15))
    assert report.checked == (link.id,)
    assert report.changed == ()
    assert len(report.errors) == 1
    assert "fk_test_2" not in report.errors[0]


def test_the_transport_is_injectable(pl: Paylink, org: Organization, customer: Customer) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={"id": "cs_test_mock", "url": "https://checkout.stripe.com/c/pay/cs_test_mock"},
        )

    pl.providers.transport = httpx.MockTransport(answer)
    pl.providers.connect(org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)
    _invoice, link = invoice_link(pl, org, customer)
    checkout = pl.providers.checkout(link, "stripe")
    assert checkout.provider_reference == "cs_test_mock"
    assert [str(r.url) for r in seen] == ["https://api.stripe.com/v1/checkout/sessions"]


def test_the_same_event_delivered_concurrently_is_counted_once(
    fake_pl: Paylink, clock: FixedClock
) -> None:
    import concurrent.futures

    pl = fake_pl
    org = pl.organizations.create(name="Fake SRL", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="Jan", email="jan@example.be")
    account = pl.providers.connect(org, "fake", api_key="fk_test_3", webhook_secret="fk_whsec")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    checkout = pl.providers.checkout(pl.links.create(invoice), "fake")
    assert checkout.provider_reference is not None
    backend = FakeBackend.for_key("fk_test_3")
    backend.set_status(checkout.provider_reference, "paid")
    requests = [
        backend.webhook(
            checkout.provider_reference,
            secret="fk_whsec",
            url=account.webhook_url,
            at=clock.now(),
            event_id=f"evt_{i % 2}",  # two event ids, each delivered twice
        )
        for i in range(4)
    ]

    def deliver(request: object) -> list[str] | str:
        try:
            return pl.providers.handle_webhook("fake", account.id, request)  # type: ignore[arg-type]
        except Exception as exc:  # a provider retries a 5xx; what matters is the ledger
            return type(exc).__name__

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(deliver, requests))
    for request in requests:  # the provider's retries of anything that failed
        pl.providers.handle_webhook("fake", account.id, request)
    assert len(pl.payments.list(org.id)) == 1
    assert pl.invoices.get(org, invoice.id).paid == invoice.total
