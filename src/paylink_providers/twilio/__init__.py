"""Twilio: SMS through Twilio's Messages API, with delivery status callbacks and replies.

Settings (``pl.channels.configure(org, "twilio", ...)``):

- ``account_sid`` and ``auth_token`` (a secret: never shown, logged or put in an error),
- ``messaging_service_sid`` (``MG…``) or ``from_number`` (an E.164 number of the account),
- ``status_callback``: the URL Twilio posts delivery statuses to (the paylink web app serves
  it at ``/webhooks/channels/twilio/{organization_id}``, and at the older
  ``/webhooks/twilio/{organization_id}``, and hands the call to
  ``pl.channels.handle_webhook(org, "twilio", request)``). The same URL can take incoming
  replies,
- ``base_url`` (default ``https://api.twilio.com``, for mock servers), ``timeout``.

A message is sent with ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded,
with HTTP basic auth (account SID, auth token), through the shared provider HTTP client
(:mod:`paylink_providers._http`): timeouts, connection errors, 408/409/429 and 5xx are retried
twice with capped exponential backoff and jitter (honouring ``Retry-After``); a 4xx is not:
Twilio refused the message (a wrong number, an unverified sender) and will refuse it again.
Twilio's Messages API has no idempotency key, so a retry after a timeout may, rarely, send a
message twice: that is why retries are few.

Callbacks are verified exactly as Twilio signs them (``X-Twilio-Signature``: HMAC-SHA1 with the
auth token over the full URL followed by every POST parameter, sorted by name, as name and value
concatenated; base64) before anything in them is read. The parameters are read from the raw
body, exactly as Twilio sent them: a real inbound SMS carries keys with empty values
(``FromCity=``, ``FromZip=``...), and they are part of what Twilio signed; a repeated key
contributes each of its distinct values, sorted, as in Twilio's own ``RequestValidator``. The
URL is tried as given, then without its port or with the scheme's default port (Twilio's
validator tries both, as Twilio signs either). Then :meth:`TwilioChannel.parse_callback`
turns them into :class:`~paylink.ports.DeliveryStatus` and :class:`~paylink.ports.InboundMessage`
values, which the service applies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Literal

import httpx

from paylink.context import PluginContext, Setting
from paylink.exceptions import ProviderUnavailable, ValidationError, WebhookRejected
from paylink.hookspecs import hookimpl
from paylink.http import ApiClient
from paylink.notify import OutgoingMessage, SendResult
from paylink.ports import (
    ChannelCallback,
    ChannelEvent,
    DeliveryStatus,
    InboundMessage,
    WebhookRequest,
)

__all__ = [
    "TwilioChannel",
    "handle_status_callback",
    "signature",
]

DEFAULT_BASE_URL = "https://api.twilio.com"
# Twilio's MessageStatus -> paylink's message status (None: keep the provider's word only).
_STATUS: dict[str, Literal["delivered", "failed"] | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": None,
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


def signature(
    auth_token: str, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]]
) -> str:
    """Twilio's request signature: base64(HMAC-SHA1(auth_token, url + sorted name+value pairs)).

    ``params`` is every POST parameter Twilio sent, empty values included: a mapping, or the
    (name, value) pairs of the body when a name repeats (each distinct value of a name then
    counts once, values sorted, as Twilio's ``RequestValidator`` does).
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    values: dict[str, set[str]] = {}
    for key, value in pairs:
        values.setdefault(key, set()).add(value)
    payload = url + "".join(
        f"{key}{value}" for key in sorted(values) for value in sorted(values[key])
    )
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _posted(request: WebhookRequest) -> list[tuple[str, str]]:
    """Every POST parameter of ``request`` as Twilio sent it, empty values kept."""
    if not request.body:
        return list(request.form.items())
    text = request.body.decode("utf-8", "replace")
    return urllib.parse.parse_qsl(text, keep_blank_values=True)


def _url_variants(url: str) -> tuple[str, ...]:
    """``url`` as given, without its port, and with the scheme's default port (as Twilio tries)."""
    parts = urllib.parse.urlsplit(url)
    if parts.port is None:
        default = 443 if parts.scheme == "https" else 80
        return (url, urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}")))
    netloc = parts.netloc.rsplit(":", 1)[0]
    return (url, urllib.parse.urlunsplit(parts._replace(netloc=netloc)))


class TwilioChannel:
    """Delivers SMS through Twilio."""

    name: ClassVar[str] = "twilio"
    kinds: ClassVar[frozenset[str]] = frozenset({"sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset({"auth_token"})
    supports_callbacks: ClassVar[bool] = True
    settings_spec: ClassVar[dict[str, Setting]] = {
        "account_sid": Setting(required=True, help="AC followed by 32 hex digits"),
        "auth_token": Setting(secret=True, required=True, help="signs the callbacks too"),
        "messaging_service_sid": Setting(help="MG…, or give from_number"),
        "from_number": Setting(help="an E.164 number of the account"),
        "status_callback": Setting(help="where Twilio posts statuses and replies"),
        "base_url": Setting(default=DEFAULT_BASE_URL, help="the API host"),
        "timeout": Setting(type=(int, float), default=10.0, help="seconds"),
        "max_retries": Setting(type=int, default=2, help="retries of a failed request"),
    }

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_retries: int = 2,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        context: PluginContext | None = None,
    ) -> None:
        if context is not None:
            http = http if http is not None else context.http
            sleep = sleep or context.sleep
        if not (account_sid.startswith("AC") and len(account_sid) == 34):
            raise ValidationError(
                "expected an Account SID like AC followed by 32 hex digits", field="account_sid"
            )
        if not auth_token:
            raise ValidationError("expected the account's auth token", field="auth_token")
        if not (messaging_service_sid or from_number):
            raise ValidationError(
                "expected a messaging_service_sid (MG…) or a from_number", field="from_number"
            )
        if status_callback and not status_callback.startswith(("https://", "http://")):
            raise ValidationError("expected an http(s) URL", field="status_callback")
        self.account_sid = account_sid
        self.context = context
        self._auth_token = auth_token
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.status_callback = status_callback
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        basic = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._api = ApiClient(
            provider=self.name,
            base_url=self.base_url,
            headers={"Authorization": f"Basic {basic}"},
            secrets=(auth_token, basic),
            http=http if http is not None else httpx.Client(timeout=self.timeout),
            sleep=sleep,
            request_id_header="twilio-request-id",
            error_message=_error_message,
            max_retries=self.max_retries,
        )

    def __repr__(self) -> str:
        return f"TwilioChannel(account_sid={self.account_sid!r}, auth_token='***')"

    # -- sending -------------------------------------------------------------------------------
    def _to_api(self, message: OutgoingMessage) -> dict[str, str]:
        form = {"To": message.recipient, "Body": message.text}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            assert self.from_number is not None
            form["From"] = self.from_number
        if self.status_callback:
            form["StatusCallback"] = self.status_callback
        return form

    def send(self, message: OutgoingMessage) -> SendResult:
        """Create the message at Twilio; the result carries its ``SM…`` sid and status.

        Raises :class:`~paylink.exceptions.ProviderRejected` (a refused number, a 4xx;
        :class:`~paylink.exceptions.ProviderAuthError` for bad credentials) or
        :class:`~paylink.exceptions.ProviderUnavailable` (after the retries).
        """
        if message.channel_kind != "sms":
            raise ValidationError("the twilio channel sends SMS only", field="channel")
        response = self._api.request(
            "POST",
            f"/2010-04-01/Accounts/{self.account_sid}/Messages.json",
            data=self._to_api(message),
        )
        return self._from_api(response)

    def _from_api(self, response: httpx.Response) -> SendResult:
        try:
            data = response.json()
            sid = str(data["sid"])
        except (ValueError, KeyError, TypeError):
            raise ProviderUnavailable(
                "Twilio answered without a message sid",
                provider=self.name,
                status_code=response.status_code,
                request_id=response.headers.get("twilio-request-id"),
            ) from None
        return SendResult(provider_message_id=sid, status=str(data.get("status") or "queued"))

    # -- callbacks -----------------------------------------------------------------------------
    def verify(self, request: WebhookRequest) -> None:
        """Raise :class:`~paylink.exceptions.WebhookRejected` unless Twilio signed ``request``."""
        given = request.headers.get("x-twilio-signature", "")
        if not given:
            raise WebhookRejected("the request carries no X-Twilio-Signature", status_code=401)
        posted = _posted(request)
        for url in _url_variants(request.url):
            expected = signature(self._auth_token, url, posted)
            if hmac.compare_digest(given.encode(), expected.encode()):
                return
        raise WebhookRejected("the X-Twilio-Signature does not match", status_code=401)

    def parse_callback(self, request: WebhookRequest) -> ChannelCallback:
        """Verify ``X-Twilio-Signature``, then read a delivery status or an incoming SMS.

        A status (``MessageSid`` + ``MessageStatus``) becomes a
        :class:`~paylink.ports.DeliveryStatus` answered with 204; a reply (``From`` + ``Body``,
        no status or ``received``) an :class:`~paylink.ports.InboundMessage` answered with an
        empty TwiML document. Raises :class:`~paylink.exceptions.WebhookRejected`: 405 for
        another method, 401 for a missing or wrong signature, 403 for another account's call,
        400 for anything else.
        """
        if request.method.upper() != "POST":
            raise WebhookRejected("expected POST", status_code=405)
        self.verify(request)
        # The last value of a repeated key wins, as in the form the web app hands over.
        form = dict(_posted(request))
        if form.get("AccountSid") and form["AccountSid"] != self.account_sid:
            raise WebhookRejected("the callback is for another Twilio account", status_code=403)
        status = form.get("MessageStatus") or form.get("SmsStatus") or ""
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        events: tuple[ChannelEvent, ...]
        if status and status != "received":
            if not sid:
                raise WebhookRejected("expected a MessageSid", status_code=400)
            error = None
            if form.get("ErrorCode"):
                error = f"Twilio error {form['ErrorCode']}: {form.get('ErrorMessage', '')}".strip()
            events = (
                DeliveryStatus(
                    provider_message_id=sid,
                    provider_status=status,
                    status=_STATUS.get(status),
                    error=error,
                ),
            )
            return ChannelCallback(events=events, answer_status=204)
        if form.get("From") and "Body" in form:
            events = (
                InboundMessage(
                    sender=form["From"],
                    text=form["Body"],
                    channel_kind="sms",
                    provider_message_id=sid or None,
                ),
            )
            return ChannelCallback(
                events=events, answer_status=200, answer_body=_TWIML_EMPTY, answer_type="text/xml"
            )
        raise WebhookRejected("expected a message status or an incoming message", status_code=400)


_TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def handle_status_callback(pl: Any, org_id: str, request: WebhookRequest) -> tuple[int, str]:
    """Deprecated: use ``pl.channels.handle_webhook(org_id, "twilio", request)``, which returns
    the answer to send (``answer_status``, ``answer_body``, ``answer_type``). Kept for one
    release; returns ``(status, body)`` as before."""
    warnings.warn(
        "handle_status_callback() is deprecated; use pl.channels.handle_webhook(org_id, "
        '"twilio", request)',
        DeprecationWarning,
        stacklevel=2,
    )
    try:
        callback: ChannelCallback = pl.channels.handle_webhook(org_id, "twilio", request)
    except WebhookRejected as exc:
        return exc.status_code, str(exc)
    return callback.answer_status, callback.answer_body


def _error_message(data: Any) -> str | None:
    """Twilio's error answer (``{"code": 21211, "message": ...}``) in a line."""
    if not isinstance(data, Mapping):
        return None
    return f"Twilio refused the request (error {data.get('code')}: {data.get('message')})"


@hookimpl
def paylink_register_channels(register: Callable[[Any], None]) -> None:
    """Register :class:`TwilioChannel`."""
    register(TwilioChannel)
