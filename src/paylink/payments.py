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

__all__ = ["Allocation", "CreditEntry", "Payment", "allocate_in_order", "principal_parts"]


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


@attrs.frozen(kw_only=True)
class CreditEntry:
    """One movement of a customer's credit balance.

    ``amount`` is signed: a payment's surplus adds (``kind="surplus"``, ``source_id`` the
    payment), credit applied to an invoice takes off (``kind="applied"``, ``source_id`` the
    payment of method ``"credit"`` that settled ``invoice_id``), credit paid back to the
    customer takes off (``kind="refunded"``, ``source_id`` the refund or the manual record).
    The customer's balance is the sum of their entries.
    """

    id: str
    organization_id: str
    customer_id: str
    amount: Money
    kind: str
    source_id: str
    invoice_id: str | None = None
    note: str = ""
    created_at: dt.datetime | None = None


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


def principal_parts(
    principal: Money, payments: Sequence[tuple[dt.date, Money]]
) -> list[tuple[dt.date, Money]]:
    """How each payment to an invoice moved its principal, principal first: in the order
    received, what has been paid so far settles ``principal`` first and the charged fees
    after it. A payment's part is what it took off the principal (the rest of it paid fees);
    a refund (a negative amount) gives fees back first, so its part is what it put back on the
    principal, negative. Payments and refunds that moved only fees are left out.

    >>> eur = lambda s: Money.of(s, "EUR")
    >>> principal_parts(eur("100"), [(dt.date(2026, 1, 5), eur("60")),
    ...                              (dt.date(2026, 2, 1), eur("55")),
    ...                              (dt.date(2026, 2, 9), eur("-20"))])
    [(datetime.date(2026, 1, 5), Money('60.00', 'EUR')), \
(datetime.date(2026, 2, 1), Money('40.00', 'EUR')), \
(datetime.date(2026, 2, 9), Money('-5.00', 'EUR'))]
    """
    zero = Money.zero(principal.currency)
    paid = zero
    settled = zero  # of the principal
    parts = []
    for day, amount in sorted(payments, key=lambda p: p[0]):
        paid = paid + amount
        now = min(max(paid, zero), principal)
        if now != settled:
            parts.append((day, now - settled))
            settled = now
    return parts
