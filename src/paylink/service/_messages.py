"""Lower floor: queue messages inside a unit of work, and the organization's channels.

A message is rendered when it is queued, in the recipient's language, and stored in the
outbox table in the same transaction as whatever caused it (an invoice issued, a payment, a
reminder step). Namespaces queue through :func:`queue_message` and :func:`queue_paid_messages`
and open channels through :func:`open_channel`; none of them asks another namespace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, cast

import attrs

from .. import render
from ..clock import Clock, SystemClock
from ..context import PluginContext, build_plugin, secrets_of
from ..documents import Invoice
from ..exceptions import (
    PluginError,
    ValidationError,
)
from ..notify import (
    CHANNEL_KINDS,
    OutgoingMessage,
    QuietHours,
)
from ..parties import Customer, Organization
from ..payments import Payment
from ..plugins import Plugins
from ..store import Connection
from ..store import messages as q
from ..store.organizations import get_customer
from ._base import Unit, new_id

__all__ = [
    "DEFAULT_OUTBOX_DIRECTORY",
    "KINDS_KEY",
    "MESSAGING_ROW",
    "MessageBatch",
    "channel_class",
    "channel_for",
    "first_attempt",
    "open_channel",
    "queue_message",
    "queue_paid_messages",
    "quiet_hours_of",
]

DEFAULT_OUTBOX_DIRECTORY = "paylink-outbox"
"""Where the embedded ``outbox`` channel writes messages when nothing else is configured."""

MESSAGING_ROW = "messaging"  # the channel_settings row holding quiet hours
KINDS_KEY = "_kinds"  # the stored settings key listing the kinds a channel delivers


def channel_class(plugins: Plugins, name: str) -> Any:
    """The installed channel class ``name``; :class:`~paylink.exceptions.PluginError` if none."""
    try:
        return plugins.channels[name]
    except KeyError:
        known = ", ".join(sorted(plugins.channels)) or "none"
        raise PluginError(f"no message channel {name!r} is installed (known: {known})") from None


def open_channel(
    conn: Connection, plugins: Plugins, org_id: str, name: str, clock: Clock | None = None
) -> Any:
    """An instance of channel ``name`` with the organization's stored settings (the outbox
    folder has a default directory, ``paylink-outbox``), built like every plugin
    (:func:`~paylink.context.build_plugin`) with a context carrying ``clock``."""
    cls = channel_class(plugins, name)
    stored = q.get_settings(conn, org_id, name)
    if stored is None:
        if name != "outbox":
            raise PluginError(f"channel {name!r} is not configured for organization {org_id}")
        stored = {"directory": DEFAULT_OUTBOX_DIRECTORY}
    settings = {k: v for k, v in stored.items() if k != KINDS_KEY}
    return build_channel(cls, settings, org_id, clock)


def build_channel(
    cls: Any, settings: dict[str, Any], org_id: str = "", clock: Clock | None = None
) -> Any:
    """The channel ``cls`` built with ``settings`` for the organization ``org_id``; a wrong
    setting raises :class:`~paylink.exceptions.ValidationError` naming it."""
    context = PluginContext(
        name=str(cls.name),
        account_id=org_id,
        clock=clock or SystemClock(),
        secrets=secrets_of(cls, settings),
    )
    return build_plugin(cls, settings, context=context)


# --- queueing (inside a unit) -----------------------------------------------------------------


def channel_for(conn: Connection, org_id: str, channel_kind: str) -> str:
    """The channel that delivers ``channel_kind`` for the organization: the most recently
    configured one that can, other than the ``outbox`` folder, which is the fallback."""
    for name in reversed(q.configured_channels(conn, org_id)):
        if name in (MESSAGING_ROW, "outbox"):
            continue
        stored = q.get_settings(conn, org_id, name) or {}
        if channel_kind in stored.get(KINDS_KEY, ()):
            return name
    return "outbox"


def quiet_hours_of(
    conn: Connection, org: Organization
) -> tuple[QuietHours | None, tuple[str, ...]]:
    """The organization's quiet hours (or None) and the kinds of message they hold back."""
    stored = q.get_settings(conn, org.id, MESSAGING_ROW) or {}
    window = stored.get("quiet_hours")
    if not window:
        return None, ()
    return QuietHours(window[0], window[1], org.timezone), tuple(
        stored.get("quiet_kinds", ("sms",))
    )


