"""UN/CEFACT Cross Industry Invoice D16B on the EN 16931 profile (the XML of Factur-X and
ZUGFeRD): write an :class:`EInvoice`, read one back."""

from __future__ import annotations

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
    DocumentTotals,
    EInvoice,
    EInvoiceLine,
    Party,
    Payment,
    VatSubtotal,
)

__all__ = ["EN16931_GUIDELINE", "NS_CII", "from_cii", "to_cii"]

EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
"""The EN 16931 profile (Factur-X "EN 16931 (Comfort)")."""

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"

ET.register_namespace("rsm", NS_CII)
ET.register_namespace("ram", _RAM)
ET.register_namespace("udt", _UDT)
ET.register_namespace("qdt", _QDT)

_NS = {"rsm": NS_CII, "ram": _RAM, "udt": _UDT, "qdt": _QDT}


def _r(name: str) -> str:
    return f"{{{_RAM}}}{name}"


def _date(parent: ET.Element, tag: str, value: dt.date, ns: str = _UDT) -> None:
    sub(sub(parent, tag), f"{{{ns}}}DateTimeString", value.strftime("%Y%m%d"), format="102")


def _tax(parent: ET.Element, tag: str, category: str, rate: Decimal) -> ET.Element:
    node = sub(parent, _r(tag))
    sub(node, _r("TypeCode"), "VAT")
    sub(node, _r("CategoryCode"), category)
    if category != "O":
        sub(node, _r("RateApplicablePercent"), decimal(rate))
    return node


def _party(parent: ET.Element, tag: str, party: Party, *, show_vat: bool) -> None:
    node = sub(parent, _r(tag))
    if party.identifier is not None:
        if party.identifier.scheme:
            sub(node, _r("GlobalID"), party.identifier.value, schemeID=party.identifier.scheme)
        else:
            sub(node, _r("ID"), party.identifier.value)
    sub(node, _r("Name"), party.name)
    if party.registration is not None:
        legal = sub(node, _r("SpecifiedLegalOrganization"))
        sub(legal, _r("ID"), party.registration.value, schemeID=party.registration.scheme)
    if party.email:
        contact = sub(node, _r("DefinedTradeContact"))
        sub(sub(contact, _r("EmailURIUniversalCommunication")), _r("URIID"), party.email)
    address = sub(node, _r("PostalTradeAddress"))
    child(address, _r("PostcodeCode"), party.postal_code)
    child(address, _r("LineOne"), party.street)
    child(address, _r("CityName"), party.city)
    sub(address, _r("CountryID"), party.country)
    if party.endpoint is not None:
        uri = sub(node, _r("URIUniversalCommunication"))
        sub(uri, _r("URIID"), party.endpoint.value, schemeID=party.endpoint.scheme)
    if party.vat_id and show_vat:
        sub(sub(node, _r("SpecifiedTaxRegistration")), _r("ID"), party.vat_id, schemeID="VA")


def _line_allowance_charge(parent: ET.Element, value: Money, reason: str, charge: bool) -> None:
    node = sub(parent, _r("SpecifiedTradeAllowanceCharge"))
    sub(sub(node, _r("ChargeIndicator")), f"{{{_UDT}}}Indicator", "true" if charge else "false")
    sub(node, _r("ActualAmount"), amount(value))
    sub(node, _r("Reason"), reason or ("Charge" if charge else "Discount"))


def _line(parent: ET.Element, line: EInvoiceLine) -> None:
    node = sub(parent, _r("IncludedSupplyChainTradeLineItem"))
    sub(sub(node, _r("AssociatedDocumentLineDocument")), _r("LineID"), line.id)
    product = sub(node, _r("SpecifiedTradeProduct"))
    sub(product, _r("Name"), line.name)
    child(product, _r("Description"), line.description)
    price = sub(sub(node, _r("SpecifiedLineTradeAgreement")), _r("NetPriceProductTradePrice"))
    sub(price, _r("ChargeAmount"), decimal(line.price))
    if line.base_quantity != 1:
        sub(price, _r("BasisQuantity"), decimal(line.base_quantity), unitCode=line.unit_code)
    delivery = sub(node, _r("SpecifiedLineTradeDelivery"))
    sub(delivery, _r("BilledQuantity"), decimal(line.quantity), unitCode=line.unit_code)
    settlement = sub(node, _r("SpecifiedLineTradeSettlement"))
    _tax(settlement, "ApplicableTradeTax", line.vat_category, line.vat_rate)
    if line.allowance is not None:
        _line_allowance_charge(settlement, line.allowance, line.allowance_reason, False)
    if line.charge is not None:
        _line_allowance_charge(settlement, line.charge, line.charge_reason, True)
    summation = sub(settlement, _r("SpecifiedTradeSettlementLineMonetarySummation"))
    sub(summation, _r("LineTotalAmount"), amount(line.net))


