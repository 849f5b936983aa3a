"""The channel kit, passed by a sample SMS channel and failing each fault planted in it."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, ClassVar

import httpx
import pytest

from paylink.context import PluginContext, Setting, build_plugin
from paylink.exceptions import ProviderRejected, ProviderUnavailable, WebhookRejected
from paylink.notify import OutgoingMessage, SendResult
from paylink.ports import ChannelCallback, DeliveryStatus, InboundMessage, WebhookRequest
from paylink.testing.conformance import ChannelConformance

from .conftest import RunKit

SECRET = "vonage-api-secret-0123456789"


class Gateway:
    """The SMS provider's side: answers queued by the test, messages received."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.received: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        status = self.answers.pop(0) if self.answers else 200
        if status == 0:
            raise httpx.ConnectError("connection refused", request=request)
        if status >= 400:
            return httpx.Response(status, json={"error": "refused"})
        body = json.loads(request.content)
        self.received.append(body)
        return httpx.Response(200, json={"message_id": f"vm-{len(self.received)}"})


class SampleSms:
    """A third party's SMS channel, built on the plugin kit (context, paylink.http)."""

    name: ClassVar[str] = "samplesms"
    kinds: ClassVar[frozenset[str]] = frozenset({"sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset({"api_secret"})
    supports_callbacks: ClassVar[bool] = True
    settings_spec: ClassVar[dict[str, Setting]] = {
        "api_secret": Setting(secret=True, required=True),
    }

    def __init__(self, *, api_secret: str, context: PluginContext) -> None:
        self._secret = api_secret
        self._api = context.api(
            base_url="https://sms.example", headers={"Authorization": f"Bearer {api_secret}"}
        )

    def __repr__(self) -> str:
        return "<SampleSms>"

    def send(self, message: OutgoingMessage) -> SendResult:
        answer = self._api.json(
            "POST", "/messages", json={"to": message.recipient, "text": message.text}
        )
        return SendResult(provider_message_id=str(answer["message_id"]))

    def _verified(self, request: WebhookRequest) -> dict[str, Any]:
        mac = hmac.new(self._secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, request.headers.get("x-signature", "")):
            raise WebhookRejected("samplesms: bad signature", status_code=401)
        body: dict[str, Any] = json.loads(request.body)
        return body

    def parse_callback(self, request: WebhookRequest) -> ChannelCallback:
        body = self._verified(request)
        if body.get("type") == "status":
            return ChannelCallback(
                events=(
                    DeliveryStatus(
                        provider_message_id=str(body["message_id"]),
                        provider_status=str(body["status"]),
                        status="delivered" if body["status"] == "delivered" else None,
                    ),
                )
            )
        return ChannelCallback(
            events=(InboundMessage(sender=str(body["from"]), text=str(body["text"])),)
        )


def signed(body: dict[str, Any], secret: str = SECRET) -> WebhookRequest:
    raw = json.dumps(body).encode()
    mac = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return WebhookRequest(
        method="POST",
        url="https://pay.example/webhooks/channels/samplesms/org_1",
        headers={"x-signature": mac},
        body=raw,
    )


class SampleKit(ChannelConformance):
    channel_class: ClassVar[type[Any]] = SampleSms
    secrets = (SECRET,)

    def setup(self) -> None:
        self.gateway = Gateway()

    @pytest.fixture(autouse=True)
    def _gateway(self) -> None:
        self.setup()

    def make_channel(self) -> Any:
        http = httpx.Client(transport=httpx.MockTransport(self.gateway.handle))
        context = PluginContext(name="samplesms", http=http, sleep=lambda _s: None)
        return build_plugin(self.channel_class, {"api_secret": SECRET}, context=context)

    def arrange_failure(self, status_code: int) -> None:
        retried = status_code in (0, 408, 409, 429) or status_code >= 500
        self.gateway.answers.extend([status_code] * (3 if retried else 1))

    def make_status_callback(self, provider_message_id: str, *, valid: bool) -> WebhookRequest:
        body = {"type": "status", "message_id": provider_message_id, "status": "delivered"}
        return signed(body, SECRET if valid else "forged-secret")

    def make_inbound_callback(self, sender: str, text: str) -> WebhookRequest:
        return signed({"type": "inbound", "from": sender, "text": text})


class TestSampleSmsConformance(SampleKit):
    """The sample channel passes the kit as pytest collects it."""


class Misclassified(SampleSms):
    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            return super().send(message)
        except ProviderRejected as exc:
            raise ProviderUnavailable("try later", provider=self.name) from exc


class RawHttpx(SampleSms):
    def __init__(self, *, api_secret: str, context: PluginContext) -> None:
        super().__init__(api_secret=api_secret, context=context)
        self._http = context.http

    def send(self, message: OutgoingMessage) -> SendResult:
        assert self._http is not None
        answer = self._http.post("https://sms.example/messages", json={"to": message.recipient})
        answer.raise_for_status()
        return SendResult(provider_message_id=str(answer.json()["message_id"]))


class SecretInError(SampleSms):
    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            return super().send(message)
        except ProviderRejected as exc:
            raise ProviderRejected(f"refused with {self._secret}", provider=self.name) from exc


class UnverifiedCallbacks(SampleSms):
    def _verified(self, request: WebhookRequest) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(request.body)
        return body


class StopDropped(SampleSms):
    def parse_callback(self, request: WebhookRequest) -> ChannelCallback:
        callback = super().parse_callback(request)
        return ChannelCallback(
            events=tuple(e for e in callback.events if not isinstance(e, InboundMessage))
        )


def test_the_sample_passes_every_check(run_kit: RunKit) -> None:
    run = run_kit(SampleKit, "channel_class", SampleSms)
    assert run.failed == []
    assert len(run.passed) == len([n for n in dir(ChannelConformance) if n.startswith("test_")])


@pytest.mark.parametrize(
    ("fault", "caught_by"),
    [
        (Misclassified, "test_failures_are_classified_retry_or_dead"),
        (RawHttpx, "test_failures_are_classified_retry_or_dead"),
        (SecretInError, "test_credentials_stay_out_of_reprs_and_errors"),
        (UnverifiedCallbacks, "test_a_forged_callback_is_rejected_with_a_4xx"),
        (StopDropped, "test_a_stop_reply_is_handed_over_for_the_opt_out"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_every_planted_fault_is_caught(fault: type[Any], caught_by: str, run_kit: RunKit) -> None:
    assert caught_by in run_kit(SampleKit, "channel_class", fault).failed
