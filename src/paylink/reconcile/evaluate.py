"""Scoring proposals against labelled truth: precision, recall and F1, overall and per rule.

A proposal is correct when the set of invoices it pays is exactly the set the label gives for
its transaction. Only labelled transactions count: label a transaction with an empty set to say
"this one should stay unmatched" (a proposal for it is then a false positive).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..exceptions import ValidationError

if TYPE_CHECKING:
    from .engine import ReconcileResult

__all__ = ["Evaluation", "Scores", "evaluate", "truth_from_records"]


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
class Evaluation:
    """Scores of one run: for all proposals and for the auto-applied ones, overall and per rule.

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

    def __str__(self) -> str:
        head = f"{'scope':<6} {'rule':<20} {'proposed':>8} {'correct':>8} {'precision':>9} "
        head += f"{'recall':>7} {'F1':>6}"
        lines = [head]
        for row in self.to_records():
            lines.append(
                f"{row['scope']:<6} {row['rule']:<20} {row['proposed']:>8} {row['correct']:>8} "
                f"{row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>6.4f}"
            )
        return "\n".join(lines)


def truth_from_records(records: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """Labels from rows with ``transaction_id`` and ``invoice`` (one row per invoice, ``None``
    or empty for "no match") or ``invoices`` (a list of numbers, or of dicts with ``number``)."""
    truth: dict[str, set[str]] = {}
    for n, row in enumerate(records, start=1):
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


def evaluate(
    result: ReconcileResult,
    truth: Mapping[str, Iterable[str]] | Iterable[Mapping[str, Any]],
) -> Evaluation:
    """Score ``result`` against ``truth``: a mapping of transaction id to the set of invoice
    numbers it pays (empty: should stay unmatched), or records as :func:`truth_from_records`
    reads them. Transactions without a label are left out of the scores."""
    if isinstance(truth, Mapping):
        labels = {str(k): frozenset([v] if isinstance(v, str) else v) for k, v in truth.items()}
    else:
        labels = truth_from_records(truth)
    expected = sum(1 for v in labels.values() if v)
    counts: dict[tuple[str, str], list[int]] = {}
    wrong: list[str] = []
    proposed_ids: set[str] = set()
    for p in result.proposals:
        label = labels.get(p.transaction_id)
        if label is None:
            continue
        proposed_ids.add(p.transaction_id)
        ok = bool(label) and frozenset(p.invoice_numbers) == label
        if not ok:
            wrong.append(p.transaction_id)
        scopes = ("all", "auto") if p.auto else ("all",)
        for scope in scopes:
            for key in ((scope, "*"), (scope, p.rule)):
                c = counts.setdefault(key, [0, 0])
                c[0] += 1
                c[1] += ok
    missed = tuple(k for k, v in labels.items() if v and k not in proposed_ids)

    def scores(key: tuple[str, str]) -> Scores:
        proposed, correct = counts.get(key, (0, 0))
        return Scores(proposed, correct, expected)

    rules_seen = [name for name in result.rules if ("all", name) in counts]
    rules_seen += sorted({r for s, r in counts if s == "all" and r != "*"} - set(rules_seen))
    return Evaluation(
        all=scores(("all", "*")),
        auto=scores(("auto", "*")),
        by_rule={name: scores(("all", name)) for name in rules_seen},
        by_rule_auto={
            name: scores(("auto", name)) for name in rules_seen if ("auto", name) in counts
        },
        wrong=tuple(wrong),
        missed=missed,
    )
