"""``pl.einvoices`` on SQLite and PostgreSQL: stored documents out as valid UBL, CII and
Factur-X; suppliers' e-invoices in as purchase invoices, once, whole or not at all, and paid
through the pain.001 file."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Line, Paylink, ValidationError
from paylink.cli import main
from paylink.einvoice import (
    Attachment,
    EInvoice,
    Party,
    Payment,
    facturx_pdf,
    read,
    to_cii,
    to_ubl,
)
from paylink.parties import Address, Customer, Organization, PartyId
from paylink.payfiles import validate_pain001
from paylink.references import ogm
from paylink.render import html_to_pdf

from .conftest import Validate


@pytest.fixture
def company(pl: Paylink, org: Organization) -> Customer:
    return pl.customers.create(
        org,
        name="Transports Janssens NV",
        vat_id="BE0202239951",
        email="ap@janssens.example",
        address=Address(street="Meir 1", postal_code="2000", city="Antwerpen", country="BE"),
    )


@pytest.fixture
def seller_org(pl: Paylink, org: Organization) -> Organization:
    return pl.organizations.update(
        org,
        address=Address(
            street="Rue de la Loi 16", postal_code="1000", city="Bruxelles", country="BE"
        ),
    )


def test_export_check_and_facturx_of_stored_documents(
    pl: Paylink, seller_org: Organization, company: Customer, assert_valid: Validate
) -> None:
    invoice = pl.invoices.issue(
        seller_org,
        company,
        lines=[
            Line(description="Labour", quantity="2.5", unit_price="64", vat_rate="21",
                 unit_code="HUR"),
            Line(description="Training", quantity="1", unit_price="250", vat_rate="0",
                 vat_category="E", exemption_reason="Article 44 of the VAT Code"),
        ],
    )  # fmt: skip
    stored = pl.invoices.get(seller_org, invoice.id)
    assert stored.lines[0].unit_code == "HUR"
    assert stored.lines[1].vat_category == "E"
    assert stored.lines[1].exemption_reason == "Article 44 of the VAT Code"
    problems = pl.einvoices.check(invoice)
    assert [p.field for p in problems] == ["buyer_reference"]
    with pytest.raises(ValidationError, match="buyer's reference or their purchase order"):
        pl.einvoices.export(invoice)
    assert pl.einvoices.check(invoice, syntax="cii") == []
    pl.einvoices.set_references(invoice, buyer_reference="JANSSENS-PO-77")
    assert pl.einvoices.check(invoice) == []

    ubl = pl.einvoices.export(invoice, attach_pdf=True)
    assert_valid(ubl, f"service-{invoice.number}.ubl.xml")
    received = read(ubl).document
    assert received.totals.payable == invoice.total
    assert received.payment is not None
    assert received.payment.reference == invoice.reference.value  # type: ignore[union-attr]
    assert received.payment.iban == seller_org.iban
    assert received.buyer_reference == "JANSSENS-PO-77"
    (pdf,) = received.attachments
    assert pdf.content.startswith(b"%PDF-")

    assert_valid(pl.einvoices.export(invoice.id, "cii"), f"service-{invoice.number}.cii.xml")
    fx = pl.einvoices.facturx(invoice)
    assert fx.startswith(b"%PDF-")
    assert_valid(fx, f"service-{invoice.number}.pdf")
    assert read(fx).document.totals.payable == invoice.total

    note = pl.invoices.credit(
        invoice,
        lines=[Line(description="Labour (half an hour too much)", quantity="0.5",
                    unit_price="64", vat_rate="21", unit_code="HUR")],
        reason="Hours corrected",
    )  # fmt: skip
    note_xml = pl.einvoices.export(pl.einvoices.find(seller_org, note.number))
    assert_valid(note_xml, f"service-{note.number}.ubl.xml")
    credit = read(note_xml).document
    assert credit.kind == "credit_note"
    assert credit.preceding_invoice == invoice.number
    assert_valid(pl.einvoices.facturx(note), f"service-{note.number}.pdf")


def test_reminder_fees_go_as_a_charge(
    pl: Paylink, seller_org: Organization, company: Customer, assert_valid: Validate
) -> None:
    invoice = pl.invoices.issue(
        seller_org,
        company,
        lines=[Line(description="Tyres", quantity="4", unit_price="80", vat_rate="21")],
    )
    pl.einvoices.set_references(invoice, order_reference="ORD-1")
    from paylink.store import documents as q

    with pl.store.transaction() as conn:
        q.add_fees(conn, invoice.id, 1500)
    xml = pl.einvoices.export(invoice, include_fees=True)
    assert_valid(xml, "service-fees.ubl.xml")
    doc = read(xml).document
    (fee,) = doc.allowances_charges
    assert fee.charge and str(fee.amount) == "15.00 EUR" and fee.reason == "Reminder fees"
    assert doc.totals.payable == invoice.total + fee.amount


def _supplier_invoice(
    buyer: Organization, *, number: str = "F-2026-0889", category: str = "S", rate: str = "21",
    pdf: bytes | None = None,
) -> EInvoice:  # fmt: skip
    supplier = Party(
        name="Pièces Auto Distribution SA",
        country="BE",
        street="Chaussée de Mons 100",
        city="Anderlecht",
        postal_code="1070",
        vat_id="BE0897223670",
        registration=PartyId("0208", "0897223670"),
        endpoint=PartyId("0208", "0897223670"),
    )
    us = Party(
        name=buyer.name,
        country="BE",
        vat_id=buyer.vat_id,
        registration=buyer.registration,
        endpoint=buyer.registration,
    )
    return EInvoice.build(
        kind="invoice",
        number=number,
        issue_date=dt.date(2026, 2, 20),
        currency="EUR",
        seller=supplier,
        buyer=us,
        lines=[
            Line(description="Brake discs", quantity="4", unit_price="62.50", vat_rate=rate,
                 vat_category=category),
            Line(description="Delivery", quantity="1", unit_price="15", vat_rate=rate,
                 vat_category=category),
        ],
        due_date=dt.date(2026, 3, 20),
        buyer_reference="Garage Dupont",
        payment=Payment(means_code="58", iban="BE43068999999501", bic="GKCCBEBB",
                        reference=ogm("0909337554").value),
        attachments=(
            (Attachment(id=number, filename=f"{number}.pdf", media_type="application/pdf",
                        content=pdf),) if pdf else ()
        ),
    )  # fmt: skip


def test_receive_records_once_keeps_everything_and_pays_by_pain001(
    pl: Paylink, org: Organization
) -> None:
    pdf = html_to_pdf("<h1>Facture F-2026-0889</h1>")
    data = to_ubl(_supplier_invoice(org, pdf=pdf))
    purchase = pl.einvoices.receive(org, data)
    assert purchase.supplier_name == "Pièces Auto Distribution SA"
    assert purchase.supplier_iban == "BE43068999999501"
    assert purchase.supplier_reference == "F-2026-0889"
    assert str(purchase.amount) == "320.65 EUR"
    assert str(purchase.vat_amount) == "55.65 EUR"
    assert purchase.due_date == dt.date(2026, 3, 20)
    assert purchase.payment_reference == ogm("0909337554")
    assert purchase.supplier_vat_id == "BE0897223670"
    stored = pl.purchases.get(org, purchase.id)
    assert stored == purchase
    assert [(line.description, line.quantity, line.unit_price) for line in stored.lines] == [
        ("Brake discs", Decimal(4), Decimal("62.50")), ("Delivery", Decimal(1), Decimal(15))
    ]  # fmt: skip
    files = {f.filename: f for f in pl.einvoices.files(org, purchase.id)}
    assert files["invoice.pdf"].content == pdf
    assert files["invoice.ubl.xml"].content == data

    # the same file again, and the same invoice as CII: recorded once
    assert pl.einvoices.receive(org, data).id == purchase.id
    assert pl.einvoices.receive(org, to_cii(_supplier_invoice(org))).id == purchase.id
    # another invoice of the same supplier: the supplier is found again
    second = pl.einvoices.receive(org, to_ubl(_supplier_invoice(org, number="F-2026-0950")))
    assert second.id != purchase.id and second.supplier_id == purchase.supplier_id
    assert [s.name for s in pl.einvoices.suppliers(org)] == ["Pièces Auto Distribution SA"]
    assert len(pl.purchases.list(org)) == 2

    made = pl.purchases.pain001(org)
    validate_pain001(made.xml)
    assert str(made.total) == "641.30 EUR"
    # the supplier's structured reference goes into the transfer's structured remittance
    assert f"<Ref>{ogm('0909337554').value}</Ref>".encode() in made.xml
    assert {o.end_to_end_id for o in made.orders} == {purchase.id, second.id}


def test_receive_a_factur_x_pdf(pl: Paylink, org: Organization) -> None:
    pdf = html_to_pdf("<h1>Facture F-2026-0889</h1>")
    fx = facturx_pdf(pdf, to_cii(_supplier_invoice(org)))
    purchase = pl.einvoices.receive(org, fx)
    assert str(purchase.amount) == "320.65 EUR"
    names = {f.filename for f in pl.einvoices.files(org, purchase.id)}
    assert names == {"factur-x.xml", "invoice.pdf"}


def test_nothing_is_half_recorded(pl: Paylink, org: Organization) -> None:
    # Canary Islands IGIC (L) is valid EN 16931 but no VAT category paylink holds: the supplier
    # made before the lines are read is rolled back with the rest
    data = to_ubl(_supplier_invoice(org, category="S")).replace(
        b"<cbc:ID>S</cbc:ID>", b"<cbc:ID>L</cbc:ID>"
    )
    with pytest.raises(ValidationError, match=r"invoice line 1: .*VAT category"):
        pl.einvoices.receive(org, data)
    assert pl.einvoices.suppliers(org) == []
    assert pl.purchases.list(org) == []
    with pytest.raises(ValidationError, match="do not add up"):
        pl.einvoices.receive(org, data.replace(b">320.65<", b">320.66<"))
    with pytest.raises(ValidationError, match="credit note"):
        pl.einvoices.receive(org, to_ubl(_credit(org)))
    assert pl.purchases.list(org) == []


def _credit(org: Organization) -> EInvoice:
    import attrs

    return attrs.evolve(_supplier_invoice(org), kind="credit_note", preceding_invoice="F-2026-0800")


def test_cli(
    pl: Paylink, seller_org: Organization, company: Customer, db_url: str, tmp_path: Path
) -> None:
    invoice = pl.invoices.issue(
        seller_org,
        company,
        lines=[Line(description="Repair", quantity="1", unit_price="100", vat_rate="21")],
    )
    runner = CliRunner()
    base = ["--db", db_url, "--org", seller_org.id]
    result = runner.invoke(main, ["einvoice", "check", invoice.number or "", *base, "--json"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["problems"][0]["field"] == "buyer_reference"
    result = runner.invoke(
        main, ["einvoice", "export", invoice.number or "", *base, "-o", str(tmp_path / "x.xml")]
    )
    assert result.exit_code != 0 and "buyer's reference" in result.output
    pl.einvoices.set_references(invoice, buyer_reference="REF-1")
    result = runner.invoke(main, ["einvoice", "check", invoice.number or "", *base])
    assert result.exit_code == 0, result.output
    for syntax in ("ubl", "cii", "facturx"):
        out = tmp_path / f"out.{syntax}"
        result = runner.invoke(
            main,
            ["einvoice", "export", invoice.number or "", *base, "--syntax", syntax, "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        assert read(out.read_bytes()).document.number == invoice.number
    supplier_file = tmp_path / "supplier.xml"
    supplier_file.write_bytes(to_ubl(_supplier_invoice(seller_org)))
    result = runner.invoke(main, ["einvoice", "receive", str(supplier_file), *base, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["amount"] == "320.65"
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Invoice>")
    result = runner.invoke(main, ["einvoice", "receive", str(broken), *base])
    assert result.exit_code != 0 and "not well-formed" in result.output


def test_the_demo_writes_valid_e_invoices(tmp_path: Path, assert_valid: Validate) -> None:
    from paylink.demo import run_demo

    printed: list[str] = []
    run_demo(directory=tmp_path / "demo", echo=printed.append).close()
    folder = tmp_path / "demo" / "einvoices"
    files = sorted(folder.iterdir())
    assert {f.suffix for f in files} == {".xml", ".pdf"}
    assert len(files) == 5
    for path in files:
        assert_valid(path.read_bytes(), f"demo-{path.name}")
    text = "\n".join(printed)
    assert "0 problems found by check" in text
    assert "received again: the same purchase invoice (True)" in text


def test_a_supplier_without_vat_id_is_found_by_its_iban(pl: Paylink, org: Organization) -> None:
    import attrs

    first = pl.einvoices.receive(org, to_ubl(_supplier_invoice(org)))
    # outside the scope of VAT (O): the invoice shows no VAT id, only the account to pay
    later = _supplier_invoice(org, number="F-2026-1001", category="O", rate="0")
    later = attrs.evolve(later, seller=attrs.evolve(later.seller, vat_id=None, registration=None))
    second = pl.einvoices.receive(org, to_ubl(later))
    assert second.supplier_id == first.supplier_id
    assert second.vat_amount is not None and second.vat_amount.amount == 0
    assert len(pl.einvoices.suppliers(org)) == 1
