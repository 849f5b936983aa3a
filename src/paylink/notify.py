"""Outgoing messages, as values: what the outbox stores and a channel delivers.

Pure: no I/O, no clock reads. The service (``pl.messages.send``, ``pl.outbox``) stores
:class:`OutgoingMessage` records in the outbox table; channels (``paylink_providers.outbox``,
``smtp``, ``twilio``) receive them and answer with a :class:`SendResult` or an error.

- :func:`sms_info` counts SMS segments the way carriers do: GSM-7 messages hold 160 characters
  in one segment, 153 per segment when split; a single character outside GSM-7 switches the
  whole message to UCS-2 (70, then 67 per segment). GSM-7 extension characters (``€ [ ] { } ~
  ^ \\ |`` and the form feed) take two septets.
- :class:`RetryPolicy` says when a failed message is tried again (capped exponential backoff)
  and when it is dead-lettered.
- :class:`QuietHours` holds messages that would arrive at night until the morning.

>>> sms_info("Hello")
SmsInfo(encoding='GSM-7', units=5, segments=1, per_segment=160)
>>> sms_info("Prix: 12 € – merci").encoding
'UCS-2'
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Literal

import attrs

from .exceptions import ValidationError

__all__ = [
    "CHANNEL_KINDS",
    "MESSAGE_KINDS",
    "MESSAGE_STATUSES",
    "Attachment",
    "MessageKind",
    "MessageStatus",
    "OutgoingMessage",
    "QuietHours",
    "RetryPolicy",
    "SendResult",
    "SmsInfo",
    "build_email",
    "sms_info",
]

MessageKind = Literal[
    "invoice_issued",
    "quote_sent",
    "payment_request",
    "reminder",
    "receipt",
    "payment_notice",
    "owner_digest",
    "portal_code",
]
MESSAGE_KINDS: tuple[MessageKind, ...] = (
    "invoice_issued",
    "quote_sent",
    "payment_request",
    "reminder",
    "receipt",
    "payment_notice",
    "owner_digest",
    "portal_code",
)
"""Every kind of message paylink writes; each has an e-mail and an SMS form in four languages."""

CHANNEL_KINDS = ("email", "sms")
"""The kinds of address a message goes to."""

MessageStatus = Literal["queued", "sending", "sent", "delivered", "failed", "dead", "cancelled"]
MESSAGE_STATUSES: tuple[MessageStatus, ...] = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "failed",
    "dead",
    "cancelled",
)
"""``queued`` (waiting, maybe for a retry) -> ``sending`` (claimed by a worker) -> ``sent``
(accepted by the channel) -> ``delivered`` (the provider confirmed it) or ``failed`` (the
provider reported it undeliverable); ``dead`` after the last attempt failed; ``cancelled`` when
the recipient opted out before it went."""


# --- SMS segments ----------------------------------------------------------------------------

# GSM 03.38 basic character set (one septet each) and its extension table (escape + septet).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


@attrs.frozen
class SmsInfo:
    """How an SMS text travels: its encoding, its length in encoding units, and its segments.

    ``units`` are septets for GSM-7 (extension characters count two) and UTF-16 code units for
    UCS-2 (an emoji counts two); ``per_segment`` is the capacity of one segment of this message
    (160 or 153 for GSM-7, 70 or 67 for UCS-2).
    """

    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    segments: int
    per_segment: int


def sms_info(text: str) -> SmsInfo:
    """Count the encoding units and segments ``text`` needs as an SMS."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text):
        units = sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return SmsInfo(encoding, units, 1 if units else 0, single)  # type: ignore[arg-type]
    segments = -(-units // multi)
    return SmsInfo(encoding, units, segments, multi)  # type: ignore[arg-type]


# --- messages --------------------------------------------------------------------------------


@attrs.frozen
class Attachment:
    """A file sent with an e-mail (the invoice's PDF)."""

    filename: str
    content_type: str
    data: bytes = attrs.field(repr=lambda v: f"<{len(v)} bytes>")


@attrs.frozen(kw_only=True)
class OutgoingMessage:
    """One message to one recipient, as stored in the outbox.

    ``channel_kind`` is ``"email"`` or ``"sms"``; ``channel`` the name of the channel plugin that
    delivers it (``"outbox"``, ``"smtp"``, ``"twilio"``). For e-mail, ``subject``, ``text`` and
    ``html`` are set; for SMS, ``text`` only. ``link_id`` is the payment link the message carries
    (it becomes ``sent`` once the channel accepts the message). ``attachments`` are rendered at
    dispatch time and are not stored.
    """

    id: str
    organization_id: str
    kind: str
    channel_kind: Literal["email", "sms"]
    channel: str
    recipient: str = attrs.field(repr=False)
    sender: str | None = None
    sender_name: str = ""
    reply_to: str | None = None
    subject: str = ""
    text: str = attrs.field(default="", repr=False)
    html: str = attrs.field(default="", repr=False)
    language: str = "en"
    customer_id: str | None = None
    document_id: str | None = None
    link_id: str | None = None
    status: MessageStatus = "queued"
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    provider_message_id: str | None = None
    provider_status: str | None = None
    error: str | None = None
    segments: int | None = None
    encoding: str | None = None
    created_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    attachments: tuple[Attachment, ...] = ()
    metadata: Mapping[str, str] = attrs.field(factory=dict, eq=False)

    @property
    def is_final(self) -> bool:
        """True once nothing more will happen to the message on our side."""
        return self.status in ("delivered", "failed", "dead", "cancelled")


@attrs.frozen
class SendResult:
    """What a channel says when it accepted a message.

    ``provider_message_id`` is the provider's id (Twilio's ``SM…`` sid, the SMTP Message-ID, the
    outbox file's path); ``status`` the provider's own status word (``"queued"``, ``"accepted"``,
    ``"written"``); ``delivered`` is True when the channel knows the message has arrived (a file
    written, an SMTP server that took it for local delivery never says so: False).
    """

    provider_message_id: str | None = None
    status: str = "accepted"
    delivered: bool = False


# --- retries and quiet hours ------------------------------------------------------------------


@attrs.frozen
class RetryPolicy:
    """When a failed message is tried again: ``base × 2^(attempt − 1)``, capped at ``cap``.

    After ``max_attempts`` failed attempts the message is dead-lettered (status ``dead``).
    Permanent rejections (a 4xx from the provider, a refused address) are dead-lettered at once.

    >>> [RetryPolicy().delay(n).total_seconds() for n in (1, 3, 20)]
    [60.0, 240.0, 3600.0]
    """

    max_attempts: int = 6
    base: dt.timedelta = dt.timedelta(minutes=1)
    cap: dt.timedelta = dt.timedelta(hours=1)

    def delay(self, attempt: int) -> dt.timedelta:
        """How long to wait after failed attempt number ``attempt`` (1-based)."""
        delay: dt.timedelta = self.base * (2 ** max(0, min(attempt - 1, 30)))
        return min(self.cap, delay)

    def gives_up(self, attempts: int) -> bool:
        """True when ``attempts`` failed attempts are enough."""
        return attempts >= self.max_attempts


def _hhmm(value: str) -> dt.time:
    try:
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValidationError(
            f"expected a time like 21:00, got {value!r}", field="quiet_hours"
        ) from None


@attrs.frozen
class QuietHours:
    """A nightly window (in the organization's time zone) when messages wait.

    ``start`` and ``end`` are ``"HH:MM"``; a window may cross midnight (``21:00`` to ``08:00``).

    >>> q = QuietHours("21:00", "08:00", "Europe/Brussels")
    >>> q.release(dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC)).isoformat()
    '2026-03-03T07:00:00+00:00'
    """

    start: str
    end: str
    timezone: str = "Europe/Brussels"

    def __attrs_post_init__(self) -> None:
        if _hhmm(self.start) == _hhmm(self.end):
            raise ValidationError("quiet hours need different start and end times")

    def contains(self, at: dt.datetime) -> bool:
        """True when ``at`` falls inside the window."""
        local = at.astimezone(zoneinfo.ZoneInfo(self.timezone)).time()
        start, end = _hhmm(self.start), _hhmm(self.end)
        if start < end:
            return start <= local < end
        return local >= start or local < end

    def release(self, at: dt.datetime) -> dt.datetime:
        """``at`` itself outside the window, else the (UTC) time the window ends."""
        if not self.contains(at):
            return at
        zone = zoneinfo.ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        end = _hhmm(self.end)
        day = local.date()
        if local.time() >= end:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC)


def build_email(
    message: OutgoingMessage,
    *,
    sender: str | None = None,
    sender_name: str | None = None,
    at: dt.datetime | None = None,
) -> EmailMessage:
    """The RFC 5322 e-mail for ``message``: text and HTML alternatives, attachments.

    ``sender`` (and ``sender_name``) override the message's own sender, for channels that must
    send from their account's address; the organization's address then goes in ``Reply-To``.
    Header values cannot carry line breaks (the stdlib policy refuses them).
    """
    mail = EmailMessage()
    from_address = sender or message.sender or "noreply@paylink.invalid"
    mail["From"] = formataddr((sender_name or message.sender_name or "", from_address))
    mail["To"] = message.recipient
    if message.reply_to and message.reply_to != from_address:
        mail["Reply-To"] = message.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(at or message.created_at or dt.datetime.now(dt.UTC))
    mail["Message-ID"] = make_msgid(idstring=message.id, domain=from_address.rpartition("@")[2])
    mail["Content-Language"] = message.language
    mail["X-Paylink-Message-Id"] = message.id
    mail.set_content(message.text or "")
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return mail
