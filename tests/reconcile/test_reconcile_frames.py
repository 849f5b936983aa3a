"""The analyst's side: short displays, DataFrames both ways, safe indexes, evaluation tables."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from paylink import Money, references
from paylink.exceptions import ValidationError
from paylink.reconcile import (
    BUILTIN_RULES,
    OPEN_ITEM_COLUMNS,
    RESULT_COLUMNS,
    Reconciler,
    exact_reference,
    iban_amount,
    load_open_items,
    reconcile,
    score,
)
from paylink.statements import (
    TRANSACTION_COLUMNS,
    BankTransaction,
    parse_bytes,
    parse_file,
    transactions_from_dataframe,
)
from paylink.statements.writer import StatementLine, camt053

DATA = Path(__file__).parents[2] / "examples" / "data"
STATEMENT = DATA / "statement_2026-03-04.camt053.xml"


@pytest.fixture(scope="module")
def statement():  # type: ignore[no-untyped-def]
    (stmt,) = parse_file(STATEMENT)
    return stmt


@pytest.fixture(scope="module")
def items():  # type: ignore[no-untyped-def]
    return load_open_items(DATA / "open_invoices.csv")


@pytest.fixture(scope="module")
def labels() -> dict[str, set[str]]:
    return {k: set(v) for k, v in json.loads((DATA / "labels.json").read_text()).items()}


def statement_of(lines: list[StatementLine]):  # type: ignore[no-untyped-def]
    data = camt053(
        account_iban="BE71096123456769",
        statement_id="S-1",
        opening=Money.of("1000.00", "EUR"),
        lines=lines,
        created_at=dt.datetime(2026, 3, 4, 18, 0, tzinfo=dt.UTC),
    )
    (stmt,) = parse_bytes(data)
    return stmt


def line(n: int, amount: str, **kwargs: object) -> StatementLine:
    return StatementLine(
        amount=Money.of(amount, "EUR"),
        booking_date=dt.date(2026, 3, 4),
        bank_reference=f"B-{n}",
        **kwargs,  # type: ignore[arg-type]
    )


def big_month(n: int) -> tuple[list[BankTransaction], list[dict[str, str]]]:
    """``n`` invoices and a statement paying each by its reference."""
    rows, lines = [], []
    for i in range(1, n + 1):
        ref = references.ogm(202600000 + i)
        amount = f"{100 + i % 900}.{i % 100:02d}"
        rows.append(
            {"number": f"2026-{i:05d}", "amount": amount, "currency": "EUR", "reference": str(ref)}
        )
        lines.append(line(i, amount, reference=ref, counterparty_name=f"Customer {i}"))
    return list(statement_of(lines).transactions), rows


def test_reprs_are_short_even_at_five_thousand() -> None:
    txs, rows = big_month(5000)
    items = load_open_items(rows)
    result = reconcile(txs, items)
    stmt = statement_of([line(1, "1.00"), line(2, "2.00")])
    for value in (items, result, stmt, result.evaluate({})):
        assert len(repr(value)) < 400, type(value).__name__
    assert repr(items).startswith("<LoadedOpenItems: 5,000 items")
    assert "5,000 auto" in repr(result)
    html = result._repr_html_()
    assert len(html) < 5000
    assert "4,990 more row(s)" in html


def test_statement_display_masks_the_account(statement) -> None:  # type: ignore[no-untyped-def]
    text = repr(statement)
    assert text.startswith("<Statement camt")
    assert "transactions" in text
    assert statement.account_iban not in text
    html = statement._repr_html_()
    assert "<table>" in html
    assert "credits" in html
    assert "<script" not in html


def test_html_views_escape_what_they_show() -> None:
    stmt = statement_of([line(1, "5.00", counterparty_name="<script>alert(1)</script>")])
    html = stmt._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_statement_dataframe_has_exact_amounts_and_dates(statement) -> None:  # type: ignore[no-untyped-def]
    df = statement.to_dataframe()
    assert list(df.columns) == list(TRANSACTION_COLUMNS)
    assert all(isinstance(v, Decimal) for v in df["amount"])
    assert str(df["booking_date"].dtype).startswith("datetime64")
    total = sum((tx.amount for tx in statement.transactions), Money.zero("EUR"))
    assert df["amount"].sum() == total.amount
    minor = statement.to_dataframe(amounts="minor")
    assert str(minor["amount"].dtype) == "int64"
    assert int(minor["amount"].sum()) == total.minor_units


def test_transactions_round_trip_through_a_dataframe(statement) -> None:  # type: ignore[no-untyped-def]
    back = transactions_from_dataframe(statement.to_dataframe())
    assert [t.to_record() for t in back] == [t.to_record() for t in statement.transactions]


def test_transactions_from_a_dataframe_name_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match=r"lacks the column.*booking_date"):
        transactions_from_dataframe(
            pd.DataFrame({"id": ["a"], "amount": ["1.00"], "currency": ["EUR"]})
        )
    df = pd.DataFrame(
        {"id": ["a"], "booking_date": ["2026-03-04"], "amount": [12.5], "currency": ["EUR"]}
    )
    with pytest.raises(ValidationError, match=r"row 1: amount: expected .*floats are not exact"):
        transactions_from_dataframe(df)
    df = pd.DataFrame(
        {"id": ["a"], "booking_date": ["4/3/2026"], "amount": ["1"], "currency": ["EUR"]}
    )
    with pytest.raises(ValidationError, match="row 1: booking_date: expected an ISO date"):
        transactions_from_dataframe(df)


def test_reconcile_takes_dataframes(statement, items, labels) -> None:  # type: ignore[no-untyped-def]
    from_objects = reconcile(statement.transactions, items, tolerance="2.00")
    from_frames = reconcile(statement.to_dataframe(), items.to_dataframe(), tolerance="2.00")
    assert from_frames.proposals == from_objects.proposals
    assert list(items.to_dataframe().columns) == list(OPEN_ITEM_COLUMNS)


def test_a_dataframe_of_the_wrong_shape_is_named() -> None:
    bad = pd.DataFrame({"invoice": ["1"], "open": ["2.00"]})
    with pytest.raises(ValidationError, match="open items: the DataFrame lacks the column"):
        reconcile([], bad)
    with pytest.raises(ValidationError, match="item 1 is a str; expected an OpenItem"):
        reconcile([], ["2026-0001"])
    with pytest.raises(ValidationError, match="item 1 is a dict; expected a BankTransaction"):
        reconcile([{"id": "x"}], [])


def test_result_dataframe_carries_the_transaction_and_numbers(statement, items) -> None:  # type: ignore[no-untyped-def]
    result = reconcile(statement.transactions, items, tolerance="2.00")
    df = result.to_dataframe()
    assert list(df.columns) == list(RESULT_COLUMNS)
    matched = df[df["invoice"].notna()]
    assert all(isinstance(v, Decimal) for v in matched["allocated"])
    by_rule = matched.groupby("rule")["allocated"].sum()
    assert all(isinstance(v, Decimal) for v in by_rule)  # summed, not concatenated
    assert df["booking_date"].notna().all()
    assert df["amount"].notna().all()
    first = result.proposals[0]
    row = df[df["transaction_id"] == first.transaction_id].iloc[0]
    assert row["amount"] == first.transaction_amount.amount


def test_polars_frames_where_installed(statement, items) -> None:  # type: ignore[no-untyped-def]
    polars = pytest.importorskip("polars")
    df = statement.to_dataframe(backend="polars")
    assert isinstance(df, polars.DataFrame)
    assert df.schema["amount"] == polars.Decimal(scale=2) or str(df.schema["amount"]).startswith(
        "Decimal"
    )
    result = reconcile(df, items.to_dataframe(backend="polars"), tolerance="2.00")
    assert result.proposals == reconcile(statement.transactions, items, tolerance="2.00").proposals


def test_a_consumed_index_is_refused(statement, items) -> None:  # type: ignore[no-untyped-def]
    reconciler = Reconciler()
    index = reconciler.index(items)
    assert "fresh" in repr(index)
    reconciler.reconcile(statement.transactions, index)
    assert index.consumed
    with pytest.raises(ValidationError, match="consumed by an earlier run"):
        reconciler.reconcile(statement.transactions, index)
    # the items themselves give independent runs
    a = reconciler.reconcile(statement.transactions, items)
    b = reconciler.reconcile(statement.transactions, items)
    assert a.proposals == b.proposals


def test_confusion_counts_what_was_rightly_left_alone(statement, items, labels) -> None:  # type: ignore[no-untyped-def]
    result = reconcile(statement.transactions, items, tolerance="2.00")
    unmatched = result.unmatched[0]
    truth = {**labels, unmatched: set(), "NOT-IN-RUN": set()}
    ev = result.evaluate(truth)
    confusion = ev.confusion()
    assert sum(confusion.values()) == len(truth)
    assert confusion["left alone"] >= 2  # the unmatched one and the unknown one
    assert confusion["matched right"] == ev.all.correct
    assert confusion["matched right"] + confusion["matched wrong"] == ev.all.proposed
    table = ev.confusion_table()
    assert list(table["scope"]) == ["all", "auto"]
    auto = ev.confusion("auto")
    assert auto["matched right"] == ev.auto.correct


def test_sweep_gives_each_threshold_from_one_run(statement, items, labels) -> None:  # type: ignore[no-untyped-def]
    result = reconcile(statement.transactions, items, tolerance="2.00")
    ev = result.evaluate(labels)
    sweep = ev.sweep()
    at_run = next(r for r in sweep.rows if r["threshold"] == result.auto_threshold)
    assert at_run["proposed"] == ev.auto.proposed
    assert at_run["correct"] == ev.auto.correct
    # lower thresholds apply more, never fewer
    proposed = [r["proposed"] for r in sweep.rows]
    assert proposed == sorted(proposed, reverse=True)
    best = sweep.best(min_precision=1.0)
    assert best is not None and best["precision"] == 1.0
    assert list(sweep.to_dataframe().columns) == list(sweep.COLUMNS)
    with pytest.raises(ValidationError, match="thresholds"):
        ev.sweep([1.5])


def test_by_confidence_and_per_rule_tables(statement, items, labels) -> None:  # type: ignore[no-untyped-def]
    ev = reconcile(statement.transactions, items, tolerance="2.00").evaluate(labels)
    bins = ev.by_confidence()
    assert int(bins["proposed"].sum()) == ev.all.proposed
    per_rule = ev.to_dataframe()
    assert {"scope", "rule", "precision", "recall"} <= set(per_rule.columns)


def test_a_baseline_is_scored_on_the_same_footing(statement, items, labels) -> None:  # type: ignore[no-untyped-def]
    txs = statement.to_dataframe()
    open_ = items.to_dataframe()
    merged = txs.merge(
        open_, left_on=["structured_reference", "amount"], right_on=["reference", "amount"]
    )
    baseline = merged.rename(columns={"id": "transaction_id", "number": "invoice"})
    ev = score(baseline[["transaction_id", "invoice"]], labels, rule="pandas merge")
    assert ev.all.proposed == len(baseline)
    assert set(ev.by_rule) == {"pandas merge"}
    same = score(reconcile(statement.transactions, items, tolerance="2.00"), labels)
    assert (
        same.all == reconcile(statement.transactions, items, tolerance="2.00").evaluate(labels).all
    )
    # a mapping works too, and a DataFrame of labels
    as_map = score(
        {"M-001": "2026-0101"},
        pd.DataFrame({"transaction_id": ["M-001"], "invoice": ["2026-0101"]}),
    )
    assert as_map.all.correct == 1


@pytest.mark.parametrize(
    ("truth", "message"),
    [
        ({"M-001": [["2026-0101"]]}, r"labels\['M-001'\]: expected invoice numbers"),
        ([{"M-001", "2026-0101"}], "labels: item 1 is a set; expected a mapping"),
        ("M-001", "labels: got a str"),
        ({"M-001": 3.5}, r"labels\['M-001'\]: expected an invoice number"),
    ],
)
def test_wrong_label_shapes_say_what_was_expected(statement, items, truth, message) -> None:  # type: ignore[no-untyped-def]
    result = reconcile(statement.transactions, items)
    with pytest.raises(ValidationError, match=message):
        result.evaluate(truth)


def test_tuned_rules_change_confidence_and_priority(statement, items) -> None:  # type: ignore[no-untyped-def]
    cautious = exact_reference.tuned(confidence=0.5, name="exact_reference_review", priority=5)
    assert (cautious.priority, cautious.name) == (5, "exact_reference_review")
    rules = [cautious, *(r for r in BUILTIN_RULES if r.name != "exact_reference")]
    result = reconcile(statement.transactions, items, rules=rules)
    mine = [p for p in result.proposals if p.rule == "exact_reference_review"]
    assert mine and not any(p.auto for p in mine)
    scaled = iban_amount.tuned(confidence=lambda c: c * 2)
    assert scaled.name == "iban_amount"
    off = reconcile(
        statement.transactions,
        items,
        rules=[r for r in BUILTIN_RULES if r.name != "exact_reference"],
    )
    assert "exact_reference" not in off.rules


def test_reconcile_accepts_settings(statement, items) -> None:  # type: ignore[no-untyped-def]
    from paylink.reconcile import MatchSettings

    strict = reconcile(statement.transactions, items)
    tolerant = reconcile(statement.transactions, items, settings=MatchSettings(tolerance="2.00"))
    assert len(tolerant.proposals) > len(strict.proposals)


def test_plot_needs_matplotlib_or_draws(statement, items, labels) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ev = reconcile(statement.transactions, items, tolerance="2.00").evaluate(labels)
    ax = ev.sweep().plot()
    assert ax.get_xlabel() == "auto threshold"
    assert len(ax.get_lines()) == 2