def first_attempt(
    conn: Connection, org: Organization, channel_kind: str, now: dt.datetime
) -> dt.datetime:
    """When a message queued ``now`` may first go: after the quiet hours that hold it back."""
    quiet, kinds = quiet_hours_of(conn, org)
    if quiet is not None and channel_kind in kinds:
        return quiet.release(now)
    return now


@attrs.define
class MessageBatch:
    """Messages queued by many operations of one unit at once (a batch of reconciliation
    matches): what every message looks up — the saved template, the channel, the quiet hours,
    an opt-out — is read once per batch, and the messages are stored together by
    :meth:`flush`, before the unit commits."""

    unit: Unit
    pending: list[OutgoingMessage] = attrs.field(factory=list)
    _templates: dict[tuple[str, str, str], tuple[str, str] | None] = attrs.field(factory=dict)
    _channels: dict[str, str] = attrs.field(factory=dict)
    _first: dict[str, dt.datetime] = attrs.field(factory=dict)
    _opted_out: dict[tuple[str, str], bool] = attrs.field(factory=dict)

    def template(self, org_id: str, kind: str, channel_kind: str, language: str) -> Any:
        """The saved template (subject, body) or None, read once per key."""
        key = (kind, channel_kind, language)
        if key not in self._templates:
            self._templates[key] = q.get_template(
                self.unit.conn, org_id, kind=kind, channel_kind=channel_kind, language=language
            )
        return self._templates[key]

    def channel(self, org_id: str, channel_kind: str) -> str:
        """:func:`channel_for`, read once per kind of channel."""
        if channel_kind not in self._channels:
            self._channels[channel_kind] = channel_for(self.unit.conn, org_id, channel_kind)
        return self._channels[channel_kind]

    def first(self, org: Organization, channel_kind: str) -> dt.datetime:
        """:func:`first_attempt` at the unit's time, read once per kind of channel."""
        if channel_kind not in self._first:
            self._first[channel_kind] = first_attempt(
                self.unit.conn, org, channel_kind, self.unit.now
            )
        return self._first[channel_kind]

    def opted_out(self, org_id: str, channel_kind: str, recipient: str) -> bool:
        """Whether ``recipient`` opted out, read once per address."""
        key = (channel_kind, recipient)
        if key not in self._opted_out:
            self._opted_out[key] = q.is_opted_out(self.unit.conn, org_id, channel_kind, recipient)
        return self._opted_out[key]

    def flush(self) -> None:
        """Store the messages queued so far."""
        q.insert_messages(self.unit.conn, self.pending, self.unit.now)
        self.pending = []


