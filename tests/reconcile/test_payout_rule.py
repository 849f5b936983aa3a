"""The payout rule in the pure engine: it runs first, only when payouts are given, matches a
credit naming a provider (or a payout's reference) for exactly a payout's net, and never lets
such a credit go to an invoice."""

from __future__ import annotations

import datetime as dt

from paylink.money import Money
from paylink.reconcile import PAYOUT_RULE, OpenItem, OpenPayout, Reconciler, reconcile
from paylink.statements.model import BankTransaction


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def tx(tx_id: str, amount: str, name: str = "", text: str | None = None) -> BankTransaction:
    return BankTransaction(
        id=tx_id,
        account_iban="BE71096123456769",
        booking_date=dt.date(2026, 3, 5),
        value_date=None,
        amount=eur(amount),
        counterparty_name=name or None,
        remittance_text=text,
    )


ITEMS = [OpenItem(number="2026-0001", open_amount=eur("97.12"), customer_name="Stripe Fan BV")]
STRIPE = OpenPayout(
    id="po_a", provider="stripe", net=eur("97.12"), payout_id="po_1A", summary="2 payments"
)
MOLLIE = OpenPayout(
    id="po_b", provider="mollie", net=eur("70.44"), payout_id="stl_x", reference="1234567.2603.03"
)


def test_without_payouts_the_rule_does_not_run_and_the_rules_are_unchanged() -> None:
    result = reconcile([tx("T1", "97.12", "STRIPE PAYMENTS")], ITEMS)
    assert PAYOUT_RULE not in result.rules


def test_a_credit_naming_the_provider_for_a_payouts_net_matches_the_payout() -> None:
    result = Reconciler().reconcile(
        [
            tx("T1", "97.12", "STRIPE PAYMENTS UK LTD", "STRIPE"),
            tx("T2", "70.44", "", "1234567.2603.03"),
        ],
        ITEMS,
        payouts=[STRIPE, MOLLIE],
    )  # fmt: skip
    assert result.rules[0] == PAYOUT_RULE
    first, second = result.proposals
    assert (first.rule, first.auto, first.confidence) == (PAYOUT_RULE, True, 1.0)
    assert first.allocations[0].invoice_id == "payout:po_a"
    assert "2 payments" in first.explanation
    assert second.allocations[0].invoice_id == "payout:po_b"
    assert "reference 1234567.2603.03" in second.explanation
    explained = result.explain("T1")
    assert "1. payout (priority 0): found 1 candidate(s)" in explained
    assert "not tried (an earlier rule decided): exact_reference" in explained


def test_a_payout_is_taken_once_and_an_unknown_payout_credit_stays_unmatched() -> None:
    result = Reconciler().reconcile(
        [tx("T1", "97.12", "STRIPE"), tx("T2", "97.12", "STRIPE")], ITEMS, payouts=[STRIPE]
    )
    assert [p.transaction_id for p in result.proposals] == ["T1"]
    # the second would fit the open invoice by amount: it is never proposed against it
    assert result.unmatched == ("T2",)
    assert "never proposed against an invoice" in result.explain("T2")


def test_a_customers_payment_is_left_to_the_other_rules() -> None:
    items = [
        OpenItem(
            number="2026-0001",
            open_amount=eur("97.12"),
            customer_name="Marie Peeters",
            customer_ibans=("BE62510007547061",),
        )
    ]
    paid = BankTransaction(
        id="T1",
        account_iban="BE71096123456769",
        booking_date=dt.date(2026, 3, 5),
        value_date=None,
        amount=eur("97.12"),
        counterparty_name="Marie Peeters",
        counterparty_iban="BE62510007547061",
    )
    result = Reconciler().reconcile([paid], items, payouts=[STRIPE])
    [proposal] = result.proposals
    assert proposal.rule != PAYOUT_RULE and proposal.allocations[0].number == "2026-0001"
    assert "1. payout (priority 0): found nothing" in result.explain("T1")
