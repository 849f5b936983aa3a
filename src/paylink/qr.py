"""EPC069-12 "SCT" QR codes: a SEPA credit transfer a banking app can scan.

The payload is the European Payments Council's format (version 002, UTF-8): beneficiary name,
IBAN, optional BIC, amount in euro, and either a structured creditor reference or free text,
never both. A Belgian structured communication goes in the structured field in its printed form
(``+++123/4567/89002+++``), which Belgian banking apps recognise; an ISO 11649 reference in its
compact form. segno draws the code at error-correction level M, as the guideline asks.

>>> print(epc_payload(name="Garage Dupont", iban="BE71096123456769",
...                   amount=Money.of("108.90", "EUR"), reference="+++090/9337/55493+++"))
BCD
002
1
SCT
<BLANKLINE>
Garage Dupont
BE71096123456769
EUR108.9
<BLANKLINE>
+++090/9337/55493+++
<BLANKLINE>
"""

from __future__ import annotations

from decimal import Decimal

import segno

from .exceptions import ValidationError
from .money import Money
from .parties import normalize_bic, normalize_iban
from .references import check

__all__ = ["epc_payload", "epc_qr"]

_MAX_BYTES = 331


def _amount(amount: Money) -> str:
    if amount.currency != "EUR":
        raise ValidationError(
            f"an EPC QR code carries euro only, got {amount.currency}", field="amount"
        )
    if not Decimal("0.01") <= amount.amount <= Decimal("999999999.99"):
        raise ValidationError(
            f"expected an amount from 0.01 to 999999999.99 EUR, got {amount.amount}", field="amount"
        )
    # The guideline's examples drop trailing zeros ("EUR1", "EUR12.3"); every app accepts it.
    text = format(amount.amount.normalize(), "f")
    return "EUR" + text


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Money | None = None,
    reference: str | None = None,
    text: str | None = None,
    bic: str | None = None,
    purpose: str = "",
    information: str = "",
) -> str:
    """Build the text an EPC QR code carries; raise ValidationError naming a bad field.

    ``reference`` is a structured reference (OGM or RF, checked); ``text`` free remittance
    text (at most 140 characters). Give one or the other.
    """
    if reference and text:
        raise ValidationError(
            "give either a structured reference or a text, not both", field="text"
        )
    name = " ".join(str(name).split())
    if not 1 <= len(name) <= 70:
        raise ValidationError("expected a beneficiary name of 1 to 70 characters", field="name")
    structured = ""
    if reference:
        ref = check(reference)
        structured = str(ref)
    if text and len(text) > 140:
        raise ValidationError("expected at most 140 characters of text", field="text")
    if len(information) > 70:
        raise ValidationError("expected at most 70 characters", field="information")
    if purpose and not (len(purpose) <= 4 and purpose.isalnum() and purpose.isupper()):
        raise ValidationError("expected a 4-letter ISO 20022 purpose code", field="purpose")
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        normalize_bic(bic) if bic else "",
        name,
        normalize_iban(iban),
        _amount(amount) if amount is not None else "",
        purpose,
        structured,
        text or "",
    ]
    if information:
        lines.append(information)
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > _MAX_BYTES:
        raise ValidationError(f"the QR payload exceeds {_MAX_BYTES} bytes; shorten the text")
    return payload


def epc_qr(**fields: object) -> segno.QRCode:
    """Make the EPC QR code (a :class:`segno.QRCode`) for :func:`epc_payload`'s fields.

    Save it with ``.save("pay.png", scale=5)`` or ``.save("pay.svg")``; embed it in HTML with
    ``.svg_inline()`` or ``.png_data_uri()``.
    """
    payload = epc_payload(**fields)  # type: ignore[arg-type]
    return segno.make(payload, error="m", encoding="utf-8", boost_error=False)
