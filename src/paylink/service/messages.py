"""Documents and messages: ``pl.documents``, ``pl.templates``, ``pl.channels``, ``pl.messages``
(with ``pl.send``) and ``pl.outbox`` (the dispatcher).

A message is rendered when it is queued, in the recipient's language, and stored in the
outbox table in the same transaction as whatever caused it. :meth:`Outbox.dispatch` delivers
what is due through the organization's channels, outside any transaction, and records what
happened: ``sent`` (and the payment link it carries becomes ``sent``), a retry with capped
exponential backoff, or ``dead`` after the last attempt.
"""

from __future__ import annotations

import builtins
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import attrs
from sqlalchemy.engine import Connection

from .. import render
from ..documents import CreditNote, Invoice, Quote
from ..exceptions import (
    NotFound,
    PaylinkError,
    PluginError,
    ProviderError,
    ProviderRejected,
    StateError,
    ValidationError,
)
from ..links import PaymentLink
from ..money import Money
from ..notify import (
    CHANNEL_KINDS,
    MESSAGE_KINDS,
    Attachment,
    OutgoingMessage,
    QuietHours,
    RetryPolicy,
    SendResult,
)
from ..parties import LANGUAGES, Customer, Organization
from ..payments import Payment
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import messages as q
from ..store import payments as payment_queries
from ..store.organizations import find_customer_by_contact, get_customer, get_organization
from ._base import Resource, Unit, new_id
from .links import mark_link, new_token

__all__ = [
    "DEFAULT_OUTBOX_DIRECTORY",
    "Channels",
    "DispatchReport",
    "Documents",
    "Messages",
    "Outbox",
    "Templates",
    "queue_message",
    "queue_paid_messages",
]

log = logging.getLogger("paylink.outbox")

DEFAULT_OUTBOX_DIRECTORY = "paylink-outbox"
"""Where the embedded ``outbox`` channel writes messages when nothing else is configured."""

_MESSAGING = "messaging"  # the channel_settings row holding quiet hours
_KINDS_KEY = "_kinds"
_LEASE = dt.timedelta(minutes=5)
_STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "failed": 3,
    "dead": 3,
    "cancelled": 3,
}

Sendable = Invoice | Quote | PaymentLink


# --- queueing (inside a unit) -----------------------------------------------------------------


def _channel_for(conn: Connection, org_id: str, channel_kind: str) -> str:
    """The channel that delivers ``channel_kind`` for the organization: the most recently
    configured one that can, other than the ``outbox`` folder, which is the fallback."""
    for name in reversed(q.configured_channels(conn, org_id)):
        if name in (_MESSAGING, "outbox"):
            continue
        stored = q.get_settings(conn, org_id, name) or {}
        if channel_kind in stored.get(_KINDS_KEY, ()):
            return name
    return "outbox"


def _quiet_hours(conn: Connection, org: Organization) -> tuple[QuietHours | None, tuple[str, ...]]:
    stored = q.get_settings(conn, org.id, _MESSAGING) or {}
    window = stored.get("quiet_hours")
    if not window:
        return None, ()
    return QuietHours(window[0], window[1], org.timezone), tuple(
        stored.get("quiet_kinds", ("sms",))
    )


def _first_attempt(
    conn: Connection, org: Organization, channel_kind: str, now: dt.datetime
) -> dt.datetime:
    quiet, kinds = _quiet_hours(conn, org)
    if quiet is not None and channel_kind in kinds:
        return quiet.release(now)
    return now


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
) -> OutgoingMessage:
    """Render one message (saved template, else the default) and store it in the outbox.

    ``text`` replaces the template's body for this one message (it is a template too, run in
    the sandbox). A recipient who opted out gets a ``cancelled`` message, kept for the record.
    """
    if channel_kind not in CHANNEL_KINDS:
        raise ValidationError(f"expected one of {', '.join(CHANNEL_KINDS)}", field="via")
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
    opted_out = q.is_opted_out(unit.conn, organization.id, channel_kind, recipient)
    data = dict(metadata or {})
    if attach:
        data["attach"] = attach
    message = OutgoingMessage(
        id=new_id("msg"),
        organization_id=organization.id,
        kind=kind,
        channel_kind=cast(Literal["email", "sms"], channel_kind),
        channel=_channel_for(unit.conn, organization.id, channel_kind),
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
        else _first_attempt(unit.conn, organization, channel_kind, unit.now),
        segments=rendered.segments,
        encoding=rendered.encoding,
        created_at=unit.now,
        metadata=data,
    )
    q.insert_message(unit.conn, message, unit.now)
    return message


def queue_paid_messages(
    unit: Unit, organization: Organization, invoice: Invoice, payment: Payment
) -> list[OutgoingMessage]:
    """Queue the ``receipt`` to the customer (by e-mail, else SMS) and the ``payment_notice``
    to the organization's own e-mail, inside the unit that recorded ``payment``.

    Does nothing for a missing address: a payment is never refused because a receipt cannot go.
    """
    queued = []
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
            )
        )
    return queued


