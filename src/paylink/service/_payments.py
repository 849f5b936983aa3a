"""Lower floor: money in and out inside a unit of work.

Settle a payment over invoices, settle a payment link, apply a verified provider event's
payment, and take a refund off the invoices it paid. Every function takes the invoice locks
first (ascending id), then reads or updates the links (the lock order of
:mod:`paylink.service._base`), so a webhook, a manual payment and a reconciliation match of the
same invoice wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

from ..documents import Invoice
from ..exceptions import StateError, ValidationError
from ..links import Addresses, PaymentLink
from ..money import Money
from ..payments import Allocation, Payment, allocate_in_order
from ..providers import Refund
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import payments as q
from ..store import providers as provider_queries
from ._base import Unit, local_date, new_id
from ._credit import credit_balance, credit_surplus, take_credit
from ._links import close_paid_links, mark_link
from ._messages import queue_paid_messages

__all__ = [
    "apply_credit",
    "apply_credit_to_open",
    "apply_payment",
    "apply_refund",
    "link_amount_due",
    "lock_invoices",
    "settle_link",
]


def lock_invoices(unit: Unit, org_id: str | None, invoice_ids: Sequence[str]) -> list[Invoice]:
    """Read the invoices locked (``FOR UPDATE`` on PostgreSQL), in the order given.

    The locks are taken in ascending id order whatever the order asked for, so two units
    locking overlapping sets never wait for each other in a circle.
    """
    locked: dict[str, Invoice] = {}
    for invoice_id in sorted(set(invoice_ids)):
        doc = doc_queries.get_document(unit.conn, org_id, invoice_id, "invoice", for_update=True)
        assert isinstance(doc, Invoice)
        locked[invoice_id] = doc
    return [locked[i] for i in invoice_ids]


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
    addresses: Addresses,
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
    ``locked`` says the caller read ``invoices`` inside ``unit`` with :func:`lock_invoices`:
    they are current and held, so they are not read again.
    """
    current = (
        list(invoices) if locked else lock_invoices(unit, org_id, [inv.id for inv in invoices])
    )
    # Checked once the invoices are held: a concurrent unit recording the same provider
    # payment has committed by now, and its payment is seen here.
    if provider and provider_reference:
        existing = q.find_by_provider_reference(unit.conn, org_id, provider, provider_reference)
        if existing is not None:
            return existing
    for fresh in current:
        if fresh.status not in ("issued", "partially_paid"):
            raise StateError(
                f"invoice {fresh.number or fresh.id} is {fresh.status}; it cannot be paid"
            )
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
        updated = inv.settled(inv.paid + allocation.amount, unit.now)
        doc_queries.update_settlement(unit.conn, updated)
        if updated.status == "paid":
            close_paid_links(unit, updated, addresses, source=method)
            unit.emit("invoice_paid", organization=organization, invoice=updated)
            queue_paid_messages(unit, organization, updated, payment)
    unit.emit("payment_recorded", organization=organization, payment=payment)
    if credit_surplus(unit, payment).amount > 0 and organization.apply_credit_automatically:
        assert payment.customer_id is not None
        apply_credit_to_open(unit, org_id, payment.customer_id, addresses)
    return payment


def settle_link(
    unit: Unit,
    link_id: str,
    addresses: Addresses,
    *,
    amount: Money | None,
    method: str,
    provider: str | None,
    provider_reference: str | None,
    received_on: dt.date | None,
) -> Payment:
    """Record the payment that came through link ``link_id`` and mark the link paid.

    The invoices the link settles are locked first, then the link (the lock order). Without
    ``amount`` the payment is what the link costs now (the invoices' open amounts, or the
    requested amount). Invoices already paid take nothing: what they no longer need stays on
    the payment as the customer's credit, never lost. Raises
    :class:`~paylink.exceptions.StateError` for an expired or cancelled link.
    """
    first = link_queries.get_link(unit.conn, link_id, addresses)
    invoices = lock_invoices(unit, first.organization_id, first.settles)
    link = link_queries.get_link(unit.conn, link_id, addresses, for_update=True)
    if link.status in ("expired", "cancelled"):
        raise StateError(f"the link is {link.status}")
    open_invoices = [i for i in invoices if i.open_amount.amount > 0]
    if amount is None:
        # What is owed now (partial payments, credit notes and charged reminder fees moved it
        # since the link was made), or the requested amount.
        amount = (
            Money.sum((i.open_amount for i in open_invoices), link.amount.currency)
            if link.settles
            else link.amount
        )
    organization = unit.organization(link.organization_id)
    payment = apply_payment(
        unit,
        organization.id,
        open_invoices,
        amount,
        received_on=received_on or local_date(unit.now, organization),
        method=method,
        provider=provider,
        provider_reference=provider_reference,
        note=link.description,
        customer_id=link.customer_id,
        addresses=addresses,
        locked=True,
    )
    mark_link(unit, link_queries.get_link(unit.conn, link.id, addresses), "paid", source=method)
    return payment


def link_amount_due(unit: Unit, link: PaymentLink) -> Money:
    """What paying through ``link`` costs now: the open amount of its invoice(s), which
    partial payments and credit notes reduce and charged reminder fees raise, or the
    requested amount."""
    if not link.settles:
        return link.amount
    docs = [doc_queries.get_document(unit.conn, None, i, "invoice") for i in link.settles]
    return Money.sum((d.open_amount for d in docs if isinstance(d, Invoice)), link.amount.currency)


