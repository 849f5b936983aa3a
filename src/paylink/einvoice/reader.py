"""Reading a received e-invoice, whatever its syntax: UBL 2.1, CII, or a Factur-X PDF."""

from __future__ import annotations

import hashlib
from typing import Literal

import attrs

from ..exceptions import ValidationError
from ..money import Money
from ._xml import parse
from .cii import NS_CII, from_cii
from .model import Attachment, EInvoice
from .ubl import NS_CREDIT_NOTE, NS_INVOICE, from_ubl

__all__ = ["ReceivedDocument", "read", "verify_totals"]

Syntax = Literal["ubl", "cii", "facturx"]


@attrs.frozen(kw_only=True)
class ReceivedDocument:
    """A received e-invoice: what it says (``document``), its syntax, the XML, the PDF when
    it came as Factur-X (or was attached to the UBL), and the SHA-256 of the bytes received."""

    document: EInvoice
    syntax: Syntax
    xml: bytes = attrs.field(repr=False)
    pdf: bytes | None = attrs.field(default=None, repr=False)
    sha256: str

    @property
    def pdf_attachment(self) -> Attachment | None:
        """The visual PDF: the Factur-X file itself, or the first PDF attached to the XML."""
        if self.pdf is not None:
            return Attachment(
                id=self.document.number,
                filename=f"{self.document.number}.pdf",
                media_type="application/pdf",
                content=self.pdf,
            )
        for att in self.document.attachments:
            if att.media_type == "application/pdf":
                return att
        return None


def verify_totals(doc: EInvoice) -> None:
    """Raise :class:`~paylink.ValidationError` when the document's totals do not add up:
    line nets to the line total (BR-CO-10), allowances and charges (BR-CO-11/12), the tax
    exclusive amount (BR-CO-13), the VAT breakdown to the VAT total (BR-CO-14), the amount
    with VAT (BR-CO-15) and the amount due (BR-CO-16). Each message names the element."""
    t = doc.totals
    cur = doc.currency

    def same(expected: Money, found: Money, what: str) -> None:
        if expected != found:
            raise ValidationError(
                f"the totals do not add up: {what} is {found} but the document's figures give"
                f" {expected}",
                field=what,
            )

    same(Money.sum((line.net for line in doc.lines), cur), t.lines, "LineExtensionAmount (BT-106)")
    extras = doc.allowances_charges
    same(Money.sum((e.amount for e in extras if not e.charge), cur), t.allowances,
         "AllowanceTotalAmount (BT-107)")  # fmt: skip
    same(Money.sum((e.amount for e in extras if e.charge), cur), t.charges,
         "ChargeTotalAmount (BT-108)")  # fmt: skip
    same(t.lines - t.allowances + t.charges, t.tax_exclusive, "TaxExclusiveAmount (BT-109)")
    same(Money.sum((v.vat for v in doc.vat_breakdown), cur), t.vat, "TaxAmount (BT-110)")
    same(t.tax_exclusive + t.vat, t.tax_inclusive, "TaxInclusiveAmount (BT-112)")
    same(t.tax_inclusive - t.prepaid + t.rounding, t.payable, "PayableAmount (BT-115)")


def read(data: bytes) -> ReceivedDocument:
    """Read a received UBL Invoice/CreditNote, CII invoice or Factur-X PDF.

    Refuses (:class:`~paylink.ValidationError`, saying what and where) what is not
    well-formed, declares a DOCTYPE or entities, is not a supported document, misses what
    EN 16931 requires, or whose totals do not add up."""
    if not isinstance(data, bytes | bytearray):
        raise ValidationError("expected the file's bytes", field="data")
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    pdf = None
    xml = data
    if data[:5] == b"%PDF-":
        from .facturx import extract_xml

        pdf, xml = data, extract_xml(data)
    root = parse(xml)
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    local = root.tag.rsplit("}", 1)[-1]
    syntax: Syntax
    ubl = (ns, local) in ((NS_INVOICE, "Invoice"), (NS_CREDIT_NOTE, "CreditNote"))
    if ubl:
        if pdf is not None:
            raise ValidationError("a Factur-X PDF carries CII, not UBL", field="pdf")
        document, syntax = from_ubl(root), "ubl"
    elif ns == NS_CII and local == "CrossIndustryInvoice":
        document, syntax = from_cii(root), "facturx" if pdf is not None else "cii"
    else:
        raise ValidationError(
            f"the root element <{local}> ({ns or 'no namespace'}) is not a UBL 2.1 Invoice or"
            " CreditNote nor a CII CrossIndustryInvoice",
            field="/",
        )
    verify_totals(document)
    return ReceivedDocument(document=document, syntax=syntax, xml=xml, pdf=pdf, sha256=digest)