def to_cii(doc: EInvoice) -> bytes:
    """Write ``doc`` as a UN/CEFACT CII D16B ``CrossIndustryInvoice`` on the EN 16931
    profile. Raises :class:`~paylink.ValidationError` listing what :func:`check` finds
    (without Peppol's own requirements: a CII file does not travel on Peppol).

    Attachments are not written: in Factur-X the PDF itself is the visual document."""
    require_valid(doc, peppol=False)
    root = ET.Element(f"{{{NS_CII}}}CrossIndustryInvoice")
    context = sub(root, f"{{{NS_CII}}}ExchangedDocumentContext")
    sub(sub(context, _r("GuidelineSpecifiedDocumentContextParameter")), _r("ID"), EN16931_GUIDELINE)
    header = sub(root, f"{{{NS_CII}}}ExchangedDocument")
    sub(header, _r("ID"), doc.number)
    sub(header, _r("TypeCode"), doc.type_code)
    _date(header, _r("IssueDateTime"), doc.issue_date)
    if doc.note:
        sub(sub(header, _r("IncludedNote")), _r("Content"), doc.note)
    transaction = sub(root, f"{{{NS_CII}}}SupplyChainTradeTransaction")
    for line in doc.lines:
        _line(transaction, line)
    outside = any(v.category == "O" for v in doc.vat_breakdown)
    agreement = sub(transaction, _r("ApplicableHeaderTradeAgreement"))
    child(agreement, _r("BuyerReference"), doc.buyer_reference)
    _party(agreement, "SellerTradeParty", doc.seller, show_vat=not outside)
    _party(agreement, "BuyerTradeParty", doc.buyer, show_vat=not outside)
    if doc.order_reference:
        sub(
            sub(agreement, _r("BuyerOrderReferencedDocument")),
            _r("IssuerAssignedID"),
            doc.order_reference,
        )
    delivery = sub(transaction, _r("ApplicableHeaderTradeDelivery"))
    if any(v.category == "K" for v in doc.vat_breakdown):  # BR-IC-12: where it went
        ship_to = sub(delivery, _r("ShipToTradeParty"))
        sub(sub(ship_to, _r("PostalTradeAddress")), _r("CountryID"), doc.buyer.country)
    if doc.delivery_date is not None:
        event = sub(delivery, _r("ActualDeliverySupplyChainEvent"))
        _date(event, _r("OccurrenceDateTime"), doc.delivery_date)
    settlement = sub(transaction, _r("ApplicableHeaderTradeSettlement"))
    payment = doc.payment
    if payment is not None:
        child(settlement, _r("PaymentReference"), payment.reference)
    sub(settlement, _r("InvoiceCurrencyCode"), doc.currency)
    if payment is not None and payment.means_code:
        means = sub(settlement, _r("SpecifiedTradeSettlementPaymentMeans"))
        sub(means, _r("TypeCode"), payment.means_code)
        if payment.iban:
            account = sub(means, _r("PayeePartyCreditorFinancialAccount"))
            sub(account, _r("IBANID"), payment.iban)
            child(account, _r("AccountName"), payment.account_name)
        if payment.bic:
            institution = sub(means, _r("PayeeSpecifiedCreditorFinancialInstitution"))
            sub(institution, _r("BICID"), payment.bic)
    for v in doc.vat_breakdown:
        tax = sub(settlement, _r("ApplicableTradeTax"))
        sub(tax, _r("CalculatedAmount"), amount(v.vat))
        sub(tax, _r("TypeCode"), "VAT")
        if v.category not in ("S", "Z"):
            child(tax, _r("ExemptionReason"), v.exemption_reason)
        sub(tax, _r("BasisAmount"), amount(v.base))
        sub(tax, _r("CategoryCode"), v.category)
        if v.category not in ("S", "Z"):
            child(tax, _r("ExemptionReasonCode"), v.exemption_code)
        if v.category != "O":
            sub(tax, _r("RateApplicablePercent"), decimal(v.rate))
    for item in doc.allowances_charges:
        node = sub(settlement, _r("SpecifiedTradeAllowanceCharge"))
        indicator = sub(node, _r("ChargeIndicator"))
        sub(indicator, f"{{{_UDT}}}Indicator", "true" if item.charge else "false")
        sub(node, _r("ActualAmount"), amount(item.amount))
        sub(node, _r("Reason"), item.reason)
        _tax(node, "CategoryTradeTax", item.vat_category, item.vat_rate)
    if (payment is not None and payment.terms) or doc.due_date is not None:
        terms = sub(settlement, _r("SpecifiedTradePaymentTerms"))
        if payment is not None:
            child(terms, _r("Description"), payment.terms)
        if doc.due_date is not None:
            _date(terms, _r("DueDateDateTime"), doc.due_date)
    t = doc.totals
    summation = sub(settlement, _r("SpecifiedTradeSettlementHeaderMonetarySummation"))
    sub(summation, _r("LineTotalAmount"), amount(t.lines))
    if doc.allowances_charges or t.charges.amount:
        sub(summation, _r("ChargeTotalAmount"), amount(t.charges))
    if doc.allowances_charges or t.allowances.amount:
        sub(summation, _r("AllowanceTotalAmount"), amount(t.allowances))
    sub(summation, _r("TaxBasisTotalAmount"), amount(t.tax_exclusive))
    sub(summation, _r("TaxTotalAmount"), amount(t.vat), currencyID=doc.currency)
    if t.rounding.amount:
        sub(summation, _r("RoundingAmount"), amount(t.rounding))
    sub(summation, _r("GrandTotalAmount"), amount(t.tax_inclusive))
    if t.prepaid.amount:
        sub(summation, _r("TotalPrepaidAmount"), amount(t.prepaid))
    sub(summation, _r("DuePayableAmount"), amount(t.payable))
    if doc.preceding_invoice:
        ref = sub(settlement, _r("InvoiceReferencedDocument"))
        sub(ref, _r("IssuerAssignedID"), doc.preceding_invoice)
        if doc.preceding_invoice_date is not None:
            _date(ref, _r("FormattedIssueDateTime"), doc.preceding_invoice_date, _QDT)
    return tostring(root)


