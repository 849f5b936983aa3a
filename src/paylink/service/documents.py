"""``pl.invoices``, ``pl.quotes`` and ``pl.purchases``."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

import attrs

from ..documents import CreditNote, Invoice, Line, PurchaseInvoice, Quote
from ..exceptions import StateError, ValidationError
from ..money import Money, currency_exponent
from ..parties import Customer, Organization
from ..payfiles import PaymentFile, TransferOrder, build_pain001
from ..payments import Payment
from ..store import Connection
from ..store import documents as q
from ..store import links as link_queries
from ._base import Resource, Unit, new_id
from ._credit import take_credit
from ._invoicing import check_lines, credit_invoice, issue_invoice, next_number
from ._links import quote_token
from ._provider_events import note_refund_plan, refund_note_payment
from ._purchases import record_purchase

__all__ = ["Invoices", "Purchases", "Quotes"]


class Invoices(Resource):
    """Issue, read and cancel sales invoices."""

    def issue(
        self,
        org: Organization | str,
        customer: Customer | str,
        *,
        lines: Iterable[Line],
        due_date: dt.date | None = None,
        issue_date: dt.date | None = None,
        currency: str | None = None,
        notes: str = "",
    ) -> Invoice:
        """Issue an invoice: number from the series, structured reference, totals; one
        transaction. ``issue_date`` defaults to today at the organization, ``due_date`` to the
        organization's payment terms after it, ``currency`` to the organization's.

        >>> inv = pl.invoices.issue(org, cust, lines=[
        ...     Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21")])
        >>> inv.number, str(inv.total)
        ('2026-000001', '108.90 EUR')
        """
        lines = check_lines(lines)
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            cust_id = self._customer_id(unit.conn, organization.id, customer)
            return issue_invoice(
                unit,
                organization,
                cust_id,
                lines,
                issue_date=issue_date or self._ctx.today(organization, unit.now),
                due_date=due_date,
                currency=currency,
                notes=notes,
            )

    def issue_many(
        self,
        org: Organization | str,
        batch: Iterable[tuple[Customer | str, Iterable[Line]]],
        *,
        due_date: dt.date | None = None,
        issue_date: dt.date | None = None,
        currency: str | None = None,
    ) -> builtins.list[Invoice]:
        """Issue a batch of invoices (a monthly subscription run) in one transaction.

        ``batch`` holds ``(customer, lines)`` pairs; the invoices get consecutive numbers in
        that order. All or nothing: one bad pair (no lines, an unknown customer) issues none.
        Much faster than one :meth:`issue` per invoice, since it commits once.
        """
        pairs = [(customer, check_lines(lines)) for customer, lines in batch]
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            day = issue_date or self._ctx.today(organization, unit.now)
            known: set[str] = set()
            issued = []
            for customer, lines in pairs:
                cust_id = customer if isinstance(customer, str) else customer.id
                if cust_id not in known:
                    self._customer_id(unit.conn, organization.id, cust_id)
                    known.add(cust_id)
                issued.append(
                    issue_invoice(
                        unit,
                        organization,
                        cust_id,
                        lines,
                        issue_date=day,
                        due_date=due_date,
                        currency=currency,
                    )
                )
            return issued

    def create_draft(
        self,
        org: Organization | str,
        customer: Customer | str,
        *,
        lines: Iterable[Line],
        currency: str | None = None,
        notes: str = "",
    ) -> Invoice:
        """Store a draft: no number is consumed until it is issued with :meth:`issue_draft`."""
        lines = check_lines(lines)
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            cust_id = self._customer_id(unit.conn, organization.id, customer)
            draft = Invoice(
                id=new_id("inv"),
                organization_id=organization.id,
                customer_id=cust_id,
                currency=currency or organization.currency,
                lines=lines,
                notes=notes,
                created_at=unit.now,
            )
            q.insert_document(unit.conn, draft, unit.now)
        return draft

    def issue_draft(
        self,
        draft: Invoice | str,
        *,
        due_date: dt.date | None = None,
        issue_date: dt.date | None = None,
    ) -> Invoice:
        """Issue a stored draft, giving it its number and reference."""
        with self._ctx.unit() as unit:
            current = self._get(unit.conn, draft, for_update=True)
            if current.status != "draft":
                raise StateError(f"invoice {current.number} is already {current.status}")
            organization = self._org(unit.conn, current.organization_id)
            cust_id = current.customer_id
            return issue_invoice(
                unit,
                organization,
                cust_id,
                current.lines,
                issue_date=issue_date or self._ctx.today(organization, unit.now),
                due_date=due_date,
                currency=current.currency,
                notes=current.notes,
                draft=current,
            )

    def _get(
        self, conn: Connection, invoice: Invoice | str, *, for_update: bool = False
    ) -> Invoice:
        doc_id = invoice if isinstance(invoice, str) else invoice.id
        doc = q.get_document(conn, None, doc_id, "invoice", for_update=for_update)
        assert isinstance(doc, Invoice)
        return doc

    def get(self, org: Organization | str, invoice_id: str | None = None) -> Invoice:
        """The organization's invoice with this id, as stored now; :class:`NotFound
        <paylink.exceptions.NotFound>` when it is another organization's. (``get(invoice_id)``
        without the organization is deprecated.)"""
        org_id, doc_id = self._scoped("invoices", org, invoice_id)
        with self._ctx.store.transaction() as conn:
            doc = q.get_document(conn, org_id, doc_id, "invoice")
        assert isinstance(doc, Invoice)
        return doc

    def get_by_number(self, org: Organization | str, number: str) -> Invoice:
        """The organization's invoice with this number."""
        with self._ctx.store.transaction() as conn:
            doc = q.get_by_number(conn, self._org_id(org), "invoice", number)
        assert isinstance(doc, Invoice)
        return doc

    def list(
        self,
        org: Organization | str,
        *,
        customer: Customer | str | None = None,
        status: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[Invoice]:
        """The organization's invoices, oldest first; filter by customer and status(es)."""
        statuses = [status] if isinstance(status, str) else status
        cid = customer if isinstance(customer, str) or customer is None else customer.id
        with self._ctx.store.transaction() as conn:
            docs = q.list_documents(
                conn,
                self._org_id(org),
                "invoice",
                customer_id=cid,
                statuses=statuses,
                limit=limit,
                offset=offset,
            )
        return [d for d in docs if isinstance(d, Invoice)]

    def overdue(self, org: Organization | str) -> builtins.list[Invoice]:
        """Issued invoices with money owed after their due date, as of today at the org."""
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
        today = self._ctx.today(organization)
        return [
            inv
            for inv in self.list(organization, status=["issued", "partially_paid"])
            if inv.is_overdue(today)
        ]

    def credit(
        self,
        invoice: Invoice | str,
        *,
        lines: Iterable[Line] | None = None,
        reason: str = "",
        settle: Literal["credit", "refund"] | None = None,
    ) -> CreditNote:
        """Issue a credit note against an invoice (all of it when ``lines`` is omitted).

        The credit note takes its amount off the invoice's open amount; an invoice credited
        in full, with nothing paid, becomes ``cancelled``. Without ``settle`` it may take off
        only what is open, and a paid invoice cannot be credited.

        A credit note that takes back what the customer already paid (a paid invoice, or more
        than is open) needs ``settle``, so that money is never lost: that part comes off the
        invoice's paid amount and becomes the customer's credit, once per credit note (a
        ledger entry of kind ``"credit_note"`` whose source is the note). With
        ``settle="credit"`` it stays there, spent by :meth:`Payments.apply_credit` or
        automatically like any credit and refundable with :meth:`Payments.refund_credit`.
        With ``settle="refund"`` it is paid back at once: through the provider that received
        the invoice's payment when it supports refunds (recorded as a
        :class:`~paylink.providers.Refund`), else recorded as paid back by bank transfer,
        as :meth:`Payments.refund_credit` does; the balance ends where it was. Should the
        provider refuse, the amount stays as credit and the error is raised.
        """
        chosen = tuple(lines) if lines is not None else None  # read once: the unit may rerun

        def work(unit: Unit) -> tuple[CreditNote, builtins.list[tuple[Payment, Money]]]:
            current = self._get(unit.conn, invoice, for_update=True)  # the invoice, then links
            note, overpaid = credit_invoice(
                unit, current, chosen, reason, self._ctx.addresses, settle=settle
            )
            if settle != "refund" or overpaid.amount <= 0:
                return note, []
            plan = note_refund_plan(self._ctx, unit.conn, note, overpaid)
            by_transfer = overpaid - Money.sum((part for _, part in plan), overpaid.currency)
            if by_transfer.amount > 0:
                take_credit(
                    unit, note.organization_id, note.customer_id, by_transfer,
                    kind="refunded", source_id=new_id("crf"), invoice_id=note.invoice_id,
                    note=f"credit note {note.number} paid back by bank transfer",
                )  # fmt: skip
            return note, plan

        note, plan = self._ctx.run(work)
        for payment, part in plan:
            refund_note_payment(self._ctx, note, payment, part)
        return note

    def cancel(self, invoice: Invoice | str, *, reason: str = "") -> CreditNote:
        """Cancel an issued invoice with a credit note for all of it.

        Refused when payments were already allocated to it: refund or re-allocate them first.
        """
        with self._ctx.store.transaction() as conn:
            current = self._get(conn, invoice)
        if current.paid.amount > 0:
            raise StateError(
                f"invoice {current.number} has payments ({current.paid}); refund them before "
                "cancelling, or credit the open part with credit()"
            )
        return self.credit(current, reason=reason or "cancelled")

    def credit_notes(self, invoice: Invoice | str) -> builtins.list[CreditNote]:
        """The credit notes issued against an invoice."""
        with self._ctx.store.transaction() as conn:
            current = self._get(conn, invoice)
            docs = q.list_documents(
                conn, current.organization_id, "credit_note", customer_id=current.customer_id
            )
        return [d for d in docs if isinstance(d, CreditNote) and d.invoice_id == current.id]

    def set_disputed(self, invoice: Invoice | str, disputed: bool = True) -> Invoice:
        """Flag an invoice as disputed by the customer (reminders stop), or clear the flag."""
        with self._ctx.unit() as unit:
            current = self._get(unit.conn, invoice, for_update=True)
            updated = attrs.evolve(current, disputed=disputed)
            q.update_document(unit.conn, updated)
        return updated


class Quotes(Resource):
    """Quotes: draft → sent → approved (an invoice is issued) | declined | expired."""

    def create(
        self,
        org: Organization | str,
        customer: Customer | str,
        *,
        lines: Iterable[Line],
        valid_until: dt.date | None = None,
        currency: str | None = None,
        notes: str = "",
    ) -> Quote:
        """Store a draft quote."""
        lines = check_lines(lines)
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            cust_id = self._customer_id(unit.conn, organization.id, customer)
            quote = Quote(
                id=new_id("quo"),
                organization_id=organization.id,
                customer_id=cust_id,
                currency=currency or organization.currency,
                lines=lines,
                valid_until=valid_until,
                notes=notes,
                created_at=unit.now,
            )
            currency_exponent(quote.currency)
            q.insert_document(unit.conn, quote, unit.now)
        return quote

    def _get(self, conn: Connection, quote: Quote | str, *, for_update: bool = False) -> Quote:
        doc = q.get_document(
            conn,
            None,
            quote if isinstance(quote, str) else quote.id,
            "quote",
            for_update=for_update,
        )
        assert isinstance(doc, Quote)
        return doc

    def get(self, org: Organization | str, quote_id: str | None = None) -> Quote:
        """The organization's quote with this id, as stored now; :class:`NotFound
        <paylink.exceptions.NotFound>` when it is another organization's. (``get(quote_id)``
        without the organization is deprecated.)"""
        org_id, doc_id = self._scoped("quotes", org, quote_id)
        with self._ctx.store.transaction() as conn:
            doc = q.get_document(conn, org_id, doc_id, "quote")
        assert isinstance(doc, Quote)
        return doc

    def list(self, org: Organization | str, *, status: str | None = None) -> builtins.list[Quote]:
        """The organization's quotes."""
        with self._ctx.store.transaction() as conn:
            docs = q.list_documents(
                conn, self._org_id(org), "quote", statuses=[status] if status else None
            )
        return [d for d in docs if isinstance(d, Quote)]

    def send(self, quote: Quote | str, *, valid_days: int = 30) -> Quote:
        """Mark a draft quote as sent: it gets its number, issue date and validity."""
        with self._ctx.unit() as unit:
            current = self._get(unit.conn, quote, for_update=True)
            current.require("sent")
            organization = self._org(unit.conn, current.organization_id)
            today = self._ctx.today(organization, unit.now)
            updated = attrs.evolve(
                current,
                status="sent",
                number=next_number(unit, organization, "quote", today),
                issue_date=today,
                valid_until=current.valid_until or today + dt.timedelta(days=valid_days),
            )
            q.update_document(unit.conn, updated)
        return updated

    def url(self, quote: Quote | str) -> str:
        """The URL of the page where the customer views, approves or declines a sent quote
        (made on first call, the same afterwards)."""
        with self._ctx.unit() as unit:
            current = self._get(unit.conn, quote)
            if current.status == "draft":
                raise StateError("send the quote before sharing its approval link")
            token = quote_token(unit, self._ctx.addresses, current.organization_id, current.id)
            assert token is not None
        self._ctx.public_base_url("hand out a quote page URL")
        return self._ctx.addresses.url("quote", token)

    def for_token(self, token: str) -> Quote | None:
        """The quote an approval-page token opens, or None."""
        with self._ctx.store.transaction() as conn:
            found = link_queries.resolve_access_token(conn, token, "quote", self._ctx.clock.now())
            if found is None:
                return None
            return self._get(conn, found[1])

    def approve(
        self,
        quote: Quote | str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        due_date: dt.date | None = None,
    ) -> Invoice:
        """The customer approves: record who and when, and issue the invoice with the same
        lines (one transaction). Returns the invoice; the quote links to it."""
        with self._ctx.unit() as unit:
            current = self._get(unit.conn, quote, for_update=True)
            organization = self._org(unit.conn, current.organization_id)
            today = self._ctx.today(organization, unit.now)
            if current.is_expired(today):
                raise StateError(f"quote {current.number} expired on {current.valid_until}")
            current.require("approved")
            cust_id = current.customer_id
            invoice = issue_invoice(
                unit,
                organization,
                cust_id,
                current.lines,
                issue_date=today,
                due_date=due_date,
                currency=current.currency,
                notes=current.notes,
                quote_id=current.id,
            )
            decision = {k: v for k, v in {"ip": ip, "user_agent": user_agent}.items() if v}
            q.update_document(
                unit.conn,
                attrs.evolve(
                    current,
                    status="approved",
                    invoice_id=invoice.id,
                    decided_at=unit.now,
                    decision=decision,
                ),
            )
        return invoice

    def decline(self, quote: Quote | str, *, reason: str = "") -> Quote:
        """The customer declines, optionally saying why."""
        with self._ctx.unit() as unit:
            current = self._get(unit.conn, quote, for_update=True)
            current.require("declined")
            updated = attrs.evolve(
                current, status="declined", decided_at=unit.now, decision={"reason": reason}
            )
            q.update_document(unit.conn, updated)
        return updated

    def expire(self, org: Organization | str) -> builtins.list[Quote]:
        """Mark sent quotes whose validity has passed as expired; return them."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            today = self._ctx.today(organization, unit.now)
            expired = []
            for doc in q.list_documents(unit.conn, organization.id, "quote", statuses=["sent"]):
                assert isinstance(doc, Quote)
                if doc.is_expired(today):
                    updated = attrs.evolve(doc, status="expired")
                    q.update_document(unit.conn, updated)
                    expired.append(updated)
        return expired


class Purchases(Resource):
    """Invoices received from suppliers, kept beside the sales invoices, to be paid by SEPA."""

    def create(
        self,
        org: Organization | str,
        *,
        supplier_name: str,
        supplier_iban: str,
        amount: Money | str | Decimal,
        due_date: dt.date,
        supplier_reference: str = "",
        payment_reference: str | None = None,
        supplier_bic: str | None = None,
        issue_date: dt.date | None = None,
        description: str = "",
        currency: str | None = None,
    ) -> PurchaseInvoice:
        """Record a supplier's invoice. ``payment_reference`` (OGM or RF) is checked."""
        if not str(supplier_name).strip():
            raise ValidationError("expected the supplier's name", field="supplier_name")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            money = (
                amount
                if isinstance(amount, Money)
                else Money.of(amount, currency or organization.currency)
            )
            return record_purchase(
                unit,
                organization,
                supplier_name=supplier_name,
                supplier_iban=supplier_iban,
                amount=money,
                due_date=due_date,
                supplier_reference=supplier_reference,
                payment_reference=payment_reference,
                supplier_bic=supplier_bic,
                issue_date=issue_date,
                description=description,
            )

    def pain001(
        self,
        org: Organization | str,
        purchases: Sequence[PurchaseInvoice] | None = None,
        *,
        execution_date: dt.date | None = None,
        version: str = "pain.001.001.03",
    ) -> PaymentFile:
        """Write the SEPA credit-transfer file paying ``purchases`` (default: all open ones).

        Each payment is requested for its invoice's due date (``execution_date`` for all, if
        given), never before today; the supplier's structured reference goes into the file's
        structured remittance field; the end-to-end id is the purchase invoice's id. The
        invoices become ``payment_ordered`` in the same transaction.
        """
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            if not organization.iban:
                raise ValidationError("the organization has no IBAN to pay from", field="iban")
            today = self._ctx.today(organization, unit.now)
            if purchases is None:
                chosen = q.list_purchases(unit.conn, organization.id, statuses=["open"])
            else:
                chosen = [q.get_purchase(unit.conn, organization.id, p.id) for p in purchases]
            for p in chosen:
                if p.status != "open":
                    raise StateError(
                        f"purchase invoice {p.supplier_reference or p.id} is {p.status}"
                    )
            if not chosen:
                raise ValidationError("there is no open purchase invoice to pay", field="purchases")
            orders = tuple(
                TransferOrder(
                    end_to_end_id=p.id,
                    creditor_name=p.supplier_name,
                    creditor_iban=p.supplier_iban,
                    creditor_bic=p.supplier_bic,
                    amount=p.open_amount,
                    execution_date=max(execution_date or p.due_date, today),
                    reference=p.payment_reference,
                    text="" if p.payment_reference else (p.supplier_reference or p.description),
                )
                for p in chosen
            )
            seq = q.next_in_series(unit.conn, organization.id, f"payfile:{today.year}")
            message_id = f"PAYLINK-{today.year}-{seq:06d}"
            xml = build_pain001(
                debtor_name=organization.name,
                debtor_iban=organization.iban,
                debtor_bic=organization.bic,
                orders=orders,
                message_id=message_id,
                created_at=unit.now,
                version=version,  # type: ignore[arg-type]
            )
            for p in chosen:
                q.update_purchase(
                    unit.conn, attrs.evolve(p, status="payment_ordered", end_to_end_id=p.id)
                )
        return PaymentFile(xml=xml, message_id=message_id, version=version, orders=orders)

    def get(self, org: Organization | str, purchase_id: str) -> PurchaseInvoice:
        """The purchase invoice with this id."""
        with self._ctx.store.transaction() as conn:
            return q.get_purchase(conn, self._org_id(org), purchase_id)

    def list(
        self, org: Organization | str, *, status: str | Sequence[str] | None = None
    ) -> builtins.list[PurchaseInvoice]:
        """The organization's purchase invoices, by due date."""
        statuses = [status] if isinstance(status, str) else status
        with self._ctx.store.transaction() as conn:
            return q.list_purchases(conn, self._org_id(org), statuses=statuses)
