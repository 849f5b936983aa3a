"""Stripe: Checkout Sessions and webhooks, through pytest-httpx and signed like Stripe signs."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink
from paylink.exceptions import (
    ProviderAuthError,
    ProviderUnavailable,
    StateError,
    ValidationError,
    WebhookRejected,
)
from paylink.parties import Customer, Organization
from paylink.providers import ProviderAccount
from paylink_providers.stripe import Stripe, sign_payload, verify_signature

from ._pay import STRIPE_KEY, STRIPE_WHSEC, data, form_of, invoice_link, no_sleep, webhook

API = "https://api.stripe.com"


@pytest.fixture
def account(pl: Paylink, org: Organization) -> ProviderAccount:
    no_sleep(pl)
    return pl.providers.connect(
        org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC, methods=["card"]
    )


def session_for(link_id: str, account_id: str, **changes: Any) -> dict[str, Any]:
    session = data("stripe", "checkout_session.json")
    session["metadata"] = {"paylink_link": link_id, "paylink_account": account_id}
    session["client_reference_id"] = link_id
    session.update(changes)
    return session


def event_for(name: str, link_id: str, account_id: str) -> dict[str, Any]:
    event = data("stripe", name)
    event["data"]["object"]["metadata"] = {"paylink_link": link_id, "paylink_account": account_id}
    return event


def signed(event: dict[str, Any], at: dt.datetime, secret: str = STRIPE_WHSEC) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    ts = int(at.timestamp())
    return body, f"t={ts},v1={sign_payload(body, secret, ts)}"


def deliver(pl: Paylink, account: ProviderAccount, body: bytes, header: str) -> list[str]:
    return pl.providers.handle_webhook(
        "stripe",
        account.id,
        webhook(account.webhook_url, body, {"Stripe-Signature": header}),
    )


# -- checkout -----------------------------------------------------------------------------------


def test_the_checkout_session_is_what_stripe_documents(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(
        method="POST",
        url=f"{API}/v1/checkout/sessions",
        json=session_for(link.id, account.id),
        headers={"Request-Id": "req_ok"},
    )
    checkout = pl.providers.checkout(link, "stripe", language="nl")

    (request,) = httpx_mock.get_requests()
    assert request.headers["authorization"] == f"Bearer {STRIPE_KEY}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["stripe-version"] == "2024-06-20"
    (attempt,) = pl.providers.attempts(link)
    assert request.headers["idempotency-key"] == attempt.idempotency_key
    form = form_of(request)
    assert form["mode"] == "payment"
    assert form["client_reference_id"] == link.id
    assert form["metadata[paylink_link]"] == link.id
    assert form["metadata[paylink_account]"] == account.id
    assert form["payment_intent_data[metadata][paylink_link]"] == link.id
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == str(invoice.total.minor_units)
    assert form["line_items[0][price_data][product_data][name]"] == f"Invoice {invoice.number}"
    assert form["payment_method_types[0]"] == "card"
    assert form["customer_email"] == "marie@example.be"
    assert form["locale"] == "nl"
    assert form["success_url"] == f"{link.url}?attempt={attempt.id}&checkout=return"
    assert form["cancel_url"] == f"{link.url}?attempt={attempt.id}&checkout=cancel"

    assert checkout.redirect_url and checkout.redirect_url.startswith(
        "https://checkout.stripe.com/"
    )
    assert checkout.provider_reference == "cs_test_a1b2c3d4e5f6g7h8i9j0"
    assert pl.links.get(org, link.id).status == "in_progress"
    assert pl.providers.attempts(link)[0].status == "open"


def test_the_amount_is_what_is_due_now_after_a_partial_payment(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    pl.payments.record(invoice, "46.00")
    httpx_mock.add_response(json=session_for(link.id, account.id))
    pl.providers.checkout(link, "stripe")
    assert (
        form_of(httpx_mock.get_requests()[0])["line_items[0][price_data][unit_amount]"] == "10000"
    )


def test_retries_send_the_same_idempotency_key_and_honour_retry_after(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    delays = no_sleep(pl)
    _invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_exception(httpx.ConnectTimeout("slow"))
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3"})
    httpx_mock.add_response(json=session_for(link.id, account.id))
    pl.providers.checkout(link, "stripe")
    keys = {r.headers["idempotency-key"] for r in httpx_mock.get_requests()}
    assert len(httpx_mock.get_requests()) == 3
    assert len(keys) == 1
    assert len(delays) == 2
    assert 0 <= delays[0] <= 0.5  # capped exponential backoff with jitter
    assert delays[1] == 3.0  # Retry-After


def test_a_failed_attempt_is_retried_later_with_its_stored_key(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    for _ in range(3):
        httpx_mock.add_response(status_code=503, headers={"Request-Id": "req_down"})
    with pytest.raises(ProviderUnavailable) as caught:
        pl.providers.checkout(link, "stripe")
    assert caught.value.request_id == "req_down"
    assert pl.links.get(org, link.id).status == "created"
    (pending,) = pl.providers.attempts(link)
    assert pending.status == "pending"

    httpx_mock.add_response(json=session_for(link.id, account.id))
    pl.providers.checkout(link, "stripe")
    keys = {r.headers["idempotency-key"] for r in httpx_mock.get_requests()}
    assert keys == {pending.idempotency_key}
    assert [a.status for a in pl.providers.attempts(link)] == ["open"]


def test_a_second_click_hands_back_the_open_session_without_asking_stripe(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(json=session_for(link.id, account.id))
    first = pl.providers.checkout(link, "stripe")
    second = pl.providers.checkout(link, "stripe")
    assert second.redirect_url == first.redirect_url
    assert len(httpx_mock.get_requests()) == 1


def test_after_a_cancel_a_new_attempt_gets_a_new_key(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(json=session_for(link.id, account.id), is_reusable=True)
    pl.providers.checkout(link, "stripe")
    (first,) = pl.providers.attempts(link)
    moved = pl.providers.returned(pl.links.get(org, link.id), first.id, cancelled=True)
    assert moved.status == "interrupted"
    pl.providers.checkout(link, "stripe")
    keys = [r.headers["idempotency-key"] for r in httpx_mock.get_requests()]
    assert len(set(keys)) == 2
    assert pl.links.get(org, link.id).status == "in_progress"


def test_bad_credentials_are_an_auth_error_that_never_shows_the_key(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    body = data("stripe", "error_invalid_api_key.json")
    body["error"]["message"] += f" (you sent {STRIPE_KEY})"  # even if a provider echoed it
    httpx_mock.add_response(status_code=401, json=body, headers={"Request-Id": "req_auth"})
    with pytest.raises(ProviderAuthError) as caught:
        pl.providers.checkout(link, "stripe")
    assert caught.value.request_id == "req_auth"
    assert STRIPE_KEY not in str(caught.value)
    assert "invalid_request_error" in str(caught.value)
    assert len(httpx_mock.get_requests()) == 1  # a 4xx is not retried


def test_a_paid_or_cancelled_link_cannot_start_a_checkout(
    pl: Paylink, org: Organization, customer: Customer, account: ProviderAccount
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    pl.payments.record(invoice)
    with pytest.raises(StateError):
        pl.providers.checkout(link, "stripe")


# -- webhook signatures ------------------------------------------------------------------------

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC).timestamp()


def test_a_signature_made_as_stripe_documents_is_accepted() -> None:
    body = b'{"id": "evt_1"}'
    ts = int(NOW) - 10
    header = f"t={ts},v1={'0' * 64},v1={sign_payload(body, 'whsec_new', ts)},v0=legacy"
    assert verify_signature(body, header, ["whsec_old", "whsec_new"], now=NOW) == ts


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 400),
        ("", 400),
        ("v1=abc", 400),
        ("t=notanumber,v1=abc", 400),
        ("t=1772442000", 400),
        ("t=1772442000,v1=" + "0" * 64, 401),
    ],
)
def test_missing_or_malformed_signatures_are_rejected(header: str | None, status: int) -> None:
    with pytest.raises(WebhookRejected) as caught:
        verify_signature(b"{}", header, ["whsec_x"], now=NOW)
    assert caught.value.status_code == status


def test_a_signature_with_another_secret_or_another_body_is_rejected() -> None:
    ts = int(NOW)
    good = sign_payload(b'{"a": 1}', "whsec_x", ts)
    with pytest.raises(WebhookRejected):
        verify_signature(b'{"a": 2}', f"t={ts},v1={good}", ["whsec_x"], now=NOW)
    with pytest.raises(WebhookRejected):
        verify_signature(b'{"a": 1}', f"t={ts},v1={good}", ["whsec_y"], now=NOW)


def test_the_tolerance_is_300_seconds_by_the_given_clock() -> None:
    body = b"{}"
    ts = int(NOW) - 300
    header = f"t={ts},v1={sign_payload(body, 'whsec_x', ts)}"
    assert verify_signature(body, header, ["whsec_x"], now=NOW) == ts
    with pytest.raises(WebhookRejected, match="old"):
        verify_signature(body, header, ["whsec_x"], now=NOW + 1)


# -- webhooks applied --------------------------------------------------------------------------


def test_a_verified_completed_session_pays_the_link_and_the_invoice_once(
    pl: Paylink, org: Organization, customer: Customer, account: ProviderAccount, clock: FixedClock
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    body, header = signed(
        event_for("event_checkout_session_completed.json", link.id, account.id), clock.now()
    )
    assert deliver(pl, account, body, header) == ["applied"]
    assert deliver(pl, account, body, header) == ["duplicate"]
    assert pl.links.get(org, link.id).status == "paid"
    assert pl.invoices.get(org, invoice.id).status == "paid"
    (payment,) = pl.payments.list(org.id)
    assert payment.provider == "stripe"
    assert payment.provider_reference == "pi_3PaylinkIntent0001"
    assert payment.amount == Money.of("146.00", "EUR")
    assert payment.method == "card"


def test_a_stale_or_forged_webhook_changes_nothing(
    pl: Paylink, org: Organization, customer: Customer, account: ProviderAccount, clock: FixedClock
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    event = event_for("event_checkout_session_completed.json", link.id, account.id)
    body, header = signed(event, clock.now() - dt.timedelta(seconds=301))
    with pytest.raises(WebhookRejected):
        deliver(pl, account, body, header)
    body, header = signed(event, clock.now(), secret="whsec_someone_else")
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account, body, header)
    assert caught.value.status_code == 401
    assert STRIPE_WHSEC not in str(caught.value)
    assert pl.links.get(org, link.id).status == "created"
    assert pl.payments.list(org.id) == []


def test_a_signed_body_that_is_not_json_is_rejected(
    pl: Paylink, account: ProviderAccount, clock: FixedClock
) -> None:
    ts = int(clock.now().timestamp())
    body = b"not json"
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account, body, f"t={ts},v1={sign_payload(body, STRIPE_WHSEC, ts)}")
    assert caught.value.status_code == 400


def test_an_event_of_another_account_is_rejected(
    pl: Paylink, org: Organization, customer: Customer, account: ProviderAccount, clock: FixedClock
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    body, header = signed(
        event_for("event_checkout_session_completed.json", link.id, "pacc_other"), clock.now()
    )
    with pytest.raises(WebhookRejected) as caught:
        deliver(pl, account, body, header)
    assert caught.value.status_code == 403
    assert pl.links.get(org, link.id).status == "created"


def test_an_event_for_an_unknown_link_is_acknowledged_not_applied(
    pl: Paylink, org: Organization, account: ProviderAccount, clock: FixedClock
) -> None:
    body, header = signed(
        event_for("event_checkout_session_completed.json", "lnk_unknown", account.id), clock.now()
    )
    assert deliver(pl, account, body, header) == ["unknown_link"]
    assert pl.payments.list(org.id) == []


def test_events_paylink_has_no_use_for_are_acknowledged(
    pl: Paylink, account: ProviderAccount, clock: FixedClock
) -> None:
    body, header = signed(
        {"id": "evt_x", "type": "customer.created", "data": {"object": {}}}, clock.now()
    )
    assert deliver(pl, account, body, header) == []


def test_an_unknown_endpoint_is_a_404(pl: Paylink, account: ProviderAccount) -> None:
    with pytest.raises(WebhookRejected) as caught:
        pl.providers.handle_webhook("stripe", "pacc_nope", webhook("x", b"{}", {}))
    assert caught.value.status_code == 404
    with pytest.raises(WebhookRejected) as caught:
        pl.providers.handle_webhook("mollie", account.id, webhook("x", b"{}", {}))
    assert caught.value.status_code == 404


def test_a_failed_card_interrupts_and_a_late_failure_never_undoes_paid(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    _invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(json=session_for(link.id, account.id))
    pl.providers.checkout(link, "stripe")
    failed = signed(
        event_for("event_payment_intent_payment_failed.json", link.id, account.id), clock.now()
    )
    assert deliver(pl, account, *failed) == ["applied"]
    assert pl.links.get(org, link.id).status == "interrupted"
    paid = signed(
        event_for("event_checkout_session_completed.json", link.id, account.id), clock.now()
    )
    deliver(pl, account, *paid)
    late = event_for("event_payment_intent_payment_failed.json", link.id, account.id)
    late["id"] = "evt_late"
    deliver(pl, account, *signed(late, clock.now()))
    assert pl.links.get(org, link.id).status == "paid"


def test_an_async_method_stays_in_progress_until_it_succeeds(
    pl: Paylink, org: Organization, customer: Customer, account: ProviderAccount, clock: FixedClock
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    completed = event_for("event_checkout_session_completed.json", link.id, account.id)
    completed["data"]["object"]["payment_status"] = "unpaid"
    deliver(pl, account, *signed(completed, clock.now()))
    assert pl.links.get(org, link.id).status == "in_progress"
    succeeded = event_for("event_checkout_session_completed.json", link.id, account.id)
    succeeded["id"] = "evt_async_ok"
    succeeded["type"] = "checkout.session.async_payment_succeeded"
    deliver(pl, account, *signed(succeeded, clock.now()))
    assert pl.invoices.get(org, invoice.id).status == "paid"


# -- janitor -----------------------------------------------------------------------------------


def test_the_janitor_reads_the_session_back_and_the_webhook_then_adds_nothing(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(method="POST", json=session_for(link.id, account.id))
    pl.providers.checkout(link, "stripe")
    assert pl.links.refresh_pending(dt.timedelta(minutes=15)).checked == ()  # too recent
    clock.advance(minutes=20)
    completed = event_for("event_checkout_session_completed.json", link.id, account.id)
    httpx_mock.add_response(
        method="GET",
        url=f"{API}/v1/checkout/sessions/cs_test_a1b2c3d4e5f6g7h8i9j0",
        json=completed["data"]["object"],
    )
    report = pl.links.refresh_pending(dt.timedelta(minutes=15))
    assert report.changed == (link.id,)
    get = httpx_mock.get_requests()[-1]
    assert get.headers["authorization"] == f"Bearer {STRIPE_KEY}"
    assert "idempotency-key" not in get.headers
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert deliver(pl, account, *signed(completed, clock.now())) == ["duplicate"]
    assert len(pl.payments.list(org.id)) == 1
    assert pl.invoices.get(org, invoice.id).paid == invoice.total


# -- refunds -----------------------------------------------------------------------------------


def test_a_refund_goes_through_stripe_and_reopens_the_invoice(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
    httpx_mock: HTTPXMock,
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    deliver(
        pl,
        account,
        *signed(
            event_for("event_checkout_session_completed.json", link.id, account.id), clock.now()
        ),
    )
    (payment,) = pl.payments.list(org.id)
    httpx_mock.add_response(
        method="POST", url=f"{API}/v1/refunds", json=data("stripe", "refund.json")
    )
    refund = pl.payments.refund(payment, Money.of("50.00", "EUR"))
    (request,) = httpx_mock.get_requests()
    assert form_of(request) == {"payment_intent": "pi_3PaylinkIntent0001", "amount": "5000"}
    assert request.headers["idempotency-key"].startswith("paylink-refund-")
    assert refund.amount == Money.of("50.00", "EUR")
    assert refund.provider_reference == "re_3PaylinkRefund0001"
    reopened = pl.invoices.get(org, invoice.id)
    assert reopened.status == "partially_paid"
    assert reopened.open_amount == Money.of("50.00", "EUR")
    # Stripe's own charge.refunded event for the same refund adds nothing.
    refunded = event_for("event_charge_refunded.json", link.id, account.id)
    assert deliver(pl, account, *signed(refunded, clock.now())) == ["duplicate"]
    assert pl.invoices.get(org, invoice.id).open_amount == Money.of("50.00", "EUR")
    with pytest.raises(ValidationError):
        pl.payments.refund(payment, Money.of("100.00", "EUR"))


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_from_its_event(
    pl: Paylink, org: Organization, customer: Customer, account: ProviderAccount, clock: FixedClock
) -> None:
    invoice, link = invoice_link(pl, org, customer)
    deliver(
        pl,
        account,
        *signed(
            event_for("event_checkout_session_completed.json", link.id, account.id), clock.now()
        ),
    )
    refunded = event_for("event_charge_refunded.json", link.id, account.id)
    refunded["data"]["object"]["amount_refunded"] = 14600
    refunded["data"]["object"]["refunded"] = True
    assert deliver(pl, account, *signed(refunded, clock.now())) == ["applied"]
    reopened = pl.invoices.get(org, invoice.id)
    assert reopened.status == "issued"
    assert reopened.open_amount == invoice.total


def test_stripe_declares_every_session_state() -> None:
    assert set(Stripe.statuses) == {
        "open",
        "complete/paid",
        "complete/unpaid",
        "complete/no_payment_required",
        "expired",
    }


def test_wallets_come_with_card_and_the_form_is_what_stripes_sdk_encodes(
    pl: Paylink, org: Organization, customer: Customer, httpx_mock: HTTPXMock
) -> None:
    from stripe._encode import _api_encode

    no_sleep(pl)
    account = pl.providers.connect(
        org,
        "stripe",
        api_key=STRIPE_KEY,
        webhook_secret=STRIPE_WHSEC,
        methods=["card", "apple_pay", "google_pay"],
    )
    invoice, link = invoice_link(pl, org, customer)
    httpx_mock.add_response(
        method="POST", url=f"{API}/v1/checkout/sessions", json=session_for(link.id, account.id)
    )
    pl.providers.checkout(link, "stripe", language="fr")
    (request,) = httpx_mock.get_requests()
    (attempt,) = pl.providers.attempts(link)
    metadata = {"paylink_link": link.id, "paylink_account": account.id}
    # The Checkout Session Stripe documents, encoded by Stripe's own SDK.
    expected = {
        "mode": "payment",
        "client_reference_id": link.id,
        "success_url": f"{link.url}?attempt={attempt.id}&checkout=return",
        "cancel_url": f"{link.url}?attempt={attempt.id}&checkout=cancel",
        "payment_method_types": ["card"],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": invoice.total.minor_units,
                    "product_data": {"name": f"Invoice {invoice.number}"},
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"description": f"Invoice {invoice.number}", "metadata": metadata},
        "customer_email": "marie@example.be",
        "locale": "fr",
    }
    sent = urllib.parse.parse_qsl(request.content.decode(), keep_blank_values=True)
    assert sorted(sent) == sorted((k, str(v)) for k, v in _api_encode(expected))
    assert [label for _a, label in pl.providers.offers(org, language="fr")] == [
        "Carte, Apple Pay, Google Pay"
    ]