def queue_message(
    unit: Unit,
    *,
    organization: Organization,
    kind: str,
    channel_kind: str,
    recipient: str,
    language: str,
    variables: Mapping[str, Any],
    customer: Customer | None = None,
    document_id: str | None = None,
    link_id: str | None = None,
    attach: str | None = None,
    text: str | None = None,
    metadata: Mapping[str, str] | None = None,
    batch: MessageBatch | None = None,
) -> OutgoingMessage:
    """Render one message (saved template, else the default) and store it in the outbox
    (through ``batch``, when given: it is stored when the batch is flushed).

    ``text`` replaces the template's body for this one message (it is a template too, run in
    the sandbox). A recipient who opted out gets a ``cancelled`` message, kept for the record.
    """
    if channel_kind not in CHANNEL_KINDS:
        raise ValidationError(f"expected one of {', '.join(CHANNEL_KINDS)}", field="via")
    if batch is not None:
        saved = batch.template(organization.id, kind, channel_kind, language)
    else:
        saved = q.get_template(
            unit.conn, organization.id, kind=kind, channel_kind=channel_kind, language=language
        )
    subject_src, body_src = saved if saved else (None, None)
    if text is not None:
        render.check_template(text, field="text")
        body_src = text
        if variables.get("pay_url") and "pay_url" not in text:
            body_src = text.rstrip() + (
                "\n\n{{ pay_url }}" if channel_kind == "email" else " {{ pay_url }}"
            )
    rendered = render.render_message(
        kind,
        channel_kind=channel_kind,
        language=language,
        variables=variables,
        organization=organization,
        subject_template=subject_src or None,
        body_template=body_src,
    )
    if batch is not None:
        opted_out = batch.opted_out(organization.id, channel_kind, recipient)
        channel = batch.channel(organization.id, channel_kind)
    else:
        opted_out = q.is_opted_out(unit.conn, organization.id, channel_kind, recipient)
        channel = channel_for(unit.conn, organization.id, channel_kind)
    data = dict(metadata or {})
    if attach:
        data["attach"] = attach
    message = OutgoingMessage(
        id=new_id("msg"),
        organization_id=organization.id,
        kind=kind,
        channel_kind=cast(Literal["email", "sms"], channel_kind),
        channel=channel,
        recipient=recipient,
        sender=organization.email,
        sender_name=organization.name,
        reply_to=organization.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        language=language,
        customer_id=customer.id if customer else None,
        document_id=document_id,
        link_id=link_id,
        status="cancelled" if opted_out else "queued",
        error="the recipient opted out" if opted_out else None,
        next_attempt_at=None
        if opted_out
        else batch.first(organization, channel_kind)
        if batch is not None
        else first_attempt(unit.conn, organization, channel_kind, unit.now),
        segments=rendered.segments,
        encoding=rendered.encoding,
        created_at=unit.now,
        metadata=data,
    )
    if batch is not None:
        batch.pending.append(message)
    else:
        q.insert_message(unit.conn, message, unit.now)
    return message


def queue_paid_messages(
    unit: Unit,
    organization: Organization,
    invoice: Invoice,
    payment: Payment,
    *,
    customer: Customer | None = None,
    batch: MessageBatch | None = None,
) -> list[OutgoingMessage]:
    """Queue the ``receipt`` to the customer (by e-mail, else SMS) and the ``payment_notice``
    to the organization's own e-mail, inside the unit that recorded ``payment``.

    ``customer`` is the invoice's customer when the caller read it already (a batch of
    matches reads its customers at once); ``batch`` queues through a :class:`MessageBatch`.
    Does nothing for a missing address: a payment is never refused because a receipt cannot
    go.
    """
    queued = []
    if customer is None:
        customer = get_customer(unit.conn, organization.id, invoice.customer_id)
    channel_kind, address = ("email", customer.email) if customer.email else ("sms", customer.phone)
    if address:
        variables = render.message_variables(
            language=customer.language,
            organization=organization,
            customer=customer,
            sms=channel_kind == "sms",
            invoice=invoice,
            payment=payment,
        )
        queued.append(
            queue_message(
                unit,
                organization=organization,
                kind="receipt",
                channel_kind=channel_kind,
                recipient=address,
                language=customer.language,
                variables=variables,
                customer=customer,
                document_id=invoice.id,
                attach="receipt",
                metadata={"payment_id": payment.id},
                batch=batch,
            )
        )
    if organization.email:
        variables = render.message_variables(
            language=organization.language,
            organization=organization,
            customer=customer,
            invoice=invoice,
            payment=payment,
        )
        queued.append(
            queue_message(
                unit,
                organization=organization,
                kind="payment_notice",
                channel_kind="email",
                recipient=organization.email,
                language=organization.language,
                variables=variables,
                customer=customer,
                document_id=invoice.id,
                batch=batch,
            )
        )
    return queued
