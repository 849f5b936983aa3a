"""``pl.einvoices``: structured e-invoices out (UBL for Peppol, CII, Factur-X) and in.

Out: a document -> its EN 16931 view -> :func:`~paylink.einvoice.check` -> the file. In: a
supplier's file -> :func:`~paylink.einvoice.read` -> a purchase invoice, payable through
``pl.purchases.pain001`` like one entered by hand.
"""

from __future__ import annotations

import builtins
import datetime as dt
from decimal import Decimal
from typing import Literal

import attrs

from .. import einvoice, render
from ..documents import CreditNote, Invoice, Line, PurchaseInvoice
from ..einvoice import AllowanceCharge, Attachment, EInvoice, Party, Problem, ReceivedDocument
from ..exceptions import NotFound, ValidationError
from ..parties import Organization, Supplier, normalize_bic, normalize_iban
from ..references import parse as parse_reference
from ..store import Connection
from ..store import documents as q
from ..store import links as link_queries
from ..store import organizations as org_queries
from ._base import Resource, Unit, new_id
from ._einvoice_network import EInvoiceNetworking, InboxRun
from ._purchases import record_purchase

__all__ = ["EInvoices", "InboxRun", "Syntax"]

Syntax = Literal["ubl", "cii"]

_FEES_EXEMPTION = (
    "Reminder fees and late-payment interest: compensation, not a supply of goods or services"
)


def _load(conn: Connection, document: Invoice | CreditNote | str) -> Invoice | CreditNote:
    """The stored invoice or credit note (by object or id), as it is now."""
    doc_id = document if isinstance(document, str) else document.id
    for kind in ("invoice", "credit_note"):
        try:
            found = q.get_document(conn, None, doc_id, kind)
        except NotFound:
            continue
        assert isinstance(found, Invoice | CreditNote)
        return found
    raise NotFound(f"no invoice or credit note {doc_id!r}")


