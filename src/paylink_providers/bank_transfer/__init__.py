"""Bank transfer: the embedded default payment method, which needs no account anywhere.

The customer is shown the beneficiary, IBAN, BIC, amount and structured reference, and an
EPC069-12 QR code their banking app scans. The money is confirmed later, when the bank
statement is reconciled: never by a button the customer presses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from paylink.exceptions import ValidationError
from paylink.hookspecs import hookimpl
from paylink.ports import Checkout, PaymentRequest
from paylink.qr import epc_payload
from paylink.references import check

__all__ = ["BankTransfer"]


class BankTransfer:
    """Payment by SEPA credit transfer to the organization's own account."""

    name: ClassVar[str] = "bank_transfer"
    label: ClassVar[str] = "Bank transfer"
    supports_refunds: ClassVar[bool] = False

    def __init__(self, **settings: Any) -> None:
        # No credentials: the organization's IBAN and BIC come with each request.
        self._settings = settings

    @property
    def methods(self) -> Sequence[str]:
        """Only ``bank_transfer``."""
        return ("bank_transfer",)

    def start_payment(self, request: PaymentRequest) -> Checkout:
        """Return the transfer instructions and the EPC QR payload for ``request``."""
        if not request.beneficiary_iban:
            raise ValidationError(
                "the organization has no IBAN to receive a bank transfer", field="iban"
            )
        reference = check(request.reference) if request.reference else None
        instructions = {
            "beneficiary": request.beneficiary_name,
            "iban": request.beneficiary_iban,
            "bic": request.beneficiary_bic or "",
            "amount": str(request.amount.amount),
            "currency": request.amount.currency,
            "reference": reference.display if reference else "",
            "text": "" if reference else request.description[:140],
        }
        qr = None
        if request.amount.currency == "EUR" and request.amount.amount > 0:
            qr = epc_payload(
                name=request.beneficiary_name[:70],
                iban=request.beneficiary_iban,
                bic=request.beneficiary_bic,
                amount=request.amount,
                reference=str(reference) if reference else None,
                text=None if reference else request.description[:140],
            )
        return Checkout(
            provider=self.name, method="bank_transfer", instructions=instructions, qr_payload=qr
        )


@hookimpl
def paylink_register_payment_providers(register: Callable[[Any], None]) -> None:
    """Register :class:`BankTransfer`."""
    register(BankTransfer)
