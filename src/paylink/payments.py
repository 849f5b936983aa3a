"""Payments received and how they are allocated to invoices.

A payment may settle one invoice, part of one, or several at once (a customer paying all their
open invoices in one transfer). What is not allocated stays on the payment as customer credit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from .exceptions import ValidationError
from .money import Money

__all__ = ["Allocation", "Payment", "allocate_in_order"]


@attrs.frozen
class Allocation:
    """The part of a payment that settles one invoice."""

    invoice_id: str
    amount: Money


@attrs.frozen(kw_only=True)
class Payment:
    """Money received from a customer.

    ``method`` is how it came (``"bank_transfer"``, ``"card"``, ``"manual"`` …), ``provider`` the
    plugin that reported it, ``provider_reference`` that provider's id for it (a Stripe payment
    intent, a bank transaction id), unique per provider.
    """

    id: str
    organization_id: str
    amount: Money
    received_on: dt.date
    method: str = "manual"
    provider: str | None = None
    provider_reference: str | None = None
    customer_id: str | None = None
    allocations: tuple[Allocation, ...] = ()
    note: str = ""
    created_at: dt.datetime | None = None

    @property
    def allocated(self) -> Money:
        """The part of the payment allocated to invoices."""
        return Money.sum((a.amount for a in self.allocations), self.amount.currency)

    @property
    def unallocated(self) -> Money:
        """The part not allocated to any invoice: customer credit."""
        return self.amount - self.allocated


def allocate_in_order(
    amount: Money, open_amounts: Sequence[tuple[str, Money]]
) -> tuple[list[Allocation], Money]:
    """Allocate ``amount`` over invoices in the order given, each up to its open amount.

    Returns the allocations and what is left over (customer credit).
    """
    if amount.amount <= 0:
        raise ValidationError(f"expected a positive payment, got {amount}", field="amount")
    left = amount
    allocations = []
    for invoice_id, open_amount in open_amounts:
        if open_amount.currency != amount.currency:
            raise ValidationError(
                f"cannot pay a {open_amount.currency} invoice with {amount.currency}",
                field="currency",
            )
        if left.amount <= 0:
            break
        if open_amount.amount <= 0:
            continue
        part = min(left, open_amount)
        allocations.append(Allocation(invoice_id, part))
        left = left - part
    return allocations, left