# --- pl.documents -----------------------------------------------------------------------------


class Documents(Resource):
    """Rendered documents: ``pl.documents.html(invoice)`` and ``pl.documents.pdf(invoice)``."""

    def html(
        self,
        document: Invoice | Quote | CreditNote | str,
        *,
        kind: str | None = None,
        language: str | None = None,
        payment: Payment | str | None = None,
        step: int = 1,
        fees: Money | None = None,
    ) -> str:
        """The printable HTML page of an invoice, quote or credit note (or, with ``kind``, of a
        ``receipt`` for ``payment`` or a ``reminder`` letter with ``step`` and ``fees``).

        The language is the customer's unless ``language`` is given. An invoice carries its
        active payment link, if it has one (this call never creates one).
        """
        with self._ctx.store.transaction() as conn:
            return _document_html(
                self._ctx.base_url,
                conn,
                document,
                kind=kind,
                language=language,
                payment=payment,
                step=step,
                fees=fees,
                now=self._ctx.clock.now(),
            )

    def pdf(
        self,
        document: Invoice | Quote | CreditNote | str,
        *,
        kind: str | None = None,
        language: str | None = None,
        payment: Payment | str | None = None,
        step: int = 1,
        fees: Money | None = None,
    ) -> bytes:
        """The same document as :meth:`html`, as PDF bytes (needs the ``pdf`` extra)."""
        return render.html_to_pdf(
            self.html(document, kind=kind, language=language, payment=payment, step=step, fees=fees)
        )


def _load_document(conn: Connection, document: Invoice | Quote | CreditNote | str) -> Any:
    import sqlalchemy as sa

    from ..store.schema import documents

    doc_id = document if isinstance(document, str) else document.id
    found = doc_queries.load_documents(conn, sa.select(documents).where(documents.c.id == doc_id))
    if not found:
        raise NotFound(f"no document {doc_id!r}")
    return found[0]


def _document_html(
    base_url: str,
    conn: Connection,
    document: Invoice | Quote | CreditNote | str,
    *,
    kind: str | None,
    language: str | None,
    payment: Payment | str | None,
    step: int,
    fees: Money | None,
    now: dt.datetime,
    fees_info_only: bool = False,
) -> str:
    import zoneinfo

    from .reminders import charged_fee_lines

    doc = _load_document(conn, document)
    org = get_organization(conn, doc.organization_id)
    customer = get_customer(conn, org.id, doc.customer_id)
    kind = kind or {Invoice: "invoice", Quote: "quote", CreditNote: "credit_note"}[type(doc)]
    link = None
    quote_url = None
    invoice_number = None
    fee_lines = []
    if isinstance(doc, Invoice):
        link = link_queries.active_for_invoice(conn, doc.id, base_url)
        if doc.fees.amount:
            fee_lines = charged_fee_lines(conn, [doc.id]).get(doc.id, [])
    elif isinstance(doc, Quote):
        token = link_queries.access_token_for(conn, "quote", doc.id)
        quote_url = f"{base_url}/quote/{token}" if token else None
    elif isinstance(doc, CreditNote):
        credited = doc_queries.get_document(conn, org.id, doc.invoice_id, "invoice")
        invoice_number = credited.number
    if isinstance(payment, str):
        payment = payment_queries.get_payment(conn, org.id, payment)
    if kind == "receipt" and payment is None and isinstance(doc, Invoice):
        found = payment_queries.list_payments(conn, org.id, invoice_id=doc.id)
        payment = found[-1] if found else None
    today = now.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()
    return render.render_document(
        kind,
        organization=org,
        customer=customer,
        document=doc,
        language=language or customer.language,
        link=link,
        quote_url=quote_url,
        invoice_number=invoice_number,
        payment=payment,
        step=step,
        fees=fees,
        today=today,
        fee_lines=fee_lines,
        fees_info_only=fees_info_only,
    )


# --- pl.templates -----------------------------------------------------------------------------


def _check_key(kind: str, channel: str, language: str) -> None:
    if kind not in MESSAGE_KINDS:
        raise ValidationError(
            f"expected one of {', '.join(MESSAGE_KINDS)}, got {kind!r}", field="kind"
        )
    if channel not in CHANNEL_KINDS:
        raise ValidationError(f"expected 'email' or 'sms', got {channel!r}", field="channel")
    if language not in LANGUAGES:
        raise ValidationError(
            f"expected one of {', '.join(LANGUAGES)}, got {language!r}", field="language"
        )


