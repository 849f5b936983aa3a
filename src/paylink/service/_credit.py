"""Lower floor: the customer's credit ledger inside a unit of work.

A payment's surplus (what it brought beyond what was open) is credited to its customer once;
credit is taken off when it pays an invoice or is paid back. A unit that takes credit holds
the customer's row first (after the invoices it settles: the lock order is invoices, then the
customer, then links), reads the balance, and only then writes the negative entry, so two
units never spend the same credit.
"""

from __future__ import annotations

from ..documents import CreditNote
from ..exceptions import StateError
from ..money import Money
from ..payments import CreditEntry, Payment
from ..store import credit as q
from ._base import Unit, new_id

__all__ = ["credit_balance", "credit_from_note", "credit_surplus", "take_credit"]


def credit_balance(unit: Unit, org_id: str, customer_id: str, currency: str) -> Money:
    """The customer's credit in ``currency``, with the customer's row held for this unit."""
    q.lock_customer(unit.conn, org_id, customer_id)
    return q.balances(unit.conn, org_id, customer_id).get(currency, Money.zero(currency))


def credit_surplus(unit: Unit, payment: Payment) -> Money:
    """Credit ``payment``'s unallocated part to its customer, once; return what was credited
    (zero when there is no surplus, no customer, or it was credited before)."""
    surplus = payment.unallocated
    if payment.customer_id is None or surplus.amount <= 0 or payment.method == "credit":
        return Money.zero(surplus.currency)
    if q.has_entry(unit.conn, "surplus", payment.id):
        return Money.zero(surplus.currency)
    q.insert_entry(
        unit.conn,
        CreditEntry(
            id=new_id("crd"),
            organization_id=payment.organization_id,
            customer_id=payment.customer_id,
            amount=surplus,
            kind="surplus",
            source_id=payment.id,
            note=f"paid {surplus} beyond what was open",
            created_at=unit.now,
        ),
        unit.now,
    )
    return surplus


def credit_from_note(unit: Unit, note: CreditNote, amount: Money) -> CreditEntry:
    """Credit ``amount`` of ``note`` (the part of the invoice it takes back that was already
    paid) to its customer, once per credit note; the caller holds the invoice. Raises
    StateError naming the note when it was credited before (the store is left as it was)."""
    if amount.amount <= 0:
        raise StateError(f"credit note {note.number} took back nothing that was paid")
    if q.has_entry(unit.conn, "credit_note", note.id):
        raise StateError(f"credit note {note.number} was already settled")
    entry = CreditEntry(
        id=new_id("crd"),
        organization_id=note.organization_id,
        customer_id=note.customer_id,
        amount=amount,
        kind="credit_note",
        source_id=note.id,
        invoice_id=note.invoice_id,
        note=f"credit note {note.number}: {amount} already paid",
        created_at=unit.now,
    )
    q.insert_entry(unit.conn, entry, unit.now)
    return entry


def take_credit(
    unit: Unit,
    org_id: str,
    customer_id: str,
    amount: Money,
    *,
    kind: str,
    source_id: str,
    invoice_id: str | None = None,
    note: str = "",
) -> CreditEntry:
    """Take ``amount`` off the customer's credit; return the ledger entry. The caller has read
    the balance with :func:`credit_balance` in this unit and checked that ``amount`` fits."""
    entry = CreditEntry(
        id=new_id("crd"),
        organization_id=org_id,
        customer_id=customer_id,
        amount=-amount,
        kind=kind,
        source_id=source_id,
        invoice_id=invoice_id,
        note=note,
        created_at=unit.now,
    )
    q.insert_entry(unit.conn, entry, unit.now)
    return entry
