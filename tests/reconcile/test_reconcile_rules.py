"""Each built-in rule, and the engine's safety checks around them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reconcile_builders import (
    ACME_IBAN,
    BOLT_IBAN,
    CARA_IBAN,
    STRANGER_IBAN,
    make_item,
    make_tx,
)

from paylink.exceptions import ValidationError
from paylink.money import Money
from paylink.reconcile import (
    BUILTIN_RULES,
    OpenItem,
    OpenItemIndex,
    Reconciler,
    name_tokens,
    reconcile,
)
from paylink.references import ogm, rf


def only(result):  # type: ignore[no-untyped-def]
    assert len(result.proposals) == 1, result.proposals
    return result.proposals[0]


def test_builtin_rules_run_in_documented_order() -> None:
    assert [r.name for r in BUILTIN_RULES] == [
        "exact_reference",
        "text_reference",
        "invoice_number",
        "iban_amount",
        "subset_sum",
        "customer_tolerance",
        "partial_payment",
        "overpayment",
        "purchase_payment",
    ]
    assert [r.priority for r in BUILTIN_RULES] == list(range(10, 100, 10))
    assert all(r.description for r in BUILTIN_RULES)


def test_exact_structured_reference() -> None:
    items = [make_item("2026-0001", "100.00"), make_item("2026-0002", "100.00")]
    tx = make_tx("100.00", ref=ogm("2026-0002"), iban=STRANGER_IBAN)
    p = only(reconcile([tx], items))
    assert p.rule == "exact_reference"
    assert p.invoice_numbers == ("2026-0002",)
    assert p.allocations[0].amount == Money.of("100", "EUR")
    assert p.confidence == pytest.approx(0.99)
    assert p.auto
    assert "structured reference" in p.explanation


def test_rf_reference_works_like_ogm() -> None:
    items = [make_item("INV7", "12.50", reference=rf("INV7"))]
    p = only(reconcile([make_tx("12.50", ref=rf("INV7"))], items))
    assert (p.rule, p.auto) == ("exact_reference", True)


def test_reference_found_in_noisy_text() -> None:
    items = [make_item("2026-0003", "75.20"), make_item("2026-0004", "75.20")]
    digits = ogm("2026-0004").value
    text = f"Betaling factuur   {digits[:3]} {digits[3:7]}.{digits[7:]}  bedankt!!"
    p = only(reconcile([make_tx("75.20", text=text)], items))
    assert (p.rule, p.invoice_numbers, p.auto) == ("text_reference", ("2026-0004",), True)


def test_several_references_in_text_summing_to_the_credit() -> None:
    items = [make_item("2026-0005", "10.00"), make_item("2026-0006", "15.00")]
    text = f"{ogm('2026-0005').display} and {ogm('2026-0006').display}"
    p = only(reconcile([make_tx("25.00", text=text)], items))
    assert p.rule == "text_reference"
    assert set(p.invoice_numbers) == {"2026-0005", "2026-0006"}
    assert p.excess is None
    assert p.residual is None


def test_invoice_number_in_text() -> None:
    items = [
        make_item("INV-2026-0042", "250.00", reference=None),
        make_item("INV-2026-0043", "250.00", reference=None),
    ]
    p = only(reconcile([make_tx("250.00", text="pmt inv 2026/0043 thx")], items))
    assert (p.rule, p.invoice_numbers, p.auto) == ("invoice_number", ("INV-2026-0043",), True)


def test_invoice_number_in_a_text_with_letters_beyond_ascii() -> None:
    # "ß" upper-cases to "SS": the number must still be read from the text's own words
    items = [make_item("INV-2026-0044", "80.00", reference=None)]
    tx = make_tx("80.00", text="Müllerstraße 5, Rechnung INV 2026 0044 für März")
    p = only(reconcile([tx], items))
    assert (p.rule, p.invoice_numbers) == ("invoice_number", ("INV-2026-0044",))


def test_invoice_number_from_another_customers_account_is_not_auto() -> None:
    items = [
        make_item("INV-2026-0042", "250.00", reference=None),
        make_item("B-1", "9.00", customer="bolt", name="Bolt", ibans=(BOLT_IBAN,)),
    ]
    p = only(reconcile([make_tx("250.00", iban=BOLT_IBAN, text="INV-2026-0042")], items))
    assert p.rule == "invoice_number"
    assert not p.auto
    assert "another customer" in p.explanation


def test_known_iban_and_exact_amount() -> None:
    items = [
        make_item("2026-0010", "40.00", reference=None),
        make_item("2026-0011", "60.00", reference=None),
    ]
    p = only(reconcile([make_tx("60.00", iban=ACME_IBAN, name="whoever")], items))
    assert (p.rule, p.invoice_numbers, p.auto) == ("iban_amount", ("2026-0011",), True)
    assert "BE68…7034" in p.explanation
    assert ACME_IBAN not in p.explanation  # never a full IBAN in messages


def test_two_invoices_of_the_same_amount_are_ambiguous() -> None:
    items = [
        make_item("2026-0012", "60.00", reference=None),
        make_item("2026-0013", "60.00", reference=None),
    ]
    result = reconcile([make_tx("60.00", id="T1", iban=ACME_IBAN)], items)
    p = only(result)
    assert p.rule == "iban_amount"
    assert not p.auto
    assert p.confidence < 0.95
    assert "ambiguous" in p.explanation
    assert "ambiguous" in result.explain("T1")


def test_a_later_transaction_does_not_auto_take_the_contested_twin() -> None:
    items = [
        make_item("2026-0012", "60.00", reference=None),
        make_item("2026-0013", "60.00", reference=None),
    ]
    txs = [make_tx("60.00", iban=ACME_IBAN), make_tx("60.00", iban=ACME_IBAN)]
    first, second = reconcile(txs, items).proposals
    assert {first.invoice_numbers, second.invoice_numbers} == {("2026-0012",), ("2026-0013",)}
    assert not first.auto
    assert not second.auto


def test_currency_mismatch_is_never_auto() -> None:
    items = [make_item("2026-0020", "100.00", currency="EUR")]
    tx = make_tx("100.00", currency="USD", ref=ogm("2026-0020"))
    p = only(reconcile([tx], items, auto_threshold=0.01))
    assert not p.auto
    assert p.confidence <= 0.5
    assert "currency differs" in p.explanation


def test_amount_rules_ignore_invoices_in_another_currency() -> None:
    items = [make_item("2026-0021", "100.00", currency="USD", reference=None)]
    result = reconcile([make_tx("100.00", iban=ACME_IBAN)], items)
    assert result.unmatched == (result.unmatched[0],)
    assert result.proposals == ()


def test_subset_sum_of_one_customers_invoices() -> None:
    items = [
        make_item("2026-0030", "10.00", reference=None),
        make_item("2026-0031", "20.00", reference=None),
        make_item("2026-0032", "35.50", reference=None),
        make_item("2026-0033", "41.00", reference=None),
    ]
    p = only(reconcile([make_tx("55.50", iban=ACME_IBAN)], items))
    assert p.rule == "subset_sum"
    assert set(p.invoice_numbers) == {"2026-0031", "2026-0032"}
    assert p.auto
    assert sum(a.amount for a in p.allocations) == Money.of("55.50", "EUR")


def test_subset_sum_with_two_solutions_is_ambiguous() -> None:
    items = [
        make_item("2026-0034", "10.00", reference=None),
        make_item("2026-0035", "20.00", reference=None),
        make_item("2026-0036", "30.00", reference=None),
        make_item("2026-0037", "5.00", reference=None),
    ]
    p = only(reconcile([make_tx("35.00", iban=ACME_IBAN)], items))
    assert p.rule == "subset_sum"
    assert not p.auto
    assert "ambiguous" in p.explanation


def test_subset_sum_is_bounded_for_customers_with_many_invoices() -> None:
    items = [make_item(f"2026-1{n:03}", "7.00", reference=None) for n in range(200)]
    items.append(make_item("2026-9001", "1.13", reference=None))
    items.append(make_item("2026-9002", "2.24", reference=None))
    # only the invoices named in the text are sure to be considered among many
    tx = make_tx("3.37", iban=ACME_IBAN, text="2026-9001 2026-9002")
    p = only(reconcile([tx], items))
    assert set(p.invoice_numbers) == {"2026-9001", "2026-9002"}
    assert p.rule == "invoice_number"
    many = only(reconcile([make_tx("14.00", iban=ACME_IBAN)], items))
    assert many.rule == "subset_sum"
    assert not many.auto  # hundreds of pairs fit


@pytest.mark.parametrize(
    ("policy", "write_off", "residual"),
    [("leave_open", None, "1.50"), ("write_off", "1.50", None)],
)
def test_tolerance_policy_for_bank_fees(policy, write_off, residual) -> None:  # type: ignore[no-untyped-def]
    items = [make_item("2026-0040", "120.00", reference=None)]
    tx = make_tx("118.50", iban=ACME_IBAN)
    result = reconcile([tx], items, tolerance="2.00", tolerance_policy=policy)
    p = only(result)
    assert p.rule == "customer_tolerance"
    assert p.allocations[0].amount == Money.of("118.50", "EUR")
    assert p.write_off == (Money.of(write_off, "EUR") if write_off else None)
    assert p.residual == (Money.of(residual, "EUR") if residual else None)
    assert not p.auto  # 0.90 at most


def test_no_tolerance_by_default() -> None:
    items = [make_item("2026-0040", "120.00", reference=None)]
    assert reconcile([make_tx("118.50", iban=ACME_IBAN)], items).proposals == ()


def test_small_overpayment_within_tolerance_is_credit() -> None:
    items = [make_item("2026-0041", "120.00", reference=None)]
    p = only(reconcile([make_tx("121.00", iban=ACME_IBAN)], items, tolerance="2"))
    assert p.allocations[0].amount == Money.of("120.00", "EUR")
    assert p.excess == Money.of("1.00", "EUR")


@pytest.mark.parametrize(
    "payer",
    [
        "acme trading",
        "Acme Trading N.V.",
        "NV TRADING ACME",
        "ACME TRADING SA Bruxelles",
        "trading acmé",
    ],
)
def test_customer_found_by_fuzzy_name(payer: str) -> None:
    items = [make_item("2026-0050", "99.00", name="Acmé Trading NV", reference=None, ibans=())]
    p = only(reconcile([make_tx("99.00", iban=STRANGER_IBAN, name=payer)], items))
    assert p.rule == "customer_tolerance"
    assert p.invoice_numbers == ("2026-0050",)
    assert not p.auto  # a name alone never applies automatically


def test_name_tokens_drop_legal_forms_and_order() -> None:
    assert name_tokens("Peeters & Zonen BVBA") == name_tokens("zonen peeters")
    assert name_tokens("Müller GmbH") == frozenset({"muller"})
    assert name_tokens("") == frozenset()


def test_partial_payment_with_reference() -> None:
    items = [make_item("2026-0060", "500.00")]
    p = only(reconcile([make_tx("200.00", ref=ogm("2026-0060"))], items))
    assert p.rule == "partial_payment"
    assert p.allocations[0].amount == Money.of("200.00", "EUR")
    assert p.residual == Money.of("300.00", "EUR")
    assert p.auto  # a structured reference is strong evidence


def test_partial_payments_add_up_within_one_run() -> None:
    items = [make_item("2026-0061", "500.00")]
    txs = [make_tx(a, ref=ogm("2026-0061")) for a in ("200.00", "250.00", "50.00")]
    proposals = reconcile(txs, items).proposals
    assert [p.rule for p in proposals] == ["partial_payment", "partial_payment", "exact_reference"]
    assert [str(p.residual) for p in proposals] == ["300.00 EUR", "50.00 EUR", "None"]


def test_overpayment_keeps_the_excess_as_credit() -> None:
    items = [make_item("2026-0070", "80.00")]
    p = only(reconcile([make_tx("100.00", text=ogm("2026-0070").display)], items))
    assert p.rule == "overpayment"
    assert p.allocations[0].amount == Money.of("80.00", "EUR")
    assert p.excess == Money.of("20.00", "EUR")
    assert "credit" in p.explanation


def test_paid_invoice_is_not_offered_twice() -> None:
    items = [make_item("2026-0080", "80.00")]
    txs = [make_tx("80.00", ref=ogm("2026-0080")), make_tx("80.00", ref=ogm("2026-0080"))]
    result = reconcile(txs, items)
    assert len(result.proposals) == 1
    assert result.unmatched == (txs[1].id,)


def test_reference_naming_another_invoice_blocks_auto() -> None:
    items = [make_item("2026-0090", "500.00"), make_item("2026-0091", "60.00")]
    # pays 60 from ACME's account but quotes the reference of the 500 invoice
    tx = make_tx("60.00", iban=ACME_IBAN, text=ogm("2026-0090").display)
    p = only(reconcile([tx], items))
    assert p.rule == "iban_amount"
    assert not p.auto
    assert "names invoice 2026-0090" in p.explanation


def test_purchase_debit_by_end_to_end_id() -> None:
    supplier = OpenItem(
        number="SUP-77",
        open_amount=Money.of("321.00", "EUR"),
        direction="purchase",
        customer_name="Paper Supplies SRL",
        customer_ibans=(CARA_IBAN,),
        end_to_end_id="PAYLINK-E2E-1",
    )
    sale = make_item("SUP-77", "321.00")  # same number on the sales side: never taken by a debit
    p = only(reconcile([make_tx("-321.00", e2e="PAYLINK-E2E-1")], [sale, supplier]))
    assert (p.rule, p.invoice_numbers, p.auto) == ("purchase_payment", ("SUP-77",), True)
    assert p.allocations[0].amount == Money.of("321.00", "EUR")


def test_purchase_debit_by_reference_and_by_supplier_iban() -> None:
    items = [
        OpenItem(
            number="P-1",
            open_amount=Money.of("10.00", "EUR"),
            direction="purchase",
            reference=ogm("990001"),
        ),
        OpenItem(
            number="P-2",
            open_amount=Money.of("20.00", "EUR"),
            direction="purchase",
            customer_key="cara",
            customer_ibans=(CARA_IBAN,),
        ),
    ]
    txs = [make_tx("-10.00", ref=ogm("990001")), make_tx("-20.00", iban=CARA_IBAN)]
    a, b = reconcile(txs, items).proposals
    assert (a.invoice_numbers, a.auto) == (("P-1",), True)
    assert (b.invoice_numbers, b.confidence) == (("P-2",), pytest.approx(0.93))


def test_credit_never_pays_a_purchase_invoice() -> None:
    items = [
        OpenItem(
            number="P-1",
            open_amount=Money.of("10.00", "EUR"),
            direction="purchase",
            reference=ogm("990001"),
        )
    ]
    assert reconcile([make_tx("10.00", ref=ogm("990001"))], items).proposals == ()


def test_unrelated_credit_stays_unmatched_and_explained() -> None:
    items = [make_item("2026-0100", "10.00")]
    result = reconcile([make_tx("999.99", id="TX-X", iban=STRANGER_IBAN, text="salary")], items)
    assert result.unmatched == ("TX-X",)
    text = result.explain("TX-X")
    for r in BUILTIN_RULES:
        assert r.name in text
    assert "unmatched" in text


def test_explain_lists_tried_rules_and_decision() -> None:
    items = [make_item("2026-0110", "60.00", reference=None)]
    result = reconcile([make_tx("60.00", id="T9", iban=ACME_IBAN)], items)
    text = result.explain("T9")
    assert "exact_reference (priority 10): found nothing" in text
    assert "iban_amount (priority 40): found 1 candidate" in text
    assert "not tried" in text
    assert "overpayment" in text
    assert "auto" in text
    with pytest.raises(ValidationError, match="not part of this run"):
        result.explain("nope")


def test_index_refuses_duplicate_numbers_and_empty_items() -> None:
    with pytest.raises(ValidationError, match="twice"):
        OpenItemIndex([make_item("A-1", "1.00"), make_item("A-1", "2.00")])
    with pytest.raises(ValidationError, match="nothing open"):
        OpenItemIndex([make_item("A-2", "0.00")])


def test_index_tracks_remaining_and_refuses_over_allocation() -> None:
    it = make_item("A-3", "10.00")
    index = OpenItemIndex([it])
    index.allocate(it, Money.of("4.00", "EUR"))
    assert index.remaining(it) == Money.of("6.00", "EUR")
    assert index.by_customer_amount("acme", Money.of("6.00", "EUR")) == [it]
    assert index.by_customer_amount("acme", Money.of("10.00", "EUR")) == []
    with pytest.raises(ValidationError, match="is open"):
        index.allocate(it, Money.of("6.01", "EUR"))
    index.allocate(it, Money.of("6.00", "EUR"))
    assert not index.is_open(it)
    assert index.by_reference(it.reference.value) == []  # type: ignore[union-attr]
    # the customer's views agree: nothing of it is open under any amount
    assert index.by_customer_amount("acme", Money.of("6.00", "EUR")) == []
    assert index.items_of_customer("acme") == []
    assert index.count_of_customer("acme") == 0


def test_a_customers_items_are_counted_and_found_by_what_is_open_now() -> None:
    a, b, c = (make_item(n, "10.00") for n in ("A-4", "A-5", "A-6"))
    index = OpenItemIndex([a, b, c])
    ten = Money.of("10.00", "EUR")
    assert index.by_customer_amount("acme", ten) == [a, b, c]
    index.allocate(a, ten)
    index.allocate(b, Money.of("7.50", "EUR"))
    assert index.count_of_customer("acme") == 2
    assert index.items_of_customer("acme") == [b, c]
    assert index.by_customer_amount("acme", ten) == [c]
    assert index.by_customer_amount("acme", Money.of("2.50", "EUR")) == [b]
    index.allocate(b, Money.of("1.50", "EUR"))
    assert index.by_customer_amount("acme", Money.of("2.50", "EUR")) == []
    assert index.by_customer_amount("acme", Money.of("1.00", "EUR")) == [b]


def test_reconciler_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        Reconciler(auto_threshold=0)
    with pytest.raises(ValidationError):
        Reconciler(tolerance="-1")
    with pytest.raises(ValidationError):
        Reconciler(tolerance_policy="keep")  # type: ignore[arg-type]
    assert Reconciler(tolerance=Decimal("1.5")).settings.tolerance == Decimal("1.5")


def test_a_name_that_only_shares_a_word_is_not_the_customer() -> None:
    items = [make_item("2026-0051", "99.00", name="Acme Trading NV", reference=None, ibans=())]
    assert reconcile([make_tx("99.00", name="Acme")], items).proposals == ()


def test_subset_found_among_a_capped_selection_is_not_auto() -> None:
    items = [make_item(f"2026-2{n:03}", f"{100 + n}.00", reference=None) for n in range(20)]
    # 100.00 + 101.00 is unique among the 12 oldest tried; the other 8 were not looked at
    p = only(reconcile([make_tx("201.00", iban=ACME_IBAN)], items))
    assert p.rule == "subset_sum"
    assert not p.auto
    assert "only 12 of the customer's 20 invoices" in p.explanation
