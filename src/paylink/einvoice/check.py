"""What an e-invoice still lacks, in words a merchant understands.

:func:`check` runs before any file is written: the writers refuse a document with problems
rather than produce a file an access point or a tax platform would refuse. Each
:class:`Problem` names the field (as paylink calls it) and, where one applies, the rule of
EN 16931 or Peppol BIS 3.0 that asks for it.
"""

from __future__ import annotations

import attrs

from ..documents import VAT_CATEGORIES
from ..exceptions import ValidationError
from .model import EInvoice, Party

__all__ = ["ALLOWED_ATTACHMENT_TYPES", "Problem", "check", "require_valid"]

ALLOWED_ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
"""Media types an attached document may have (Peppol rule PEPPOL-EN16931-R101 lists them)."""

# VAT categories where the seller must show its VAT id (BR-S-02, BR-Z-02, BR-E-02, BR-AE-02,
# BR-IC-02, BR-G-02) and where the buyer's is needed too (BR-AE-04, BR-IC-04).
_SELLER_VAT = {"S", "Z", "E", "AE", "K", "G"}
_BUYER_VAT = {"AE": "reverse charge", "K": "an intra-community supply"}


@attrs.frozen
class Problem:
    """One thing missing or wrong: ``field`` as paylink names it, ``message`` for the merchant,
    ``rule`` the EN 16931 / Peppol rule id that would refuse the file ("" when none)."""

    field: str
    message: str
    rule: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" [{self.rule}]" if self.rule else "")

    def to_dict(self) -> dict[str, str]:
        """JSON-friendly form."""
        return {"field": self.field, "message": self.message, "rule": self.rule}


def _party(role: str, party: Party, problems: list[Problem], *, peppol: bool) -> None:
    who = "your organization" if role == "seller" else "the buyer"
    if not party.name.strip():
        problems.append(Problem(f"{role}.name", f"{who} has no name", "BR-06"))
    if len(party.country) != 2:
        problems.append(
            Problem(
                f"{role}.address.country",
                f"{who} has no country in its address; the tax rules depend on it",
                "BR-09" if role == "seller" else "BR-11",
            )
        )
    if party.endpoint is None and peppol:
        if role == "buyer":
            message = (
                "the buyer has no enterprise number or Peppol id; Peppol needs it to route the"
                " invoice (give the customer a VAT id, a registration or an endpoint)"
            )
        else:
            message = (
                "your organization has no enterprise number or Peppol id; Peppol needs it to"
                " say who sends the invoice (give it a VAT id, a registration or an endpoint)"
            )
        problems.append(
            Problem(
                f"{role}.endpoint",
                message,
                "PEPPOL-EN16931-R010" if role == "buyer" else "PEPPOL-EN16931-R020",
            )
        )
    if peppol and party.endpoint is not None and not party.endpoint.scheme:
        problems.append(
            Problem(
                f"{role}.endpoint",
                f"{who}'s Peppol id {party.endpoint.value} has no scheme; write it as"
                " scheme:identifier, like 0208:0403170701",
                "PEPPOL-EN16931-R020" if role == "seller" else "PEPPOL-EN16931-R010",
            )
        )
    if party.vat_id and not party.vat_id[:2].isalpha():
        problems.append(
            Problem(
                f"{role}.vat_id",
                f"{who}'s VAT id must start with its country code, like BE0403170701",
                "BR-CO-09",
            )
        )


