"""Reconciliation against the store: apply, review, accept (and learn), reject."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import (
    FixedClock,
    Line,
    Money,
    NotFound,
    Paylink,
    StateError,
    ValidationError,
    hookimpl,
)
from paylink.parties import Customer, Organization
from paylink.plugins import Plugins, get_plugin_manager
from paylink.store.schema import metadata
from paylink.testing import StatementLine, camt053

from ..conftest import BASE_URL


def _line(n: int, amount: str, name: str, **kw: Any) -> StatementLine:
    return StatementLine(
        amount=Money.of(amount, "EUR"),
        booking_date=dt.date(2026, 3, 9),
        bank_reference=f"B{n:04d}",
        counterparty_name=name,
        **kw,
    )


def _import(
    pl: Paylink, org: Organization, tmp_path: Path, lines: list[StatementLine], name: str = "s.xml"
) -> None:
    path = tmp_path / name
    path.write_bytes(
        camt053(
            account_iban="BE71096123456769",
            statement_id=name,
            opening=Money.of("0", "EUR"),
            lines=lines,
            created_at=dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC),
        )
    )
    pl.statements.import_file(org, path)


def _invoice(pl: Paylink, org: Organization, customer: Customer, amount: str) -> Any:
    return pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Work", quantity="1", unit_price=amount, vat_rate="0")],
    )


def test_confident_matches_are_applied_once(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    a = _invoice(pl, org, customer, "100.00")
    b = _invoice(pl, org, customer, "40.00")
    link = pl.links.create(a)
    _import(
        pl,
        org,
        tmp_path,
        [
            _line(1, "100.00", "M PEETERS", reference=a.reference),
            _line(2, "15.00", "Someone", text="no idea"),
        ],
    )
    run = pl.reconciliation.run(org)
    assert [(m.transaction_id, m.invoices, m.rule) for m in run.applied] == [
        ("B0001", (a.number,), "exact_reference")
    ]
    assert run.unmatched == ("B0002",)
    assert pl.invoices.get(org, a.id).status == "paid"
    assert pl.invoices.get(org, b.id).status == "issued"
    assert pl.links.get(org, link.id).status == "paid"
    [payment] = pl.payments.list(org.id, invoice=a)
    assert payment.provider == "bank" and payment.provider_reference == "BE71096123456769:B0001"
    assert payment.received_on == dt.date(2026, 3, 9)
    assert [t.id for t in pl.statements.transactions(org, status="matched")] == ["B0001"]
    again = pl.reconciliation.run(org)
    assert again.applied == () and again.unmatched == ("B0002",)
    assert len(pl.payments.list(org.id)) == 1


def test_review_accept_teaches_the_iban_and_name(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    first = _invoice(pl, org, customer, "80.00")
    # Known IBAN, 0.50 short (bank charges): within tolerance, so proposed for review only.
    _import(
        pl,
        org,
        tmp_path,
        [
            _line(1, "79.50", "Peeters-Janssens M.", counterparty_iban="BE62510007547061"),
        ],
    )
    run = pl.reconciliation.run(org, tolerance="1.00")
    assert run.applied == ()
    [item] = pl.reconciliation.review(org)
    assert item.transaction.id == "B0001"
    assert item.proposal.invoice_numbers == (first.number,)
    assert item.proposal.rule == "customer_tolerance"
    applied = pl.reconciliation.accept(org, "B0001")
    assert applied.invoices == (first.number,)
    assert pl.invoices.get(org, first.id).open_amount == Money.of("0.50", "EUR")
    assert pl.reconciliation.review(org) == []
    # Next month: the name a person confirmed is enough, with an exact amount.
    later = _invoice(pl, org, customer, "33.00")
    _import(pl, org, tmp_path, [_line(2, "33.00", "PEETERS-JANSSENS M.")], "u.xml")
    run = pl.reconciliation.run(org)
    assert [(m.invoices, m.rule) for m in run.applied] == [((later.number,), "learned_name")]


def test_an_accepted_iban_is_learned(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    first = _invoice(pl, org, customer, "80.00")
    _import(
        pl,
        org,
        tmp_path,
        [
            _line(1, "79.00", "Marie Peeters", counterparty_iban="BE43068999999501"),
        ],
    )
    pl.reconciliation.run(org, tolerance="1.00")
    [item] = pl.reconciliation.review(org)
    assert item.proposal.invoice_numbers == (first.number,)
    pl.reconciliation.accept(org, "B0001")
    assert "BE43068999999501" in pl.customers.get(org, customer.id).ibans
    third = _invoice(pl, org, customer, "55.00")
    _import(
        pl, org, tmp_path, [_line(2, "55.00", "M", counterparty_iban="BE43068999999501")], "t.xml"
    )
    run = pl.reconciliation.run(org)
    assert [(m.invoices, m.rule) for m in run.applied] == [((third.number,), "iban_amount")]


def test_a_rejected_pairing_comes_back_with_lower_confidence(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    _invoice(pl, org, customer, "90.00")
    _import(pl, org, tmp_path, [_line(1, "89.50", "X", counterparty_iban="BE62510007547061")])
    pl.reconciliation.run(org, tolerance="1.00")
    [before] = pl.reconciliation.review(org)
    pl.reconciliation.reject(org, "B0001")
    assert pl.reconciliation.review(org) == []
    with pytest.raises(NotFound):
        pl.reconciliation.accept(org, "B0001")
    # even with a threshold the first proposal would have passed, it is not applied by itself
    run = pl.reconciliation.run(org, tolerance="1.00", auto_threshold=0.01)
    assert run.applied == ()
    [again] = run.review
    assert again.invoice_numbers == before.proposal.invoice_numbers
    assert again.confidence == pytest.approx(before.proposal.confidence / 2, abs=1e-4)
    assert "rejected this pairing before" in again.explanation
    pl.reconciliation.reject(org, "B0001")  # refused again: still only lowered, once
    [third] = pl.reconciliation.run(org, tolerance="1.00").review
    assert third.confidence == again.confidence


def test_purchases_and_quick_requests(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    purchase = pl.purchases.create(
        org,
        supplier_name="Supplier SA",
        supplier_iban="BE43068999999501",
        amount="250.00",
        due_date=dt.date(2026, 3, 20),
        supplier_reference="F-1",
        payment_reference="+++090/9337/55493+++",
    )
    pl.purchases.pain001(org)
    request = pl.links.request(org, customer, amount="25.00", description="Deposit")
    _import(
        pl,
        org,
        tmp_path,
        [
            _line(
                1,
                "-250.00",
                "Supplier SA",
                counterparty_iban="BE43068999999501",
                end_to_end_id=purchase.id,
            ),
            _line(2, "25.00", "Marie", text=f"deposit {request.reference}"),
        ],
    )
    run = pl.reconciliation.run(org)
    assert {m.rule for m in run.applied} == {"purchase_payment", "exact_reference"}
    assert pl.purchases.get(org, purchase.id).status == "paid"
    assert pl.links.get(org, request.id).status == "paid"
    [payment] = pl.payments.list(org.id)
    assert payment.unallocated == Money.of("25", "EUR") and payment.customer_id == customer.id


def test_events_fire_for_reconciled_payments(
    db_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    seen: list[str] = []

    class Listener:
        @hookimpl
        def paylink_invoice_paid(self, invoice: Any) -> None:
            seen.append(str(invoice.number))

    pl = Paylink(
        Paylink.open(db_url).store,
        clock=clock,
        plugins=Plugins(get_plugin_manager(plugins=[Listener()])),
        base_url=BASE_URL,
    )
    org = pl.organizations.create(name="A", country="BE", iban="BE71096123456769")
    cust = pl.customers.create(org, name="B")
    inv = _invoice(pl, org, cust, "12.00")
    _import(pl, org, tmp_path, [_line(1, "12.00", "B", reference=inv.reference)])
    pl.reconciliation.run(org)
    assert seen == [inv.number]
    pl.close()


def test_a_manual_match_teaches_a_payer_the_engine_never_proposed(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    first = _invoice(pl, org, customer, "70.00")
    other = _invoice(pl, org, customer, "30.00")
    # a name the engine cannot tie to the customer, an amount no single invoice has
    _import(pl, org, tmp_path, [_line(1, "105.00", "Garage Tante Jeanne")])
    run = pl.reconciliation.run(org)
    assert run.applied == () and "B0001" in run.unmatched
    applied = pl.reconciliation.match(org, "B0001", [first.number, other], amounts=["70", "30"])
    assert applied.invoices == (first.number, other.number) and applied.rule == "manual"
    assert pl.invoices.get(org, first.id).status == "paid"
    assert pl.invoices.get(org, other.id).status == "paid"
    assert pl.customers.balance(customer) == Money.of("5", "EUR")  # the surplus is credit
    with pytest.raises(NotFound):
        pl.reconciliation.match(org, "B0001", first)  # matched once
    [(name, cid, source)] = pl.reconciliation.learned(org)
    assert (name, cid) == ("Garage Tante Jeanne", customer.id)
    assert "manual match of transaction B0001" in source
    # next month the engine proposes that payer's payment by itself, and says who taught it
    later = _invoice(pl, org, customer, "44.00")
    _import(pl, org, tmp_path, [_line(2, "44.00", "GARAGE TANTE JEANNE")], "n.xml")
    run = pl.reconciliation.run(org)
    assert [(m.invoices, m.rule) for m in run.applied] == [((later.number,), "learned_name")]
    assert "learned from a manual match of transaction B0001" in run.applied[0].explanation


def test_a_manual_match_of_a_debit_pays_purchase_invoices_and_refuses_bad_amounts(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    purchase = pl.purchases.create(
        org, supplier_name="Supplier SA", supplier_iban="BE43068999999501", amount="80.00",
        due_date=dt.date(2026, 3, 20), supplier_reference="F-9",
    )  # fmt: skip
    invoice = _invoice(pl, org, customer, "10.00")
    _import(pl, org, tmp_path, [_line(1, "-80.00", "Someone")])
    pl.reconciliation.run(org)
    with pytest.raises(ValidationError, match="purchase invoices"):
        pl.reconciliation.match(org, "B0001", invoice)
    with pytest.raises(ValidationError, match="does not fit"):
        pl.reconciliation.match(org, "B0001", purchase, amounts=["81"])
    applied = pl.reconciliation.match(org, "B0001", purchase)
    assert applied.payment_id is None and applied.invoices == ("F-9",)
    assert pl.purchases.get(org, purchase.id).status == "paid"


def _dump(pl: Paylink) -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    with pl.store.transaction() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            for table in metadata.sorted_tables
        }


def test_an_undo_leaves_the_store_as_before_the_match(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    first = _invoice(pl, org, customer, "70.00")
    second = _invoice(pl, org, customer, "30.00")
    pl.links.create(first)
    pl.links.create(second)
    _import(
        pl, org, tmp_path,
        [_line(1, "112.00", "Tante Jeanne", counterparty_iban="BE43068999999501")],
    )  # fmt: skip
    pl.reconciliation.run(org)
    before = _dump(pl)
    pl.reconciliation.match(org, "B0001", [first, second])
    assert pl.invoices.get(org, first.id).status == "paid"
    assert pl.customers.balance(customer) == Money.of("12", "EUR")
    assert "BE43068999999501" in pl.customers.get(org, customer.id).ibans
    assert _dump(pl) != before
    pl.reconciliation.undo(org, "B0001")
    assert _dump(pl) == before
    with pytest.raises(NotFound):
        pl.reconciliation.undo(org, "B0001")
    # and it can be matched again, differently
    pl.reconciliation.match(org, "B0001", second)
    assert pl.invoices.get(org, first.id).status == "issued"


def test_an_accepted_proposal_is_undone_too_but_not_once_money_moved(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    invoice = _invoice(pl, org, customer, "90.00")
    _import(pl, org, tmp_path, [_line(1, "89.50", "X", counterparty_iban="BE62510007547061")])
    pl.reconciliation.run(org, tolerance="1.00")
    before = _dump(pl)
    pl.reconciliation.accept(org, "B0001")
    pl.reconciliation.undo(org, "B0001")
    assert _dump(pl) == before
    assert [i.transaction.id for i in pl.reconciliation.review(org)] == ["B0001"]
    pl.reconciliation.accept(org, "B0001")
    pl.payments.record(invoice, "0.50")
    with pytest.raises(StateError, match="another payment"):
        pl.reconciliation.undo(org, "B0001")
    assert pl.invoices.get(org, invoice.id).status == "paid"


def test_a_match_applied_by_an_undoable_run_is_undone_exactly(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    invoice = _invoice(pl, org, customer, "70.00")
    pl.links.create(invoice)
    assert invoice.reference is not None
    _import(pl, org, tmp_path, [_line(1, "75.00", "Marie Peeters", reference=invoice.reference)])
    before = _dump(pl)
    assert len(pl.reconciliation.run(org, undoable=True).applied) == 1
    assert pl.invoices.get(org, invoice.id).status == "paid"
    assert pl.customers.balance(customer) == Money.of("5", "EUR")
    pl.reconciliation.undo(org, "B0001")
    assert _dump(pl) == before
    # the next run (a plain one) applies it again, once; its match keeps no undo
    assert [a.transaction_id for a in pl.reconciliation.run(org).applied] == ["B0001"]
    assert pl.invoices.get(org, invoice.id).status == "paid"
    with pytest.raises(StateError, match="undoable=True"):
        pl.reconciliation.undo(org, "B0001")


def test_a_rejection_lowers_only_that_transaction_and_those_invoices(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    first = _invoice(pl, org, customer, "90.00")
    second = _invoice(pl, org, customer, "60.00")
    iban = "BE62510007547061"
    _import(pl, org, tmp_path, [_line(1, "89.50", "X", counterparty_iban=iban)], "a.xml")
    [proposal] = pl.reconciliation.run(org, tolerance="1.00").review
    assert proposal.invoice_numbers == (first.number,)
    pl.reconciliation.reject(org, "B0001")
    # the same payer's next transaction, for the other invoice, in the same way
    _import(pl, org, tmp_path, [_line(2, "59.50", "X", counterparty_iban=iban)], "b.xml")
    run = pl.reconciliation.run(org, tolerance="1.00")
    by_tx = {p.transaction_id: p for p in run.review}
    assert by_tx["B0001"].confidence == pytest.approx(proposal.confidence / 2, abs=1e-4)
    assert "rejected this pairing before" in by_tx["B0001"].explanation
    assert "rejected" not in by_tx["B0002"].explanation
    assert by_tx["B0002"].invoice_numbers == (second.number,)
    assert by_tx["B0002"].confidence == pytest.approx(proposal.confidence, abs=1e-4)
