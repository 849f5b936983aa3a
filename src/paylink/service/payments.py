"""``pl.payments``: record money received and allocate it to invoices."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs

from ..documents import Invoice
from ..exceptions import StateError, ValidationError
from ..money import Money
from ..payments import Allocation, Payment, allocate_in_order
from ..providers import Refund
from ..store import documents as doc_queries
from ..store import payments as q
from ._base import Resource, Unit, new_id
from .links import close_paid_links
from .messages import queue_paid_messages

__all__ = ["Payments"]


def apply_payment(
    unit: Unit,
    org_id: str,
    invoices: Sequence[Invoice],
    amount: Money,
    *,
    received_on: dt.date,
    method: str,
    provider: str | None,
    provider_reference: str | None,
    note: str,
    base_url: str,
    customer_id: str | None = None,
    amounts: Sequence[Money] | None = None,
    locked: bool = False,
) -> Payment:
    """Store a payment allocated over ``invoices`` and settle them, inside ``unit``.

    Without ``amounts`` the payment goes to the invoices in order, each up to its open amount;
    with ``amounts`` (one per invoice, as reconciliation proposes) each invoice receives its
    amount, at most what is open. What is not allocated stays on the payment as credit.
    Idempotent per (provider, provider_reference): a payment already recorded under them is
    returned unchanged, so a provider's event or a bank line is never counted twice.
    ``locked`` says the caller read ``invoices`` inside ``unit`` with ``for_update=True``:
    they are current and held, so they are not read again.
    """
    if provider and provider_reference:
        existing = q.find_by_provider_reference(unit.conn, org_id, provider, provider_reference)
        if existing is not None:
            return existing
    current = []
    for inv in invoices:
        if locked:
            fresh: Invoice = inv
        else:
            doc = doc_queries.get_document(unit.conn, org_id, inv.id, "invoice", for_update=True)
            assert isinstance(doc, Invoice)
            fresh = doc
        if fresh.status not in ("issued", "partially_paid"):
            raise StateError(
                f"invoice {fresh.number or fresh.id} is {fresh.status}; it cannot be paid"
            )
        current.append(fresh)
    if amounts is None:
        allocations, _credit = allocate_in_order(amount, [(i.id, i.open_amount) for i in current])
    else:
        if len(amounts) != len(current):
            raise ValidationError("expected one amount per invoice", field="amounts")
        allocations = []
        for inv, part in zip(current, amounts, strict=True):
            if part > inv.open_amount or part.amount <= 0:
                raise ValidationError(
                    f"{part} does not fit invoice {inv.number} ({inv.open_amount} open)",
                    field="amounts",
                )
            allocations.append(Allocation(inv.id, part))
        if Money.sum((a.amount for a in allocations), amount.currency) > amount:
            raise ValidationError("the allocations exceed the payment", field="amounts")
    customers = {i.customer_id for i in current}
    payment = Payment(
        id=new_id("pay"),
        organization_id=org_id,
        amount=amount,
        received_on=received_on,
        method=method,
        provider=provider,
        provider_reference=provider_reference,
        customer_id=customers.pop() if len(customers) == 1 else customer_id,
        allocations=tuple(allocations),
        note=note,
        created_at=unit.now,
    )
    q.insert_payment(unit.conn, payment, unit.now)
    by_id = {i.id: i for i in current}
    organization = unit.organization(org_id)
    for allocation in allocations:
        inv = by_id[allocation.invoice_id]
        updated = attrs.evolve(inv, paid_amount=inv.paid + allocation.amount)
        status = updated.status_after_settlement()
        updated = attrs.evolve(
            updated, status=status, paid_at=unit.now if status == "paid" else None
        )
        doc_queries.update_settlement(unit.conn, updated)
        if status == "paid":
            close_paid_links(unit, updated, base_url, source=method)
            unit.emit("invoice_paid", organization=organization, invoice=updated)
            queue_paid_messages(unit, organization, updated, payment)
    unit.emit("payment_recorded", organization=organization, payment=payment)
    return payment


class Payments(Resource):
    """Record payments; read them back."""

    def record(
        self,
        invoice: Invoice | str | Sequence[Invoice | str],
        amount: Money | str | Decimal | None = None,
        *,
        received_on: dt.date | None = None,
        method: str = "manual",
        provider: str | None = None,
        provider_reference: str | None = None,
        note: str = "",
    ) -> Payment:
        """Record a payment of ``amount`` (default: the open amount) for one invoice or several.

        Several invoices are settled in the order given, each up to its open amount; what
        exceeds them all stays on the payment as customer credit (:attr:`Payment.unallocated`).
        With ``provider`` and ``provider_reference``, recording the same payment twice returns
        the first one and changes nothing.
        """
        items = [invoice] if isinstance(invoice, (Invoice, str)) else list(invoice)
        if not items:
            raise ValidationError("expected at least one invoice", field="invoice")
        with self._ctx.unit() as unit:
            invoices = []
            for item in items:
                doc = doc_queries.get_document(
                    unit.conn,
                    None,
                    item if isinstance(item, str) else item.id,
                    "invoice",
                    for_update=True,  # read once, held until the payment is stored
                )
                assert isinstance(doc, Invoice)
                invoices.append(doc)
            org_ids = {i.organization_id for i in invoices}
            if len(org_ids) != 1:
                raise ValidationError(
                    "the invoices belong to different organizations", field="invoice"
                )
            org = self._org(unit.conn, org_ids.pop())
            currency = invoices[0].currency
            if amount is None:
                money = Money.sum((i.open_amount for i in invoices), currency)
            elif isinstance(amount, Money):
                money = amount
            else:
                money = Money.of(amount, currency)
            return apply_payment(
                unit,
                org.id,
                invoices,
                money,
                received_on=received_on or self._ctx.today(org, unit.now),
                method=method,
                provider=provider,
                provider_reference=provider_reference,
                note=note,
                base_url=self._ctx.base_url,
                locked=True,
            )

    def get(self, org: str, payment_id: str) -> Payment:
        """The payment with this id."""
        with self._ctx.store.transaction() as conn:
            return q.get_payment(conn, org, payment_id)

    def list(self, org: str, *, invoice: Invoice | str | None = None) -> builtins.list[Payment]:
        """The organization's payments, or those allocated to one invoice."""
        invoice_id = invoice.id if isinstance(invoice, Invoice) else invoice
        with self._ctx.store.transaction() as conn:
            return q.list_payments(conn, org, invoice_id=invoice_id)

    # --- refunds through the payment's provider (issue 4) -------------------------------------
    def refund(self, payment: Payment, amount: Money | None = None) -> Refund:
        """Refund ``amount`` (default: what is not refunded yet) of a payment received through
        a provider that supports refunds, and take it off the invoices it paid (their status
        goes back to ``partially_paid`` or ``issued``); returns the
        :class:`~paylink.providers.Refund`. See
        :meth:`paylink.service.providers.Providers.refund`."""
        return self._pl.providers.refund(payment, amount)