# --- reading ----------------------------------------------------------------------------------


def _q(path: str) -> str:
    out = []
    for part in path.split("/"):
        prefix, _, name = part.partition(":")
        out.append(f"{{{_NS[prefix]}}}{name}" if name else part)
    return "/".join(out)


class _Reader(PathReader):
    def find(self, node: ET.Element | None, path: str) -> ET.Element | None:
        return None if node is None else node.find(_q(path))

    @staticmethod
    def findall(node: ET.Element, path: str) -> list[ET.Element]:
        return node.findall(_q(path))

    def date(self, node: ET.Element | None, path: str, where: str) -> dt.date | None:
        found = self.find(node, path)
        if found is None:
            return None
        value = "".join((found.text or "").split())
        try:
            return dt.datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            raise ValidationError(
                f"expected a date YYYYMMDD at {where}/{path}, got {value!r}",
                field=f"{where}/{path}",
            ) from None

    @staticmethod
    def party_id(node: ET.Element | None) -> PartyId | None:
        if node is None or not (node.text or "").strip():
            return None
        try:
            return PartyId(node.get("schemeID") or "", (node.text or "").strip())
        except ValidationError:
            return None

    def party(self, agreement: ET.Element, tag: str, where: str) -> Party:
        node = self.find(agreement, f"ram:{tag}")
        if node is None:
            raise ValidationError(f"missing {where}/{tag}", field=f"{where}/{tag}")
        name = self.text(node, "ram:Name")
        if not name:
            raise ValidationError(f"missing {where}/{tag}/Name", field=f"{where}/{tag}/Name")
        vat_id = None
        for reg in self.findall(node, "ram:SpecifiedTaxRegistration/ram:ID"):
            if reg.get("schemeID") == "VA":
                vat_id = (reg.text or "").strip() or None
        return Party(
            name=name,
            country=self.text(node, "ram:PostalTradeAddress/ram:CountryID"),
            street=self.text(node, "ram:PostalTradeAddress/ram:LineOne"),
            city=self.text(node, "ram:PostalTradeAddress/ram:CityName"),
            postal_code=self.text(node, "ram:PostalTradeAddress/ram:PostcodeCode"),
            vat_id=vat_id,
            registration=self.party_id(self.find(node, "ram:SpecifiedLegalOrganization/ram:ID")),
            endpoint=self.party_id(self.find(node, "ram:URIUniversalCommunication/ram:URIID")),
            email=self.text(
                node, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"
            )
            or None,
            identifier=self.party_id(self.find(node, "ram:GlobalID"))
            or self.party_id(self.find(node, "ram:ID")),
        )

    def category(self, node: ET.Element | None) -> tuple[str, Decimal]:
        return (
            self.text(node, "ram:CategoryCode") or "S",
            Decimal(self.text(node, "ram:RateApplicablePercent") or "0"),
        )


