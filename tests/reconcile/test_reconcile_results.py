"""Results: records, DataFrame, evaluation against labels."""

from __future__ import annotations

import gc
import sys

import pytest
from reconcile_builders import ACME_IBAN, STRANGER_IBAN, make_item, make_tx

from paylink.money import Money
from paylink.reconcile import Reconciler, evaluate, reconcile, truth_from_records
from paylink.references import ogm


@pytest.fixture
def result():  # type: ignore[no-untyped-def]
    items = [
        make_item("2026-0001", "100.00"),
        make_item("2026-0002", "60.00", reference=None),
        make_item("2026-0003", "60.00", reference=None),
        make_item("2026-0004", "25.00", reference=None),
    ]
    txs = [
        make_tx("100.00", id="A", ref=ogm("2026-0001")),  # auto, right
        make_tx("60.00", id="B", iban=ACME_IBAN),  # ambiguous, review; label says 0003
        make_tx("25.00", id="C", text="2026-0004"),  # auto, right
        make_tx("5.00", id="D", iban=STRANGER_IBAN),  # unmatched, label says none
    ]
    return reconcile(txs, items)


def test_evaluate_counts(result) -> None:  # type: ignore[no-untyped-def]
    truth = {"A": {"2026-0001"}, "B": {"2026-0003"}, "C": {"2026-0004"}, "D": set()}
    ev = result.evaluate(truth)
    assert (ev.all.proposed, ev.all.correct, ev.all.expected) == (3, 2, 3)
    assert ev.all.precision == pytest.approx(2 / 3)
    assert ev.all.recall == pytest.approx(2 / 3)
    assert ev.all.f1 == pytest.approx(2 / 3)
    assert (ev.auto.proposed, ev.auto.correct) == (2, 2)
    assert ev.auto.precision == 1.0
    assert ev.auto.recall == pytest.approx(2 / 3)
    assert ev.auto.f1 == pytest.approx(0.8)
    assert ev.by_rule["iban_amount"].precision == 0.0
    assert ev.by_rule["exact_reference"].recall == pytest.approx(1 / 3)
    assert "iban_amount" not in ev.by_rule_auto
    assert ev.wrong == ("B",)
    assert ev.missed == ()
    assert "precision" in str(ev)
    assert {r["scope"] for r in ev.to_records()} == {"all", "auto"}


def test_evaluate_accepts_records_and_counts_false_positives(result) -> None:  # type: ignore[no-untyped-def]
    records = [
        {"transaction_id": "A", "invoice": "2026-0001"},
        {"transaction_id": "B", "invoice": "2026-0002"},
        {"transaction_id": "C", "invoice": None},  # "should not match": C is a false positive
        {"transaction_id": "D", "invoices": [{"number": "2026-0009"}]},  # missed
    ]
    ev = evaluate(result, records)
    assert (ev.all.proposed, ev.all.correct, ev.all.expected) == (3, 2, 3)
    assert ev.missed == ("D",)
    assert set(ev.wrong) == {"C"}


def test_own_records_round_trip_as_truth(result) -> None:  # type: ignore[no-untyped-def]
    ev = result.evaluate(result.to_records())
    assert ev.all.precision == 1.0
    assert ev.all.recall == 1.0


def test_truth_records_need_a_transaction_id() -> None:
    with pytest.raises(ValueError, match="row 1"):
        truth_from_records([{"invoice": "X"}])


def test_records_shape(result) -> None:  # type: ignore[no-untyped-def]
    rows = result.to_records()
    assert [r["transaction_id"] for r in rows] == ["A", "B", "C", "D"]
    assert rows[0]["allocated"] == "100.00"
    assert rows[0]["auto"] is True
    assert rows[3]["invoice"] is None
    assert rows[3]["currency"] == "EUR"
    a = result.proposal_for("A")
    assert a is not None
    assert a.allocations[0] == ("2026-0001", Money.of("100", "EUR"), None)
    assert result.proposal_for("D") is None
    assert [p.transaction_id for p in result.auto] == ["A", "C"]
    assert [p.transaction_id for p in result.review] == ["B"]


def test_to_dataframe(result) -> None:  # type: ignore[no-untyped-def]
    pd = pytest.importorskip("pandas")
    df = result.to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df["transaction_id"]) == ["A", "B", "C", "D"]
    assert df["auto"].sum() == 2


def test_to_dataframe_without_pandas_says_what_to_do(result, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes "import pandas" fail
    with pytest.raises(ImportError, match=r"the 'notebook' extra .*paylink-invoices\[notebook\]"):
        result.to_dataframe()


def test_the_garbage_collector_is_paused_during_a_run_and_restored_after() -> None:
    seen: list[bool] = []

    def watch(tx, index):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return []

    def boom(tx, index):  # type: ignore[no-untyped-def]
        raise RuntimeError("a broken custom rule")

    items = [make_item("2026-0001", "10.00")]
    assert gc.isenabled()
    Reconciler([watch]).reconcile([make_tx("10.00")], items)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError):
        Reconciler([boom]).reconcile([make_tx("10.00")], items)
    assert gc.isenabled()  # back on after a failed run too
    gc.disable()
    try:
        Reconciler([watch]).reconcile([make_tx("10.00")], items)
        assert not gc.isenabled()  # a caller who had switched it off keeps it off
    finally:
        gc.enable()
