"""The desk's review page stays bounded however many invoices are open: it offers each
unmatched credit a few candidates (same amount, then the payer's invoices) and pages the
unmatched transactions; any other invoice is matched by its number."""

from __future__ import annotations

from pathlib import Path

import pytest

from paylink import Line, Money, Paylink, ValidationError
from paylink.parties import Customer, Organization

from .test_reconciliation import _import, _line

PAYER_IBAN = "BE43068999999501"


def _issue(pl: Paylink, org: Organization, customer: Customer, amount: str) -> str:
    line = Line(description="Work", quantity="1", unit_price=amount, vat_rate="0")
    invoice = pl.invoices.issue(org, customer, lines=[line])
    assert invoice.number is not None
    return invoice.number


def test_candidates_are_the_same_amount_then_the_payers_invoices(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    payer = pl.customers.create(org, name="Tante Jeanne", ibans=[PAYER_IBAN])
    others = [_issue(pl, org, customer, f"{100 + n}.00") for n in range(30)]
    same_amount = [_issue(pl, org, customer, "77.00") for _ in range(2)]
    payers = [_issue(pl, org, payer, price) for price in ("10.00", "20.00")]
    _import(
        pl, org, tmp_path,
        [
            _line(1, "77.00", "Somebody", counterparty_iban=PAYER_IBAN),
            _line(2, "-5.00", "Bank fees"),
        ],
    )  # fmt: skip
    pl.reconciliation.run(org)
    page = pl.desk_pages.review(org)
    assert [t.id for t in page.unmatched] == ["B0001", "B0002"]
    offered = [r.invoice.number for r in page.candidates["B0001"]]
    assert offered == same_amount + payers  # exact amount first, then the payer's, due first
    assert "B0002" not in page.candidates  # a debit pays no invoice of ours
    assert {r.invoice.number for r in page.open_invoices} == set(offered)
    assert not set(others) & set(offered)
    assert page.more_unmatched == 0
    narrow = pl.desk_pages.review(org, candidates=3)
    assert [r.invoice.number for r in narrow.candidates["B0001"]] == [*same_amount, payers[0]]


def test_the_unmatched_transactions_come_a_page_at_a_time(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    _issue(pl, org, customer, "500.00")
    _import(pl, org, tmp_path, [_line(n, f"{n}.01", f"Payer {n}") for n in range(1, 8)])
    pl.reconciliation.run(org)
    page = pl.desk_pages.review(org, limit=5)
    assert [t.id for t in page.unmatched] == [f"B{n:04d}" for n in range(1, 6)]
    assert page.more_unmatched == 2
    assert all(page.candidates[t.id] == () for t in page.unmatched)  # nothing owes x.01
    assert pl.desk_pages.review(org, limit=7).more_unmatched == 0
    with pytest.raises(ValidationError):
        pl.desk_pages.review(org, limit=0)
    # any open invoice is still matched by its number
    pl.reconciliation.match(org, "B0001", [_issue(pl, org, customer, "1.01")])
    assert pl.customers.balance(customer) == Money.of("0", "EUR")
