"""The EN 16931 view of a sales document: what every e-invoice syntax writes and reads.

:class:`EInvoice` holds the business terms (BT-…) of the European norm, already computed:
the lines with their net amounts, the document-level allowances and charges, the VAT
breakdown per category and rate, the totals. :meth:`EInvoice.of_invoice` and
:meth:`EInvoice.of_credit_note` build it from paylink's documents and parties; the readers
build it from a received file, keeping its amounts as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import attrs

from ..documents import DEFAULT_EXEMPTIONS, CreditNote, Invoice, Line
from ..money import Money
from ..parties import Customer, Organization, PartyId

__all__ = [
    "AllowanceCharge",
    "Attachment",
    "DocumentTotals",
    "EInvoice",
    "EInvoiceLine",
    "Party",
    "Payment",
    "VatSubtotal",
    "vat_endpoint_scheme",
]

_HUNDRED = Decimal(100)

# Peppol participant schemes (ICD) that are a country's VAT number, for an electronic address
# built from the VAT id when asked for one.
_VAT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "DE": "9930",
    "ES": "9920",
    "FR": "9957",
    "IT": "0211",
    "LU": "9938",
    "NL": "9944",
}


def vat_endpoint_scheme(country: str) -> str | None:
    """The Peppol scheme whose identifiers are this country's VAT numbers (``9925`` for BE)."""
    return _VAT_SCHEMES.get(country.upper())


@attrs.frozen(kw_only=True)
class Party:
    """Seller (BG-4) or buyer (BG-7): names, postal address, VAT id, legal registration
    (BT-30/47), other identifier (BT-29/46), electronic address (BT-34/49)."""

    name: str
    country: str
    street: str = ""
    city: str = ""
    postal_code: str = ""
    vat_id: str | None = None
    registration: PartyId | None = None
    endpoint: PartyId | None = None
    email: str | None = None
    identifier: PartyId | None = None

    @classmethod
    def of(cls, who: Organization | Customer, *, endpoint_by_vat: bool = False) -> Party:
        """The party of an organization or a customer; ``endpoint_by_vat`` makes its
        electronic address its VAT number (scheme 9925 in Belgium) when it has none of its own;
        otherwise its legal registration (0208 in Belgium) serves."""
        # a customer without a country in its address is where its VAT id says it is
        vat_country = (who.vat_id or "")[:2].upper()
        country = (
            who.address.country
            or getattr(who, "country", "")
            or {"EL": "GR", "XI": "GB"}.get(vat_country, vat_country)
        ).upper()
        registration = who.registration
        if registration is None and who.vat_id and who.vat_id.startswith("BE"):
            # parties stored before registrations existed: the enterprise number is the VAT's
            registration = PartyId("0208", who.vat_id[2:])
        endpoint = who.endpoint
        if endpoint is None and endpoint_by_vat and who.vat_id:
            scheme = vat_endpoint_scheme(who.vat_id[:2])
            endpoint = PartyId(scheme, who.vat_id) if scheme else None
        if endpoint is None:
            endpoint = registration
        return cls(
            name=who.name,
            country=country,
            street=who.address.street,
            city=who.address.city,
            postal_code=who.address.postal_code,
            vat_id=who.vat_id,
            registration=registration,
            endpoint=endpoint,
            email=who.email,
        )


@attrs.frozen(kw_only=True)
class EInvoiceLine:
    """An invoice line (BG-25): ``net`` is BT-131, ``price`` the item net price (BT-146) per
    ``base_quantity`` (BT-149); ``allowance`` and ``charge`` the line's own (BG-27/28)."""

    id: str
    name: str
    quantity: Decimal
    unit_code: str
    price: Decimal
    net: Money
    vat_category: str
    vat_rate: Decimal
    base_quantity: Decimal = Decimal(1)
    allowance: Money | None = None
    allowance_reason: str = ""
    charge: Money | None = None
    charge_reason: str = ""
    description: str = ""


@attrs.frozen(kw_only=True)
class AllowanceCharge:
    """A document-level allowance (BG-20) or charge (BG-21), such as a reminder fee."""

    charge: bool
    amount: Money
    reason: str
    vat_category: str
    vat_rate: Decimal = Decimal(0)


@attrs.frozen(kw_only=True)
class VatSubtotal:
    """One row of the VAT breakdown (BG-23): per category and rate."""

    category: str
    rate: Decimal
    base: Money
    vat: Money
    exemption_code: str = ""
    exemption_reason: str = ""