class Templates(Resource):
    """An organization's own message templates (saved replies), overriding the defaults.

    A template is untrusted input: it is checked when saved (syntax, with the line of the
    error; a trial render on example values) and always runs in jinja's sandbox.
    """

    def save(
        self,
        org: Organization | str,
        *,
        kind: str,
        channel: str,
        language: str,
        body: str,
        subject: str = "",
    ) -> None:
        """Store the template for (``kind``, ``channel``, ``language``), replacing any earlier one.

        ``channel`` is ``"email"`` or ``"sms"``; ``subject`` is used for e-mail (empty keeps
        the default subject). The variables are listed in :data:`paylink.render.MESSAGE_VARIABLES`.
        Raises :class:`~paylink.exceptions.ValidationError` for a syntax error (naming the line),
        an unknown variable, or anything the sandbox refuses.
        """
        _check_key(kind, channel, language)
        if not str(body).strip():
            raise ValidationError("expected a template body", field="body")
        render.check_template(body, field="body")
        if subject:
            render.check_template(subject, field="subject")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            # A trial render catches unknown variables and unsafe expressions now, not at 3 a.m.
            sample = render.sample_variables(organization, language)
            render.render_message(
                kind,
                channel_kind=channel,
                language=language,
                variables=sample,
                organization=organization,
                subject_template=subject or None,
                body_template=body,
            )
            q.save_template(
                unit.conn,
                organization.id,
                kind=kind,
                channel_kind=channel,
                language=language,
                subject=subject,
                body=body,
                now=unit.now,
            )

    def get(
        self, org: Organization | str, *, kind: str, channel: str, language: str
    ) -> tuple[str, str] | None:
        """The saved ``(subject, body)`` for this key, or None when the default is used."""
        _check_key(kind, channel, language)
        with self._ctx.store.transaction() as conn:
            return q.get_template(
                conn, self._org_id(org), kind=kind, channel_kind=channel, language=language
            )

    def list(self, org: Organization | str) -> builtins.list[dict[str, Any]]:
        """The organization's saved templates (kind, channel_kind, language, subject, body)."""
        with self._ctx.store.transaction() as conn:
            return q.list_templates(conn, self._org_id(org))

    def delete(self, org: Organization | str, *, kind: str, channel: str, language: str) -> bool:
        """Go back to the default for this key; True when a saved template was removed."""
        _check_key(kind, channel, language)
        with self._ctx.unit() as unit:
            return q.delete_template(
                unit.conn, self._org_id(org), kind=kind, channel_kind=channel, language=language
            )


# --- pl.channels ------------------------------------------------------------------------------


class Channels(Resource):
    """Per-organization channel settings, and quiet hours.

    Settings are stored in the database; secrets among them (``password``, ``auth_token``)
    are never returned by :meth:`settings` and never appear in reprs, logs or errors.
    """

    def _class(self, name: str) -> Any:
        try:
            return self._ctx.plugins.channels[name]
        except KeyError:
            known = ", ".join(sorted(self._ctx.plugins.channels)) or "none"
            raise PluginError(
                f"no message channel {name!r} is installed (known: {known})"
            ) from None

    def configure(self, org: Organization | str, name: str, **settings: Any) -> None:
        """Store the settings of channel ``name`` for ``org`` (replacing earlier ones).

        The settings are checked by instantiating the channel once (no message is sent).
        The most recently configured channel for a kind of address (e-mail, SMS) is the one
        used; the ``outbox`` folder is the fallback when no other channel is configured (its
        own settings, such as its directory, still apply).
        """
        cls = self._class(name)
        if _KINDS_KEY in settings:
            raise ValidationError(f"{_KINDS_KEY} is reserved", field=_KINDS_KEY)
        cls(**settings)  # raises ValidationError naming a bad or missing setting
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            stored = {**settings, _KINDS_KEY: sorted(cls.kinds)}
            q.set_settings(unit.conn, organization.id, name, stored, unit.now)

    def remove(self, org: Organization | str, name: str) -> None:
        """Forget channel ``name``'s settings for ``org``."""
        with self._ctx.unit() as unit:
            q.remove_settings(unit.conn, self._org_id(org), name)

    def settings(self, org: Organization | str, name: str) -> dict[str, Any]:
        """The stored settings, with every secret replaced by ``"***"``."""
        cls = self._class(name)
        with self._ctx.store.transaction() as conn:
            stored = q.get_settings(conn, self._org_id(org), name) or {}
        secret: frozenset[str] = getattr(cls, "secret_settings", frozenset())
        return {
            k: ("***" if k in secret and v else v) for k, v in stored.items() if k != _KINDS_KEY
        }

    def channel_for(self, org: Organization | str, channel_kind: str) -> str:
        """The name of the channel that delivers ``channel_kind`` (``"email"``/``"sms"``)."""
        with self._ctx.store.transaction() as conn:
            return _channel_for(conn, self._org_id(org), channel_kind)

    def open(self, org: Organization | str, name: str) -> Any:
        """An instance of channel ``name`` with ``org``'s settings (the outbox folder has a
        default directory, ``paylink-outbox``)."""
        with self._ctx.store.transaction() as conn:
            return self._open(conn, self._org_id(org), name)

    def _open(self, conn: Connection, org_id: str, name: str) -> Any:
        cls = self._class(name)
        stored = q.get_settings(conn, org_id, name)
        if stored is None:
            if name != "outbox":
                raise PluginError(f"channel {name!r} is not configured for organization {org_id}")
            stored = {"directory": DEFAULT_OUTBOX_DIRECTORY}
        settings = {k: v for k, v in stored.items() if k != _KINDS_KEY}
        return cls(**settings)

    def set_quiet_hours(
        self,
        org: Organization | str,
        quiet_hours: tuple[str, str] | None,
        *,
        kinds: Sequence[str] = ("sms",),
    ) -> None:
        """Hold messages of ``kinds`` that fall due between ``quiet_hours[0]`` and
        ``quiet_hours[1]`` (``("21:00", "08:00")``, in the organization's time zone) until the
        window ends. ``None`` switches quiet hours off."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            if quiet_hours is None:
                q.remove_settings(unit.conn, organization.id, _MESSAGING)
                return
            start, end = quiet_hours
            QuietHours(start, end, organization.timezone)  # validates
            for kind in kinds:
                if kind not in CHANNEL_KINDS:
                    raise ValidationError(f"expected 'email' or 'sms', got {kind!r}", field="kinds")
            q.set_settings(
                unit.conn,
                organization.id,
                _MESSAGING,
                {"quiet_hours": [start, end], "quiet_kinds": list(kinds)},
                unit.now,
            )

    def quiet_hours(self, org: Organization | str) -> QuietHours | None:
        """The organization's quiet hours, or None."""
        with self._ctx.store.transaction() as conn:
            return _quiet_hours(conn, self._org(conn, org))[0]