def from_cii(root: ET.Element) -> EInvoice:
    """Read a parsed CII ``CrossIndustryInvoice`` into an :class:`EInvoice`, keeping its
    amounts as written; raise :class:`~paylink.ValidationError` naming the element path of
    anything missing or unreadable."""
    where = "/CrossIndustryInvoice"
    tx = root.find(_q("rsm:SupplyChainTradeTransaction"))
    header = root.find(_q("rsm:ExchangedDocument"))
    if tx is None or header is None:
        raise ValidationError(
            f"missing {where}/ExchangedDocument or SupplyChainTradeTransaction",
            field="SupplyChainTradeTransaction",
        )
    settlement = tx.find(_q("ram:ApplicableHeaderTradeSettlement"))
    agreement = tx.find(_q("ram:ApplicableHeaderTradeAgreement"))
    sw = f"{where}/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement"
    aw = f"{where}/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement"
    if settlement is None or agreement is None:
        raise ValidationError(f"missing {sw} or {aw}", field="ApplicableHeaderTradeSettlement")
    r = _Reader("EUR")
    currency = r.text(settlement, "ram:InvoiceCurrencyCode")
    if not currency:
        raise ValidationError(f"missing {sw}/InvoiceCurrencyCode", field="InvoiceCurrencyCode")
    r.currency = currency
    number = r.text(header, "ram:ID")
    if not number:
        raise ValidationError(f"missing {where}/ExchangedDocument/ID", field="ID")
    issue_date = r.date(
        header, "ram:IssueDateTime/udt:DateTimeString", f"{where}/ExchangedDocument"
    )
    if issue_date is None:
        raise ValidationError(
            f"missing {where}/ExchangedDocument/IssueDateTime", field="IssueDateTime"
        )
    type_code = r.text(header, "ram:TypeCode")
    lines = []
    for i, node in enumerate(r.findall(tx, "ram:IncludedSupplyChainTradeLineItem"), start=1):
        lw = f"{where}/SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem[{i}]"
        line_settlement = r.find(node, "ram:SpecifiedLineTradeSettlement")
        allowance = charge = None
        allowance_reason = charge_reason = ""
        for ac in r.findall(
            node, "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge"
        ):
            value = r.money(ac, "ram:ActualAmount", lw)
            reason = r.text(ac, "ram:Reason") or r.text(ac, "ram:ReasonCode")
            if r.text(ac, "ram:ChargeIndicator/udt:Indicator") == "true":
                charge = value if charge is None else charge + value
                charge_reason = charge_reason or reason
            else:
                allowance = value if allowance is None else allowance + value
                allowance_reason = allowance_reason or reason
        category, rate = r.category(r.find(line_settlement, "ram:ApplicableTradeTax"))
        quantity = r.find(node, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        lines.append(
            EInvoiceLine(
                id=r.text(node, "ram:AssociatedDocumentLineDocument/ram:LineID") or str(i),
                name=r.text(node, "ram:SpecifiedTradeProduct/ram:Name")
                or r.text(node, "ram:SpecifiedTradeProduct/ram:Description"),
                description=r.text(node, "ram:SpecifiedTradeProduct/ram:Description"),
                quantity=r.number(node, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", lw),
                unit_code=(quantity.get("unitCode") if quantity is not None else None) or "C62",
                price=r.number(
                    node,
                    "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
                    lw,
                ),
                base_quantity=r.number(
                    node,
                    "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity",
                    lw,
                    default="1",
                ),
                net=r.money(
                    line_settlement,
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                    lw,
                ),
                vat_category=category,
                vat_rate=rate,
                allowance=allowance,
                allowance_reason=allowance_reason,
                charge=charge,
                charge_reason=charge_reason,
            )
        )
    if not lines:
        raise ValidationError(f"{where} has no IncludedSupplyChainTradeLineItem", field="lines")
    breakdown = []
    for i, tax in enumerate(r.findall(settlement, "ram:ApplicableTradeTax"), start=1):
        tw = f"{sw}/ApplicableTradeTax[{i}]"
        category, rate = r.category(tax)
        breakdown.append(
            VatSubtotal(
                category=category,
                rate=rate,
                base=r.money(tax, "ram:BasisAmount", tw),
                vat=r.money(tax, "ram:CalculatedAmount", tw),
                exemption_code=r.text(tax, "ram:ExemptionReasonCode"),
                exemption_reason=r.text(tax, "ram:ExemptionReason"),
            )
        )
    extras = []
    for i, ac in enumerate(r.findall(settlement, "ram:SpecifiedTradeAllowanceCharge"), start=1):
        category, rate = r.category(r.find(ac, "ram:CategoryTradeTax"))
        extras.append(
            AllowanceCharge(
                charge=r.text(ac, "ram:ChargeIndicator/udt:Indicator") == "true",
                amount=r.money(ac, "ram:ActualAmount", f"{sw}/SpecifiedTradeAllowanceCharge[{i}]"),
                reason=r.text(ac, "ram:Reason") or r.text(ac, "ram:ReasonCode"),
                vat_category=category,
                vat_rate=rate,
            )
        )
    mw = f"{sw}/SpecifiedTradeSettlementHeaderMonetarySummation"
    m = r.find(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    if m is None:
        raise ValidationError(
            f"missing {mw}", field="SpecifiedTradeSettlementHeaderMonetarySummation"
        )
    vat_total = Money.zero(currency)
    for node in r.findall(m, "ram:TaxTotalAmount"):
        if node.get("currencyID", currency) == currency and (node.text or "").strip():
            vat_total = Money.of((node.text or "").strip(), currency)
    totals = DocumentTotals(
        lines=r.money(m, "ram:LineTotalAmount", mw),
        allowances=r.money(m, "ram:AllowanceTotalAmount", mw, required=False),
        charges=r.money(m, "ram:ChargeTotalAmount", mw, required=False),
        tax_exclusive=r.money(m, "ram:TaxBasisTotalAmount", mw),
        vat=vat_total,
        tax_inclusive=r.money(m, "ram:GrandTotalAmount", mw),
        prepaid=r.money(m, "ram:TotalPrepaidAmount", mw, required=False),
        rounding=r.money(m, "ram:RoundingAmount", mw, required=False),
        payable=r.money(m, "ram:DuePayableAmount", mw),
    )
    means = r.find(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    terms = r.find(settlement, "ram:SpecifiedTradePaymentTerms")
    reference = r.text(settlement, "ram:PaymentReference")
    payment = None
    if means is not None or terms is not None or reference:
        payment = Payment(
            means_code=r.text(means, "ram:TypeCode"),
            iban=r.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID") or None,
            bic=r.text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") or None,
            account_name=r.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName"),
            reference=reference,
            terms=r.text(terms, "ram:Description"),
        )
    return EInvoice(
        kind="credit_note" if type_code == "381" else "invoice",
        number=number,
        issue_date=issue_date,
        currency=currency,
        seller=r.party(agreement, "SellerTradeParty", aw),
        buyer=r.party(agreement, "BuyerTradeParty", aw),
        lines=tuple(lines),
        vat_breakdown=tuple(breakdown),
        totals=totals,
        allowances_charges=tuple(extras),
        due_date=r.date(terms, "ram:DueDateDateTime/udt:DateTimeString", sw),
        delivery_date=r.date(
            tx,
            "ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent/"
            "ram:OccurrenceDateTime/udt:DateTimeString",
            where,
        ),
        buyer_reference=r.text(agreement, "ram:BuyerReference"),
        order_reference=r.text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        preceding_invoice=r.text(settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
        preceding_invoice_date=r.date(
            settlement,
            "ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString",
            sw,
        ),
        note=r.text(header, "ram:IncludedNote/ram:Content"),
        payment=payment,
    )