class EInvoices(EInvoiceNetworking, Resource):
    """E-invoices of an organization's documents, and the ones its suppliers send."""

    # --- out ----------------------------------------------------------------------------------

    def find(self, org: Organization | str, number: str) -> Invoice | CreditNote:
        """The organization's invoice, else credit note, with this number."""
        with self._ctx.store.transaction() as conn:
            org_id = self._org_id(org)
            for kind in ("invoice", "credit_note"):
                try:
                    found = q.get_by_number(conn, org_id, kind, number)
                except NotFound:
                    continue
                assert isinstance(found, Invoice | CreditNote)
                return found
        raise NotFound(f"no invoice or credit note numbered {number!r}")

    def _view(
        self,
        conn: Connection,
        doc: Invoice | CreditNote,
        *,
        pdf: bytes | None = None,
        include_fees: bool = False,
        endpoint_by_vat: bool = False,
    ) -> EInvoice:
        org = org_queries.get_organization(conn, doc.organization_id)
        customer = org_queries.get_customer(conn, org.id, doc.customer_id)
        attachments: tuple[Attachment, ...] = ()
        if pdf is not None:
            name = (doc.number or doc.id).replace("/", "-")
            attachments = (
                Attachment(
                    id=doc.number or doc.id,
                    filename=f"{name}.pdf",
                    media_type="application/pdf",
                    content=pdf,
                    description="The invoice as printed"
                    if isinstance(doc, Invoice)
                    else "The credit note as printed",
                ),
            )
        if isinstance(doc, CreditNote):
            invoice = q.get_document(conn, org.id, doc.invoice_id, "invoice")
            assert isinstance(invoice, Invoice)
            return EInvoice.of_credit_note(
                doc,
                org,
                customer,
                invoice=invoice,
                attachments=attachments,
                endpoint_by_vat=endpoint_by_vat,
            )
        charges: tuple[AllowanceCharge, ...] = ()
        if include_fees and doc.fees.amount:
            charges = (
                AllowanceCharge(
                    charge=True,
                    amount=doc.fees,
                    reason="Reminder fees",
                    vat_category="E",
                    vat_rate=Decimal(0),
                ),
            )
        view = EInvoice.of_invoice(
            doc,
            org,
            customer,
            allowances_charges=charges,
            attachments=attachments,
            endpoint_by_vat=endpoint_by_vat,
        )
        if charges:
            view = _with_fee_exemption(view)
        return view

    def _pdf(self, conn: Connection, doc: Invoice | CreditNote, now: dt.datetime) -> bytes:
        """The document as ``pl.renditions.pdf`` prints it (needs the ``pdf`` extra)."""
        org = org_queries.get_organization(conn, doc.organization_id)
        customer = org_queries.get_customer(conn, org.id, doc.customer_id)
        link = None
        invoice_number = None
        if isinstance(doc, Invoice):
            link = link_queries.active_for_invoice(conn, doc.id, self._ctx.addresses)
            if link is not None:
                self._ctx.public_base_url("print an invoice with a payment link")
        else:
            credited = q.get_document(conn, org.id, doc.invoice_id, "invoice")
            invoice_number = credited.number
        html = render.render_document(
            "invoice" if isinstance(doc, Invoice) else "credit_note",
            organization=org,
            customer=customer,
            document=doc,
            language=customer.language,
            link=link,
            invoice_number=invoice_number,
            today=self._ctx.today(org, now),
        )
        return render.html_to_pdf(html)

    def set_references(
        self,
        invoice: Invoice | str,
        *,
        buyer_reference: str | None = None,
        order_reference: str | None = None,
    ) -> Invoice:
        """Record the buyer's reference (BT-10) or purchase order number (BT-13) on an
        invoice, as the buyer asked them to be quoted; Peppol requires one of them. ``None``
        leaves a value as it is."""
        with self._ctx.unit() as unit:
            # locked, as a payment locks it: the header is written whole
            doc = q.get_document(
                unit.conn,
                None,
                invoice if isinstance(invoice, str) else invoice.id,
                "invoice",
                for_update=True,
            )
            assert isinstance(doc, Invoice)
            updated = attrs.evolve(
                doc,
                buyer_reference=doc.buyer_reference
                if buyer_reference is None
                else str(buyer_reference).strip(),
                order_reference=doc.order_reference
                if order_reference is None
                else str(order_reference).strip(),
            )
            q.update_document(unit.conn, updated)
        return updated

    def view(
        self,
        document: Invoice | CreditNote | str,
        *,
        include_fees: bool = False,
        endpoint_by_vat: bool = False,
    ) -> EInvoice:
        """The EN 16931 view of a stored invoice or credit note (see
        :class:`paylink.einvoice.EInvoice`)."""
        with self._ctx.store.transaction() as conn:
            doc = _load(conn, document)
            return self._view(conn, doc, include_fees=include_fees, endpoint_by_vat=endpoint_by_vat)

    def check(
        self,
        document: Invoice | CreditNote | str,
        *,
        syntax: str = "ubl",
        include_fees: bool = False,
        endpoint_by_vat: bool = False,
    ) -> list[Problem]:
        """What the document lacks to be sent as an e-invoice, in the merchant's words; empty
        when it can go. ``syntax="ubl"`` (Peppol) asks more than ``"cii"`` or ``"facturx"``."""
        _check_syntax(syntax, facturx=True)
        view = self.view(document, include_fees=include_fees, endpoint_by_vat=endpoint_by_vat)
        return einvoice.check(view, peppol=syntax == "ubl")

    def export(
        self,
        document: Invoice | CreditNote | str,
        syntax: str = "ubl",
        *,
        attach_pdf: bool = False,
        include_fees: bool = False,
        endpoint_by_vat: bool = False,
    ) -> bytes:
        """The document as a UBL 2.1 file on Peppol BIS Billing 3.0 (``syntax="ubl"``) or as
        a CII D16B file (``"cii"``).

        ``attach_pdf`` embeds the printed document (needs the ``pdf`` extra); ``include_fees``
        adds the reminder fees charged so far as a document-level charge (VAT exempt: they
        compensate a late payment); ``endpoint_by_vat`` addresses parties that have no
        endpoint of their own by VAT number (scheme 9925 in Belgium) rather than by
        registration (0208). Raises :class:`~paylink.ValidationError` listing every problem
        :meth:`check` finds."""
        _check_syntax(syntax, facturx=False)
        with self._ctx.store.transaction() as conn:
            doc = _load(conn, document)
            pdf = self._pdf(conn, doc, self._ctx.clock.now()) if attach_pdf else None
            view = self._view(
                conn, doc, pdf=pdf, include_fees=include_fees, endpoint_by_vat=endpoint_by_vat
            )
        return einvoice.to_ubl(view) if syntax == "ubl" else einvoice.to_cii(view)

    def facturx(self, document: Invoice | CreditNote | str, *, include_fees: bool = False) -> bytes:
        """The printed document as a Factur-X PDF/A-3 with its CII XML embedded (needs the
        ``pdf`` and ``einvoice`` extras)."""
        with self._ctx.store.transaction() as conn:
            doc = _load(conn, document)
            view = self._view(conn, doc, include_fees=include_fees)
            xml = einvoice.to_cii(view)  # refuses before the PDF is rendered
            pdf = self._pdf(conn, doc, self._ctx.clock.now())
            language = org_queries.get_customer(conn, doc.organization_id, doc.customer_id).language
        return einvoice.facturx_pdf(pdf, xml, lang=language)

    # --- in -----------------------------------------------------------------------------------

    def receive(self, org: Organization | str, data: bytes) -> PurchaseInvoice:
        """Record a supplier's e-invoice (UBL, CII or Factur-X PDF) as a purchase invoice.

        The supplier is found by VAT id, registration or IBAN, or created; the lines, VAT,
        due date, IBAN and structured reference are kept, and so are the file and its PDF
        (see :meth:`files`). The same document received twice (the same bytes, or the same
        supplier and number) is recorded once: the second call returns the first record.
        Refuses, recording nothing, what :func:`paylink.einvoice.read` refuses, a credit note,
        and an invoice without an IBAN to pay."""
        received = einvoice.read(data)
        doc = received.document
        if doc.kind != "invoice":
            raise ValidationError(
                "this is a credit note: a supplier's credit note is not recorded as a purchase"
                " invoice; deduct it from the invoice it credits",
                field="document",
            )
        if doc.totals.payable.amount <= 0:
            raise ValidationError(
                f"the invoice asks nothing to pay ({doc.totals.payable})", field="PayableAmount"
            )
        payment = doc.payment
        if payment is None or not payment.iban:
            raise ValidationError(
                "the invoice gives no IBAN to pay to (PaymentMeans/PayeeFinancialAccount)",
                field="PayeeFinancialAccount",
            )
        iban = normalize_iban(payment.iban, "PayeeFinancialAccount/ID")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            supplier = _supplier(unit, organization, doc.seller, iban, payment.bic)
            existing = q.find_purchase(
                unit.conn,
                organization.id,
                content_hash=received.sha256,
                supplier_id=supplier.id,
                supplier_reference=doc.number,
            )
            if existing is not None:
                return existing
            # a line paylink cannot hold fails here, after the supplier was made: the unit
            # rolls the supplier back with everything else
            lines = _lines(doc)
            reference = parse_reference(payment.reference) if payment.reference else None
            purchase = record_purchase(
                unit,
                organization,
                supplier_name=doc.seller.name,
                supplier_iban=iban,
                supplier_bic=payment.bic,
                amount=doc.totals.payable,
                due_date=doc.due_date or doc.issue_date,
                supplier_reference=doc.number,
                payment_reference=str(reference) if reference else None,
                issue_date=doc.issue_date,
                description=_description(doc, payment.reference if reference is None else ""),
                supplier_id=supplier.id,
                supplier_vat_id=doc.seller.vat_id,
                lines=lines,
                vat_amount=doc.totals.vat,
                content_hash=received.sha256,
            )
            _keep_files(unit, purchase, received)
        return purchase

    def files(self, org: Organization | str, purchase_id: str) -> builtins.list[Attachment]:
        """The files received with a purchase invoice: its XML, and its PDF when it came with
        one (a Factur-X file, or a PDF attached to the UBL)."""
        with self._ctx.store.transaction() as conn:
            purchase = q.get_purchase(conn, self._org_id(org), purchase_id)
            return [
                Attachment(id=name, filename=name, media_type=media_type, content=content)
                for name, media_type, content in q.list_purchase_files(conn, purchase.id)
            ]

    def suppliers(self, org: Organization | str) -> builtins.list[Supplier]:
        """The suppliers known from received e-invoices, by name."""
        with self._ctx.store.transaction() as conn:
            return q.list_suppliers(conn, self._org_id(org))


