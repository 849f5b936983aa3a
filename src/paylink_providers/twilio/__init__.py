"""Twilio: SMS through Twilio's Messages API, with delivery status callbacks and replies.

Settings (``pl.channels.configure(org, "twilio", ...)``):

- ``account_sid`` and ``auth_token`` (a secret: never shown, logged or put in an error),
- ``messaging_service_sid`` (``MG…``) or ``from_number`` (an E.164 number of the account),
- ``status_callback``: the URL Twilio posts delivery statuses to; mount
  :func:`handle_status_callback` there (the paylink web app serves it at
  ``/webhooks/twilio/{organization_id}``). The same URL can take incoming replies,
- ``base_url`` (default ``https://api.twilio.com``, for mock servers), ``timeout``.

A message is sent with ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded,
with HTTP basic auth (account SID, auth token). Timeouts, connection errors, 429 and 5xx are
retried twice with capped exponential backoff (honouring ``Retry-After``); a 4xx is not:
Twilio refused the message (a wrong number, an unverified sender) and will refuse it again.
Twilio's Messages API has no idempotency key, so a retry after a timeout may, rarely, send a
message twice: that is why retries are few.

Callbacks are verified exactly as Twilio signs them (``X-Twilio-Signature``: HMAC-SHA1 with the
auth token over the full URL followed by every POST parameter, sorted by name, as name and value
concatenated; base64) before anything in them is read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from paylink.exceptions import (
    PaylinkError,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
    ValidationError,
    WebhookRejected,
)
from paylink.hookspecs import hookimpl
from paylink.notify import OutgoingMessage, SendResult
from paylink.ports import WebhookRequest

if TYPE_CHECKING:
    from paylink.service import Paylink

__all__ = [
    "TwilioChannel",
    "handle_status_callback",
    "signature",
]

DEFAULT_BASE_URL = "https://api.twilio.com"
_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
# Twilio's MessageStatus -> paylink's message status (None: keep the provider's word only).
_STATUS = {
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


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's request signature: base64(HMAC-SHA1(auth_token, url + sorted name+value pairs))."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class TwilioChannel:
    """Delivers SMS through Twilio."""

    name: ClassVar[str] = "twilio"
    kinds: ClassVar[frozenset[str]] = frozenset({"sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset({"auth_token"})

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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
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
        self._auth_token = auth_token
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.status_callback = status_callback
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self._http = http
        self._sleep = sleep

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

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout)
        return self._http

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            retry_after = response.headers.get("retry-after", "")
            if retry_after.isdigit():
                return min(float(retry_after), 30.0)
        return float(min(8.0, 0.5 * 2**attempt))

    def send(self, message: OutgoingMessage) -> SendResult:
        """Create the message at Twilio; the result carries its ``SM…`` sid and status."""
        if message.channel_kind != "sms":
            raise ValidationError("the twilio channel sends SMS only", field="channel")
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        form = self._to_api(message)
        response: httpx.Response | None = None
        for attempt in range(self.max_retries + 1):
            response = None
            try:
                response = self._client().post(
                    url, data=form, auth=(self.account_sid, self._auth_token)
                )
            except httpx.TransportError as exc:
                failure: Exception = ProviderUnavailable(
                    f"could not reach Twilio: {type(exc).__name__}", provider=self.name
                )
            else:
                if response.status_code < 300:
                    return self._from_api(response)
                failure = self._error(response)
                if response.status_code not in _RETRY_STATUS:
                    raise failure
            if attempt < self.max_retries:
                self._sleep(self._delay(attempt, response))
        raise failure

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

    def _error(self, response: httpx.Response) -> PaylinkError:
        try:
            data = response.json()
            detail = f"error {data.get('code')}: {data.get('message')}"
        except ValueError:
            detail = "an unexpected answer"
        kwargs: dict[str, Any] = {
            "provider": self.name,
            "status_code": response.status_code,
            "request_id": response.headers.get("twilio-request-id"),
        }
        if response.status_code in (401, 403):
            return ProviderAuthError(f"Twilio refused the credentials ({detail})", **kwargs)
        if response.status_code in _RETRY_STATUS:
            return ProviderUnavailable(f"Twilio is unavailable ({detail})", **kwargs)
        return ProviderRejected(f"Twilio refused the message ({detail})", **kwargs)

    # -- callbacks -----------------------------------------------------------------------------
    def verify(self, request: WebhookRequest) -> None:
        """Raise :class:`~paylink.exceptions.WebhookRejected` unless Twilio signed ``request``."""
        given = request.headers.get("x-twilio-signature", "")
        if not given:
            raise WebhookRejected("the request carries no X-Twilio-Signature", status_code=401)
        expected = signature(self._auth_token, request.url, request.form)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("the X-Twilio-Signature does not match", status_code=401)


def _outbox(pl: Paylink) -> Any:
    from paylink.service.messages import Outbox

    return getattr(pl, "outbox", None) or Outbox(pl)


def _channels(pl: Paylink) -> Any:
    from paylink.service.messages import Channels

    return getattr(pl, "channels", None) or Channels(pl)


_TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def handle_status_callback(pl: Paylink, org_id: str, request: WebhookRequest) -> tuple[int, str]:
    """Handle a call from Twilio to ``/webhooks/twilio/{org_id}``; return ``(status, body)``.

    Verifies ``X-Twilio-Signature`` with the organization's auth token first (401 when it does
    not match, 404 when the organization has no Twilio settings). A delivery status
    (``MessageSid`` + ``MessageStatus``) is recorded on the message: 204, empty body. An
    incoming reply (``From`` + ``Body``, no ``MessageStatus`` or ``received``) is stored, a
    ``STOP``/``START`` applied as opt-out/opt-in, and ``paylink_message_received`` fired: 200
    with an empty TwiML ``<Response/>`` (serve it as ``text/xml``).
    """
    if request.method.upper() != "POST":
        return 405, "expected POST"
    try:
        channel = _channels(pl).open(org_id, "twilio")
    except PaylinkError:
        return 404, "no Twilio account is configured for this organization"
    try:
        channel.verify(request)
    except WebhookRejected as exc:
        return exc.status_code, str(exc)
    form = request.form
    if form.get("AccountSid") and form["AccountSid"] != channel.account_sid:
        return 403, "the callback is for another Twilio account"
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if status and status != "received":
        if not sid:
            return 400, "expected a MessageSid"
        error = None
        if form.get("ErrorCode"):
            error = f"Twilio error {form['ErrorCode']}: {form.get('ErrorMessage', '')}".strip()
        _outbox(pl).record_status(
            "twilio",
            sid,
            status,
            status=_STATUS.get(status),
            error=error,
            organization_id=org_id,
        )
        return 204, ""
    if form.get("From") and "Body" in form:
        _outbox(pl).record_inbound(
            org_id,
            channel="twilio",
            channel_kind="sms",
            sender=form["From"],
            text=form["Body"],
            provider_message_id=sid or None,
        )
        return 200, _TWIML_EMPTY
    return 400, "expected a message status or an incoming message"


@hookimpl
def paylink_register_channels(register: Callable[[Any], None]) -> None:
    """Register :class:`TwilioChannel`."""
    register(TwilioChannel)