def apply_refund(
    unit: Unit,
    payment: Payment,
    amount: Money,
    *,
    provider: str | None,
    provider_reference: str | None,
    status: str,
) -> Refund:
    """Store a refund of ``payment`` and take it off the invoices it paid, inside ``unit``.

    Customer credit (the unallocated part) is refunded first, then the invoices the payment
    settled, last one first; each invoice's status follows its open amount back
    (``partially_paid`` or ``issued``).
    """
    # The invoices first (the lock order), before the refunds already made are read.
    locked = {
        i.id: i
        for i in lock_invoices(
            unit, payment.organization_id, [a.invoice_id for a in payment.allocations]
        )
    }
    previous = provider_queries.refunds_of(unit.conn, payment.id)
    taken: dict[str, Money] = {}
    for refund in previous:
        for invoice_id, part in refund.allocations:
            taken[invoice_id] = taken.get(invoice_id, Money.zero(amount.currency)) + part
    refunded_credit = Money.sum((r.amount for r in previous), amount.currency) - Money.sum(
        taken.values(), amount.currency
    )
    from_credit = min(amount, payment.unallocated - refunded_credit)
    if payment.customer_id is not None and from_credit.amount > 0:
        # Only what is still credit can be paid back from it: credit the customer spent on
        # another invoice comes off the invoices this payment settled instead.
        from_credit = min(
            from_credit,
            credit_balance(unit, payment.organization_id, payment.customer_id, amount.currency),
        )
    left = amount - max(from_credit, Money.zero(amount.currency))
    parts: list[tuple[str, Money]] = []
    for allocation in reversed(payment.allocations):
        if left.amount <= 0:
            break
        available = allocation.amount - taken.get(
            allocation.invoice_id, Money.zero(amount.currency)
        )
        part = min(left, available)
        if part.amount <= 0:
            continue
        doc = locked[allocation.invoice_id]
        updated = attrs.evolve(doc, paid_amount=doc.paid - part)
        if doc.status in ("paid", "partially_paid", "issued"):
            updated = attrs.evolve(updated, status=updated.status_after_settlement(), paid_at=None)
        doc_queries.update_settlement(unit.conn, updated)
        locked[allocation.invoice_id] = updated
        parts.append((allocation.invoice_id, part))
        left = left - part
    refund = Refund(
        id=new_id("rfd"),
        organization_id=payment.organization_id,
        payment_id=payment.id,
        amount=amount,
        status=status,
        provider=provider,
        provider_reference=provider_reference,
        allocations=tuple(parts),
        created_at=unit.now,
    )
    provider_queries.insert_refund(unit.conn, refund, unit.now)
    if payment.customer_id is not None and from_credit.amount > 0:
        take_credit(
            unit,
            payment.organization_id,
            payment.customer_id,
            from_credit,
            kind="refunded",
            source_id=refund.id,
            note=f"refunded from payment {payment.id}",
        )
    return refund


def apply_credit(
    unit: Unit,
    invoice: Invoice,
    addresses: Addresses,
    *,
    amount: Money | None = None,
) -> Payment | None:
    """Pay ``invoice`` (read with :func:`lock_invoices` in ``unit``) from its customer's
    credit: ``amount`` (default: as much as the credit and the open amount allow). Returns
    the payment of method ``"credit"`` that settles it, or None when there is nothing to
    apply. The customer's row is held before the balance is read, so the same credit is
    never spent twice. Raises ValidationError when ``amount`` exceeds the credit or what is
    open."""
    balance = credit_balance(unit, invoice.organization_id, invoice.customer_id, invoice.currency)
    if amount is not None:
        if amount.amount <= 0:
            raise ValidationError(f"expected a positive amount, got {amount}", field="amount")
        if amount > balance:
            raise ValidationError(
                f"{amount} exceeds the customer's credit ({balance})", field="amount"
            )
        if amount > invoice.open_amount:
            raise ValidationError(
                f"{amount} exceeds what is open on invoice {invoice.number} "
                f"({invoice.open_amount})",
                field="amount",
            )
        take = amount
    else:
        take = min(balance, invoice.open_amount)
    if take.amount <= 0 or invoice.status not in ("issued", "partially_paid"):
        return None
    organization = unit.organization(invoice.organization_id)
    payment = apply_payment(
        unit,
        invoice.organization_id,
        [invoice],
        take,
        received_on=local_date(unit.now, organization),
        method="credit",
        provider=None,
        provider_reference=None,
        note="customer credit",
        addresses=addresses,
        locked=True,
    )
    take_credit(
        unit,
        invoice.organization_id,
        invoice.customer_id,
        take,
        kind="applied",
        source_id=payment.id,
        invoice_id=invoice.id,
        note=f"applied to invoice {invoice.number}",
    )
    return payment


def apply_credit_to_open(
    unit: Unit, org_id: str, customer_id: str, addresses: Addresses
) -> list[Payment]:
    """Apply the customer's credit to their open invoices, oldest due first, while it lasts.

    The invoices are locked in id order before the customer's row (the lock order)."""
    candidates = [
        d
        for d in doc_queries.list_documents(
            unit.conn, org_id, "invoice", customer_id=customer_id,
            statuses=("issued", "partially_paid"),
        )
        if isinstance(d, Invoice)
    ]  # fmt: skip
    if not candidates:
        return []
    locked = lock_invoices(unit, org_id, [i.id for i in candidates])
    locked.sort(key=lambda i: (i.due_date or dt.date.max, i.number or "", i.id))
    paid: list[Payment] = []
    for invoice in locked:
        if invoice.open_amount.amount <= 0 or invoice.disputed:
            continue
        payment = apply_credit(unit, invoice, addresses)
        if payment is not None:
            paid.append(payment)
    return paid