# --- pl.messages and pl.send ------------------------------------------------------------------


@attrs.frozen
class _Plan:
    organization: Organization
    customer: Customer
    kind: str
    invoice: Invoice | None
    quote: Quote | None
    link: PaymentLink | None
    quote_url: str | None
    attach: str | None
    document_id: str | None


class Messages(Resource):
    """Send documents and payment links to customers: :meth:`send` is ``pl.send``."""

    def send(
        self,
        obj: Sendable,
        via: str | Sequence[str] | None = None,
        *,
        template: str | None = None,
        text: str | None = None,
        step: int = 1,
        fees: Money | None = None,
    ) -> builtins.list[OutgoingMessage]:
        """Queue ``obj`` (an Invoice, a Quote or a PaymentLink) to its customer; return the
        messages, stored in the outbox in one transaction.

        ``via`` is ``"email"``, ``"sms"`` or both; by default every channel the customer has
        an address for. Asking for a channel the customer has no address for raises
        :class:`~paylink.exceptions.ValidationError` naming the customer and the channel.
        An invoice gets its payment link (created when it has none). ``template`` picks the
        message kind (default: ``invoice_issued``, ``quote_sent`` or ``payment_request``;
        ``reminder`` uses ``step`` and ``fees``); ``text`` replaces the body for this one send.
        Messages are rendered in the customer's language; :meth:`Outbox.dispatch` delivers them.
        """
        with self._ctx.unit() as unit:
            plan = self._plan(unit, obj, template, create_link=True)
            kinds = self._via(plan.customer, via)
            return [
                queue_message(
                    unit,
                    organization=plan.organization,
                    kind=plan.kind,
                    channel_kind=channel_kind,
                    recipient=self._address(plan.customer, channel_kind),
                    language=plan.customer.language,
                    variables=self._variables(plan, channel_kind, unit.now, step, fees),
                    customer=plan.customer,
                    document_id=plan.document_id,
                    link_id=plan.link.id if plan.link else None,
                    attach=plan.attach if channel_kind == "email" else None,
                    text=text,
                    metadata={"step": str(step)} if plan.kind == "reminder" else None,
                )
                for channel_kind in kinds
            ]

    def preview(
        self,
        obj: Sendable,
        via: str | Sequence[str] | None = None,
        *,
        template: str | None = None,
        text: str | None = None,
        step: int = 1,
        fees: Money | None = None,
    ) -> builtins.list[OutgoingMessage]:
        """What :meth:`send` would queue, rendered (with SMS segments counted), stored nowhere.

        Nothing is created: an invoice without a link is previewed without one.
        """
        with self._ctx.store.transaction() as conn:
            unit = Unit(conn, self._ctx.clock.now())
            plan = self._plan(unit, obj, template, create_link=False)
            kinds = self._via(plan.customer, via)
            result = []
            for channel_kind in kinds:
                variables = self._variables(plan, channel_kind, unit.now, step, fees)
                saved = q.get_template(
                    conn,
                    plan.organization.id,
                    kind=plan.kind,
                    channel_kind=channel_kind,
                    language=plan.customer.language,
                )
                body = text if text is not None else (saved[1] if saved else None)
                rendered = render.render_message(
                    plan.kind,
                    channel_kind=channel_kind,
                    language=plan.customer.language,
                    variables=variables,
                    organization=plan.organization,
                    subject_template=(saved[0] or None) if saved else None,
                    body_template=body,
                )
                result.append(
                    OutgoingMessage(
                        id="preview",
                        organization_id=plan.organization.id,
                        kind=plan.kind,
                        channel_kind=cast(Literal["email", "sms"], channel_kind),
                        channel=_channel_for(conn, plan.organization.id, channel_kind),
                        recipient=self._address(plan.customer, channel_kind),
                        subject=rendered.subject,
                        text=rendered.text,
                        html=rendered.html,
                        language=plan.customer.language,
                        customer_id=plan.customer.id,
                        document_id=plan.document_id,
                        link_id=plan.link.id if plan.link else None,
                        segments=rendered.segments,
                        encoding=rendered.encoding,
                    )
                )
            conn.rollback()
            return result

    def opt_out(self, customer: Customer, channel: str = "sms", *, source: str = "api") -> None:
        """Record that ``customer`` wants no more messages on ``channel``; later sends to that
        address are stored as ``cancelled``."""
        self._set_optout(customer, channel, True, source)

    def opt_in(self, customer: Customer, channel: str = "sms", *, source: str = "api") -> None:
        """Undo :meth:`opt_out`."""
        self._set_optout(customer, channel, False, source)

    def is_opted_out(self, customer: Customer, channel: str = "sms") -> bool:
        """Whether ``customer``'s address for ``channel`` has opted out."""
        address = self._address(customer, channel)
        with self._ctx.store.transaction() as conn:
            return q.is_opted_out(conn, customer.organization_id, channel, address)

    def _set_optout(self, customer: Customer, channel: str, value: bool, source: str) -> None:
        address = self._address(customer, channel)
        with self._ctx.unit() as unit:
            q.set_optout(
                unit.conn,
                customer.organization_id,
                channel,
                address,
                value,
                source=source,
                now=unit.now,
            )

    def inbound(self, org: Organization | str) -> builtins.list[dict[str, Any]]:
        """Replies received from customers (channel, sender, text, received_at), oldest first."""
        with self._ctx.store.transaction() as conn:
            return q.list_inbound(conn, self._org_id(org))

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _address(customer: Customer, channel_kind: str) -> str:
        if channel_kind not in CHANNEL_KINDS:
            raise ValidationError(
                f"expected one of {', '.join(CHANNEL_KINDS)}, got {channel_kind!r}", field="via"
            )
        address = customer.email if channel_kind == "email" else customer.phone
        if not address:
            what = "e-mail address" if channel_kind == "email" else "phone number"
            raise ValidationError(
                f"customer {customer.name} ({customer.id}) has no {what}; cannot send by "
                f"{channel_kind}",
                field="via",
            )
        return address

    def _via(self, customer: Customer, via: str | Sequence[str] | None) -> builtins.list[str]:
        if via is None:
            kinds = [
                k for k in CHANNEL_KINDS if (customer.email if k == "email" else customer.phone)
            ]
            if not kinds:
                raise ValidationError(
                    f"customer {customer.name} ({customer.id}) has neither an e-mail address "
                    "nor a phone number",
                    field="via",
                )
            return kinds
        kinds = [via] if isinstance(via, str) else list(dict.fromkeys(via))
        if not kinds:
            raise ValidationError("expected at least one channel", field="via")
        for kind in kinds:
            self._address(customer, kind)
        return kinds

    def _plan(self, unit: Unit, obj: Sendable, template: str | None, *, create_link: bool) -> _Plan:
        conn = unit.conn
        link: PaymentLink | None = None
        invoice: Invoice | None = None
        quote: Quote | None = None
        quote_url = None
        if isinstance(obj, PaymentLink):
            link = link_queries.get_link(conn, obj.id, self._ctx.base_url)
            if link.is_final:
                raise StateError(f"the payment link is {link.status}; it cannot be sent")
            if link.invoice_id:
                doc = doc_queries.get_document(conn, None, link.invoice_id, "invoice")
                assert isinstance(doc, Invoice)
                invoice = doc
            if link.customer_id is None:
                raise ValidationError(
                    "this payment link has no customer to send it to", field="customer"
                )
            org = get_organization(conn, link.organization_id)
            customer = get_customer(conn, org.id, link.customer_id)
        elif isinstance(obj, Invoice):
            doc = doc_queries.get_document(conn, None, obj.id, "invoice")
            assert isinstance(doc, Invoice)
            invoice = doc
            org = get_organization(conn, invoice.organization_id)
            customer = get_customer(conn, org.id, invoice.customer_id)
        elif isinstance(obj, Quote):
            doc = doc_queries.get_document(conn, None, obj.id, "quote")
            assert isinstance(doc, Quote)
            quote = doc
            if quote.status == "draft":
                raise StateError(
                    f"quote {quote.id} is a draft; send it first with pl.quotes.send(quote)"
                )
            org = get_organization(conn, quote.organization_id)
            customer = get_customer(conn, org.id, quote.customer_id)
            token = link_queries.access_token_for(conn, "quote", quote.id)
            if token is None and create_link:
                token = new_token()
                link_queries.create_access_token(
                    conn, token=token, org_id=org.id, kind="quote", object_id=quote.id, now=unit.now
                )
            quote_url = f"{self._ctx.base_url}/quote/{token}" if token else None
        else:
            raise ValidationError(
                f"expected an Invoice, a Quote or a PaymentLink, got {type(obj).__name__}",
                field="obj",
            )
        if invoice is not None:
            if invoice.status == "draft":
                raise StateError(f"invoice {invoice.id} is a draft; issue it before sending it")
            if link is None and invoice.open_amount.amount > 0 and invoice.status != "cancelled":
                link = link_queries.active_for_invoice(conn, invoice.id, self._ctx.base_url)
                if link is None and create_link:
                    link = self._pl.links._insert(
                        unit,
                        organization_id=invoice.organization_id,
                        amount=invoice.open_amount,
                        invoice_id=invoice.id,
                        customer_id=invoice.customer_id,
                        reference=str(invoice.reference) if invoice.reference else None,
                        description=f"Invoice {invoice.number}",
                        expires_at=None,
                    )
        if template is not None:
            kind = template
        elif quote is not None:
            kind = "quote_sent"
        elif invoice is not None:
            kind = "invoice_issued"
        else:
            kind = "payment_request"
        if kind not in MESSAGE_KINDS:
            raise ValidationError(
                f"expected one of {', '.join(MESSAGE_KINDS)}, got {kind!r}", field="template"
            )
        attach = None
        document_id = None
        if quote is not None:
            attach, document_id = "quote", quote.id
        elif invoice is not None:
            document_id = invoice.id
            attach = {"reminder": "reminder", "receipt": "receipt"}.get(kind, "invoice")
        return _Plan(org, customer, kind, invoice, quote, link, quote_url, attach, document_id)

    def _variables(
        self,
        plan: _Plan,
        channel_kind: str,
        now: dt.datetime,
        step: int,
        fees: Money | None,
    ) -> dict[str, Any]:
        return render.message_variables(
            language=plan.customer.language,
            organization=plan.organization,
            customer=plan.customer,
            sms=channel_kind == "sms",
            invoice=plan.invoice,
            quote=plan.quote,
            link=plan.link,
            quote_url=plan.quote_url,
            step=step,
            fees=fees,
            today=self._ctx.today(plan.organization, now),
        )


