"""End to end over real HTTP: the pay page's methods, the checkout route, webhooks, janitor."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink.links import PaymentLink
from paylink.providers import ProviderAccount
from paylink_providers.stripe import sign_payload

from ...conftest import lines
from ...web.conftest import Live
from .._pay import STRIPE_KEY, STRIPE_WHSEC, data

pytestmark = pytest.mark.httpx_mock(should_mock=lambda request: request.url.host != "127.0.0.1")

SESSIONS = "https://api.stripe.com/v1/checkout/sessions"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"}


def setup(live: Live) -> tuple[ProviderAccount, Any, PaymentLink]:
    pl = live.pl
    pl.providers.sleep = lambda _s: None
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769"
    )
    customer = pl.customers.create(org, name="Marie Peeters", email="marie@example.be")
    account = pl.providers.connect(org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)
    invoice = pl.invoices.issue(org, customer, lines=lines())
    return account, invoice, pl.links.create(invoice)


def session(link: PaymentLink, account: ProviderAccount, **changes: Any) -> dict[str, Any]:
    body = data("stripe", "checkout_session.json")
    body.update(
        metadata={"paylink_link": link.id, "paylink_account": account.id},
        client_reference_id=link.id,
        **changes,
    )
    return body


def completed(link: PaymentLink, account: ProviderAccount) -> dict[str, Any]:
    event = data("stripe", "event_checkout_session_completed.json")
    event["data"]["object"]["metadata"] = {"paylink_link": link.id, "paylink_account": account.id}
    return event


def post_event(
    live: Live, account: ProviderAccount, event: Any, *, secret: str = STRIPE_WHSEC
) -> httpx.Response:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    ts = int(live.clock.now().timestamp())
    return httpx.post(
        f"{live.base}/webhooks/stripe/{account.id}",
        content=body,
        headers={
            "Stripe-Signature": f"t={ts},v1={sign_payload(body, secret, ts)}",
            "Content-Type": "application/json",
        },
    )


def choose_card(live: Live, link: PaymentLink) -> httpx.Response:
    page = httpx.get(link.url, headers=BROWSER)
    assert page.status_code == 200
    form = re.search(
        r'<form method="post" action="([^"]+/checkout/stripe)">\s*'
        r'<input type="hidden" name="csrf" value="([0-9a-f]+)">\s*<button[^>]*>([^<]+)</button>',
        page.text,
    )
    assert form is not None, "the pay page lists the card method"
    assert form.group(3) == "Carte"  # Stripe's own word for its card method, in the page's French
    return httpx.post(form.group(1), data={"csrf": form.group(2)}, headers=BROWSER)


def test_the_card_button_redirects_to_stripe_and_the_webhook_alone_pays(
    live: Live, httpx_mock: HTTPXMock
) -> None:
    account, invoice, link = setup(live)
    httpx_mock.add_response(method="POST", url=SESSIONS, json=session(link, account))
    answer = choose_card(live, link)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert live.pl.links.get(link.organization_id, link.id).status == "in_progress"

    assert post_event(live, account, completed(link, account)).status_code == 200
    replay = post_event(live, account, completed(link, account))
    assert replay.json() == {"received": True, "results": ["duplicate"]}
    assert live.pl.links.get(link.organization_id, link.id).status == "paid"
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "paid"
    assert len(live.pl.payments.list(invoice.organization_id)) == 1
    receipt = httpx.get(link.url, headers=BROWSER)
    assert "checkout/stripe" not in receipt.text


def test_the_checkout_form_needs_its_csrf_token(live: Live) -> None:
    _account, _invoice, link = setup(live)
    token = link.url.rsplit("/", 1)[1]
    answer = httpx.post(f"{live.base}/pay/{token}/checkout/stripe", data={"csrf": "0" * 64})
    assert answer.status_code == 403
    assert live.pl.links.get(link.organization_id, link.id).status == "created"


def test_bad_webhooks_are_4xx_and_change_nothing(live: Live) -> None:
    account, invoice, link = setup(live)
    assert (
        post_event(live, account, completed(link, account), secret="whsec_forged").status_code
        == 401
    )
    unsigned = httpx.post(
        f"{live.base}/webhooks/stripe/{account.id}", content=json.dumps(completed(link, account))
    )
    assert unsigned.status_code == 400
    assert post_event(live, account, b"this is not json").status_code == 400
    other = completed(link, account)
    other["data"]["object"]["metadata"]["paylink_account"] = "pacc_someone_else"
    assert post_event(live, account, other).status_code == 403
    stale = completed(link, account)
    body = json.dumps(stale).encode()
    ts = int((live.clock.now() - dt.timedelta(minutes=6)).timestamp())
    old = httpx.post(
        f"{live.base}/webhooks/stripe/{account.id}",
        content=body,
        headers={"Stripe-Signature": f"t={ts},v1={sign_payload(body, STRIPE_WHSEC, ts)}"},
    )
    assert old.status_code == 400
    assert httpx.post(f"{live.base}/webhooks/stripe/pacc_unknown", content=b"{}").status_code == 404
    assert live.pl.links.get(link.organization_id, link.id).status == "created"
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "issued"


def test_an_event_for_an_unknown_link_is_acknowledged(live: Live) -> None:
    account, _invoice, link = setup(live)
    event = completed(link, account)
    event["data"]["object"]["metadata"]["paylink_link"] = "lnk_gone"
    answer = post_event(live, account, event)
    assert answer.status_code == 200
    assert answer.json()["results"] == ["unknown_link"]


def test_cancel_brings_the_customer_back_interrupted(live: Live, httpx_mock: HTTPXMock) -> None:
    account, _invoice, link = setup(live)
    httpx_mock.add_response(method="POST", url=SESSIONS, json=session(link, account))
    choose_card(live, link)
    (attempt,) = live.pl.providers.attempts(link)
    page = httpx.get(f"{link.url}?attempt={attempt.id}&checkout=cancel", headers=BROWSER)
    assert page.status_code == 200
    assert live.pl.links.get(link.organization_id, link.id).status == "interrupted"
    assert "checkout/stripe" in page.text  # they may try again


def test_the_janitor_alone_pays_and_the_late_webhook_adds_nothing(
    live: Live, httpx_mock: HTTPXMock
) -> None:
    account, invoice, link = setup(live)
    httpx_mock.add_response(method="POST", url=SESSIONS, json=session(link, account))
    choose_card(live, link)
    live.clock.advance(minutes=30)
    paid_session = completed(link, account)["data"]["object"]
    httpx_mock.add_response(method="GET", url=f"{SESSIONS}/{paid_session['id']}", json=paid_session)
    report = live.pl.links.refresh_pending(older_than=dt.timedelta(minutes=15))
    assert report.changed == (link.id,)
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "paid"
    assert post_event(live, account, completed(link, account)).status_code == 200
    payments = live.pl.payments.list(invoice.organization_id)
    assert len(payments) == 1
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).paid == invoice.total


def test_the_return_url_reads_the_session_back(live: Live, httpx_mock: HTTPXMock) -> None:
    account, invoice, link = setup(live)
    httpx_mock.add_response(method="POST", url=SESSIONS, json=session(link, account))
    choose_card(live, link)
    (attempt,) = live.pl.providers.attempts(link)
    paid_session = completed(link, account)["data"]["object"]
    httpx_mock.add_response(method="GET", url=f"{SESSIONS}/{paid_session['id']}", json=paid_session)
    page = httpx.get(f"{link.url}?attempt={attempt.id}&checkout=return", headers=BROWSER)
    assert page.status_code == 200
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "paid"


def test_payconiq_over_http_shows_its_qr_and_its_signed_callback_pays(
    live: Live, httpx_mock: HTTPXMock
) -> None:
    from .._jws import JWKS_URL, PROFILE, TestSigner

    pl = live.pl
    pl.providers.sleep = lambda _s: None
    org = pl.organizations.create(name="Frituur Jan", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="Jan", email="jan@example.be")
    account = pl.providers.connect(
        org,
        "payconiq",
        api_key="payconiq-live-test-key-123456",
        payment_profile_id=PROFILE,
        base_url="https://api.ext.payconiq.com",
        jwks_url=JWKS_URL,
    )
    invoice = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(invoice)
    created = data("payconiq", "payment_created.json")
    httpx_mock.add_response(
        method="POST", url="https://api.ext.payconiq.com/v3/payments", json=created
    )
    page = httpx.get(link.url, headers=BROWSER)
    form = re.search(
        r'action="([^"]+/checkout/payconiq)">\s*'
        r'<input type="hidden" name="csrf" value="([0-9a-f]+)">',
        page.text,
    )
    assert form is not None
    answer = httpx.post(form.group(1), data={"csrf": form.group(2)}, headers=BROWSER)
    assert answer.status_code == 303
    assert answer.headers["location"] == created["_links"]["checkout"]["href"]

    page = httpx.get(link.url, headers=BROWSER)
    assert 'data-testid="provider-qr"' in page.text
    assert created["_links"]["deeplink"]["href"] in page.text
    qr = httpx.get(f"{form.group(1)}/qr.svg")
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/svg+xml"

    signer = TestSigner()
    httpx_mock.add_response(method="GET", url=JWKS_URL, json={"keys": [signer.jwk()]})
    body = json.dumps(data("payconiq", "callback_succeeded.json")).encode()
    signature = signer.sign(body, path=account.webhook_url, at=live.clock.now())
    forged = TestSigner(signer.kid).sign(body, path=account.webhook_url, at=live.clock.now())
    # Payconiq calls (and signs) the callback URL each payment was created with.
    url = account.webhook_url
    assert url == f"{live.base}/webhooks/providers/payconiq/{account.id}"
    assert httpx.post(url, content=body, headers={"Signature": forged}).status_code == 401
    assert pl.invoices.get(org, invoice.id).status == "issued"
    assert httpx.post(url, content=body, headers={"Signature": signature}).status_code == 200
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert pl.links.get(org, link.id).status == "paid"


def test_mollie_over_http_fetches_the_payment_back(live: Live, httpx_mock: HTTPXMock) -> None:
    pl = live.pl
    pl.providers.sleep = lambda _s: None
    org = pl.organizations.create(name="Bakkerij Mol", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="An", email="an@example.be")
    account = pl.providers.connect(org, "mollie", api_key="test_mollie_live_server_key_01")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(invoice)
    paid = data("mollie", "payment_paid.json")
    paid["metadata"] = {"paylink_link": link.id, "paylink_account": account.id}
    httpx_mock.add_response(
        method="GET", url="https://api.mollie.com/v2/payments/tr_7UhSN1zuXS", json=paid
    )
    answer = httpx.post(f"{live.base}/webhooks/mollie/{account.id}", data={"id": "tr_7UhSN1zuXS"})
    assert answer.status_code == 200
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert httpx.post(f"{live.base}/webhooks/mollie/{account.id}", data={}).status_code == 400


def test_a_provider_failure_is_a_page_in_the_customers_language_with_a_way_back(
    live: Live, httpx_mock: HTTPXMock
) -> None:
    _account, invoice, link = setup(live)
    customer = live.pl.customers.get(invoice.organization_id, invoice.customer_id)
    live.pl.customers.update(customer, language="fr")
    for _ in range(3):  # the first try and its two retries
        httpx_mock.add_response(method="POST", url=SESSIONS, status_code=503)
    page = httpx.get(link.url, headers=BROWSER)
    form = re.search(
        r'action="([^"]+/checkout/stripe)">\s*<input[^>]*value="([0-9a-f]+)"', page.text
    )
    assert form is not None
    answer = httpx.post(form.group(1), data={"csrf": form.group(2)}, headers=BROWSER)
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("text/html")
    assert "pas disponible pour le moment" in answer.text
    assert f'href="{link.url}?lang=fr"' in answer.text and "Retour au paiement" in answer.text
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "issued"