@attrs.frozen(kw_only=True)
class DocumentTotals:
    """Document totals (BG-22)."""

    lines: Money  # BT-106
    allowances: Money  # BT-107
    charges: Money  # BT-108
    tax_exclusive: Money  # BT-109
    vat: Money  # BT-110
    tax_inclusive: Money  # BT-112
    prepaid: Money  # BT-113
    rounding: Money  # BT-114
    payable: Money  # BT-115


@attrs.frozen(kw_only=True)
class Payment:
    """Payment instructions (BG-16): means code (30 credit transfer, 58 SEPA credit transfer),
    the payee's account and the structured reference to quote (BT-83)."""

    means_code: str = "58"
    iban: str | None = attrs.field(default=None, repr=False)
    bic: str | None = None
    account_name: str = ""
    reference: str = ""
    terms: str = ""


@attrs.frozen(kw_only=True)
class Attachment:
    """A supporting document (BG-24) with its content, such as the invoice's PDF."""

    id: str
    filename: str
    media_type: str
    content: bytes = attrs.field(repr=lambda v: f"<{len(v)} bytes>")
    description: str = ""


DocumentKind = Literal["invoice", "credit_note"]


@attrs.frozen(kw_only=True)
class EInvoice:
    """An invoice or credit note in EN 16931 terms, ready to be written as UBL or CII."""

    kind: DocumentKind
    number: str
    issue_date: dt.date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[EInvoiceLine, ...]
    vat_breakdown: tuple[VatSubtotal, ...]
    totals: DocumentTotals
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    due_date: dt.date | None = None
    delivery_date: dt.date | None = None
    buyer_reference: str = ""
    order_reference: str = ""
    preceding_invoice: str = ""
    preceding_invoice_date: dt.date | None = None
    note: str = ""
    payment: Payment | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def type_code(self) -> str:
        """UNCL 1001 document type: 380 commercial invoice, 381 credit note."""
        return "381" if self.kind == "credit_note" else "380"

    # --- building from paylink's documents ---------------------------------------------------

    @classmethod
    def build(
        cls,
        *,
        kind: DocumentKind,
        number: str,
        issue_date: dt.date,
        currency: str,
        seller: Party,
        buyer: Party,
        lines: Iterable[Line],
        allowances_charges: Iterable[AllowanceCharge] = (),
        prepaid: Money | None = None,
        **fields: object,
    ) -> EInvoice:
        """Compute lines, VAT breakdown and totals from paylink :class:`~paylink.Line` values.

        The VAT of each category and rate is computed once on the sum of its rounded line
        nets, allowances and charges (EN 16931), as :func:`paylink.compute_totals` does."""
        zero = Money.zero(currency)
        out_lines: list[EInvoiceLine] = []
        bases: dict[tuple[str, Decimal], Money] = {}
        exemptions: dict[tuple[str, Decimal], tuple[str, str]] = {}
        for i, line in enumerate(lines, start=1):
            net = line.net(currency)
            gross = Money.of(line.quantity * line.unit_price, currency)
            discount = gross - net if line.discount else zero
            out_lines.append(
                EInvoiceLine(
                    id=str(i),
                    name=line.description,
                    quantity=line.quantity,
                    unit_code=line.unit_code,
                    price=line.unit_price,
                    net=net,
                    vat_category=line.vat_category,
                    vat_rate=line.vat_rate,
                    allowance=discount if discount.amount else None,
                    allowance_reason=f"Discount {line.discount.normalize():f} %"
                    if discount.amount
                    else "",
                )
            )
            key = (line.vat_category, line.vat_rate)
            bases[key] = bases.get(key, zero) + net
            if key not in exemptions or not any(exemptions[key]):
                exemptions[key] = line.exemption
        extras = tuple(allowances_charges)
        for extra in extras:
            key = (extra.vat_category, extra.vat_rate)
            signed = extra.amount if extra.charge else -extra.amount
            bases[key] = bases.get(key, zero) + signed
            exemptions.setdefault(key, DEFAULT_EXEMPTIONS.get(extra.vat_category, ("", "")))
        breakdown = tuple(
            VatSubtotal(
                category=category,
                rate=rate,
                base=base,
                vat=Money.of(base.amount * rate / _HUNDRED, currency),
                exemption_code=exemptions[(category, rate)][0] if category != "S" else "",
                exemption_reason=exemptions[(category, rate)][1] if category != "S" else "",
            )
            for (category, rate), base in sorted(bases.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        )
        line_total = Money.sum((line.net for line in out_lines), currency)
        allowances = Money.sum((e.amount for e in extras if not e.charge), currency)
        charges = Money.sum((e.amount for e in extras if e.charge), currency)
        tax_exclusive = line_total - allowances + charges
        vat = Money.sum((v.vat for v in breakdown), currency)
        paid = prepaid or zero
        totals = DocumentTotals(
            lines=line_total,
            allowances=allowances,
            charges=charges,
            tax_exclusive=tax_exclusive,
            vat=vat,
            tax_inclusive=tax_exclusive + vat,
            prepaid=paid,
            rounding=zero,
            payable=tax_exclusive + vat - paid,
        )
        return cls(
            kind=kind,
            number=number,
            issue_date=issue_date,
            currency=currency,
            seller=seller,
            buyer=buyer,
            lines=tuple(out_lines),
            vat_breakdown=breakdown,
            totals=totals,
            allowances_charges=extras,
            **fields,  # type: ignore[arg-type]
        )

    @classmethod
    def of_invoice(
        cls,
        invoice: Invoice,
        seller: Organization,
        buyer: Customer,
        *,
        allowances_charges: Iterable[AllowanceCharge] = (),
        attachments: Iterable[Attachment] = (),
        endpoint_by_vat: bool = False,
    ) -> EInvoice:
        """The view of an issued invoice. A draft has no number or date yet: the view is
        built all the same and :func:`~paylink.einvoice.check` names what is missing."""
        return cls.build(
            kind="invoice",
            number=invoice.number or "",
            issue_date=invoice.issue_date or dt.date.min,
            currency=invoice.currency,
            seller=Party.of(seller, endpoint_by_vat=endpoint_by_vat),
            buyer=Party.of(buyer, endpoint_by_vat=endpoint_by_vat),
            lines=invoice.lines,
            allowances_charges=allowances_charges,
            due_date=invoice.due_date,
            delivery_date=invoice.issue_date,
            buyer_reference=invoice.buyer_reference,
            order_reference=invoice.order_reference,
            note=invoice.notes.strip(),
            payment=_payment(seller, invoice.reference.value if invoice.reference else ""),
            attachments=tuple(attachments),
        )

    @classmethod
    def of_credit_note(
        cls,
        note: CreditNote,
        seller: Organization,
        buyer: Customer,
        *,
        invoice: Invoice | None = None,
        attachments: Iterable[Attachment] = (),
        endpoint_by_vat: bool = False,
    ) -> EInvoice:
        """The view of a credit note; ``invoice`` is the one it credits (its number, date and
        references become the credit note's billing reference)."""
        preceding = note.preceding_invoice_number or (invoice.number if invoice else "") or ""
        return cls.build(
            kind="credit_note",
            number=note.number,
            issue_date=note.issue_date,
            currency=note.currency,
            seller=Party.of(seller, endpoint_by_vat=endpoint_by_vat),
            buyer=Party.of(buyer, endpoint_by_vat=endpoint_by_vat),
            lines=note.lines,
            delivery_date=note.issue_date,
            buyer_reference=note.buyer_reference or (invoice.buyer_reference if invoice else ""),
            order_reference=invoice.order_reference if invoice else "",
            preceding_invoice=preceding,
            preceding_invoice_date=invoice.issue_date if invoice else None,
            note=note.reason.strip(),
            # nothing is paid by transfer: the credit is deducted from what the buyer owes
            payment=Payment(
                means_code="",
                terms=f"Deducted from invoice {preceding}" if preceding else "Credit note",
            ),
            attachments=tuple(attachments),
        )


def _payment(seller: Organization, reference: str, terms: str = "") -> Payment | None:
    if not seller.iban:
        return None
    return Payment(
        means_code="58" if seller.iban[:2] in _SEPA else "30",
        iban=seller.iban,
        bic=seller.bic,
        account_name=seller.name,
        reference=reference,
        terms=terms,
    )


# SEPA countries (IBAN prefixes): a transfer to one of them is a SEPA credit transfer (58).
_SEPA = frozenset(
    {
        "AD", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI",
        "FR", "GB", "GI", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU",
        "LV", "MC", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "SM",
        "VA",
    }
)  # fmt: skip
