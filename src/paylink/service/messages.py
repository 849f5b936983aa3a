"""``pl.messages``: render and queue messages to customers (``pl.messages.send``)."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, cast

import attrs

from .. import render
from ..documents import Invoice, Quote
from ..exceptions import (
    StateError,
    ValidationError,
)
from ..links import PaymentLink
from ..money import Money
from ..notify import (
    CHANNEL_KINDS,
    MESSAGE_KINDS,
    OutgoingMessage,
)
from ..parties import Customer, Organization
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import messages as q
from ..store.organizations import get_customer, get_organization
from ._base import Resource, Unit
from ._einvoice_network import EInvoiceNetworking
from ._links import invoice_link, quote_token
from ._messages import (
    channel_for,
    queue_message,
)

__all__ = ["Messages"]

Sendable = Invoice | Quote | PaymentLink


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
    """Send documents and payment links to customers: :meth:`send` is the one door
    (``pl.send`` is its deprecated alias)."""

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

        An invoice sent with no ``via``, ``template`` or ``text`` goes through
        ``pl.einvoices.send`` when its organization asked for it
        (``pl.einvoices.connect(..., send_invoices=True)``): over the e-invoice network when
        the buyer is reachable (no message is queued: the list is empty), else by e-mail.
        """
        if isinstance(obj, Invoice) and via is None and template is None and text is None:
            delivery = EInvoiceNetworking(self).send_if_asked(obj)
            if delivery is not None:
                if delivery.message_id is None:
                    return []
                with self._ctx.store.transaction() as conn:
                    return [q.get_message(conn, delivery.message_id, self._ctx.addresses)]
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
                        channel=channel_for(conn, plan.organization.id, channel_kind),
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
            link = link_queries.get_link(conn, obj.id, self._ctx.addresses)
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
            token = quote_token(unit, self._ctx.addresses, org.id, quote.id, create=create_link)
            quote_url = self._ctx.addresses.url("quote", token) if token else None
        else:
            raise ValidationError(
                f"expected an Invoice, a Quote or a PaymentLink, got {type(obj).__name__}",
                field="obj",
            )
        if invoice is not None:
            if invoice.status == "draft":
                raise StateError(f"invoice {invoice.id} is a draft; issue it before sending it")
            if link is None and invoice.open_amount.amount > 0 and invoice.status != "cancelled":
                link = invoice_link(unit, invoice, self._ctx.addresses, create=create_link)
        if link is not None or quote_url is not None:
            self._ctx.public_base_url("send a message with a link")
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
