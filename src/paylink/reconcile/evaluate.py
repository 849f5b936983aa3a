"""Scoring matches against labelled truth: precision, recall and F1, a confusion table, per rule
and per confidence, and a sweep over the auto-apply threshold.

A prediction is correct when the set of invoices it pays is exactly the set the label gives for
its transaction. Only labelled transactions count: label a transaction with an empty set to say
"this one should stay unmatched" (a proposal for it is then wrong; no proposal is then
"correctly left alone").

Anything can be scored on the same footing: a :class:`~paylink.reconcile.ReconcileResult`
(:func:`evaluate`), or the predictions of another matcher — a pandas merge, a spreadsheet —
given as a mapping, records or a DataFrame (:func:`score`).
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .. import _tables
from ..exceptions import ValidationError

if TYPE_CHECKING:
    from .engine import ReconcileResult

__all__ = [
    "CONFIDENCE_BINS",
    "Evaluation",
    "Outcome",
    "Prediction",
    "Scores",
    "Sweep",
    "evaluate",
    "score",
    "truth_from_records",
]

Scope = Literal["all", "auto"]
Kind = Literal["matched right", "matched wrong", "missed", "left alone"]
KINDS: tuple[Kind, ...] = ("matched right", "matched wrong", "missed", "left alone")

CONFIDENCE_BINS: tuple[float, ...] = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0)
"""The default edges of :meth:`Evaluation.by_confidence`: bins are ``(low, high]``."""


@attrs.frozen
class Scores:
    """Counts and rates for a set of proposals.

    ``proposed``: proposals made; ``correct``: of those, the ones that pay exactly the labelled
    invoices; ``expected``: labelled transactions that should match something. Rates are 0.0
    when their denominator is zero.
    """

    proposed: int
    correct: int
    expected: int

    @property
    def precision(self) -> float:
        """correct / proposed."""
        return self.correct / self.proposed if self.proposed else 0.0

    @property
    def recall(self) -> float:
        """correct / expected."""
        return self.correct / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Counts and rates as a flat dict."""
        return {
            "proposed": self.proposed,
            "correct": self.correct,
            "expected": self.expected,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@attrs.frozen
class Prediction:
    """What a matcher said of one transaction: the invoices it pays, with the rule, the
    confidence and whether it would be applied without review (``auto``)."""

    transaction_id: str
    invoices: frozenset[str]
    rule: str = "external"
    confidence: float = 1.0
    auto: bool = True


@attrs.frozen
class Outcome:
    """One labelled transaction: its label and what was predicted (``None``: nothing)."""

    transaction_id: str
    label: frozenset[str]
    prediction: Prediction | None

    def kind(self, scope: Scope = "all") -> Kind:
        """``"matched right"``, ``"matched wrong"``, ``"missed"`` or ``"left alone"``
        (correctly unmatched). In the ``"auto"`` scope a proposal left for review counts as no
        prediction."""
        p = self.prediction
        if p is not None and (scope == "all" or p.auto):
            return "matched right" if self.label and p.invoices == self.label else "matched wrong"
        return "missed" if self.label else "left alone"


def _scores(outcomes: Iterable[Outcome], expected: int, scope: Scope) -> Scores:
    proposed = correct = 0
    for o in outcomes:
        kind = o.kind(scope)
        if kind == "matched right":
            proposed += 1
            correct += 1
        elif kind == "matched wrong":
            proposed += 1
    return Scores(proposed, correct, expected)


@attrs.frozen
class Sweep:
    """Precision and recall of the auto-applied proposals at each auto threshold: what one run
    would have applied had the threshold been another (the proposals themselves do not depend
    on the threshold, only which are applied without review)."""

    rows: tuple[Mapping[str, float | int], ...]

    COLUMNS = ("threshold", "proposed", "correct", "expected", "precision", "recall", "f1")

    def best(self, min_precision: float = 1.0) -> Mapping[str, float | int] | None:
        """The row with the highest recall whose precision is at least ``min_precision``
        (the lowest such threshold on a tie), or ``None`` when no threshold reaches it."""
        ok = [r for r in self.rows if r["proposed"] and r["precision"] >= min_precision]
        if not ok:
            return None
        return max(ok, key=lambda r: (r["recall"], -r["threshold"]))

    def to_dataframe(self, *, backend: _tables.Backend = "pandas") -> Any:
        """The rows as a DataFrame (one row per threshold)."""
        return _tables.frame(list(self.rows), self.COLUMNS, backend=backend)

    def plot(self, ax: Any = None) -> Any:
        """Plot precision and recall against the threshold (needs matplotlib); returns the
        axes."""
        if ax is None:
            try:
                plt: Any = importlib.import_module("matplotlib.pyplot")
            except ImportError as exc:
                raise ImportError(
                    "plot() needs matplotlib: pip install matplotlib (or paylink's 'notebook' "
                    "extra)"
                ) from exc
            _, ax = plt.subplots(figsize=(6, 3.5))
        xs = [r["threshold"] for r in self.rows]
        ax.plot(xs, [r["precision"] for r in self.rows], marker="o", label="precision")
        ax.plot(xs, [r["recall"] for r in self.rows], marker="s", label="recall")
        ax.set_xlabel("auto threshold")
        ax.set_ylabel("share")
        ax.set_ylim(0, 1.05)
        ax.set_title("Auto-applied proposals by threshold")
        ax.legend()
        ax.grid(alpha=0.3)
        return ax

    def __repr__(self) -> str:
        best = self.best()
        tail = f"; best at precision 1.0: {best['threshold']}" if best else ""
        return f"<Sweep: {len(self.rows)} thresholds{tail}>"

    def __str__(self) -> str:
        lines = [f"{'threshold':>9} {'proposed':>8} {'correct':>8} {'precision':>9} {'recall':>7}"]
        lines.extend(
            f"{r['threshold']:>9.4f} {r['proposed']:>8} {r['correct']:>8} "
            f"{r['precision']:>9.4f} {r['recall']:>7.4f}"
            for r in self.rows
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return _tables.html_table(
            "Threshold sweep",
            self.COLUMNS,
            ([r[c] for c in self.COLUMNS] for r in self.rows),
            total=len(self.rows),
        )


@attrs.frozen
class Evaluation:
    """Scores of one run (or of any predictions): for all proposals and for the auto-applied
    ones, overall and per rule, with every labelled transaction's outcome.

    ``by_rule[name]`` and ``by_rule_auto[name]`` score a rule's proposals; their recall is the
    share of all expected matches that rule found correctly, so per-rule recalls add up to the
    overall recall.
    """

    all: Scores
    auto: Scores
    by_rule: Mapping[str, Scores]
    by_rule_auto: Mapping[str, Scores]
    wrong: tuple[str, ...] = ()
    """Transaction ids whose proposal is not what the label says."""
    missed: tuple[str, ...] = ()
    """Labelled transactions with an expected match that got no proposal."""
    outcomes: tuple[Outcome, ...] = attrs.field(default=(), repr=False)
    """Every labelled transaction, with its label and prediction."""
    auto_threshold: float | None = None
    """The run's auto threshold, when the predictions came from a run."""

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per (scope, rule): ``scope`` is ``all`` or ``auto``; ``rule`` is
        ``"*"`` for the overall line."""
        rows: list[dict[str, Any]] = []
        for scope, overall, per_rule in (
            ("all", self.all, self.by_rule),
            ("auto", self.auto, self.by_rule_auto),
        ):
            rows.append({"scope": scope, "rule": "*", **overall.as_dict()})
            rows.extend(
                {"scope": scope, "rule": name, **s.as_dict()} for name, s in per_rule.items()
            )
        return rows

    def to_dataframe(self, *, backend: _tables.Backend = "pandas") -> Any:
        """The per-rule table of :meth:`to_records` as a DataFrame."""
        columns = ("scope", "rule", "proposed", "correct", "expected", "precision", "recall", "f1")
        return _tables.frame(self.to_records(), columns, backend=backend)

    def confusion(self, scope: Scope = "all") -> dict[Kind, int]:
        """How many labelled transactions were matched right, matched wrong, missed, and
        correctly left alone (labelled "no match" and given none)."""
        counts = dict.fromkeys(KINDS, 0)
        for o in self.outcomes:
            counts[o.kind(scope)] += 1
        return counts

    def confusion_table(self, *, backend: _tables.Backend = "pandas") -> Any:
        """The confusion counts of both scopes as a DataFrame: one row per scope, one column
        per outcome."""
        rows = [{"scope": s, **self.confusion(s)} for s in ("all", "auto")]
        return _tables.frame(rows, ("scope", *KINDS), backend=backend)

    def by_confidence(
        self, bins: Sequence[float] = CONFIDENCE_BINS, *, backend: _tables.Backend = "pandas"
    ) -> Any:
        """Proposals per confidence bin ``(low, high]`` with how many were right: is a 0.9
        really right nine times in ten?"""
        edges = sorted(bins)
        if len(edges) < 2:
            raise ValidationError("expected at least two bin edges", field="bins")
        rows = []
        for low, high in itertools.pairwise(edges):
            inside = [
                o
                for o in self.outcomes
                if o.prediction is not None and low < o.prediction.confidence <= high
            ]
            right = sum(o.kind("all") == "matched right" for o in inside)
            rows.append(
                {
                    "low": low,
                    "high": high,
                    "proposed": len(inside),
                    "correct": right,
                    "precision": right / len(inside) if inside else 0.0,
                }
            )
        return _tables.frame(
            rows, ("low", "high", "proposed", "correct", "precision"), backend=backend
        )

    def sweep(self, thresholds: Iterable[float] | None = None) -> Sweep:
        """Score the auto-applied proposals at each threshold (default: every confidence the
        run produced, and the run's own threshold), from this one run — no re-running."""
        predicted = [o for o in self.outcomes if o.prediction is not None]
        if thresholds is None:
            values = {round(o.prediction.confidence, 4) for o in predicted if o.prediction}
            if self.auto_threshold is not None:
                values.add(self.auto_threshold)
            thresholds = sorted(values)
        expected = self.all.expected
        rows = []
        for t in thresholds:
            if not 0 <= t <= 1:
                raise ValidationError(
                    f"expected thresholds in [0, 1], got {t!r}", field="thresholds"
                )
            chosen = [o for o in predicted if o.prediction and o.prediction.confidence >= t]
            right = sum(o.kind("all") == "matched right" for o in chosen)
            s = Scores(len(chosen), right, expected)
            rows.append({"threshold": float(t), **s.as_dict()})
        return Sweep(tuple(rows))

    def __str__(self) -> str:
        head = f"{'scope':<6} {'rule':<20} {'proposed':>8} {'correct':>8} {'precision':>9} "
        head += f"{'recall':>7} {'F1':>6}"
        lines = [head]
        for row in self.to_records():
            lines.append(
                f"{row['scope']:<6} {row['rule']:<20} {row['proposed']:>8} {row['correct']:>8} "
                f"{row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>6.4f}"
            )
        if self.outcomes:
            c = self.confusion()
            lines.append("; ".join(f"{k}: {v}" for k, v in c.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Evaluation: {len(self.outcomes)} labelled; all precision "
            f"{self.all.precision:.4f} recall {self.all.recall:.4f}; auto precision "
            f"{self.auto.precision:.4f} recall {self.auto.recall:.4f}>"
        )

    def _repr_html_(self) -> str:
        columns = ("scope", "rule", "proposed", "correct", "precision", "recall", "f1")
        summary = list(self.confusion().items()) if self.outcomes else []
        return _tables.html_table(
            f"Evaluation of {len(self.outcomes)} labelled transactions",
            columns,
            ([r[c] for c in columns] for r in self.to_records()),
            total=len(self.to_records()),
            summary=summary,
        )


_LABELS_SHAPE = (
    "a mapping {transaction id: invoice number or set of numbers}, records with "
    "transaction_id and invoice (or invoices), or a DataFrame with those columns"
)


def truth_from_records(records: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """Labels from rows with ``transaction_id`` and ``invoice`` (one row per invoice, ``None``
    or empty for "no match") or ``invoices`` (a list of numbers, or of dicts with ``number``)."""
    truth: dict[str, set[str]] = {}
    for n, row in enumerate(records, start=1):
        if not isinstance(row, Mapping):
            raise ValidationError(
                f"labels: item {n} is a {type(row).__name__}; expected {_LABELS_SHAPE}",
                field="truth",
            )
        tx_id = row.get("transaction_id")
        if not tx_id:
            raise ValidationError(f"row {n}: expected a transaction_id", field="transaction_id")
        numbers = truth.setdefault(str(tx_id), set())
        if "invoices" in row:
            for inv in row["invoices"] or ():
                numbers.add(str(inv["number"] if isinstance(inv, Mapping) else inv))
        elif row.get("invoice"):
            numbers.add(str(row["invoice"]))
    return {k: frozenset(v) for k, v in truth.items()}


def _numbers(key: object, value: object, what: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | int):
        return frozenset([str(value)])
    if isinstance(value, Iterable):
        out = set()
        for v in value:
            if not isinstance(v, str | int):
                raise ValidationError(
                    f"{what}[{key!r}]: expected invoice numbers (text), got {v!r} inside {value!r}",
                    field="truth",
                )
            out.add(str(v))
        return frozenset(out)
    raise ValidationError(
        f"{what}[{key!r}]: expected an invoice number or a set of them, got {value!r}",
        field="truth",
    )


def _labels(truth: Any) -> dict[str, frozenset[str]]:
    if _tables.is_dataframe(truth):
        return truth_from_records(
            _tables.records_of(truth, what="labels", required=("transaction_id",))
        )
    if isinstance(truth, Mapping):
        return {str(k): _numbers(k, v, "labels") for k, v in truth.items()}
    if isinstance(truth, str | bytes) or not isinstance(truth, Iterable):
        raise ValidationError(
            f"labels: got a {type(truth).__name__}; expected {_LABELS_SHAPE}", field="truth"
        )
    return truth_from_records(truth)


def _evaluate(
    predictions: Iterable[Prediction],
    labels: Mapping[str, frozenset[str]],
    rule_order: Sequence[str] = (),
    auto_threshold: float | None = None,
) -> Evaluation:
    expected = sum(1 for v in labels.values() if v)
    by_tx: dict[str, Prediction] = {}
    for p in predictions:
        if p.transaction_id in labels:
            by_tx[p.transaction_id] = p
    outcomes = tuple(Outcome(tx, label, by_tx.get(tx)) for tx, label in labels.items())
    rules = [r for r in rule_order if any(p.rule == r for p in by_tx.values())]
    rules += sorted({p.rule for p in by_tx.values()} - set(rules))

    def of_rule(name: str) -> list[Outcome]:
        return [o for o in outcomes if o.prediction is not None and o.prediction.rule == name]

    by_rule_auto = {}
    for name in rules:
        mine = of_rule(name)
        if any(o.prediction and o.prediction.auto for o in mine):
            by_rule_auto[name] = _scores(mine, expected, "auto")
    ordered = [p.transaction_id for p in by_tx.values()]
    wrong = [tx for tx in ordered if Outcome(tx, labels[tx], by_tx[tx]).kind() != "matched right"]
    return Evaluation(
        all=_scores(outcomes, expected, "all"),
        auto=_scores(outcomes, expected, "auto"),
        by_rule={name: _scores(of_rule(name), expected, "all") for name in rules},
        by_rule_auto=by_rule_auto,
        wrong=tuple(wrong),
        missed=tuple(o.transaction_id for o in outcomes if o.kind() == "missed"),
        outcomes=outcomes,
        auto_threshold=auto_threshold,
    )


def evaluate(result: ReconcileResult, truth: Any) -> Evaluation:
    """Score ``result`` against ``truth``: a mapping of transaction id to the invoice numbers it
    pays (empty: should stay unmatched), records as :func:`truth_from_records` reads them, or a
    pandas/polars DataFrame of such records. Transactions without a label are left out."""
    predictions = (
        Prediction(p.transaction_id, frozenset(p.invoice_numbers), p.rule, p.confidence, p.auto)
        for p in result.proposals
    )
    return _evaluate(predictions, _labels(truth), result.rules, result.auto_threshold)


def score(predictions: Any, truth: Any, *, rule: str = "external") -> Evaluation:
    """Score any matcher's predictions on the same footing as a run.

    ``predictions`` is a mapping of transaction id to the invoice number(s) predicted (empty
    or ``None``: no match), or records / a DataFrame with ``transaction_id`` and ``invoice``
    (one row per invoice; optional ``confidence``, ``rule`` and ``auto`` columns, else 1.0,
    ``rule`` and ``True``), or a :class:`~paylink.reconcile.ReconcileResult`. ``truth`` takes
    the shapes :func:`evaluate` takes.
    """
    from .engine import ReconcileResult

    if isinstance(predictions, ReconcileResult):
        return evaluate(predictions, truth)
    labels = _labels(truth)
    made: dict[str, Prediction] = {}
    if isinstance(predictions, Mapping):
        for k, v in predictions.items():
            numbers = _numbers(k, v, "predictions")
            if numbers:
                made[str(k)] = Prediction(str(k), numbers, rule)
    else:
        if _tables.is_dataframe(predictions):
            rows = _tables.records_of(
                predictions, what="predictions", required=("transaction_id", "invoice")
            )
        elif isinstance(predictions, str | bytes) or not isinstance(predictions, Iterable):
            raise ValidationError(
                f"predictions: got a {type(predictions).__name__}; expected a mapping, records "
                "or a DataFrame with transaction_id and invoice",
                field="predictions",
            )
        else:
            rows = list(predictions)
        grouped: dict[str, tuple[set[str], dict[str, Any]]] = {}
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, Mapping) or not row.get("transaction_id"):
                raise ValidationError(
                    f"predictions: row {n} needs a transaction_id (and an invoice), got {row!r}",
                    field="transaction_id",
                )
            wanted, _first = grouped.setdefault(str(row["transaction_id"]), (set(), dict(row)))
            if row.get("invoice") not in (None, ""):
                wanted.add(str(row["invoice"]))
        for tx, (found, row) in grouped.items():
            if found:
                confidence = row.get("confidence")
                made[tx] = Prediction(
                    tx,
                    frozenset(found),
                    str(row.get("rule") or rule),
                    1.0 if confidence is None else float(confidence),
                    True if row.get("auto") is None else bool(row["auto"]),
                )
    return _evaluate(made.values(), labels)
