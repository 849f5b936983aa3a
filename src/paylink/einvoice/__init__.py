"""E-invoices: the EN 16931 view of paylink's documents, written and read as UBL 2.1 (Peppol
BIS Billing 3.0), UN/CEFACT CII D16B (EN 16931) and Factur-X PDF.

Pure: no I/O, no store, no clock. ``pl.einvoices`` is the service that uses it.

>>> from paylink.einvoice import check, to_ubl, to_cii, read   # doctest: +SKIP
"""

from __future__ import annotations

from .check import ALLOWED_ATTACHMENT_TYPES, Problem, check, require_valid
from .cii import EN16931_GUIDELINE, from_cii, to_cii
from .facturx import extract_xml, facturx_pdf
from .model import (
    AllowanceCharge,
    Attachment,
    DocumentTotals,
    EInvoice,
    EInvoiceLine,
    Party,
    Payment,
    VatSubtotal,
    vat_endpoint_scheme,
)
from .reader import ReceivedDocument, read, verify_totals
from .ubl import CUSTOMIZATION_ID, PROFILE_ID, from_ubl, to_ubl

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "CUSTOMIZATION_ID",
    "EN16931_GUIDELINE",
    "PROFILE_ID",
    "AllowanceCharge",
    "Attachment",
    "DocumentTotals",
    "EInvoice",
    "EInvoiceLine",
    "Party",
    "Payment",
    "Problem",
    "ReceivedDocument",
    "VatSubtotal",
    "check",
    "extract_xml",
    "facturx_pdf",
    "from_cii",
    "from_ubl",
    "read",
    "require_valid",
    "to_cii",
    "to_ubl",
    "vat_endpoint_scheme",
    "verify_totals",
]
