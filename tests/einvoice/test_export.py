"""Exported e-invoices pass the official rules: UBL 2.1 XSD, EN 16931 (UBL and CII) and
Peppol BIS 3.0, with nothing fatal; and what cannot pass is refused before any file is made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from paylink import Line, ValidationError
from paylink.documents import CreditNote, Invoice
from paylink.einvoice import (
    AllowanceCharge,
    Attachment,
    EInvoice,
    check,
    read,
    to_cii,
    to_ubl,
)
from paylink.money import Money
from paylink.parties import Address, Customer, Organization, PartyId, enterprise_number
from paylink.references import ogm

from .conftest import Validate, make_customer

ISSUED = dt.date(2026, 12, 1)


def _invoice(
    lines: Sequence[Line],
    *,
    number: str = "2026-000101",
    currency: str = "EUR",
    buyer_reference: str = "PO-4711",
    **fields: Any,
) -> Invoice:
    return Invoice(
        id="inv_1",
        organization_id="org_1",
        customer_id="cus_1",
        currency=currency,
        lines=lines,
        status="issued",
        number=number,
        reference=ogm(number),
        issue_date=ISSUED,
        due_date=ISSUED + dt.timedelta(days=30),
        buyer_reference=buyer_reference,
        **fields,
    )


def _both(view: EInvoice, name: str, assert_valid: Validate) -> None:
    """Write UBL and CII, validate both, and read each back to the same totals."""
    ubl = to_ubl(view)
    assert_valid(ubl, f"{name}.ubl.xml")
    cii = to_cii(view)
    assert_valid(cii, f"{name}.cii.xml")
    for data in (ubl, cii):
        back = read(data).document
        assert back.totals == view.totals
        assert back.vat_breakdown == view.vat_breakdown
        assert back.seller.name == view.seller.name and back.buyer.name == view.buyer.name


FRENCH = {
    "id": "cus_fr",
    "name": "Société Lyonnaise de Mécanique SAS",
    "vat_id": "FR40303265045",
    "address": Address(
        street="12 quai Saint-Antoine", postal_code="69002", city="Lyon", country="FR"
    ),
    "endpoint": "0009:30326504500013",
}
GERMAN = {
    "id": "cus_de",
    "name": "Müller & Söhne GmbH",
    "vat_id": "DE136695976",
    "address": Address(
        street="Königsallee 1", postal_code="40212", city="Düsseldorf", country="DE"
    ),
    "endpoint": "9930:DE136695976",
}
DUTCH = {
    "id": "cus_nl",
    "name": "Van der Berg Logistiek B.V.",
    "vat_id": "NL004495445B01",
    "address": Address(street="Damrak 1", postal_code="1012 LG", city="Amsterdam", country="NL"),
    "endpoint": "0106:12345678",
}


def test_every_vat_rate_of_belgium_with_en16931_rounding(
    seller: Organization, buyer: Customer, assert_valid: Validate
) -> None:
    lines = [
        Line(
            description="Labour", quantity="1.5", unit_price="64.99", vat_rate="21", unit_code="HUR"
        ),
        Line(description="Oil filter", quantity="3", unit_price="7.333", vat_rate="21"),
        Line(
            description="Renovation (housing over 10 years)",
            quantity="1",
            unit_price="99.99",
            vat_rate="6",
        ),
        Line(
            description="Catering", quantity="7", unit_price="3.14", vat_rate="12", discount="12.5"
        ),
        Line(description="Newspaper", quantity="1", unit_price="2.50", vat_rate="0"),
    ]
    invoice = _invoice(lines)
    view = EInvoice.of_invoice(invoice, seller, buyer)
    # the VAT of each rate is computed once on that rate's rounded line nets
    assert view.totals.vat == invoice.vat_total
    assert view.totals.payable == invoice.total
    assert [(v.category, v.rate) for v in view.vat_breakdown] == [
        ("Z", Decimal(0)), ("S", Decimal(6)), ("S", Decimal(12)), ("S", Decimal(21))
    ]  # fmt: skip
    _both(view, "rates", assert_valid)


@pytest.mark.parametrize(
    ("category", "fields", "buyer_fields"),
    [
        ("E", {"exemption_reason": "Article 44 §2 of the Belgian VAT Code"}, {}),
        ("E", {"exemption_code": "VATEX-EU-132-1I", "exemption_reason": "Medical care"}, {}),
        ("AE", {}, {}),
        ("K", {}, FRENCH),
        ("K", {}, GERMAN),
        ("G", {}, {"id": "cus_ch", "name": "Zürcher Uhren AG", "vat_id": None,
                   "address": Address(street="Bahnhofstrasse 1", postal_code="8001",
                                      city="Zürich", country="CH"),
                   "endpoint": "0060:123456789"}),
        ("O", {}, {}),
        ("Z", {}, DUTCH),
    ],
)  # fmt: skip
def test_each_vat_category(
    category: str,
    fields: dict[str, str],
    buyer_fields: dict[str, Any],
    seller: Organization,
    assert_valid: Validate,
) -> None:
    buyer = make_customer(seller, **(buyer_fields or {"vat_id": "BE0202239951"}))
    lines = [
        Line(description=f"Service {category}", quantity="2", unit_price="150.00", vat_rate="0",
             vat_category=category, **fields),
        Line(description=f"Goods {category}", quantity="10", unit_price="4.995", vat_rate="0",
             vat_category=category, unit_code="KGM", **fields),
    ]  # fmt: skip
    view = EInvoice.of_invoice(_invoice(lines), seller, buyer)
    assert view.totals.vat == Money.zero("EUR")
    (subtotal,) = view.vat_breakdown
    assert subtotal.category == category
    if category != "Z":
        assert subtotal.exemption_reason or subtotal.exemption_code
    _both(view, f"category-{category}-{buyer.address.country}", assert_valid)


def test_standard_and_exempt_lines_with_document_allowance_and_reminder_fee_charge(
    seller: Organization, buyer: Customer, assert_valid: Validate
) -> None:
    lines = [
        Line(description="Tyres", quantity="4", unit_price="89.90", vat_rate="21"),
        Line(description="Training", quantity="1", unit_price="250", vat_rate="0",
             vat_category="E", exemption_reason="Article 44 of the VAT Code"),
    ]  # fmt: skip
    extras = [
        AllowanceCharge(charge=False, amount=Money.of("20.00", "EUR"), reason="Loyalty discount",
                        vat_category="S", vat_rate=Decimal(21)),
        AllowanceCharge(charge=True, amount=Money.of("15.00", "EUR"), reason="Reminder fees",
                        vat_category="E", vat_rate=Decimal(0)),
    ]  # fmt: skip
    view = EInvoice.of_invoice(_invoice(lines), seller, buyer, allowances_charges=extras)
    assert view.totals.lines == Money.of("609.60", "EUR")
    assert view.totals.tax_exclusive == Money.of("604.60", "EUR")
    # 21 % on 359.60 − 20.00 = 339.60
    assert view.totals.vat == Money.of("71.32", "EUR")
    assert view.totals.payable == Money.of("675.92", "EUR")
    _both(view, "allowances-charges", assert_valid)


@pytest.mark.parametrize("buyer_fields", [FRENCH, GERMAN, DUTCH], ids=["FR", "DE", "NL"])
def test_foreign_buyers_at_the_standard_rate(
    buyer_fields: dict[str, Any], seller: Organization, assert_valid: Validate
) -> None:
    buyer = make_customer(seller, **buyer_fields)
    view = EInvoice.of_invoice(
        _invoice([Line(description="Consulting", quantity="8", unit_price="95", vat_rate="21",
                       unit_code="HUR")]),
        seller,
        buyer,
    )  # fmt: skip
    _both(view, f"foreign-{buyer.address.country}", assert_valid)


def test_large_tiny_long_and_non_latin(seller: Organization, assert_valid: Validate) -> None:
    buyer = make_customer(
        seller,
        name="Ελληνική Εταιρεία Α.Ε. / 株式会社東京 / شركة القاهرة",
        vat_id="BE0202239951",
        address=Address(street="Λεωφόρος Κηφισίας 1", postal_code="1000", city="Bruxelles",
                        country="BE"),
    )  # fmt: skip
    long_text = ("Révision complète du véhicule, pièces et main-d'œuvre comprises; " * 30).strip()
    lines = [
        Line(description="Fleet of 1,000 lorries", quantity="1000", unit_price="999999.99",
             vat_rate="21"),
        Line(description="Screw", quantity="1", unit_price="0.01", vat_rate="21"),
        Line(description="Bolt", quantity="3", unit_price="0.0033", vat_rate="6"),
        Line(description=long_text, quantity="0.25", unit_price="12.34", vat_rate="12"),
        Line(description="日本語の説明 — Ελληνικά — العربية", quantity="2", unit_price="1.005",
             vat_rate="21"),
    ]  # fmt: skip
    invoice = _invoice(lines, notes="Merci — Dank u — Danke — 谢谢 — شكرا")
    view = EInvoice.of_invoice(invoice, seller, buyer)
    assert view.totals.payable == invoice.total
    assert view.totals.tax_inclusive.amount > Decimal("1000000000")
    _both(view, "large-tiny-long", assert_valid)


def test_a_credit_note_refers_to_its_invoice(
    seller: Organization, buyer: Customer, assert_valid: Validate
) -> None:
    invoice = _invoice(
        [Line(description="Brake pads", quantity="2", unit_price="45", vat_rate="21")]
    )
    note = CreditNote(
        id="crn_1",
        organization_id="org_1",
        customer_id="cus_1",
        invoice_id=invoice.id,
        currency="EUR",
        lines=[Line(description="Brake pads (one returned)", quantity="1", unit_price="45",
                    vat_rate="21")],
        number="CN-2026-000001",
        issue_date=ISSUED + dt.timedelta(days=3),
        reason="One part returned",
    )  # fmt: skip
    view = EInvoice.of_credit_note(note, seller, buyer, invoice=invoice)
    assert view.type_code == "381"
    assert view.preceding_invoice == "2026-000101"
    _both(view, "credit-note", assert_valid)
    back = read(to_ubl(view)).document
    assert back.kind == "credit_note"
    assert back.preceding_invoice == "2026-000101"
    assert back.preceding_invoice_date == ISSUED


def test_pdf_attachment_and_vat_based_endpoints(
    seller: Organization, buyer: Customer, assert_valid: Validate
) -> None:
    pdf = b"%PDF-1.4\n% a stand-in for the printed invoice\n%%EOF\n"
    attachment = Attachment(id="2026-000101", filename="2026-000101.pdf",
                            media_type="application/pdf", content=pdf)  # fmt: skip
    view = EInvoice.of_invoice(
        _invoice([Line(description="Service", quantity="1", unit_price="100", vat_rate="21")]),
        seller,
        buyer,
        attachments=[attachment],
        endpoint_by_vat=True,
    )
    assert view.seller.endpoint == PartyId("9925", "BE0403170701")
    assert view.buyer.endpoint == PartyId("9925", "BE0202239951")
    ubl = to_ubl(view)
    assert_valid(ubl, "attachment-9925.ubl.xml")
    assert read(ubl).document.attachments[0].content == pdf


def test_default_endpoint_is_the_enterprise_number(seller: Organization, buyer: Customer) -> None:
    view = EInvoice.of_invoice(
        _invoice([Line(description="S", quantity="1", unit_price="1", vat_rate="21")]),
        seller,
        buyer,
    )
    assert view.seller.endpoint == PartyId("0208", "0403170701")
    assert b'<cbc:EndpointID schemeID="0208">0202239951</cbc:EndpointID>' in to_ubl(view)


# --- refusals -----------------------------------------------------------------------------------


def test_check_names_what_is_missing_in_plain_words(seller: Organization) -> None:
    person = make_customer(seller, id="cus_p", name="Marie Peeters", address=Address())
    draft = Invoice(
        id="inv_d",
        organization_id="org_1",
        customer_id="cus_p",
        currency="EUR",
        lines=[
            Line(description="Repair", quantity="1", unit_price="10", vat_rate="0",
                 vat_category="AE"),
            Line(description="Exempt", quantity="1", unit_price="10", vat_rate="0",
                 vat_category="E"),
        ],
    )  # fmt: skip
    problems = check(EInvoice.of_invoice(draft, seller, person))
    by_field = {p.field: p for p in problems}
    assert "issue it first" in by_field["number"].message
    assert by_field["buyer.endpoint"].message.startswith("the buyer has no enterprise number")
    assert "Peppol needs it to route the invoice" in by_field["buyer.endpoint"].message
    assert by_field["buyer.address.country"].rule == "BR-11"
    assert "reverse charge" in by_field["buyer.vat_id"].message
    assert "must say why" in by_field["lines.exemption_reason"].message
    assert by_field["buyer_reference"].rule == "PEPPOL-EN16931-R003"
    with pytest.raises(ValidationError, match="cannot be written") as raised:
        to_ubl(EInvoice.of_invoice(draft, seller, person))
    for problem in problems:
        assert problem.message in str(raised.value)


def test_cii_does_not_ask_for_peppol_routing(seller: Organization, assert_valid: Validate) -> None:
    person = make_customer(seller, id="cus_p", name="Marie Peeters", email="marie@example.be")
    view = EInvoice.of_invoice(
        _invoice([Line(description="Repair", quantity="1", unit_price="80", vat_rate="21")],
                 buyer_reference=""),
        seller,
        person,
    )  # fmt: skip
    assert {p.field for p in check(view)} == {"buyer.endpoint", "buyer_reference"}
    assert check(view, peppol=False) == []
    assert_valid(to_cii(view), "consumer.cii.xml")
    with pytest.raises(ValidationError, match="buyer has no enterprise number"):
        to_ubl(view)


def test_outside_scope_cannot_mix_with_vat(seller: Organization, buyer: Customer) -> None:
    lines = [
        Line(description="Damages", quantity="1", unit_price="10", vat_rate="0", vat_category="O"),
        Line(description="Parts", quantity="1", unit_price="10", vat_rate="21"),
    ]
    problems = check(EInvoice.of_invoice(_invoice(lines), seller, buyer))
    assert [p.rule for p in problems] == ["BR-O-11"]


def test_domain_invariants() -> None:
    with pytest.raises(ValidationError, match="standard rate"):
        Line(description="x", quantity="1", unit_price="1", vat_rate="0", vat_category="S")
    with pytest.raises(ValidationError, match="rate of 0"):
        Line(description="x", quantity="1", unit_price="1", vat_rate="21", vat_category="K")
    with pytest.raises(ValidationError, match="VAT category"):
        Line(description="x", quantity="1", unit_price="1", vat_rate="0", vat_category="X")
    with pytest.raises(ValidationError, match="Rec 20"):
        Line(description="x", quantity="1", unit_price="1", vat_rate="21", unit_code="hours")
    with pytest.raises(ValidationError, match="VATEX"):
        Line(description="x", quantity="1", unit_price="1", vat_rate="0", vat_category="E",
             exemption_code="ART44")  # fmt: skip
    assert Line(description="x", quantity="1", unit_price="1", vat_rate="0").vat_category == "Z"
    assert enterprise_number("BE 0403.170.701") == "0403170701"
    with pytest.raises(ValidationError, match="modulo 97"):
        enterprise_number("0403170702")
    with pytest.raises(ValidationError, match="modulo 97"):
        PartyId("0208", "0403170702")
    with pytest.raises(ValidationError, match="scheme"):
        PartyId.parse("0403170701")
    org = Organization.create(id="o", name="X", country="BE", vat_id="BE0403170701")
    assert org.registration == PartyId("0208", "0403170701")
    assert Line.from_dict(
        Line(description="x", quantity="1", unit_price="1", vat_rate="0", vat_category="E",
             exemption_reason="why", unit_code="HUR").to_dict()
    ).exemption_reason == "why"  # fmt: skip


def test_the_enterprise_number_follows_the_vat_id(seller: Organization) -> None:
    import attrs

    customer = make_customer(seller, vat_id="BE0202239951")
    assert customer.registration == PartyId("0208", "0202239951")
    fields = attrs.asdict(customer, recurse=False)
    fields.pop("organization_id")
    fields["vat_id"] = "BE0403170701"  # as pl.customers.update passes the old registration
    updated = Customer.create(organization=seller, **fields)
    assert updated.registration == PartyId("0208", "0403170701")
    french = make_customer(seller, vat_id="FR40303265045", registration="0002:303265045")
    assert french.registration == PartyId("0002", "303265045")


def test_an_endpoint_needs_its_scheme(seller: Organization, buyer: Customer) -> None:
    import attrs

    view = EInvoice.of_invoice(
        _invoice([Line(description="S", quantity="1", unit_price="1", vat_rate="21")]),
        seller,
        buyer,
    )
    view = attrs.evolve(view, buyer=attrs.evolve(view.buyer, endpoint=PartyId("", "0202239951")))
    (problem,) = check(view)
    assert problem.field == "buyer.endpoint" and "has no scheme" in problem.message