def _check_syntax(syntax: str, *, facturx: bool) -> None:
    allowed = ("ubl", "cii", "facturx") if facturx else ("ubl", "cii")
    if syntax not in allowed:
        raise ValidationError(
            f"expected a syntax among {', '.join(allowed)}, got {syntax!r}", field="syntax"
        )


def _with_fee_exemption(view: EInvoice) -> EInvoice:
    breakdown = tuple(
        attrs.evolve(v, exemption_reason=_FEES_EXEMPTION)
        if v.category == "E" and not (v.exemption_reason or v.exemption_code)
        else v
        for v in view.vat_breakdown
    )
    return attrs.evolve(view, vat_breakdown=breakdown)


def _lines(doc: EInvoice) -> tuple[Line, ...]:
    """The received lines as paylink lines (the unit price per one unit of quantity)."""
    out = []
    for i, line in enumerate(doc.lines):
        try:
            out.append(
                Line(
                    description=line.name or f"line {line.id}",
                    quantity=abs(line.quantity),
                    unit_price=line.price / line.base_quantity
                    if line.base_quantity
                    else line.price,
                    vat_rate=line.vat_rate,
                    vat_category=line.vat_category,
                    unit_code=line.unit_code,
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                f"invoice line {line.id}: {exc}", field=f"InvoiceLine[{i + 1}]"
            ) from exc
    return tuple(out)


def _description(doc: EInvoice, unstructured_reference: str) -> str:
    first = doc.lines[0].name if doc.lines else ""
    more = f" and {len(doc.lines) - 1} more" if len(doc.lines) > 1 else ""
    text = f"{first}{more}"
    if unstructured_reference:
        text = f"{text} (ref. {unstructured_reference})"
    return text[:500]


def _supplier(unit: Unit, org: Organization, seller: Party, iban: str, bic: str | None) -> Supplier:
    registration = str(seller.registration) if seller.registration else None
    found = q.find_supplier(
        unit.conn, org.id, vat_id=seller.vat_id, registration=registration, iban=iban
    )
    if found is not None:
        return found
    supplier = Supplier(
        id=new_id("sup"),
        organization_id=org.id,
        name=seller.name,
        vat_id=seller.vat_id,
        registration=registration,
        iban=iban,
        bic=normalize_bic(bic, "FinancialInstitutionBranch/ID") if bic else None,
    )
    q.insert_supplier(unit.conn, supplier, unit.now)
    return supplier


def _keep_files(unit: Unit, purchase: PurchaseInvoice, received: ReceivedDocument) -> None:
    name = "factur-x.xml" if received.syntax == "facturx" else f"invoice.{received.syntax}.xml"
    q.insert_purchase_file(unit.conn, purchase.id, name, "application/xml", received.xml)
    pdf = received.pdf_attachment
    if pdf is not None:
        q.insert_purchase_file(unit.conn, purchase.id, "invoice.pdf", pdf.media_type, pdf.content)
