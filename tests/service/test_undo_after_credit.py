"""Undoing a bank match after its invoice changed in ways no match makes.

Putting the invoice back as it was before the match would erase a credit note issued since
(its credited amount, the customer credit or the refund it made), a reminder fee charged or a
dispute flag: such an undo is refused, naming the invoice and the credit note, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paylink import Line, Money, Paylink, StateError
from paylink.parties import Customer, Organization
from paylink.reminders import DunningPolicy, Fee, Step

from .test_reconciliation import _dump, _import, _invoice, _line


def _matched(pl: Paylink, org: Organization, customer: Customer, tmp_path: Path, paid: str) -> str:
    """An invoice of 100.00 paid ``paid`` by a bank transfer matched by an undoable run."""
    invoice = _invoice(pl, org, customer, "100.00")
    assert invoice.reference is not None
    _import(pl, org, tmp_path, [_line(1, paid, "Marie Peeters", reference=invoice.reference)])
    assert [a.transaction_id for a in pl.reconciliation.run(org, undoable=True).applied] == [
        "B0001"
    ]
    return invoice.id


@pytest.mark.parametrize("settle", ["credit", "refund"])
def test_a_paid_invoice_credited_with_its_payment_keeps_its_match(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path, settle: str
) -> None:
    invoice_id = _matched(pl, org, customer, tmp_path, "100.00")
    note = pl.invoices.credit(pl.invoices.get(org, invoice_id), settle=settle)
    before = _dump(pl)
    with pytest.raises(StateError) as refused:
        pl.reconciliation.undo(org, "B0001")
    assert str(refused.value) == (
        "the match of transaction B0001 can no longer be undone: invoice 2026-000001 was "
        f"credited (credit note {note.number}) since it was matched"
    )
    assert _dump(pl) == before


def test_a_credit_note_on_the_unpaid_part_is_not_erased_by_an_undo(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    invoice_id = _matched(pl, org, customer, tmp_path, "60.00")
    rest = Line(description="Discount", quantity="1", unit_price="40.00", vat_rate="0")
    note = pl.invoices.credit(pl.invoices.get(org, invoice_id), lines=[rest])
    credited = pl.invoices.get(org, invoice_id)
    assert (credited.status, credited.credited) == ("paid", Money.of("40", "EUR"))
    before = _dump(pl)
    with pytest.raises(StateError, match=f"was credited \\(credit note {note.number}\\)"):
        pl.reconciliation.undo(org, "B0001")
    assert _dump(pl) == before
    assert pl.invoices.get(org, invoice_id).credited == Money.of("40", "EUR")


def test_a_dispute_since_the_match_is_not_erased_by_an_undo(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    invoice_id = _matched(pl, org, customer, tmp_path, "60.00")
    pl.invoices.set_disputed(pl.invoices.get(org, invoice_id))
    before = _dump(pl)
    with pytest.raises(StateError, match="invoice 2026-000001 was marked disputed"):
        pl.reconciliation.undo(org, "B0001")
    assert _dump(pl) == before
    # Once the dispute is lifted the invoice is as the match left it, and the undo goes on.
    pl.invoices.set_disputed(pl.invoices.get(org, invoice_id), False)
    pl.reconciliation.undo(org, "B0001")
    undone = pl.invoices.get(org, invoice_id)
    assert (undone.status, undone.paid, undone.disputed) == ("issued", Money.of("0", "EUR"), False)


def test_a_reminder_fee_charged_since_the_match_is_not_erased_by_an_undo(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    invoice_id = _matched(pl, org, customer, tmp_path, "60.00")
    invoice = pl.invoices.get(org, invoice_id)
    assert invoice.due_date is not None
    step = Step(name="first", offset_days=7, fee=Fee.fixed("15"))
    pl.reminders.set_policy(org, DunningPolicy(steps=(step,), fee_mode="charge"))
    (sent,) = pl.reminders.tick(
        dt.datetime.combine(invoice.due_date + dt.timedelta(days=8), dt.time(9), dt.UTC)
    ).sent
    assert sent.fee == Money.of("15", "EUR")
    before = _dump(pl)
    with pytest.raises(StateError, match="invoice 2026-000001 was charged a reminder fee"):
        pl.reconciliation.undo(org, "B0001")
    assert _dump(pl) == before
