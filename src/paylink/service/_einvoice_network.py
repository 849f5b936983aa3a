"""Lower floor: the e-invoice network half of ``pl.einvoices`` (connect an access point, send
over it or by e-mail, follow the delivery, receive from it).

:class:`EInvoiceNetworking` is a base of :class:`paylink.service.einvoices.EInvoices`, kept
here so each module stays readable; it asks the namespace
for the import of a received file, which lives with the import.
"""

from __future__ import annotations

import builtins
import datetime as dt
import logging
from typing import Any, Protocol, cast

import attrs

from .. import einvoice, render
from ..documents import CreditNote, Invoice, PurchaseInvoice
from ..einvoice import EInvoice
from ..einvoice.model import vat_endpoint_scheme
from ..exceptions import (
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
    StateError,
    ValidationError,
    WebhookRejected,
)
from ..networks import (
    BIS_BILLING_CREDIT_NOTE,
    BIS_BILLING_INVOICE,
    EInvoiceDelivery,
    NetworkAccount,
    Participant,
    ReceivedEInvoice,
    SentDocument,
)
from ..parties import Customer, Organization, PartyId
from ..ports import WebhookRequest
from ..store import Connection
from ..store import documents as q
from ..store import networks as network_queries
from ..store import organizations as org_queries
from ._base import Resource, Unit, new_id
from ._einvoice_deliveries import apply_report, lookup, move
from ._links import invoice_link
from ._messages import queue_message

__all__ = ["EInvoiceNetworking", "InboxRun"]

log = logging.getLogger("paylink.einvoices")


class _Imports(Protocol):
    def receive(self, org: Organization | str, data: bytes) -> PurchaseInvoice: ...


def plain_view(
    conn: Connection, document: Invoice | CreditNote | str, *, endpoint_by_vat: bool = False
) -> EInvoice:
    """The EN 16931 view of a stored document as it goes over a network (no fees, no PDF)."""
    doc = _load(conn, document)
    org = org_queries.get_organization(conn, doc.organization_id)
    customer = org_queries.get_customer(conn, org.id, doc.customer_id)
    if isinstance(doc, CreditNote):
        invoice = q.get_document(conn, org.id, doc.invoice_id, "invoice")
        assert isinstance(invoice, Invoice)
        return EInvoice.of_credit_note(
            doc, org, customer, invoice=invoice, endpoint_by_vat=endpoint_by_vat
        )
    return EInvoice.of_invoice(doc, org, customer, endpoint_by_vat=endpoint_by_vat)


def _load(conn: Connection, document: Invoice | CreditNote | str) -> Invoice | CreditNote:
    doc_id = document if isinstance(document, str) else document.id
    for kind in ("invoice", "credit_note"):
        try:
            found = q.get_document(conn, None, doc_id, kind)
        except NotFound:
            continue
        assert isinstance(found, Invoice | CreditNote)
        return found
    raise NotFound(f"no invoice or credit note {doc_id!r}")


