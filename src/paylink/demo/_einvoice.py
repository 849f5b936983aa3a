"""The e-invoicing part of ``paylink demo``: the demo's invoice and a credit note out as
Peppol UBL and Factur-X, and a supplier's UBL invoice in as a purchase invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..documents import Invoice, Line
from ..einvoice import EInvoice, Party, Payment, to_ubl
from ..exceptions import PaylinkError
from ..parties import Address, Organization, PartyId
from ..references import ogm

__all__ = ["demo_einvoices"]


def _supplier_ubl(org: Organization, number: str = "VD-2026-0412") -> bytes:
    """A supplier's invoice to the organization, as its Peppol access point would deliver it."""
    supplier = Party(
        name="Pneus Van Damme BV",
        country="BE",
        street="Industrieweg 12",
        postal_code="9000",
        city="Gent",
        vat_id="BE0897223670",
        registration=PartyId("0208", "0897223670"),
        endpoint=PartyId("0208", "0897223670"),
    )
    us = Party(
        name=org.name,
        country=org.address.country or org.country,
        street=org.address.street,
        postal_code=org.address.postal_code,
        city=org.address.city,
        vat_id=org.vat_id,
        registration=org.registration,
        endpoint=org.endpoint or org.registration,
    )
    return to_ubl(
        EInvoice.build(
            kind="invoice",
            number=number,
            issue_date=dt.date(2026, 3, 3),
            currency="EUR",
            seller=supplier,
            buyer=us,
            lines=[
                Line(
                    description="Tyres 205/55 R16",
                    quantity="8",
                    unit_price="74.50",
                    vat_rate="21",
                ),
                Line(description="Disposal fee", quantity="8", unit_price="2.35", vat_rate="21"),
            ],
            due_date=dt.date(2026, 4, 2),
            buyer_reference="Garage Dupont",
            payment=Payment(
                means_code="58", iban="BE68539007547034", reference=ogm("2026041200").value
            ),
        )
    )


def demo_einvoices(
    pl: Any,
    org: Organization,
    invoice: Invoice,
    echo: Callable[[str], None] = print,
    *,
    directory: Path = Path("paylink-demo") / "einvoices",
) -> None:
    """Export ``invoice`` (of a company customer) and a credit note as Peppol UBL and
    Factur-X under ``directory``, saying that they pass ``check``; then receive a supplier's
    UBL invoice as a purchase invoice (twice: recorded once)."""
    echo("")
    echo("== E-invoices: Peppol BIS 3.0 (UBL) and Factur-X out, a supplier's UBL in")
    directory.mkdir(parents=True, exist_ok=True)
    customer = pl.customers.get(org, invoice.customer_id)
    if not customer.address.country:
        customer = pl.customers.update(
            customer,
            address=Address(
                street="Place du Parc 3", postal_code="1000", city="Bruxelles", country="BE"
            ),
        )
    problems = pl.einvoices.check(invoice)
    for problem in problems:
        echo(f"   check {invoice.number}: {problem.message}")
    invoice = pl.einvoices.set_references(invoice, buyer_reference=f"{customer.name} / atelier")
    echo(f"   buyer reference set; check now finds {len(pl.einvoices.check(invoice))} problems")
    # a second invoice, wrongly addressed, cancelled by a credit note: both go out
    wrong = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Wheel alignment", quantity="1", unit_price="59", vat_rate="21")],
    )
    pl.einvoices.set_references(wrong, buyer_reference=f"{customer.name} / atelier")
    note = pl.invoices.cancel(wrong, reason="Invoiced to the wrong customer")
    for document in (invoice, note):
        name = (document.number or document.id).replace("/", "-")
        ubl = directory / f"{name}.xml"
        ubl.write_bytes(pl.einvoices.export(document))
        left = len(pl.einvoices.check(document))
        echo(f"   {ubl} (Peppol BIS 3.0 UBL, {left} problems found by check)")
        try:
            pdf = directory / f"{name}-facturx.pdf"
            pdf.write_bytes(pl.einvoices.facturx(document))
            echo(f"   {pdf} (Factur-X PDF/A-3 with its CII XML)")
        except PaylinkError as exc:  # the pdf and einvoice extras are optional
            echo(f"   Factur-X skipped: {exc}")
    data = _supplier_ubl(org)
    path = directory / "received-VD-2026-0412.xml"
    path.write_bytes(data)
    purchase = pl.einvoices.receive(org, data)
    again = pl.einvoices.receive(org, data)
    echo(
        f"   received {path.name}: {purchase.supplier_name} {purchase.supplier_reference},"
        f" {purchase.amount} (VAT {purchase.vat_amount}) due {purchase.due_date},"
        f" pay with {purchase.payment_reference}"
    )
    echo(f"   received again: the same purchase invoice ({again.id == purchase.id})")
