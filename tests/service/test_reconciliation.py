"""Reconciliation against the store: apply, review, accept (and learn), reject."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from paylink import FixedClock, Line, Money, NotFound, Paylink, hookimpl
from paylink.parties import Customer, Organization
from paylink.plugins import Plugins, get_plugin_manager
from paylink.testing import StatementLine, camt053


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
    run = pl.reconcile(org)
    assert [(m.transaction_id, m.invoices, m.rule) for m in run.applied] == [
        ("B0001", (a.number,), "exact_reference")
    ]
    assert run.unmatched == ("B0002",)
    assert pl.invoices.get(a.id).status == "paid"
    assert pl.invoices.get(b.id).status == "issued"
    assert pl.links.get(link.id).status == "paid"
    [payment] = pl.payments.list(org.id, invoice=a)
    assert payment.provider == "bank" and payment.provider_reference == "BE71096123456769:B0001"
    assert payment.received_on == dt.date(2026, 3, 9)
    assert [t.id for t in pl.statements.transactions(org, status="matched")] == ["B0001"]
    again = pl.reconcile(org)
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
    run = pl.reconcile(org, tolerance="1.00")
    assert run.applied == ()
    [item] = pl.reconciliation.review(org)
    assert item.transaction.id == "B0001"
    assert item.proposal.invoice_numbers == (first.number,)
    assert item.proposal.rule == "customer_tolerance"
    applied = pl.reconciliation.accept(org, "B0001")
    assert applied.invoices == (first.number,)
    assert pl.invoices.get(first.id).open_amount == Money.of("0.50", "EUR")
    assert pl.reconciliation.review(org) == []
    # Next month: the name a person confirmed is enough, with an exact amount.
    later = _invoice(pl, org, customer, "33.00")
    _import(pl, org, tmp_path, [_line(2, "33.00", "PEETERS-JANSSENS M.")], "u.xml")
    run = pl.reconcile(org)
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
    pl.reconcile(org, tolerance="1.00")
    [item] = pl.reconciliation.review(org)
    assert item.proposal.invoice_numbers == (first.number,)
    pl.reconciliation.accept(org, "B0001")
    assert "BE43068999999501" in pl.customers.get(org, customer.id).ibans
    third = _invoice(pl, org, customer, "55.00")
    _import(
        pl, org, tmp_path, [_line(2, "55.00", "M", counterparty_iban="BE43068999999501")], "t.xml"
    )
    run = pl.reconcile(org)
    assert [(m.invoices, m.rule) for m in run.applied] == [((third.number,), "iban_amount")]


def test_rejected_proposals_are_not_proposed_again(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    _invoice(pl, org, customer, "90.00")
    _import(pl, org, tmp_path, [_line(1, "89.50", "X", counterparty_iban="BE62510007547061")])
    pl.reconcile(org, tolerance="1.00")
    assert len(pl.reconciliation.review(org)) == 1
    pl.reconciliation.reject(org, "B0001")
    assert pl.reconciliation.review(org) == []
    run = pl.reconcile(org, tolerance="1.00")
    assert run.review == () and run.unmatched == ("B0001",)
    with pytest.raises(NotFound):
        pl.reconciliation.accept(org, "B0001")


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
    run = pl.reconcile(org)
    assert {m.rule for m in run.applied} == {"purchase_payment", "exact_reference"}
    assert pl.purchases.get(org, purchase.id).status == "paid"
    assert pl.links.get(request.id).status == "paid"
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
    )
    org = pl.organizations.create(name="A", country="BE", iban="BE71096123456769")
    cust = pl.customers.create(org, name="B")
    inv = _invoice(pl, org, cust, "12.00")
    _import(pl, org, tmp_path, [_line(1, "12.00", "B", reference=inv.reference)])
    pl.reconcile(org)
    assert seen == [inv.number]
    pl.close()
