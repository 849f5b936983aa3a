"""UBL 2.1 on the Peppol BIS Billing 3.0 profile: write an :class:`EInvoice`, read one back."""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

from ..exceptions import ValidationError
from ..money import Money
from ..parties import PartyId
from ._xml import PathReader, amount, child, decimal, sub, tostring
from .check import require_valid
from .model import (
    AllowanceCharge,
    Attachment,
    DocumentTotals,
    EInvoice,
    EInvoiceLine,
    Party,
    Payment,
    VatSubtotal,
)

__all__ = ["CUSTOMIZATION_ID", "NS_CREDIT_NOTE", "NS_INVOICE", "PROFILE_ID", "from_ubl", "to_ubl"]

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
"""BT-24 of a Peppol BIS Billing 3.0 document."""
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""BT-23: the Peppol billing process."""

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

ET.register_namespace("cac", _CAC)
ET.register_namespace("cbc", _CBC)


def _a(name: str) -> str:
    return f"{{{_CAC}}}{name}"


def _b(name: str) -> str:
    return f"{{{_CBC}}}{name}"


def _money(parent: ET.Element, name: str, value: Money) -> None:
    sub(parent, _b(name), amount(value), currencyID=value.currency)


def _tax_category(parent: ET.Element, tag: str, category: str, rate: Decimal) -> ET.Element:
    element = sub(parent, _a(tag))
    sub(element, _b("ID"), category)
    if category != "O":  # outside the scope of VAT has no rate (BR-O-05)
        sub(element, _b("Percent"), decimal(rate))
    return element


def _tax_scheme(parent: ET.Element) -> None:
    sub(sub(parent, _a("TaxScheme")), _b("ID"), "VAT")


def _party(parent: ET.Element, tag: str, party: Party, *, show_vat: bool) -> None:
    node = sub(sub(parent, _a(tag)), _a("Party"))
    if party.endpoint is not None:
        sub(node, _b("EndpointID"), party.endpoint.value, schemeID=party.endpoint.scheme)
    if party.identifier is not None:
        ident = sub(node, _a("PartyIdentification"))
        sub(ident, _b("ID"), party.identifier.value, schemeID=party.identifier.scheme)
    address = sub(node, _a("PostalAddress"))
    child(address, _b("StreetName"), party.street)
    child(address, _b("CityName"), party.city)
    child(address, _b("PostalZone"), party.postal_code)
    sub(sub(address, _a("Country")), _b("IdentificationCode"), party.country)
    if party.vat_id and show_vat:
        tax = sub(node, _a("PartyTaxScheme"))
        sub(tax, _b("CompanyID"), party.vat_id)
        _tax_scheme(tax)
    legal = sub(node, _a("PartyLegalEntity"))
    sub(legal, _b("RegistrationName"), party.name)
    if party.registration is not None:
        sub(legal, _b("CompanyID"), party.registration.value, schemeID=party.registration.scheme)
    if party.email:
        sub(sub(node, _a("Contact")), _b("ElectronicMail"), party.email)


def _allowance_charge(parent: ET.Element, item: AllowanceCharge) -> None:
    node = sub(parent, _a("AllowanceCharge"))
    sub(node, _b("ChargeIndicator"), "true" if item.charge else "false")
    sub(node, _b("AllowanceChargeReason"), item.reason)
    _money(node, "Amount", item.amount)
    _tax_scheme(_tax_category(node, "TaxCategory", item.vat_category, item.vat_rate))


def _line(parent: ET.Element, doc: EInvoice, line: EInvoiceLine) -> None:
    credit = doc.kind == "credit_note"
    node = sub(parent, _a("CreditNoteLine" if credit else "InvoiceLine"))
    sub(node, _b("ID"), line.id)
    sub(
        node,
        _b("CreditedQuantity" if credit else "InvoicedQuantity"),
        decimal(line.quantity),
        unitCode=line.unit_code,
    )
    _money(node, "LineExtensionAmount", line.net)
    for value, reason, is_charge in (
        (line.charge, line.charge_reason, True),
        (line.allowance, line.allowance_reason, False),
    ):
        if value is not None:
            ac = sub(node, _a("AllowanceCharge"))
            sub(ac, _b("ChargeIndicator"), "true" if is_charge else "false")
            sub(ac, _b("AllowanceChargeReason"), reason or ("Charge" if is_charge else "Discount"))
            _money(ac, "Amount", value)
    item = sub(node, _a("Item"))
    child(item, _b("Description"), line.description)
    sub(item, _b("Name"), line.name)
    _tax_scheme(_tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate))
    price = sub(node, _a("Price"))
    sub(price, _b("PriceAmount"), decimal(line.price), currencyID=doc.currency)
    if line.base_quantity != 1:
        sub(price, _b("BaseQuantity"), decimal(line.base_quantity), unitCode=line.unit_code)


def to_ubl(doc: EInvoice) -> bytes:
    """Write ``doc`` as a UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0).

    Raises :class:`~paylink.ValidationError` listing what :func:`check` finds, rather than
    writing a file the rules would refuse."""
    require_valid(doc)
    credit = doc.kind == "credit_note"
    root = ET.Element(
        f"{{{NS_CREDIT_NOTE if credit else NS_INVOICE}}}" + ("CreditNote" if credit else "Invoice")
    )
    sub(root, _b("CustomizationID"), CUSTOMIZATION_ID)
    sub(root, _b("ProfileID"), PROFILE_ID)
    sub(root, _b("ID"), doc.number)
    sub(root, _b("IssueDate"), doc.issue_date.isoformat())
    if doc.due_date is not None and not credit:
        sub(root, _b("DueDate"), doc.due_date.isoformat())
    sub(root, _b("CreditNoteTypeCode" if credit else "InvoiceTypeCode"), doc.type_code)
    child(root, _b("Note"), doc.note)
    sub(root, _b("DocumentCurrencyCode"), doc.currency)
    child(root, _b("BuyerReference"), doc.buyer_reference)
    if doc.order_reference:
        sub(sub(root, _a("OrderReference")), _b("ID"), doc.order_reference)
    if doc.preceding_invoice:
        ref = sub(sub(root, _a("BillingReference")), _a("InvoiceDocumentReference"))
        sub(ref, _b("ID"), doc.preceding_invoice)
        if doc.preceding_invoice_date is not None:
            sub(ref, _b("IssueDate"), doc.preceding_invoice_date.isoformat())
    for att in doc.attachments:
        ref = sub(root, _a("AdditionalDocumentReference"))
        sub(ref, _b("ID"), att.id)
        child(ref, _b("DocumentDescription"), att.description)
        sub(
            sub(ref, _a("Attachment")),
            _b("EmbeddedDocumentBinaryObject"),
            base64.b64encode(att.content).decode("ascii"),
            mimeCode=att.media_type,
            filename=att.filename,
        )
    # outside the scope of VAT: neither party's VAT id is shown (BR-O-02, BR-O-03)
    outside = any(v.category == "O" for v in doc.vat_breakdown)
    _party(root, "AccountingSupplierParty", doc.seller, show_vat=not outside)
    _party(root, "AccountingCustomerParty", doc.buyer, show_vat=not outside)
    if doc.delivery_date is not None or any(v.category == "K" for v in doc.vat_breakdown):
        delivery = sub(root, _a("Delivery"))
        if doc.delivery_date is not None:
            sub(delivery, _b("ActualDeliveryDate"), doc.delivery_date.isoformat())
        if any(v.category == "K" for v in doc.vat_breakdown):  # BR-IC-12: where it went
            place = sub(sub(delivery, _a("DeliveryLocation")), _a("Address"))
            sub(sub(place, _a("Country")), _b("IdentificationCode"), doc.buyer.country)
    payment = doc.payment
    if payment is not None and payment.means_code:
        means = sub(root, _a("PaymentMeans"))
        sub(means, _b("PaymentMeansCode"), payment.means_code)
        if credit and doc.due_date is not None:
            sub(means, _b("PaymentDueDate"), doc.due_date.isoformat())
        child(means, _b("PaymentID"), payment.reference)
        if payment.iban:
            account = sub(means, _a("PayeeFinancialAccount"))
            sub(account, _b("ID"), payment.iban)
            child(account, _b("Name"), payment.account_name)
            if payment.bic:
                sub(sub(account, _a("FinancialInstitutionBranch")), _b("ID"), payment.bic)
    if payment is not None and payment.terms:
        sub(sub(root, _a("PaymentTerms")), _b("Note"), payment.terms)
    for item in doc.allowances_charges:
        _allowance_charge(root, item)
    tax_total = sub(root, _a("TaxTotal"))
    _money(tax_total, "TaxAmount", doc.totals.vat)
    for v in doc.vat_breakdown:
        subtotal = sub(tax_total, _a("TaxSubtotal"))
        _money(subtotal, "TaxableAmount", v.base)
        _money(subtotal, "TaxAmount", v.vat)
        category = _tax_category(subtotal, "TaxCategory", v.category, v.rate)
        if v.category not in ("S", "Z"):
            child(category, _b("TaxExemptionReasonCode"), v.exemption_code)
            child(category, _b("TaxExemptionReason"), v.exemption_reason)
        _tax_scheme(category)
    totals = sub(root, _a("LegalMonetaryTotal"))
    t = doc.totals
    _money(totals, "LineExtensionAmount", t.lines)
    _money(totals, "TaxExclusiveAmount", t.tax_exclusive)
    _money(totals, "TaxInclusiveAmount", t.tax_inclusive)
    if doc.allowances_charges or t.allowances.amount:
        _money(totals, "AllowanceTotalAmount", t.allowances)
    if doc.allowances_charges or t.charges.amount:
        _money(totals, "ChargeTotalAmount", t.charges)
    if t.prepaid.amount:
        _money(totals, "PrepaidAmount", t.prepaid)
    if t.rounding.amount:
        _money(totals, "PayableRoundingAmount", t.rounding)
    _money(totals, "PayableAmount", t.payable)
    for line in doc.lines:
        _line(root, doc, line)
    return tostring(root)


# --- reading ----------------------------------------------------------------------------------


class _Reader(PathReader):
    """Reads a UBL tree, naming the element path of whatever is missing or wrong."""

    def __init__(self, root: ET.Element, currency: str) -> None:
        super().__init__(currency)
        self.root = root

    @staticmethod
    def _path(path: str) -> str:
        return "/".join(
            p
            if p.startswith((".", "@"))
            else p.replace("cac:", f"{{{_CAC}}}").replace("cbc:", f"{{{_CBC}}}")
            for p in path.split("/")
        )

    def find(self, node: ET.Element | None, path: str) -> ET.Element | None:
        return None if node is None else node.find(self._path(path))

    def findall(self, node: ET.Element, path: str) -> list[ET.Element]:
        return node.findall(self._path(path))

    def required(self, node: ET.Element, path: str, where: str) -> str:
        value = self.text(node, path)
        if not value:
            raise ValidationError(f"missing {where}/{path}", field=f"{where}/{path}")
        return value

    def date(self, node: ET.Element, path: str, where: str) -> dt.date | None:
        value = self.text(node, path)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                f"expected a date YYYY-MM-DD at {where}/{path}, got {value!r}",
                field=f"{where}/{path}",
            ) from None

    def party_id(self, node: ET.Element | None) -> PartyId | None:
        if node is None or not (node.text or "").strip():
            return None
        scheme = node.get("schemeID") or ""
        try:
            return PartyId(scheme, (node.text or "").strip())
        except ValidationError:
            return None

    def party(self, tag: str) -> Party:
        where = f"{tag}/Party"
        node = self.find(self.root, f"cac:{tag}/cac:Party")
        if node is None:
            raise ValidationError(f"missing {tag}/Party", field=where)
        name = self.text(node, "cac:PartyLegalEntity/cbc:RegistrationName") or self.text(
            node, "cac:PartyName/cbc:Name"
        )
        if not name:
            raise ValidationError(f"missing {where}/PartyLegalEntity/RegistrationName", field=where)
        vat_id = None
        for scheme in self.findall(node, "cac:PartyTaxScheme"):
            if self.text(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
                vat_id = self.text(scheme, "cbc:CompanyID") or None
        registration = self.party_id(self.find(node, "cac:PartyLegalEntity/cbc:CompanyID"))
        return Party(
            name=name,
            country=self.text(node, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
            street=self.text(node, "cac:PostalAddress/cbc:StreetName"),
            city=self.text(node, "cac:PostalAddress/cbc:CityName"),
            postal_code=self.text(node, "cac:PostalAddress/cbc:PostalZone"),
            vat_id=vat_id,
            registration=registration,
            endpoint=self.party_id(self.find(node, "cbc:EndpointID")),
            email=self.text(node, "cac:Contact/cbc:ElectronicMail") or None,
            identifier=self.party_id(self.find(node, "cac:PartyIdentification/cbc:ID")),
        )

    def category(self, node: ET.Element | None) -> tuple[str, Decimal]:
        if node is None:
            return "S", Decimal(0)
        return self.text(node, "cbc:ID"), Decimal(self.text(node, "cbc:Percent") or "0")


def from_ubl(root: ET.Element) -> EInvoice:
    """Read a parsed UBL 2.1 Invoice or CreditNote into an :class:`EInvoice`, keeping its
    amounts as written. Raise :class:`~paylink.ValidationError` naming the element path of
    anything missing or unreadable."""
    credit = root.tag == f"{{{NS_CREDIT_NOTE}}}CreditNote"
    doc_name = "CreditNote" if credit else "Invoice"
    currency = (root.findtext(f"{{{_CBC}}}DocumentCurrencyCode") or "").strip()
    if not currency:
        raise ValidationError(
            f"missing /{doc_name}/DocumentCurrencyCode", field="DocumentCurrencyCode"
        )
    r = _Reader(root, currency)
    where = f"/{doc_name}"
    number = r.required(root, "cbc:ID", where)
    issue_date = r.date(root, "cbc:IssueDate", where)
    if issue_date is None:
        raise ValidationError(f"missing {where}/IssueDate", field="IssueDate")
    lines = []
    line_tag = "CreditNoteLine" if credit else "InvoiceLine"
    for i, node in enumerate(r.findall(root, f"cac:{line_tag}"), start=1):
        lw = f"{where}/{line_tag}[{i}]"
        allowance = charge = None
        allowance_reason = charge_reason = ""
        for ac in r.findall(node, "cac:AllowanceCharge"):
            value = r.money(ac, "cbc:Amount", lw + "/AllowanceCharge")
            reason = r.text(ac, "cbc:AllowanceChargeReason")
            if r.text(ac, "cbc:ChargeIndicator") == "true":
                charge = value if charge is None else charge + value
                charge_reason = charge_reason or reason
            else:
                allowance = value if allowance is None else allowance + value
                allowance_reason = allowance_reason or reason
        category, rate = r.category(r.find(node, "cac:Item/cac:ClassifiedTaxCategory"))
        quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
        quantity_node = r.find(node, quantity_tag)
        lines.append(
            EInvoiceLine(
                id=r.required(node, "cbc:ID", lw),
                name=r.required(node, "cac:Item/cbc:Name", lw),
                description=r.text(node, "cac:Item/cbc:Description"),
                quantity=r.number(node, quantity_tag, lw),
                unit_code=(quantity_node.get("unitCode") if quantity_node is not None else None)
                or "C62",
                price=r.number(node, "cac:Price/cbc:PriceAmount", lw),
                base_quantity=r.number(node, "cac:Price/cbc:BaseQuantity", lw, default="1"),
                net=r.money(node, "cbc:LineExtensionAmount", lw),
                vat_category=category,
                vat_rate=rate,
                allowance=allowance,
                allowance_reason=allowance_reason,
                charge=charge,
                charge_reason=charge_reason,
            )
        )
    if not lines:
        raise ValidationError(f"{where} has no {line_tag}", field=line_tag)
    extras = []
    for i, ac in enumerate(r.findall(root, "cac:AllowanceCharge"), start=1):
        aw = f"{where}/AllowanceCharge[{i}]"
        category, rate = r.category(r.find(ac, "cac:TaxCategory"))
        extras.append(
            AllowanceCharge(
                charge=r.text(ac, "cbc:ChargeIndicator") == "true",
                amount=r.money(ac, "cbc:Amount", aw),
                reason=r.text(ac, "cbc:AllowanceChargeReason")
                or r.text(ac, "cbc:AllowanceChargeReasonCode"),
                vat_category=category,
                vat_rate=rate,
            )
        )
    breakdown = []
    tax_totals = [
        t for t in r.findall(root, "cac:TaxTotal") if r.find(t, "cac:TaxSubtotal") is not None
    ]
    vat_total = Money.zero(currency)
    for t in r.findall(root, "cac:TaxTotal"):
        amount_node = r.find(t, "cbc:TaxAmount")
        if amount_node is not None and amount_node.get("currencyID", currency) == currency:
            vat_total = r.money(t, "cbc:TaxAmount", f"{where}/TaxTotal")
    for t in tax_totals:
        for i, s in enumerate(r.findall(t, "cac:TaxSubtotal"), start=1):
            sw = f"{where}/TaxTotal/TaxSubtotal[{i}]"
            category, rate = r.category(r.find(s, "cac:TaxCategory"))
            breakdown.append(
                VatSubtotal(
                    category=category,
                    rate=rate,
                    base=r.money(s, "cbc:TaxableAmount", sw),
                    vat=r.money(s, "cbc:TaxAmount", sw),
                    exemption_code=r.text(s, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
                    exemption_reason=r.text(s, "cac:TaxCategory/cbc:TaxExemptionReason"),
                )
            )
    mw = f"{where}/LegalMonetaryTotal"
    m = r.find(root, "cac:LegalMonetaryTotal")
    if m is None:
        raise ValidationError(f"missing {mw}", field="LegalMonetaryTotal")
    totals = DocumentTotals(
        lines=r.money(m, "cbc:LineExtensionAmount", mw),
        allowances=r.money(m, "cbc:AllowanceTotalAmount", mw, required=False),
        charges=r.money(m, "cbc:ChargeTotalAmount", mw, required=False),
        tax_exclusive=r.money(m, "cbc:TaxExclusiveAmount", mw),
        vat=vat_total,
        tax_inclusive=r.money(m, "cbc:TaxInclusiveAmount", mw),
        prepaid=r.money(m, "cbc:PrepaidAmount", mw, required=False),
        rounding=r.money(m, "cbc:PayableRoundingAmount", mw, required=False),
        payable=r.money(m, "cbc:PayableAmount", mw),
    )
    payment = None
    means = r.find(root, "cac:PaymentMeans")
    terms = r.text(root, "cac:PaymentTerms/cbc:Note")
    if means is not None or terms:
        payment = Payment(
            means_code=r.text(means, "cbc:PaymentMeansCode") if means is not None else "",
            iban=(r.text(means, "cac:PayeeFinancialAccount/cbc:ID") or None)
            if means is not None
            else None,
            bic=(
                r.text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
                or None
            )
            if means is not None
            else None,
            account_name=r.text(means, "cac:PayeeFinancialAccount/cbc:Name")
            if means is not None
            else "",
            reference=r.text(means, "cbc:PaymentID") if means is not None else "",
            terms=terms,
        )
    due = r.date(root, "cbc:DueDate", where)
    if due is None and means is not None:
        due = r.date(means, "cbc:PaymentDueDate", f"{where}/PaymentMeans")
    attachments = []
    for i, ref in enumerate(r.findall(root, "cac:AdditionalDocumentReference"), start=1):
        obj = r.find(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        if obj is None or not (obj.text or "").strip():
            continue
        try:
            content = base64.b64decode("".join((obj.text or "").split()), validate=True)
        except ValueError:
            raise ValidationError(
                f"the attachment at {where}/AdditionalDocumentReference[{i}] is not base64",
                field="AdditionalDocumentReference",
            ) from None
        attachments.append(
            Attachment(
                id=r.text(ref, "cbc:ID") or str(i),
                filename=obj.get("filename") or f"attachment-{i}",
                media_type=obj.get("mimeCode") or "application/octet-stream",
                content=content,
                description=r.text(ref, "cbc:DocumentDescription"),
            )
        )
    return EInvoice(
        kind="credit_note" if credit else "invoice",
        number=number,
        issue_date=issue_date,
        currency=currency,
        seller=r.party("AccountingSupplierParty"),
        buyer=r.party("AccountingCustomerParty"),
        lines=tuple(lines),
        vat_breakdown=tuple(breakdown),
        totals=totals,
        allowances_charges=tuple(extras),
        due_date=due,
        delivery_date=r.date(root, "cac:Delivery/cbc:ActualDeliveryDate", where),
        buyer_reference=r.text(root, "cbc:BuyerReference"),
        order_reference=r.text(root, "cac:OrderReference/cbc:ID"),
        preceding_invoice=r.text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        preceding_invoice_date=r.date(
            root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate", where
        ),
        note=r.text(root, "cbc:Note"),
        payment=payment,
        attachments=tuple(attachments),
    )
