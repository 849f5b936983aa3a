"""The web app's routes for Twilio callbacks and bank-feed webhooks, over real HTTP."""

from __future__ import annotations

import httpx

from paylink_providers.twilio import signature
from tests.web.conftest import Live

TOKEN = "twilio-auth-token-0123456789abcdef"


def test_twilio_inbound_and_bad_signatures(live: Live) -> None:
    pl = live.pl
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Marie", phone="+32470123456")
    url = f"{live.base}/webhooks/twilio/{org.id}"
    pl.channels.configure(
        org,
        "twilio",
        account_sid="AC" + "1" * 32,
        auth_token=TOKEN,
        messaging_service_sid="MG" + "2" * 32,
        status_callback=url,
    )
    form = {
        "MessageSid": "SM" + "3" * 32,
        "From": "+32470123456",
        "To": "+3225501811",
        "Body": "STOP",
        "AccountSid": "AC" + "1" * 32,
    }
    good = httpx.post(url, data=form, headers={"x-twilio-signature": signature(TOKEN, url, form)})
    assert good.status_code == 200
    assert good.headers["content-type"].startswith("text/xml")
    assert "<Response" in good.text
    assert pl.messages.is_opted_out(customer, "sms")
    bad = httpx.post(url, data=form, headers={"x-twilio-signature": "AAAA"})
    assert bad.status_code == 401


def test_feed_webhooks_need_a_known_account(live: Live) -> None:
    answer = httpx.post(
        f"{live.base}/feeds/fed_unknown/webhook", content=b"{}", headers={"signature": "x.y.z"}
    )
    assert answer.status_code == 404


def test_twilio_inbound_with_empty_values_over_http(live: Live) -> None:
    from twilio.request_validator import RequestValidator

    pl = live.pl
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Marie", phone="+32470123456")
    url = f"{live.base}/webhooks/twilio/{org.id}"
    pl.channels.configure(
        org,
        "twilio",
        account_sid="AC" + "1" * 32,
        auth_token=TOKEN,
        messaging_service_sid="MG" + "2" * 32,
        status_callback=url,
    )
    form = {
        "MessageSid": "SM" + "3" * 32,
        "From": "+32470123456",
        "FromCity": "",
        "FromZip": "",
        "To": "+3225501811",
        "ToState": "",
        "Body": "STOP",
        "AccountSid": "AC" + "1" * 32,
        "SmsStatus": "received",
    }
    signed = RequestValidator(TOKEN).compute_signature(url, form)
    answer = httpx.post(url, data=form, headers={"x-twilio-signature": signed})
    assert answer.status_code == 200, answer.text
    assert pl.messages.is_opted_out(customer, "sms")
