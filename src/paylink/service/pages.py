"""``pl.pages``: the read models of the customer pages, one call per page.

The web app (:mod:`paylink.web`) shows what these return and reads nothing else: it never
opens the store and never instantiates a plugin. Each method answers None for a token that
opens nothing (unknown, expired, cancelled), so the page can give the one "not valid" answer
for all of them.

- :meth:`Pages.pay_page` — a payment link's page: the link, its organization, customer and
  invoice, the fee lines charged on the invoice, what paying costs now, the bank-transfer
  instructions (from the ``bank_transfer`` payment method's plugin) and when it was paid.
- :meth:`Pages.quote_page` — a quote's approval page: the quote, its state as the customer
  sees it (``open``, ``expired``, ``declined``, ``approved`` …) and the invoice it became.
- :meth:`Pages.portal` — a customer's portal: their invoices (open ones first), the fee lines
  charged on them and the open balance.
- :meth:`Pages.einvoice_timelines` — for the merchant's dashboard: how the latest invoices went
  out as e-invoices (over a network or by e-mail), each delivery with its dated history.

Values come formatted by nobody here: the pages and documents format them through the one
dialect of :mod:`paylink.render.format`.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping

import attrs

from ..documents import Invoice, Quote
from ..exceptions import NotFound
from ..links import PaymentLink
from ..money import Money
from ..networks import EInvoiceDelivery
from ..parties import Customer, Organization
from ..ports import PaymentRequest
from ..reminders import ChargedFee
from ..store import Connection
from ..store import credit as credit_queries
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import networks as network_queries
from ..store import organizations as org_queries
from ..store import payments as payment_queries
from ..store import reminders as reminder_queries
from ._base import Resource

__all__ = [
    "BankTransfer",
    "EInvoiceTimeline",
    "Pages",
    "PayPage",
    "PortalPage",
    "QuotePage",
    "Receipt",
]

_PORTAL_TOKENS = ("portal", "portal_code")
_PORTAL_STATUSES = ("issued", "partially_paid", "paid", "cancelled")


@attrs.frozen(kw_only=True)
class BankTransfer:
    """What the customer copies into their banking app, as the ``bank_transfer`` method gives
    it: ``instructions`` (``beneficiary``, ``iban``, ``bic``, ``amount``, and ``reference``
    or ``text``) and the EPC QR payload their app scans (None when there is none)."""

    instructions: Mapping[str, str]
    qr_payload: str | None = None


@attrs.frozen(kw_only=True)
class PayPage:
    """Everything a payment link's page shows.

    ``amount_due`` is what paying through the link costs now (open amount of its invoice or
    invoices, fees included, or the requested amount); ``transfer`` is None when the
    organization has no IBAN, nothing is due or the bank-transfer method is not installed;
    ``paid_at`` is when the link was paid (None while it is not).
    """

    link: PaymentLink
    organization: Organization
    customer: Customer | None
    invoice: Invoice | None
    fee_lines: tuple[ChargedFee, ...]
    amount_due: Money
    transfer: BankTransfer | None
    paid_at: dt.datetime | None
    receipt: Receipt | None = None
    """What the receipt of a paid link shows (None while it is not paid)."""


@attrs.frozen(kw_only=True)
class Receipt:
    """A paid link's receipt: its ``number`` (the invoice's number and the payment's rank on
    it, e.g. ``2026-000001-1``; the link's reference for a link without an invoice), the
    payment ``method`` (``"bank_transfer"``, ``"card"`` …) and ``paid_on``, the day the money
    was received (not the day it was recorded)."""

    number: str
    method: str
    paid_on: dt.date


@attrs.frozen(kw_only=True)
class QuotePage:
    """A quote's approval page: ``state`` is the quote's status as the customer sees it
    (``open`` or ``expired`` for a sent quote, else its status); ``invoice`` is the invoice an
    approved quote became, when there is one."""

    quote: Quote
    organization: Organization
    customer: Customer
    state: str
    invoice: Invoice | None


@attrs.frozen(kw_only=True)
class PortalPage:
    """A customer's portal: their issued, paid and cancelled invoices (open ones first, by due
    date), the fee lines charged on them (invoice id -> lines), the open balance (in the
    organization's currency; zero when open invoices are in several currencies) and how many
    invoices are open, and the customer's credit (what they paid beyond what was open, not
    yet applied or paid back, in the organization's currency)."""

    customer: Customer
    organization: Organization
    invoices: tuple[Invoice, ...]
    fee_lines: Mapping[str, builtins.list[ChargedFee]]
    balance: Money
    open_count: int
    today: dt.date | None = None
    """The organization's date now, to say what is overdue and what is due in how many days."""
    credit: Money | None = None


@attrs.frozen(kw_only=True)
class EInvoiceTimeline:
    """How one invoice (or credit note) went out as an e-invoice: its ``number``, and its
    deliveries oldest first, each with ``via`` (network or e-mail), its status, the network's
    reason for a refusal and its ``history`` of ``(status, at, detail)``."""

    document_id: str
    number: str
    deliveries: tuple[EInvoiceDelivery, ...]


class Pages(Resource):
    """``pl.pages``: what each customer page shows, read in one go (see the module doc)."""

    def pay_page(self, token: str) -> PayPage | None:
        """The page of the payment link whose URL carries ``token``; None for an unknown,
        expired or cancelled link (a paid one stays readable: it shows its receipt)."""
        now = self._ctx.clock.now()
        with self._ctx.store.transaction() as conn:
            link = link_queries.find_by_token(conn, token, self._ctx.addresses)
            if link is None or link.status in ("expired", "cancelled"):
                return None
            if link.expires_at is not None and link.expires_at <= now and link.status != "paid":
                return None
            org = org_queries.get_organization(conn, link.organization_id)
            invoice = (
                doc_queries.get_document(conn, org.id, link.invoice_id, "invoice")
                if link.invoice_id
                else None
            )
            assert invoice is None or isinstance(invoice, Invoice)
            customer_id = link.customer_id or (invoice.customer_id if invoice else None)
            customer = org_queries.get_customer(conn, org.id, customer_id) if customer_id else None
            fees = (
                reminder_queries.charged_fee_lines(conn, [invoice.id]).get(invoice.id, [])
                if invoice is not None and invoice.fees.amount
                else []
            )
            if invoice is not None:
                due = invoice.open_amount
            elif link.settles:
                settled = [doc_queries.get_document(conn, None, i, "invoice") for i in link.settles]
                due = Money.sum(
                    (d.open_amount for d in settled if isinstance(d, Invoice)),
                    link.amount.currency,
                )
            else:
                due = link.amount
            receipt = None
            if link.status == "paid":
                receipt = self._receipt(conn, link, invoice)
        paid_at = next((e.at for e in reversed(link.history) if e.status == "paid"), None)
        return PayPage(
            link=link,
            organization=org,
            customer=customer,
            invoice=invoice,
            fee_lines=tuple(fees),
            amount_due=due,
            transfer=None if link.status == "paid" else self._bank_transfer(org, link, due),
            paid_at=paid_at if link.status == "paid" else None,
            receipt=receipt,
        )

    @staticmethod
    def _receipt(conn: Connection, link: PaymentLink, invoice: Invoice | None) -> Receipt | None:
        """The receipt of a paid link: the last payment on its (first) invoice."""
        invoice_id = invoice.id if invoice is not None else next(iter(link.settles), None)
        if invoice_id is None:
            return None
        payments = payment_queries.list_payments(conn, link.organization_id, invoice_id=invoice_id)
        if not payments:
            return None
        last = payments[-1]
        number = (
            f"{invoice.number}-{len(payments)}"
            if invoice is not None and invoice.number
            else link.reference or last.id
        )
        return Receipt(number=number, method=last.method, paid_on=last.received_on)

    def _bank_transfer(
        self, org: Organization, link: PaymentLink, amount: Money
    ) -> BankTransfer | None:
        """The transfer instructions of the built-in ``bank_transfer`` method: computed by
        its plugin (no outside party, nothing stored), as any other method would give them."""
        if not org.iban or amount.amount <= 0:
            return None
        provider = self._ctx.plugins.payment_providers.get("bank_transfer")
        if provider is None:
            return None
        checkout = provider().start_payment(
            PaymentRequest(
                link_id=link.id,
                amount=amount,
                description=link.description,
                reference=link.reference,
                beneficiary_name=org.name,
                beneficiary_iban=org.iban,
                beneficiary_bic=org.bic,
            )
        )
        return BankTransfer(
            instructions=dict(checkout.instructions), qr_payload=checkout.qr_payload
        )

    def quote_page(self, token: str) -> QuotePage | None:
        """The approval page of the quote ``token`` opens; None for an unknown or expired
        token."""
        now = self._ctx.clock.now()
        with self._ctx.store.transaction() as conn:
            found = link_queries.resolve_access_token(conn, token, "quote", now)
            if found is None:
                return None
            try:
                quote = doc_queries.get_document(conn, found[0], found[1], "quote")
            except NotFound:
                return None
            assert isinstance(quote, Quote)
            org = org_queries.get_organization(conn, quote.organization_id)
            customer = org_queries.get_customer(conn, org.id, quote.customer_id)
            invoice = None
            if quote.status == "approved" and quote.invoice_id:
                doc = doc_queries.get_document(conn, org.id, quote.invoice_id, "invoice")
                invoice = doc if isinstance(doc, Invoice) else None
        state: str = quote.status
        if state == "sent":
            state = "expired" if quote.is_expired(self._ctx.today(org, now)) else "open"
        return QuotePage(
            quote=quote, organization=org, customer=customer, state=state, invoice=invoice
        )

    def portal(self, token: str) -> PortalPage | None:
        """The portal ``token`` opens; None for an unknown or expired token. Whether the
        customer must first sign in with a code is ``pl.portal.access``'s answer."""
        with self._ctx.store.transaction() as conn:
            found = link_queries.resolve_access_token_kind(
                conn, token, _PORTAL_TOKENS, self._ctx.clock.now()
            )
            if found is None:
                return None
            try:
                customer = org_queries.get_customer(conn, found[0], found[1])
            except NotFound:
                return None
            org = org_queries.get_organization(conn, customer.organization_id)
            invoices = [
                d
                for d in doc_queries.list_documents(
                    conn, org.id, "invoice", customer_id=customer.id, statuses=_PORTAL_STATUSES
                )
                if isinstance(d, Invoice)
            ]
            invoices.sort(key=lambda i: (i.open_amount.amount <= 0, i.due_date or dt.date.max))
            fees = reminder_queries.charged_fee_lines(
                conn, [i.id for i in invoices if i.fees_open.amount]
            )
            credit = credit_queries.balances(conn, org.id, customer.id).get(
                org.currency, Money.zero(org.currency)
            )
        open_invoices = [i for i in invoices if i.open_amount.amount > 0]
        balance = (
            Money.sum((i.open_amount for i in open_invoices), org.currency)
            if all(i.currency == org.currency for i in open_invoices)
            else Money.zero(org.currency)
        )
        return PortalPage(
            customer=customer,
            organization=org,
            invoices=tuple(invoices),
            fee_lines=fees,
            balance=balance,
            open_count=len(open_invoices),
            today=self._ctx.today(org),
            credit=credit,
        )

    def einvoice_timelines(
        self, org: Organization | str, *, limit: int = 20
    ) -> builtins.list[EInvoiceTimeline]:
        """The e-invoice delivery history of the organization's latest documents sent (at
        most ``limit`` deliveries, the newest documents first): what the dashboard shows."""
        org_id = org if isinstance(org, str) else org.id
        with self._ctx.store.transaction() as conn:
            rows = network_queries.recent_deliveries(conn, org_id, limit)
        grouped: dict[str, tuple[str, builtins.list[EInvoiceDelivery]]] = {}
        for number, delivery in rows:
            grouped.setdefault(delivery.document_id, (number, []))[1].append(delivery)
        return [
            EInvoiceTimeline(document_id=doc_id, number=number, deliveries=tuple(reversed(ds)))
            for doc_id, (number, ds) in grouped.items()
        ]
