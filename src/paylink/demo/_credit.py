"""The customer-credit part of ``paylink demo``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..documents import Line
from ..parties import Organization

if TYPE_CHECKING:
    from ..service import Paylink

__all__ = ["demo_credit"]


def demo_credit(pl: Paylink, org: Organization, echo: Callable[[str], None] = print) -> None:
    """A customer pays more than was open: the surplus becomes their credit, pays their next
    invoice, and what is left is paid back; the part comes back, and its credit note pays the
    customer back by transfer."""
    customer = pl.customers.create(org, name="Bakkerij Claes", email="info@claes.example")
    first = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Oven check", quantity="1", unit_price="100.00", vat_rate="21")],
    )
    payment = pl.payments.record(first, "171.00", method="bank_transfer")
    echo(
        f"   {customer.name} paid {payment.amount} for {first.number} ({first.total}): "
        f"credit {pl.customers.balance(customer)}"
    )
    second = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Spare part", quantity="1", unit_price="40.00", vat_rate="21")],
    )
    used = pl.payments.apply_credit(second)
    assert used is not None
    paid = pl.invoices.get(org, second.id)
    echo(
        f"   the credit pays {second.number} ({second.total}): {paid.status}, "
        f"credit left {pl.customers.balance(customer)}"
    )
    entry = pl.payments.refund_credit(customer, note="paid back by transfer")
    echo(f"   {-entry.amount} paid back: credit {pl.customers.balance(customer)}")
    note = pl.invoices.credit(second, reason="spare part returned", settle="refund")
    echo(
        f"   {note.number} takes back {second.number}, already paid: {note.total} paid back "
        f"by transfer, credit {pl.customers.balance(customer)}"
    )