def check(doc: EInvoice, *, peppol: bool = True) -> list[Problem]:
    """Every problem that would make the e-invoice refused, empty when it can be sent.

    ``peppol`` adds what Peppol BIS 3.0 asks beyond EN 16931 (both parties' electronic
    addresses, a buyer or order reference); a CII file for Factur-X needs EN 16931 only."""
    problems: list[Problem] = []
    what = "credit note" if doc.kind == "credit_note" else "invoice"
    if not doc.number.strip():
        problems.append(Problem("number", f"the {what} has no number yet: issue it first", "BR-02"))
    if doc.issue_date.year < 1900:
        problems.append(Problem("issue_date", f"the {what} has no issue date yet", "BR-03"))
    if not doc.lines:
        problems.append(Problem("lines", f"the {what} has no line", "BR-16"))
    _party("seller", doc.seller, problems, peppol=peppol)
    _party("buyer", doc.buyer, problems, peppol=peppol)
    if peppol and not (doc.buyer_reference.strip() or doc.order_reference.strip()):
        problems.append(
            Problem(
                "buyer_reference",
                "give the buyer's reference or their purchase order number: Peppol requires"
                " one of them (ask the customer what to quote; their name will do if they"
                " have none)",
                "PEPPOL-EN16931-R003",
            )
        )
    categories = {v.category for v in doc.vat_breakdown}
    for i, line in enumerate(doc.lines):
        if line.vat_category not in VAT_CATEGORIES:
            problems.append(
                Problem(
                    f"lines[{i}].vat_category",
                    f"line {line.id} has the unknown VAT category {line.vat_category!r}",
                    "BR-CL-18",
                )
            )
    if categories & _SELLER_VAT and not doc.seller.vat_id:
        problems.append(
            Problem(
                "seller.vat_id",
                "your organization has no VAT id; an invoice with VAT (or a VAT exemption)"
                " must show it",
                "BR-S-02",
            )
        )
    for category, label in _BUYER_VAT.items():
        if category in categories and not doc.buyer.vat_id:
            problems.append(
                Problem(
                    "buyer.vat_id",
                    f"the buyer has no VAT id; {label} ({category}) is only allowed to a"
                    " buyer with a VAT id, which the invoice must show",
                    "BR-AE-04" if category == "AE" else "BR-IC-04",
                )
            )
    if "O" in categories and len(categories) > 1:
        problems.append(
            Problem(
                "lines",
                "a document with lines outside the scope of VAT (O) cannot also have lines"
                " with VAT or a VAT exemption: make two documents",
                "BR-O-11",
            )
        )
    for v in doc.vat_breakdown:
        if v.category not in ("S", "Z") and not (v.exemption_code or v.exemption_reason):
            problems.append(
                Problem(
                    "lines.exemption_reason",
                    f"lines exempt from VAT ({v.category}) must say why: give the legal ground"
                    " as exemption_reason (e.g. 'Article 44 of the VAT Code') or a VATEX code",
                    f"BR-{v.category}-10",
                )
            )
        if v.category == "S" and v.rate <= 0:
            problems.append(
                Problem("lines.vat_rate", "a standard-rated line needs a rate above 0", "BR-S-05")
            )
    if (
        doc.totals.payable.amount > 0
        and doc.due_date is None
        and not (doc.payment and doc.payment.terms)
    ):
        problems.append(
            Problem(
                "due_date",
                f"the {what} has no due date and no payment terms; one of them is required when"
                " something is to pay",
                "BR-CO-25",
            )
        )
    if doc.payment and doc.payment.means_code in ("30", "58") and not doc.payment.iban:
        problems.append(
            Problem(
                "seller.iban",
                "a payment by credit transfer needs your organization's IBAN",
                "BR-61",
            )
        )
    if doc.kind == "credit_note" and not doc.preceding_invoice.strip():
        problems.append(
            Problem(
                "preceding_invoice_number",
                "the credit note does not say which invoice it credits",
                "BR-55",
            )
        )
    for i, att in enumerate(doc.attachments):
        if att.media_type not in ALLOWED_ATTACHMENT_TYPES:
            problems.append(
                Problem(
                    f"attachments[{i}]",
                    f"{att.filename}: attachments of type {att.media_type} are not accepted;"
                    " use PDF, PNG, JPEG, CSV or a spreadsheet",
                    "PEPPOL-EN16931-R101",
                )
            )
    return problems


def require_valid(doc: EInvoice, *, peppol: bool = True) -> None:
    """Raise :class:`~paylink.ValidationError` listing every problem, if there is any."""
    problems = check(doc, peppol=peppol)
    if problems:
        listed = "; ".join(str(p) for p in problems)
        raise ValidationError(
            f"e-invoice {doc.number or '(no number)'} cannot be written: {listed}",
            field=problems[0].field,
        )
