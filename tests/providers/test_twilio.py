"""The Twilio channel: the Messages API through pytest-httpx, and signed callbacks."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Paylink
from paylink.exceptions import (
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
    WebhookRejected,
)
from paylink.hookspecs import hookimpl
from paylink.notify import OutgoingMessage
from paylink.parties import Customer, Organization
from paylink.plugins import get_plugin_manager
from paylink.ports import ChannelCallbacks, InboundMessage, WebhookRequest
from paylink_providers.twilio import TwilioChannel, signature

from ..conftest import BASE_URL, lines
from ..notify.helpers import with_messaging


def handle_status_callback(pl: Paylink, org_id: str, request: WebhookRequest) -> tuple[int, str]:
    """What the web app answers Twilio: the callback applied through the channel port."""
    try:
        callback = pl.channels.handle_webhook(org_id, "twilio", request)
    except WebhookRejected as exc:
        return exc.status_code, str(exc)
    return callback.answer_status, callback.answer_body


DATA = Path(__file__).parent / "data" / "twilio"
SID = "AC" + "X" * 32
TOKEN = "twilio-auth-token-0123456789abcdef"
API = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
SERVICE = "MG" + "X" * 32


def _json(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def _message(text: str = "Hello") -> OutgoingMessage:
    return OutgoingMessage(
        id="msg_1",
        organization_id="org",
        kind="payment_request",
        channel_kind="sms",
        channel="twilio",
        recipient="+32470123456",
        text=text,
    )


def _channel(**kw: Any) -> tuple[TwilioChannel, list[float]]:
    sleeps: list[float] = []
    settings: dict[str, Any] = {
        "account_sid": SID,
        "auth_token": TOKEN,
        "messaging_service_sid": SERVICE,
        "status_callback": "https://app.example/webhooks/twilio/org",
        "sleep": sleeps.append,
        **kw,
    }
    return TwilioChannel(**settings), sleeps


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.content.decode()))


def test_the_request_is_exactly_what_twilio_documents(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST", url=API, status_code=201, json=_json("message_created.json")
    )
    channel, _ = _channel()
    result = channel.send(_message("Pay: https://pay.example/pay/abc"))
    assert result.provider_message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert result.status == "accepted" and not result.delivered
    (request,) = httpx_mock.get_requests()
    assert request.method == "POST" and str(request.url) == API
    expected_auth = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected_auth}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert _form(request) == {
        "To": "+32470123456",
        "Body": "Pay: https://pay.example/pay/abc",
        "MessagingServiceSid": SERVICE,
        "StatusCallback": "https://app.example/webhooks/twilio/org",
    }


def test_a_from_number_instead_of_a_messaging_service(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=201, json=_json("message_created.json"))
    channel, _ = _channel(messaging_service_sid=None, from_number="+3228080000")
    channel.send(_message())
    form = _form(httpx_mock.get_requests()[0])
    assert form["From"] == "+3228080000" and "MessagingServiceSid" not in form


def test_a_4xx_is_not_retried(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        status_code=400,
        json=_json("error_21211_invalid_to.json"),
        headers={"Twilio-Request-Id": "RQ123"},
    )
    channel, sleeps = _channel()
    with pytest.raises(ProviderRejected, match="21211") as caught:
        channel.send(_message())
    assert caught.value.request_id == "RQ123" and caught.value.status_code == 400
    assert len(httpx_mock.get_requests()) == 1 and sleeps == []


def test_bad_credentials_never_show_the_token(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=401, json=_json("error_20003_auth.json"))
    channel, _ = _channel()
    with pytest.raises(ProviderAuthError) as caught:
        channel.send(_message())
    assert TOKEN not in str(caught.value) and TOKEN not in repr(channel)


def test_5xx_and_429_are_retried_with_backoff_honouring_retry_after(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(status_code=503, text="Service Unavailable")
    httpx_mock.add_response(
        status_code=429, json=_json("error_20429_too_many.json"), headers={"Retry-After": "3"}
    )
    httpx_mock.add_response(status_code=201, json=_json("message_created.json"))
    channel, sleeps = _channel()
    assert channel.send(_message()).provider_message_id
    # the shared client's backoff: jittered up to 0.5 s first, then Twilio's Retry-After
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and sleeps[1] == 3.0
    assert len(httpx_mock.get_requests()) == 3


def test_timeouts_are_retried_then_reported_unavailable(httpx_mock: HTTPXMock) -> None:
    for _ in range(3):
        httpx_mock.add_exception(httpx.ReadTimeout("timed out"))
    channel, sleeps = _channel()
    with pytest.raises(ProviderUnavailable, match="timed out after 3 attempts"):
        channel.send(_message())
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


class Replies:
    def __init__(self) -> None:
        self.received: list[tuple[str, str, str | None]] = []
        self.statuses: list[tuple[str, str]] = []

    @hookimpl
    def paylink_message_received(
        self, channel: str, sender: str, text: str, customer: Customer | None
    ) -> None:
        self.received.append((sender, text, customer.name if customer else None))

    @hookimpl
    def paylink_message_status_changed(self, old_status: str, new_status: str) -> None:
        self.statuses.append((old_status, new_status))


@pytest.fixture
def replies() -> Replies:
    return Replies()


@pytest.fixture
def pl(db_url: str, clock: FixedClock, replies: Replies) -> Any:
    paylink = with_messaging(
        Paylink.open(
            db_url, clock=clock, plugins=get_plugin_manager(plugins=[replies]), base_url=BASE_URL
        )
    )
    yield paylink
    paylink.close()


def _configure(pl: Any, org: Organization) -> str:
    callback = f"https://app.example/webhooks/twilio/{org.id}"
    pl.channels.configure(
        org,
        "twilio",
        account_sid=SID,
        auth_token=TOKEN,
        messaging_service_sid=SERVICE,
        status_callback=callback,
    )
    return callback


def _signed(url: str, form: dict[str, str], token: str = TOKEN) -> WebhookRequest:
    body = urllib.parse.urlencode(form).encode()
    return WebhookRequest(
        method="POST",
        url=url,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature(token, url, form),
        },
        body=body,
        form=form,
    )


def test_an_invoice_by_sms_then_delivery_callbacks(
    pl: Any,
    org: Organization,
    customer: Customer,
    httpx_mock: HTTPXMock,
    replies: Replies,
) -> None:
    callback = _configure(pl, org)
    assert pl.channels.settings(org, "twilio")["auth_token"] == "***"
    httpx_mock.add_response(
        method="POST", url=API, status_code=201, json=_json("message_created.json")
    )
    invoice = pl.invoices.issue(org, customer, lines=lines())
    (msg,) = pl.messages.send(invoice, via="sms")
    assert msg.channel == "twilio" and msg.language == "fr"
    assert pl.outbox.dispatch().sent == [msg.id]
    form = _form(httpx_mock.get_requests()[0])
    link = pl.links.list(org, invoice=invoice)[0]
    assert form["Body"] == msg.text and link.url in form["Body"]
    assert form["StatusCallback"] == callback
    sent = pl.outbox.get(org, msg.id)
    assert (
        sent.status == "sent" and sent.provider_message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    )
    assert sent.provider_status == "accepted" and link.status == "sent"

    # A forged callback changes nothing.
    forged = _signed(callback, _json("status_delivered.json"), token="not-the-token")
    assert handle_status_callback(pl, org.id, forged)[0] == 401
    unsigned = WebhookRequest(
        method="POST", url=callback, headers={}, body=b"", form=_json("status_delivered.json")
    )
    assert handle_status_callback(pl, org.id, unsigned)[0] == 401
    assert pl.outbox.get(org, msg.id).status == "sent"

    # Signed for another URL (another endpoint), replayed here: refused too.
    elsewhere = attrs.evolve(
        _signed(callback + "?other=1", _json("status_delivered.json")), url=callback
    )
    assert handle_status_callback(pl, org.id, elsewhere)[0] == 401

    assert handle_status_callback(
        pl, org.id, _signed(callback, _json("status_delivered.json"))
    ) == (204, "")
    delivered = pl.outbox.get(org, msg.id)
    assert delivered.status == "delivered" and delivered.delivered_at is not None
    # A late "sent" never undoes "delivered".
    late = {**_json("status_delivered.json"), "MessageStatus": "sent", "SmsStatus": "sent"}
    assert handle_status_callback(pl, org.id, _signed(callback, late))[0] == 204
    assert pl.outbox.get(org, msg.id).status == "delivered"
    assert ("sending", "sent") not in replies.statuses
    assert ("queued", "sent") in replies.statuses and ("sent", "delivered") in replies.statuses


def test_an_undelivered_sms_records_twilios_error(
    pl: Any, org: Organization, customer: Customer, httpx_mock: HTTPXMock
) -> None:
    callback = _configure(pl, org)
    httpx_mock.add_response(status_code=201, json=_json("message_created.json"))
    (msg,) = pl.messages.send(pl.invoices.issue(org, customer, lines=lines()), via="sms")
    pl.outbox.dispatch()
    status, _ = handle_status_callback(
        pl, org.id, _signed(callback, _json("status_undelivered.json"))
    )
    assert status == 204
    failed = pl.outbox.get(org, msg.id)
    assert failed.status == "failed" and failed.provider_status == "undelivered"
    assert failed.error == "Twilio error 30003: Unreachable destination handset"


def test_a_stop_reply_opts_the_customer_out(
    pl: Any, org: Organization, customer: Customer, replies: Replies
) -> None:
    callback = _configure(pl, org)
    stop = _json("inbound_stop.json")
    status, body = handle_status_callback(pl, org.id, _signed(callback, stop))
    assert status == 200 and "<Response>" in body
    assert replies.received == [("+32470123456", "STOP", "Marie Peeters")]
    assert pl.messages.is_opted_out(customer, "sms")
    # Twilio may deliver the same webhook twice: it is recorded once.
    handle_status_callback(pl, org.id, _signed(callback, stop))
    assert len(pl.messages.inbound(org)) == 1 and len(replies.received) == 1
    (msg,) = pl.messages.send(pl.invoices.issue(org, customer, lines=lines()), via="sms")
    assert msg.status == "cancelled"
    start = {**stop, "Body": "start", "MessageSid": "SM2", "SmsSid": "SM2"}
    handle_status_callback(pl, org.id, _signed(callback, start))
    assert not pl.messages.is_opted_out(customer, "sms")


def test_an_organization_without_twilio_gets_404(pl: Any, org: Organization) -> None:
    request = _signed("https://app.example/webhooks/twilio/x", _json("status_delivered.json"))
    assert handle_status_callback(pl, org.id, request)[0] == 404
    assert handle_status_callback(pl, "org_unknown", request)[0] == 404


def test_the_service_applies_what_the_channel_parsed(
    pl: Any, org: Organization, customer: Customer, replies: Replies
) -> None:
    """``pl.channels.handle_webhook``: the plugin verifies and parses, the service applies."""
    callback = _configure(pl, org)
    assert isinstance(pl.channels.open(org, "twilio"), ChannelCallbacks)
    parsed = pl.channels.handle_webhook(
        org.id, "twilio", _signed(callback, _json("inbound_stop.json"))
    )
    assert parsed.answer_status == 200 and parsed.answer_type == "text/xml"
    (event,) = parsed.events
    assert isinstance(event, InboundMessage) and event.sender == "+32470123456"
    assert pl.messages.is_opted_out(customer, "sms")
    assert replies.received == [("+32470123456", "STOP", "Marie Peeters")]
    forged = _signed(callback, _json("inbound_stop.json"), token="not-the-token")
    with pytest.raises(WebhookRejected) as caught:
        pl.channels.handle_webhook(org.id, "twilio", forged)
    assert caught.value.status_code == 401 and TOKEN not in str(caught.value)
    # A channel that takes no callbacks is not an endpoint.
    with pytest.raises(WebhookRejected) as caught:
        pl.channels.handle_webhook(org.id, "smtp", forged)
    assert caught.value.status_code == 404


def test_the_old_callback_helper_still_answers_and_warns(tmp_path: Any) -> None:
    from paylink_providers.twilio import handle_status_callback as old

    with Paylink.open(f"sqlite:///{tmp_path / 'p.db'}", base_url=BASE_URL) as pl:
        request = WebhookRequest(
            method="POST", url="https://x/webhooks/twilio/o", headers={}, body=b""
        )
        with pytest.warns(DeprecationWarning, match="pl.channels.handle_webhook"):
            assert old(pl, "org_missing", request)[0] == 404


# A real inbound SMS as Twilio posts it: several keys arrive with empty values.
_REAL_INBOUND = [
    ("ToCountry", "BE"),
    ("ToState", ""),
    ("SmsMessageSid", "SM7d1cb2ffe8a34b6a9c1d3d0e1d9a2b3c"),
    ("NumMedia", "0"),
    ("ToCity", ""),
    ("FromZip", ""),
    ("SmsSid", "SM7d1cb2ffe8a34b6a9c1d3d0e1d9a2b3c"),
    ("OptOutType", "STOP"),
    ("FromState", ""),
    ("SmsStatus", "received"),
    ("FromCity", ""),
    ("Body", "Stop"),
    ("FromCountry", "BE"),
    ("To", "+3228080000"),
    ("MessagingServiceSid", SERVICE),
    ("ToZip", ""),
    ("NumSegments", "1"),
    ("MessageSid", "SM7d1cb2ffe8a34b6a9c1d3d0e1d9a2b3c"),
    ("AccountSid", SID),
    ("From", "+32470123456"),
    ("ApiVersion", "2010-04-01"),
]


def test_the_signature_is_twilios_own_over_empty_and_repeated_values() -> None:
    from twilio.request_validator import RequestValidator

    oracle = RequestValidator(TOKEN)
    url = "https://app.example/webhooks/twilio/org_1"
    params = dict(_REAL_INBOUND)
    assert signature(TOKEN, url, params) == oracle.compute_signature(url, params)
    assert signature(TOKEN, url, _REAL_INBOUND) == oracle.compute_signature(url, params)

    class MultiDict(dict[str, str]):
        def __init__(self, pairs: list[tuple[str, str]]) -> None:
            super().__init__(pairs)
            self.pairs = pairs

        def getall(self, name: str) -> list[str]:
            return [v for k, v in self.pairs if k == name]

    repeated = [*_REAL_INBOUND, ("MediaUrl", "b"), ("MediaUrl", "a"), ("MediaUrl", "b")]
    assert signature(TOKEN, url, repeated) == oracle.compute_signature(url, MultiDict(repeated))


def test_a_real_stop_with_empty_values_is_verified_and_opts_out(
    pl: Any, org: Organization, customer: Customer, replies: Replies
) -> None:
    from twilio.request_validator import RequestValidator

    callback = _configure(pl, org)
    body = urllib.parse.urlencode(_REAL_INBOUND).encode()
    # Twilio signs the URL it called; its validator accepts it with or without the default port.
    for signed_url in (callback, callback.replace("app.example/", "app.example:443/")):
        request = WebhookRequest(
            method="POST",
            url=callback,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-twilio-signature": RequestValidator(TOKEN).compute_signature(
                    signed_url, dict(_REAL_INBOUND)
                ),
            },
            body=body,
            # What a web framework that drops empty values would hand over.
            form={k: v for k, v in _REAL_INBOUND if v},
        )
        status, answer = handle_status_callback(pl, org.id, request)
        assert status == 200 and "<Response>" in answer
    assert pl.messages.is_opted_out(customer, "sms")
    assert len(pl.messages.inbound(org)) == 1
    tampered = attrs.evolve(request, body=body.replace(b"FromCity=", b"FromCity=Gent"))
    assert handle_status_callback(pl, org.id, tampered)[0] == 401