# --- pl.outbox --------------------------------------------------------------------------------


@attrs.define
class DispatchReport:
    """What one :meth:`Outbox.dispatch` run did: message ids per outcome.

    ``retrying`` failed and will be tried again at their ``next_attempt_at``; ``deferred`` fell
    in quiet hours and wait for them to end; ``dead`` failed for good.
    """

    sent: list[str] = attrs.field(factory=list)
    retrying: list[str] = attrs.field(factory=list)
    dead: list[str] = attrs.field(factory=list)
    cancelled: list[str] = attrs.field(factory=list)
    deferred: list[str] = attrs.field(factory=list)

    @property
    def attempted(self) -> int:
        """How many messages were handed to a channel."""
        return len(self.sent) + len(self.retrying) + len(self.dead)

    def as_dict(self) -> dict[str, list[str]]:
        """JSON-friendly form."""
        return attrs.asdict(self)


class Outbox(Resource):
    """The outbox: every outgoing message with its delivery status, and the dispatcher."""

    retry_policy: RetryPolicy = RetryPolicy()
    batch_size: int = 20

    def get(self, message_id: str) -> OutgoingMessage:
        """The message with this id, with its current delivery status."""
        with self._ctx.store.transaction() as conn:
            return q.get_message(conn, message_id)

    def list(
        self,
        org: Organization | str,
        *,
        status: str | Sequence[str] | None = None,
        customer: Customer | str | None = None,
        document: Invoice | Quote | CreditNote | str | None = None,
        kind: str | None = None,
    ) -> builtins.list[OutgoingMessage]:
        """The organization's messages, oldest first, optionally filtered."""
        statuses = [status] if isinstance(status, str) else status
        with self._ctx.store.transaction() as conn:
            return q.list_messages(
                conn,
                self._org_id(org),
                statuses=statuses,
                customer_id=customer
                if isinstance(customer, str) or customer is None
                else customer.id,
                document_id=document
                if isinstance(document, str) or document is None
                else document.id,
                kind=kind,
            )

    def counts(self, org: Organization | str | None = None) -> dict[str, int]:
        """How many messages are in each status (for one organization or all)."""
        with self._ctx.store.transaction() as conn:
            return q.count_by_status(conn, None if org is None else self._org_id(org))

    def retry(self, message: OutgoingMessage | str) -> OutgoingMessage:
        """Queue a dead or failed message again, now, with a fresh attempt count."""
        message_id = message if isinstance(message, str) else message.id
        with self._ctx.unit() as unit:
            current = q.get_message(unit.conn, message_id, for_update=True)
            if current.status not in ("dead", "failed"):
                raise StateError(
                    f"message {message_id} is {current.status}; "
                    "only dead or failed messages are retried"
                )
            q.update_message(
                unit.conn,
                message_id,
                unit.now,
                status="queued",
                attempts=0,
                next_attempt_at=unit.now,
                claimed_until=None,
                claim_token=None,
                error=None,
            )
            return q.get_message(unit.conn, message_id)

    def dispatch(self, limit: int | None = None) -> DispatchReport:
        """Deliver the messages that are due, up to ``limit``; return what happened.

        Work is claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
        several workers can run at once), each message is sent outside any transaction, and
        its result recorded: ``sent`` (the payment link it carries becomes ``sent``), a retry at
        ``now + backoff`` (:attr:`retry_policy`), or ``dead`` after the last attempt or a
        permanent rejection. Nothing sleeps: a retry is a time stored on the message, read
        against the service's clock by a later run.
        """
        report = DispatchReport()
        channels: dict[tuple[str, str], Any] = {}
        done = 0
        while limit is None or done < limit:
            now = self._ctx.clock.now()
            token = new_id("clm")
            size = self.batch_size if limit is None else min(self.batch_size, limit - done)
            with self._ctx.store.transaction() as conn:
                ids = q.claim_due(conn, now=now, lease_until=now + _LEASE, token=token, limit=size)
            if not ids:
                break
            for message_id in ids:
                self._deliver(message_id, token, channels, report)
                done += 1
        return report

    # -- one message ---------------------------------------------------------------------------
    def _deliver(
        self,
        message_id: str,
        token: str,
        channels: dict[tuple[str, str], Any],
        report: DispatchReport,
    ) -> None:
        now = self._ctx.clock.now()
        with self._ctx.store.transaction() as conn:
            message = q.get_message(conn, message_id)
            org = get_organization(conn, message.organization_id)
            opted_out = q.is_opted_out(conn, org.id, message.channel_kind, message.recipient)
            quiet, quiet_kinds = _quiet_hours(conn, org)
        if opted_out:
            self._finish(
                message, token, "cancelled", report.cancelled, error="the recipient opted out"
            )
            return
        if quiet is not None and message.channel_kind in quiet_kinds and quiet.contains(now):
            with self._ctx.store.transaction() as conn:
                q.update_message(
                    conn,
                    message_id,
                    now,
                    token=token,
                    status="queued",
                    next_attempt_at=quiet.release(now),
                    claimed_until=None,
                    claim_token=None,
                )
            report.deferred.append(message_id)
            return
        try:
            key = (org.id, message.channel)
            if key not in channels:
                with self._ctx.store.transaction() as conn:
                    channels[key] = Channels(self._pl)._open(conn, org.id, message.channel)
            channel = channels[key]
            attachments = self._attachments(message)
            outgoing = attrs.evolve(message, attachments=attachments, attempts=message.attempts + 1)
            result: SendResult = channel.send(outgoing)
        except (ProviderRejected, ValidationError, PluginError) as exc:
            self._failed(message, token, exc, report, permanent=True)
            return
        except ProviderError as exc:
            self._failed(message, token, exc, report, permanent=False)
            return
        except Exception as exc:  # a channel's bug must not stop the run
            log.exception("channel %r failed on message %s", message.channel, message_id)
            self._failed(message, token, exc, report, permanent=False)
            return
        self._sent(message, token, result, report)

    def _attachments(self, message: OutgoingMessage) -> tuple[Attachment, ...]:
        kind = message.metadata.get("attach")
        if message.channel_kind != "email" or not kind or not message.document_id:
            return ()
        with self._ctx.store.transaction() as conn:
            document = _load_document(conn, message.document_id)
            # A reminder's fees belong on its letter too: charged ones are lines of the
            # invoice (loaded with it); an info-only one is shown, not added.
            fee_text = message.metadata.get("fees")
            charged = message.metadata.get("fee_mode") == "charge"
            fees = Money.of(fee_text, document.currency) if fee_text and not charged else None
            html = _document_html(
                self._ctx.base_url,
                conn,
                message.document_id,
                kind=kind,
                language=message.language,
                payment=message.metadata.get("payment_id"),
                step=int(message.metadata.get("step", "1")),
                fees=fees if fees is not None and fees.amount else None,
                now=self._ctx.clock.now(),
                fees_info_only="fee_mode" in message.metadata,
            )
            number = document.number or "document"
        name = f"{render.label(message.language, kind)} {number}".replace("/", "-")
        try:
            pdf = render.html_to_pdf(html)
        except PluginError:
            log.warning("WeasyPrint is not installed: attaching %s as HTML", name)
            return (Attachment(f"{name}.html", "text/html", html.encode()),)
        return (Attachment(f"{name}.pdf", "application/pdf", pdf),)

    def _sent(
        self, message: OutgoingMessage, token: str, result: SendResult, report: DispatchReport
    ) -> None:
        with self._ctx.unit() as unit:
            status = "delivered" if result.delivered else "sent"
            updated = q.update_message(
                unit.conn,
                message.id,
                unit.now,
                token=token,
                status=status,
                attempts=message.attempts + 1,
                provider_message_id=result.provider_message_id,
                provider_status=result.status,
                error=None,
                sent_at=unit.now,
                delivered_at=unit.now if result.delivered else None,
                claimed_until=None,
                claim_token=None,
                next_attempt_at=None,
            )
            if not updated:
                log.warning("message %s was re-claimed while it was being sent", message.id)
                return
            if message.link_id:
                link = link_queries.get_link(
                    unit.conn, message.link_id, self._ctx.base_url, for_update=True
                )
                mark_link(unit, link, "sent", source=message.channel, detail=message.channel_kind)
            self._emit(unit, message, status)
        report.sent.append(message.id)

    def _failed(
        self,
        message: OutgoingMessage,
        token: str,
        exc: Exception,
        report: DispatchReport,
        *,
        permanent: bool,
    ) -> None:
        attempts = message.attempts + 1
        error = str(exc) if isinstance(exc, PaylinkError) else f"{type(exc).__name__}: {exc}"
        error = error[:500]
        with self._ctx.unit() as unit:
            if permanent or self.retry_policy.gives_up(attempts):
                status = "dead"
                next_at = None
                report.dead.append(message.id)
            else:
                status = "queued"
                next_at = unit.now + self.retry_policy.delay(attempts)
                report.retrying.append(message.id)
            q.update_message(
                unit.conn,
                message.id,
                unit.now,
                token=token,
                status=status,
                attempts=attempts,
                error=error,
                next_attempt_at=next_at,
                claimed_until=None,
                claim_token=None,
            )
            if status == "dead":
                self._emit(unit, message, status)

    def _finish(
        self,
        message: OutgoingMessage,
        token: str,
        status: str,
        bucket: builtins.list[str],
        *,
        error: str,
    ) -> None:
        with self._ctx.unit() as unit:
            q.update_message(
                unit.conn,
                message.id,
                unit.now,
                token=token,
                status=status,
                error=error,
                next_attempt_at=None,
                claimed_until=None,
                claim_token=None,
            )
            self._emit(unit, message, status)
        bucket.append(message.id)

    @staticmethod
    def _emit(unit: Unit, message: OutgoingMessage, new_status: str) -> None:
        current = q.get_message(unit.conn, message.id)
        unit.emit(
            "message_status_changed",
            organization=get_organization(unit.conn, message.organization_id),
            message=current,
            old_status=message.status if message.status != "sending" else "queued",
            new_status=new_status,
        )

    # -- provider callbacks --------------------------------------------------------------------
    def record_status(
        self,
        channel: str,
        provider_message_id: str,
        provider_status: str,
        *,
        status: str | None = None,
        error: str | None = None,
        organization_id: str | None = None,
    ) -> OutgoingMessage | None:
        """Record a delivery status a provider reported for one of our messages.

        ``provider_status`` is the provider's own word (kept on the message); ``status`` the
        paylink status it maps to (``"delivered"``, ``"failed"``), or None to only keep the
        provider's word. Statuses only move forward: a late ``sent`` never undoes
        ``delivered``. Returns the message, or None when no message has this provider id.
        """
        with self._ctx.unit() as unit:
            message = q.find_by_provider_id(
                unit.conn, channel, provider_message_id, organization_id
            )
            if message is None:
                return None
            values: dict[str, Any] = {"provider_status": provider_status}
            moved = status is not None and _STATUS_RANK.get(status, 0) > _STATUS_RANK.get(
                message.status, 0
            )
            if moved:
                values["status"] = status
                if status == "delivered":
                    values["delivered_at"] = unit.now
                if error:
                    values["error"] = error[:500]
            q.update_message(unit.conn, message.id, unit.now, **values)
            if moved:
                assert status is not None
                self._emit(unit, message, status)
            return q.get_message(unit.conn, message.id)

    def record_inbound(
        self,
        org: Organization | str,
        *,
        channel: str,
        channel_kind: str,
        sender: str,
        text: str,
        provider_message_id: str | None = None,
    ) -> bool:
        """Record a reply from ``sender``; ``STOP``-like replies opt the address out and
        ``START``-like ones back in. Fires ``paylink_message_received``. Returns False when
        this provider message was already recorded (a redelivered webhook)."""
        keyword = text.strip().split(maxsplit=1)[0].upper() if text.strip() else ""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            if channel_kind == "sms":
                customer = find_customer_by_contact(unit.conn, organization.id, phone=sender)
            else:
                customer = find_customer_by_contact(unit.conn, organization.id, email=sender)
            fresh = q.insert_inbound(
                unit.conn,
                id=new_id("inb"),
                org_id=organization.id,
                channel=channel,
                sender=sender,
                text=text[:2000],
                provider_message_id=provider_message_id,
                customer_id=customer.id if customer else None,
                now=unit.now,
            )
            if not fresh:
                return False
            if keyword in _STOP_WORDS or keyword in _START_WORDS:
                q.set_optout(
                    unit.conn,
                    organization.id,
                    channel_kind,
                    sender,
                    keyword in _STOP_WORDS,
                    source=channel,
                    now=unit.now,
                )
            unit.emit(
                "message_received",
                organization=organization,
                channel=channel,
                sender=sender,
                text=text,
                customer=customer,
            )
        return True


# Twilio's default opt-out and opt-in keywords (the carriers' list), and their translations
# that customers of a Belgian business send.
_STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "STOPP"}
)
_START_WORDS = frozenset({"START", "YES", "UNSTOP", "UNSUBSCRIBE_CANCEL"})