@attrs.frozen(kw_only=True)
class InboxRun:
    """What :meth:`EInvoiceNetworking.inbox` did: the purchase invoices it recorded, the
    documents it had already seen (a redelivery: acknowledged again, recorded nothing), and
    the documents it could not read, as ``(network id, why)``: each is recorded once as
    refused (see ``pl.einvoices.received``) and acknowledged, so it is reported by this run
    only."""

    recorded: tuple[PurchaseInvoice, ...] = ()
    already_recorded: tuple[str, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()


class EInvoiceNetworking(Resource):
    """Sending over and receiving from the organization's e-invoice network."""

    def connect(
        self,
        org: Organization | str,
        network: str,
        *,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        base_url: str | None = None,
        send_invoices: bool = False,
        **settings: Any,
    ) -> NetworkAccount:
        """Connect ``org``'s account at the e-invoice ``network`` (``"einvoice_be"``,
        ``"billit"`` or any installed network plugin), or replace its settings.

        The settings are checked by the plugin (unknown or missing ones raise
        :class:`~paylink.exceptions.ValidationError`) and stored with the organization;
        secrets never appear in the account's repr (see
        :meth:`~paylink.networks.NetworkAccount.public_settings`). ``send_invoices`` makes
        ``pl.messages.send`` of an invoice go through :meth:`send`. The returned account's
        ``webhook_url`` is what to configure at the network. Reconnecting keeps the account id.
        """
        stored: dict[str, Any] = {
            key: value
            for key, value in {
                "api_key": api_key,
                "webhook_secret": webhook_secret,
                "base_url": base_url.rstrip("/") if base_url else None,
                **settings,
            }.items()
            if value is not None
        }
        self._ctx.networks.probe(network, stored)
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            account_id = network_queries.upsert_account(
                unit.conn,
                account_id=new_id("nacc"),
                org_id=organization.id,
                network=network,
                settings=stored,
                send_invoices=bool(send_invoices),
                now=unit.now,
            )
            account = self._ctx.networks.account(unit.conn, account_id)
        self._ctx.networks.drop(account.id)
        log.info("connected e-invoice network %s account %s for %s", network, account.id, org)
        return account

    def disconnect(self, org: Organization | str, network: str) -> bool:
        """Disconnect ``org`` from ``network``; whether it was connected. Deliveries already
        made keep their record."""
        with self._ctx.unit() as unit:
            return network_queries.deactivate_account(
                unit.conn, self._org_id(org), network, unit.now
            )

    def account(self, org: Organization | str) -> NetworkAccount | None:
        """The organization's connected network account, or ``None``."""
        with self._ctx.store.transaction() as conn:
            return self._ctx.networks.active(conn, self._org_id(org))

    def lookup(self, org: Organization | str, participant: str | PartyId) -> Participant | None:
        """Whether ``participant`` (``"0208:0403170701"``) is reachable over the
        organization's connected network, and which document types it takes; ``None`` when
        it is not. Answers are cached (24 hours found, 1 hour not found)."""
        party = participant if isinstance(participant, PartyId) else PartyId.parse(participant)
        account = self._require_account(org, None)
        return lookup(self._ctx, account, party)

    def send(
        self, document: Invoice | CreditNote | str, *, network: str | None = None
    ) -> EInvoiceDelivery:
        """Send an issued invoice (or credit note) to its buyer: over the organization's
        connected network (or ``network``) when the buyer is reachable there, else the invoice
        with its PDF by e-mail through the outbox.

        The buyer is looked up by their Peppol endpoint, else their registration (0208
        enterprise number in Belgium), else their VAT number (9925). Over the network the
        document goes as Peppol BIS UBL, checked first (a
        :class:`~paylink.exceptions.ValidationError` lists what it lacks). Returns the
        recorded :class:`~paylink.networks.EInvoiceDelivery`: ``via`` says which way it went;
        its status moves with the network's reports (:meth:`refresh_pending`,
        :meth:`handle_webhook`). A network that is unavailable leaves it ``queued``: the
        janitor (:meth:`refresh_pending`) sends it again with the same idempotency key. A
        network that refuses it makes it ``refused`` with the network's reason.
        """
        with self._ctx.store.transaction() as conn:
            doc = _load(conn, document)
            if doc.number is None or getattr(doc, "status", "") == "draft":
                raise StateError(f"{doc.id} is a draft; issue it before sending it")
            customer = org_queries.get_customer(conn, doc.organization_id, doc.customer_id)
            account = (
                self._ctx.networks.active(conn, doc.organization_id) if network is None else None
            )
        if network is not None:
            account = self._require_account(doc.organization_id, network)
        doc_type = BIS_BILLING_INVOICE if isinstance(doc, Invoice) else BIS_BILLING_CREDIT_NOTE
        receiver: PartyId | None = None
        if account is not None:
            for party in _receivers(customer):
                found = lookup(self._ctx, account, party)
                if found is not None and found.accepts(doc_type):
                    receiver = party
                    break
        if account is not None and receiver is not None:
            return self._send_over(account, doc, receiver)
        return self._send_by_email(doc, customer)

    def send_if_asked(self, invoice: Invoice) -> EInvoiceDelivery | None:
        """:meth:`send` the invoice when its organization asked ``pl.messages.send`` to go
        through its e-invoice network (``connect(..., send_invoices=True)``); ``None`` when it
        did not."""
        with self._ctx.store.transaction() as conn:
            account = self._ctx.networks.active(conn, invoice.organization_id)
        if account is None or not account.send_invoices:
            return None
        return self.send(invoice)

    def _send_over(
        self, account: NetworkAccount, doc: Invoice | CreditNote, receiver: PartyId
    ) -> EInvoiceDelivery:
        view = self._receiver_view(doc, receiver)
        problems = einvoice.check(view, peppol=True)
        if problems:
            raise ValidationError(
                "the e-invoice cannot be sent: " + "; ".join(str(p) for p in problems),
                field=problems[0].field,
            )
        data = einvoice.to_ubl(view)
        assert view.seller.endpoint is not None  # the Peppol check asks for it
        sender = view.seller.endpoint
        delivery = EInvoiceDelivery(
            id=new_id("edl"),
            organization_id=doc.organization_id,
            document_id=doc.id,
            via="network",
            status="queued",
            receiver=str(receiver),
            network=account.network,
            account_id=account.id,
        )
        with self._ctx.unit() as unit:
            delivery = move(unit, delivery, "queued", detail=f"to {receiver}", new=True)
        return self._hand_over(account, delivery, data, sender, receiver)

    def _receiver_view(self, doc: Invoice | CreditNote | str, receiver: PartyId) -> EInvoice:
        """The document's EN 16931 view addressed to ``receiver`` (by registration, else by
        VAT number when that is how the buyer is on the network)."""
        with self._ctx.store.transaction() as conn:
            view = plain_view(conn, doc)
            by_vat = plain_view(conn, doc, endpoint_by_vat=True)
        if view.buyer.endpoint != receiver and by_vat.buyer.endpoint == receiver:
            return by_vat
        return view

    def _hand_over(
        self,
        account: NetworkAccount,
        delivery: EInvoiceDelivery,
        data: bytes,
        sender: PartyId,
        receiver: PartyId,
    ) -> EInvoiceDelivery:
        """Give the document to the network (the delivery id is the idempotency key, so a
        retry after a lost answer never makes two deliveries) and record its answer."""
        plugin = self._ctx.networks.open(account)
        try:
            sent: SentDocument = plugin.send(data, sender, receiver, idempotency_key=delivery.id)
        except ProviderUnavailable as exc:
            log.warning("e-invoice delivery %s stays queued: %s", delivery.id, exc)
            return delivery
        except ProviderRejected as exc:
            reason = str(exc)

            def refuse(unit: Unit) -> EInvoiceDelivery:
                current = network_queries.get_delivery(unit.conn, delivery.id, for_update=True)
                return move(unit, current, "refused", reason=reason)

            return self._ctx.run(refuse)

        def record(unit: Unit) -> EInvoiceDelivery:
            current = network_queries.get_delivery(unit.conn, delivery.id, for_update=True)
            if sent.status == current.status or current.status in ("delivered", "refused"):
                moved = attrs.evolve(current, network_id=sent.network_id)
                network_queries.update_delivery(unit.conn, moved, unit.now)
                return moved
            return move(
                unit, current, sent.status, network_id=sent.network_id, detail=sent.network_id
            )

        return self._ctx.run(record)

    def _send_by_email(self, doc: Invoice | CreditNote, customer: Customer) -> EInvoiceDelivery:
        if not isinstance(doc, Invoice):
            raise ValidationError(
                f"customer {customer.name} is not reachable over an e-invoice network; a credit"
                " note is only sent over one",
                field="customer",
            )
        if not customer.email:
            raise ValidationError(
                f"customer {customer.name} ({customer.id}) is not reachable over an e-invoice"
                " network and has no e-mail address",
                field="email",
            )

        def work(unit: Unit) -> EInvoiceDelivery:
            organization = unit.organization(doc.organization_id)
            invoice = q.get_document(unit.conn, organization.id, doc.id, "invoice", for_update=True)
            assert isinstance(invoice, Invoice)
            link = None
            if invoice.open_amount.amount > 0 and invoice.status != "cancelled":
                self._ctx.public_base_url("send an e-invoice with a payment link")
                link = invoice_link(unit, invoice, self._ctx.addresses, create=True)
            variables = render.message_variables(
                language=customer.language,
                organization=organization,
                customer=customer,
                invoice=invoice,
                link=link,
                today=self._ctx.today(organization, unit.now),
            )
            assert customer.email is not None
            message = queue_message(
                unit,
                organization=organization,
                kind="invoice_issued",
                channel_kind="email",
                recipient=customer.email,
                language=customer.language,
                variables=variables,
                customer=customer,
                document_id=invoice.id,
                link_id=link.id if link else None,
                attach="invoice",
            )
            delivery = EInvoiceDelivery(
                id=new_id("edl"),
                organization_id=organization.id,
                document_id=invoice.id,
                via="email",
                status="sent",
                receiver=customer.email,
                message_id=message.id,
            )
            return move(unit, delivery, "sent", detail="by e-mail with the PDF", new=True)

        return self._ctx.run(work)

    def deliveries(self, document: Invoice | CreditNote | str) -> builtins.list[EInvoiceDelivery]:
        """The document's e-invoice deliveries, oldest first, each with its history (the
        invoice's timeline shows them)."""
        doc_id = document if isinstance(document, str) else document.id
        with self._ctx.store.transaction() as conn:
            return network_queries.deliveries_of(conn, doc_id)

    def timeline(
        self, document: Invoice | CreditNote | str
    ) -> builtins.list[tuple[dt.datetime, str, str]]:
        """The document's e-invoice events as ``(at, status, detail)``, oldest first."""
        events = [
            (at, status, detail)
            for delivery in self.deliveries(document)
            for status, at, detail in delivery.history
        ]
        return sorted(events, key=lambda e: e[0])

    def refresh_pending(
        self, org: Organization | str | None = None
    ) -> builtins.list[EInvoiceDelivery]:
        """The janitor: ask the networks about every delivery not yet delivered or refused
        (of one organization, or all), send again the ones still queued without a network
        id (same idempotency key), and return the deliveries whose status moved. One
        network that fails is logged and does not stop the others."""
        with self._ctx.store.transaction() as conn:
            pending = network_queries.pending_deliveries(
                conn, None if org is None else self._org_id(org)
            )
        moved: builtins.list[EInvoiceDelivery] = []
        for delivery in pending:
            try:
                after = self._refresh(delivery)
            except (ProviderUnavailable, ProviderRejected, NotFound) as exc:
                log.warning("could not refresh e-invoice delivery %s: %s", delivery.id, exc)
                continue
            if after is not None and after.status != delivery.status:
                moved.append(after)
        return moved

    def _refresh(self, delivery: EInvoiceDelivery) -> EInvoiceDelivery | None:
        assert delivery.account_id is not None
        assert delivery.network is not None
        with self._ctx.store.transaction() as conn:
            account = self._ctx.networks.account(conn, delivery.account_id)
        if delivery.network_id is None:
            receiver = PartyId.parse(delivery.receiver or "")
            view = self._receiver_view(delivery.document_id, receiver)
            assert view.seller.endpoint is not None
            return self._hand_over(
                account, delivery, einvoice.to_ubl(view), view.seller.endpoint, receiver
            )
        report = self._ctx.networks.open(account).status(delivery.network_id)
        return apply_report(self._ctx, delivery.network, report)

    def handle_webhook(
        self, network: str, account_id: str, request: WebhookRequest
    ) -> builtins.list[EInvoiceDelivery]:
        """Verify and apply a network's call about its deliveries (the web app's
        ``/webhooks/einvoice/{network}/{account_id}``); return the deliveries it concerned.
        Raises :class:`~paylink.exceptions.WebhookRejected` (nothing applied) for an unknown
        account, a network without webhooks, or a call the plugin does not verify."""
        from_account = self._webhook_account(network, account_id)
        plugin = self._ctx.networks.open(from_account)
        reports = plugin.parse_webhook(request)
        out = []
        for report in reports:
            applied = apply_report(self._ctx, network, report)
            if applied is not None and applied.account_id == from_account.id:
                out.append(applied)
        return out

    def _webhook_account(self, network: str, account_id: str) -> NetworkAccount:
        with self._ctx.store.transaction() as conn:
            try:
                account = self._ctx.networks.account(conn, account_id)
            except NotFound:
                raise WebhookRejected("no such account", status_code=404) from None
        if account.network != network or not account.active:
            raise WebhookRejected("no such account", status_code=404)
        cls = self._ctx.networks.network_class(network)
        if not getattr(cls, "supports_webhooks", False):
            raise WebhookRejected(f"{network} sends no webhooks", status_code=404)
        return account

    def inbox(self, org: Organization | str) -> InboxRun:
        """Fetch the documents suppliers sent over the organization's network, record each as
        a purchase invoice (through :meth:`receive`), and acknowledge it after the record has
        committed. A document delivered again is recorded once. A document :meth:`receive`
        refuses (not UBL or CII, or failing the checks) is recorded once as refused with the
        reason, acknowledged (so the network stops offering it) and listed in ``problems`` of
        this run; later runs do not report it again, :meth:`received` and the owner's digest
        show it."""
        account = self._require_account(org, None)
        cls = self._ctx.networks.network_class(account.network)
        if not getattr(cls, "supports_inbox", False):
            raise ValidationError(
                f"the e-invoice network {account.network} receives no documents", field="network"
            )
        plugin = self._ctx.networks.open(account)
        recorded: builtins.list[PurchaseInvoice] = []
        again: builtins.list[str] = []
        problems: builtins.list[tuple[str, str]] = []
        for item in plugin.fetch_inbox():
            with self._ctx.store.transaction() as conn:
                known = network_queries.received(conn, account.id, item.network_id)
            if known is None:
                purchase: PurchaseInvoice | None = None
                error: str | None = None
                try:
                    purchase = cast(_Imports, self).receive(account.organization_id, item.content)
                except ValidationError as exc:
                    error = str(exc)[:2000]
                with self._ctx.unit() as unit:
                    network_queries.record_received(
                        unit.conn,
                        account_id=account.id,
                        network_id=item.network_id,
                        org_id=account.organization_id,
                        purchase_id=purchase.id if purchase else None,
                        error=error,
                        now=unit.now,
                    )
                if purchase is not None:
                    recorded.append(purchase)
                else:
                    log.warning("received e-invoice %s refused: %s", item.network_id, error)
                    problems.append((item.network_id, error or ""))
            else:
                again.append(item.network_id)
            plugin.acknowledge(item.network_id)
        return InboxRun(
            recorded=tuple(recorded), already_recorded=tuple(again), problems=tuple(problems)
        )

    def received(
        self, org: Organization | str, *, refused: bool = False
    ) -> builtins.list[ReceivedEInvoice]:
        """What arrived over the organization's networks, oldest first: each document with
        the purchase invoice it became, or (``status == "refused"``) why it could not be read.
        ``refused=True`` lists only those."""
        with self._ctx.store.transaction() as conn:
            return network_queries.received_documents(conn, self._org_id(org), refused_only=refused)

    def _require_account(self, org: Organization | str, network: str | None) -> NetworkAccount:
        with self._ctx.store.transaction() as conn:
            org_id = self._org_id(org)
            account = self._ctx.networks.active(conn, org_id)
            if network is not None:
                accounts = [
                    a
                    for a in self._ctx.networks.active_all(conn)
                    if a.organization_id == org_id and a.network == network
                ]
                account = accounts[0] if accounts else None
        if account is None:
            raise ValidationError(
                "the organization is connected to no e-invoice network"
                + (f" called {network!r}" if network else "")
                + "; connect one with pl.einvoices.connect",
                field="network",
            )
        return account


def _receivers(customer: Customer) -> builtins.list[PartyId]:
    """Where the buyer may be on Peppol: their endpoint, registration, VAT number."""
    found: builtins.list[PartyId] = []
    for party in (customer.endpoint, customer.registration):
        if party is not None and party.scheme and party not in found:
            found.append(party)
    if customer.vat_id:
        scheme = vat_endpoint_scheme(customer.vat_id[:2])
        if scheme:
            by_vat = PartyId(scheme, customer.vat_id)
            if by_vat not in found:
                found.append(by_vat)
    return found
