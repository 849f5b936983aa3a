"""Factur-X / ZUGFeRD: a PDF/A-3 whose embedded ``factur-x.xml`` is the CII invoice.

Assembly and extraction go through the ``factur-x`` package (the ``einvoice`` extra), which
checks the XML against the Factur-X schema of its profile before embedding it.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import ValidationError
from ..extras import require

__all__ = ["extract_xml", "facturx_pdf"]


def _facturx() -> Any:
    return require("facturx", extra="einvoice", feature="Factur-X")


def facturx_pdf(pdf_bytes: bytes, cii_xml: bytes, *, lang: str | None = None) -> bytes:
    """Embed ``cii_xml`` (from :func:`~paylink.einvoice.to_cii`) into the invoice's PDF,
    giving a Factur-X PDF/A-3 on the EN 16931 profile."""
    if pdf_bytes[:5] != b"%PDF-":
        raise ValidationError("expected the invoice's PDF (it starts with %PDF-)", field="pdf")
    facturx = _facturx()
    try:
        result = facturx.generate_from_binary(
            pdf_bytes, cii_xml, flavor="factur-x", level="en16931", check_xsd=True, lang=lang
        )
    except Exception as exc:  # the package raises bare Exceptions for schema errors
        raise ValidationError(f"factur-x refused the XML: {exc}", field="facturx") from exc
    return bytes(result)


def extract_xml(pdf_bytes: bytes) -> bytes:
    """The CII XML embedded in a Factur-X / ZUGFeRD PDF; raise when there is none."""
    facturx = _facturx()
    try:
        _name, xml = facturx.get_facturx_xml_from_pdf(pdf_bytes, check_xsd=False)
    except Exception as exc:  # pypdf's errors for a broken PDF, and the package's own
        raise ValidationError(f"not a readable PDF: {exc}", field="pdf") from exc
    if not xml:
        raise ValidationError(
            "the PDF has no embedded factur-x.xml or zugferd-invoice.xml: it is not a Factur-X"
            " invoice",
            field="pdf",
        )
    return bytes(xml)
