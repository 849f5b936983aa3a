"""The reconciliation engine: transactions + open items + rules -> proposals.

For each transaction, in the order given, the rules run by priority until one finds candidates.
The engine then picks the best candidate and checks it:

- a candidate that pays an invoice in another currency than the transaction is never auto;
- when several candidates fit equally well, the engine proposes the first for review only: its
  confidence is divided by the number of equal candidates, and the explanation says so;
- when the transaction names an open invoice (structured reference, or a valid reference in
  its text) that the candidate does not pay, the candidate is not auto;
- an allocation never exceeds what is still open of an invoice nor, together with the other
  allocations, the transaction's amount; invalid candidates (from custom rules) are dropped.

Every proposal reserves what it allocates, so two transactions of one run never take the same
open amount twice. Proposals whose confidence reaches ``auto_threshold`` are marked ``auto``:
safe to apply without a person looking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import attrs

from .. import _tables
from .._gc import collector_paused
from .._renamed import renamed
from ..exceptions import ValidationError, mask_iban
from ..money import Money
from ..statements.model import BankTransaction, transactions_from_dataframe
from .index import MatchSettings, OpenItemIndex, money_from_minor
from .items import Direction, OpenItem, load_open_items
from .payouts import PAYOUT_RULE, PAYOUT_RULE_PRIORITY, OpenPayout, PayoutMatcher
from .rules import (
    BUILTIN_RULES,
    Candidate,
    Rule,
    RuleFunction,
    _reference_positions,
    as_rule,
    rule,
)

if TYPE_CHECKING:
    from .evaluate import Evaluation

__all__ = [
    "RESULT_COLUMNS",
    "Proposal",
    "ProposedAllocation",
    "ReconcileResult",
    "Reconciler",
    "reconcile",
]

RESULT_COLUMNS: tuple[str, ...] = (
    "transaction_id",
    "booking_date",
    "amount",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "structured_reference",
    "remittance_text",
    "invoice",
    "allocated",
    "rule",
    "confidence",
    "auto",
    "excess",
    "residual",
    "write_off",
    "explanation",
)
"""The columns of :meth:`ReconcileResult.to_dataframe`: the transaction's own, then the
decision (one row per allocated invoice; ``invoice`` empty for an unmatched transaction)."""

# The transaction's own columns in a result's rows (a subset of a transaction's row).
_TX_COLUMNS = RESULT_COLUMNS[1:8]

# The decision columns of an unmatched transaction's row.
_UNMATCHED: dict[str, Any] = {
    "invoice": None,
    "allocated": None,
    "rule": None,
    "confidence": 0.0,
    "auto": False,
    "excess": None,
    "residual": None,
    "write_off": None,
    "explanation": "no rule found a match",
}

_EQUAL = 1e-9


class ProposedAllocation(NamedTuple):
    """An amount of a transaction a :class:`Proposal` gives to one invoice: ``(number, amount)``.

    Named apart from :class:`paylink.Allocation` (the part of a recorded payment that settles an
    invoice): this one is only proposed, and becomes a payment's allocation when applied.
    """

    number: str
    amount: Money
    invoice_id: str | None = None


@attrs.frozen(kw_only=True)
class Proposal:
    """What the engine proposes for one transaction.

    ``allocations`` say which invoices it pays and how much each receives. ``excess`` is what
    the transaction brings beyond them (to keep as the customer's credit); ``residual`` what
    stays open on those invoices afterwards; ``write_off`` what the proposal writes off (bank
    fees within tolerance, under the ``write_off`` policy). ``auto`` is true when the proposal
    is safe to apply without review.
    """

    transaction_id: str
    transaction_amount: Money
    allocations: tuple[ProposedAllocation, ...]
    rule: str
    confidence: float
    explanation: str
    auto: bool
    excess: Money | None = None
    residual: Money | None = None
    write_off: Money | None = None

    @property
    def invoice_numbers(self) -> tuple[str, ...]:
        """The numbers of the invoices this proposal pays."""
        return tuple(a.number for a in self.allocations)

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-friendly dict (amounts as decimal strings)."""
        return {
            "transaction_id": self.transaction_id,
            "amount": str(self.transaction_amount.amount),
            "currency": self.transaction_amount.currency,
            "invoices": [
                {"number": a.number, "amount": str(a.amount.amount)} for a in self.allocations
            ],
            "rule": self.rule,
            "confidence": round(self.confidence, 4),
            "auto": self.auto,
            "excess": str(self.excess.amount) if self.excess else None,
            "residual": str(self.residual.amount) if self.residual else None,
            "write_off": str(self.write_off.amount) if self.write_off else None,
            "explanation": self.explanation,
        }


_new_allocation = tuple.__new__  # a ProposedAllocation without NamedTuple's Python-level __new__


class _Trace(NamedTuple):
    """How one transaction was decided, kept small: the rules before the deciding one found
    nothing (by construction), so only the deciding rule's candidates are stored."""

    transaction: BankTransaction
    tried: int  # how many rules ran, in order
    candidates: tuple[Candidate, ...]  # what the last rule that ran found (empty: unmatched)
    dropped: Mapping[int, int] | None  # rule position -> invalid candidates dropped
    notes: tuple[str, ...]


_new_trace = tuple.__new__  # a _Trace without NamedTuple's Python-level __new__ (hot loop)


def _describe(tx: BankTransaction) -> str:
    parts = [f"{tx.id}: {tx.amount} on {tx.booking_date.isoformat()}"]
    if tx.counterparty_name or tx.counterparty_iban:
        who = tx.counterparty_name or ""
        if tx.counterparty_iban:
            who += f" ({mask_iban(tx.counterparty_iban)})"
        parts.append(("from " if tx.is_credit else "to ") + who.strip())
    if tx.structured_reference:
        parts.append(f"reference {tx.structured_reference}")
    if tx.remittance_text:
        parts.append(f"text {tx.remittance_text!r}")
    if tx.end_to_end_id:
        parts.append(f"end-to-end id {tx.end_to_end_id}")
    return ", ".join(parts)


def _candidate_line(c: Candidate) -> str:
    allocs = ", ".join(f"{item.number} {amount}" for item, amount in c.allocations)
    return f"[{allocs}] confidence {c.confidence:.2f}: {c.explanation}"


@attrs.frozen(kw_only=True)
class ReconcileResult:
    """The outcome of a run: proposals, unmatched transactions, and how each was decided."""

    proposals: tuple[Proposal, ...]
    unmatched: tuple[str, ...]
    auto_threshold: float
    rules: tuple[str, ...]
    """The names of the rules of the run, in the order they ran."""
    priorities: tuple[int, ...] = ()
    """The rules' priorities, in the same order."""
    _traces: Mapping[str, _Trace] = attrs.field(repr=False, eq=False, alias="traces")
    _by_transaction: dict[str, Proposal] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    @property
    def auto(self) -> tuple[Proposal, ...]:
        """The proposals safe to apply without review."""
        return tuple(p for p in self.proposals if p.auto)

    @property
    def review(self) -> tuple[Proposal, ...]:
        """The proposals a person should look at."""
        return tuple(p for p in self.proposals if not p.auto)

    def proposal_for(self, transaction_id: str) -> Proposal | None:
        """The proposal for a transaction, or ``None`` when it stayed unmatched."""
        if len(self._by_transaction) != len(self.proposals):  # built on first use
            self._by_transaction.update((p.transaction_id, p) for p in self.proposals)
        return self._by_transaction.get(transaction_id)

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per allocation, and one per unmatched transaction (``invoice`` None).

        Keys: ``transaction_id``, ``invoice``, ``allocated``, ``currency``, ``rule``,
        ``confidence``, ``auto``, ``excess``, ``residual``, ``write_off``, ``explanation``.
        Amounts are decimal strings; this is the shape :meth:`evaluate` accepts as truth.
        """
        rows: list[dict[str, Any]] = []
        for p in self.proposals:
            for a in p.allocations:
                rows.append(
                    {
                        "transaction_id": p.transaction_id,
                        "invoice": a.number,
                        "allocated": str(a.amount.amount),
                        "currency": a.amount.currency,
                        "rule": p.rule,
                        "confidence": p.confidence,
                        "auto": p.auto,
                        "excess": str(p.excess.amount) if p.excess else None,
                        "residual": str(p.residual.amount) if p.residual else None,
                        "write_off": str(p.write_off.amount) if p.write_off else None,
                        "explanation": p.explanation,
                    }
                )
        for tx_id in self.unmatched:
            tx = self._traces[tx_id].transaction if tx_id in self._traces else None
            currency = tx.currency if tx else None
            rows.append({"transaction_id": tx_id, "currency": currency, **_UNMATCHED})
        return rows

    def transaction(self, transaction_id: str) -> BankTransaction:
        """The transaction of this run with that id."""
        trace = self._traces.get(transaction_id)
        if trace is None:
            raise ValidationError(
                f"transaction {transaction_id!r} was not part of this run", field="transaction_id"
            )
        return trace.transaction

    def counts(self) -> dict[str, int]:
        """How many transactions ended how: ``auto``, ``review``, ``unmatched``, and per rule
        (``rule:<name>``), in rule order."""
        per_rule = dict.fromkeys(self.rules, 0)
        auto = 0
        for p in self.proposals:
            per_rule[p.rule] = per_rule.get(p.rule, 0) + 1
            auto += p.auto
        out = {
            "transactions": len(self.proposals) + len(self.unmatched),
            "auto": auto,
            "review": len(self.proposals) - auto,
            "unmatched": len(self.unmatched),
        }
        out.update((f"rule:{name}", n) for name, n in per_rule.items() if n)
        return out

    def __repr__(self) -> str:
        # A run over a month of statements holds thousands of proposals: summarise them.
        c = self.counts()
        rules = ", ".join(f"{k[5:]} {v}" for k, v in c.items() if k.startswith("rule:"))
        return (
            f"<ReconcileResult: {c['transactions']:,} transactions, {len(self.proposals):,} "
            f"proposals ({c['auto']:,} auto, {c['review']:,} review), {c['unmatched']:,} "
            f"unmatched; by rule: {rules or 'none'}>"
        )

    def _repr_html_(self) -> str:
        c = self.counts()
        rows = (
            (
                p.transaction_id,
                p.transaction_amount,
                ", ".join(p.invoice_numbers),
                p.rule,
                p.confidence,
                "auto" if p.auto else "review",
            )
            for p in self.proposals
        )
        summary = [(k, v) for k, v in c.items() if k != "transactions"]
        return _tables.html_table(
            f"Reconciliation: {c['transactions']:,} transactions, "
            f"{len(self.proposals):,} proposals",
            ("transaction", "amount", "invoices", "rule", "confidence", "decision"),
            rows,
            total=len(self.proposals),
            summary=summary,
        )

    def to_dataframe(
        self, *, backend: _tables.Backend = "pandas", amounts: _tables.Amounts = "decimal"
    ) -> Any:
        """One row per allocation and one per unmatched transaction, with the transaction's own
        columns beside the decision: see :data:`RESULT_COLUMNS`.

        Amounts (``amount`` of the transaction, ``allocated``, ``excess``, ``residual``,
        ``write_off``) are exact: ``Decimal`` values, or integer minor units with
        ``amounts="minor"``; ``booking_date`` is a date. ``backend`` is ``"pandas"`` or
        ``"polars"``. The shape :meth:`evaluate` accepts as truth.
        """
        minor = amounts == "minor"

        def value(money: Money | None) -> Any:
            if money is None:
                return None
            return money.minor_units if minor else money.amount

        def tx_columns(tx: BankTransaction) -> dict[str, Any]:
            row = tx.to_row(amounts)
            return {k: row[k] for k in _TX_COLUMNS}

        rows: list[dict[str, Any]] = []
        for p in self.proposals:
            base = tx_columns(self._traces[p.transaction_id].transaction)
            for a in p.allocations:
                rows.append(
                    {
                        "transaction_id": p.transaction_id,
                        **base,
                        "invoice": a.number,
                        "allocated": value(a.amount),
                        "rule": p.rule,
                        "confidence": p.confidence,
                        "auto": p.auto,
                        "excess": value(p.excess),
                        "residual": value(p.residual),
                        "write_off": value(p.write_off),
                        "explanation": p.explanation,
                    }
                )
        for tx_id in self.unmatched:
            tx_row = tx_columns(self._traces[tx_id].transaction)
            rows.append({"transaction_id": tx_id, **tx_row, **_UNMATCHED})
        return _tables.frame(rows, RESULT_COLUMNS, backend=backend, dates=("booking_date",))

    def explain(self, transaction_id: str) -> str:
        """Say, for one transaction, which rules were tried, what each found and what was
        decided."""
        trace = self._traces.get(transaction_id)
        if trace is None:
            raise ValidationError(
                f"transaction {transaction_id!r} was not part of this run", field="transaction_id"
            )
        lines = [f"Transaction {_describe(trace.transaction)}"]
        for pos in range(trace.tried):
            head = f"  {pos + 1}. {self.rules[pos]} (priority {self.priorities[pos]}): "
            last = pos == trace.tried - 1
            candidates = trace.candidates if last else ()
            dropped = trace.dropped.get(pos, 0) if trace.dropped else 0
            drop_note = f"dropped {dropped} invalid candidate(s)" if dropped else ""
            if not candidates:
                lines.append(head + (drop_note or "found nothing"))
                continue
            found = f"found {len(candidates)} candidate(s)"
            lines.append(head + found + (f"; {drop_note}" if drop_note else ""))
            lines.extend(f"       - {_candidate_line(c)}" for c in candidates)
        skipped = self.rules[trace.tried :]
        if skipped and trace.candidates:
            lines.append(f"  not tried (an earlier rule decided): {', '.join(skipped)}")
        lines.extend(f"  ! {note}" for note in trace.notes)
        proposal = self.proposal_for(transaction_id)
        if proposal is None:
            lines.append("  => unmatched: left for a person to review")
        else:
            allocs = ", ".join(f"{a.number} {a.amount}" for a in proposal.allocations)
            verdict = (
                f"auto (confidence {proposal.confidence:.2f} >= {self.auto_threshold})"
                if proposal.auto
                else f"review (confidence {proposal.confidence:.2f}, "
                f"auto needs {self.auto_threshold})"
            )
            lines.append(f"  => proposal by {proposal.rule}: {allocs}; {verdict}")
            for label, value in (
                ("excess kept as credit", proposal.excess),
                ("residual left open", proposal.residual),
                ("written off", proposal.write_off),
            ):
                if value:
                    lines.append(f"     {label}: {value}")
        return "\n".join(lines)

    def evaluate(
        self, truth: Mapping[str, Iterable[str]] | Iterable[Mapping[str, Any]]
    ) -> Evaluation:
        """Score the proposals against labelled truth; see :func:`paylink.reconcile.evaluate`."""
        from .evaluate import evaluate

        return evaluate(self, truth)


class Reconciler:
    """Runs match rules over transactions and open items.

    ``rules`` defaults to the built-in rules; pass your own list to replace them (include
    :data:`~paylink.reconcile.BUILTIN_RULES` to extend them), or add rules with the
    :meth:`rule` decorator. Plain functions are accepted as rules with priority 100.

    ``tolerance`` (currency units) and ``tolerance_policy`` feed the tolerance rule;
    ``auto_threshold`` is the confidence from which a proposal is applied without review.
    """

    def __init__(
        self,
        rules: Iterable[Rule | RuleFunction] | None = None,
        *,
        auto_threshold: float = 0.95,
        tolerance: Decimal | str | int = Decimal("0"),
        tolerance_policy: Literal["leave_open", "write_off"] = "leave_open",
        settings: MatchSettings | None = None,
    ) -> None:
        if not 0 < auto_threshold <= 1:
            raise ValidationError(
                f"expected a threshold in (0, 1], got {auto_threshold!r}", field="auto_threshold"
            )
        self.auto_threshold = auto_threshold
        self.settings = settings or MatchSettings(
            tolerance=tolerance, tolerance_policy=tolerance_policy
        )
        self._rules: list[Rule] = [as_rule(r) for r in (BUILTIN_RULES if rules is None else rules)]
        names = [r.name for r in self._rules]
        if len(set(names)) != len(names):
            raise ValidationError(f"two rules share a name: {sorted(names)}", field="rules")

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules in the order they run (by priority, then as given)."""
        return tuple(sorted(self._rules, key=lambda r: r.priority))

    def add_rule(self, value: Rule | RuleFunction, *, priority: int | None = None) -> Rule:
        """Add a rule (or a plain function) to this reconciler and return it as a :class:`Rule`."""
        added = as_rule(value, priority)
        if any(r.name == added.name for r in self._rules):
            raise ValidationError(f"a rule named {added.name!r} is already here", field="rules")
        self._rules.append(added)
        return added

    def rule(
        self, *, priority: int = 100, name: str | None = None
    ) -> Callable[[RuleFunction], Rule]:
        """Decorator: turn a function into a :class:`Rule` and add it to this reconciler::

        @reconciler.rule(priority=45, name="unique_amount")
        def unique_amount(tx, index): ...
        """

        def wrap(f: RuleFunction) -> Rule:
            return self.add_rule(rule(priority=priority, name=name)(f))

        return wrap

    def index(self, open_items: Iterable[OpenItem] | Any) -> OpenItemIndex:
        """Build the index of ``open_items`` (open items, or a pandas/polars DataFrame of them)
        with this reconciler's settings."""
        if _tables.is_dataframe(open_items):
            open_items = load_open_items(open_items).items
        return OpenItemIndex(open_items, self.settings)

    def reconcile(
        self,
        transactions: Iterable[BankTransaction] | Any,
        open_items: Iterable[OpenItem] | OpenItemIndex | Any,
        *,
        payouts: Iterable[OpenPayout] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ReconcileResult:
        """Propose, for each transaction, the invoices it pays; see the module docstring.

        ``payouts`` (providers' payouts not matched yet) switch on the payout rule, which runs
        first: a credit naming a provider for exactly a payout's net matches the payout, and
        one naming a provider never goes to an invoice (see :mod:`paylink.reconcile.payouts`).

        ``transactions`` and ``open_items`` may also be pandas or polars DataFrames (the columns
        of :data:`~paylink.statements.TRANSACTION_COLUMNS` and
        :data:`~paylink.reconcile.OPEN_ITEM_COLUMNS`). ``open_items`` may be a ready
        :class:`OpenItemIndex`: a run consumes it (its open amounts shrink as proposals reserve
        them), so a second run on the same index is refused rather than silently seeing only
        what the first left. ``progress``, when given, is called with the count of transactions
        done every 10,000 transactions. Python's cyclic garbage collector is paused while the
        run lasts (it only slows a run down: nothing a run makes forms a cycle) and switched
        back on after, also when the run fails.
        """
        if _tables.is_dataframe(transactions):
            transactions = transactions_from_dataframe(transactions)
        if isinstance(open_items, OpenItemIndex):
            if open_items.consumed:
                raise ValidationError(
                    "this OpenItemIndex was consumed by an earlier run (its open amounts hold "
                    "what that run reserved); pass the open items themselves, or build a fresh "
                    "index with Reconciler.index(items), for each run",
                    field="open_items",
                )
        else:
            open_items = self.index(open_items)
        open_items.consumed = True
        matcher = PayoutMatcher(payouts) if payouts is not None else None
        with collector_paused():
            return self._run(transactions, open_items, progress, matcher or None)

    def _run(
        self,
        transactions: Iterable[BankTransaction],
        index: OpenItemIndex,
        progress: Callable[[int], None] | None,
        payouts: PayoutMatcher | None = None,
    ) -> ReconcileResult:
        rules = self.rules
        funcs = [r.func for r in rules]
        threshold = self.auto_threshold
        proposals: list[Proposal] = []
        unmatched: list[str] = []
        traces: dict[str, _Trace] = {}
        # the payout rule, when payouts are given, is position 0 of the run's rules
        offset = 1 if payouts is not None else 0
        for n, tx in enumerate(transactions, start=1):
            if progress is not None and n % 10_000 == 0:
                progress(n)
            try:
                tx_id = tx.id
            except AttributeError:
                raise ValidationError(
                    f"transactions: item {n} is a {type(tx).__name__}; expected a "
                    "BankTransaction (paylink.statements reads files into them; "
                    "transactions_from_dataframe() reads dicts and DataFrames)",
                    field="transactions",
                ) from None
            if tx_id in traces:
                raise ValidationError(f"transaction {tx_id!r} appears twice", field="id")
            if payouts is not None and tx.amount.amount > 0:
                decided = _payout_pass(tx, payouts, threshold)
                if decided is not None:
                    proposal, trace = decided
                    if proposal is None:
                        unmatched.append(tx_id)
                    else:
                        proposals.append(proposal)
                    traces[tx_id] = trace
                    continue
            found: list[_Checked] = []
            dropped_at: dict[int, int] | None = None
            for pos, func in enumerate(funcs):
                raw = func(tx, index)
                if not raw:
                    continue
                found, dropped = _valid(tx, index, raw)
                if dropped:
                    dropped_at = dropped_at or {}
                    dropped_at[pos + offset] = dropped
                if found:
                    break
            if not found:
                unmatched.append(tx_id)
                traces[tx_id] = _new_trace(_Trace, (tx, len(funcs) + offset, (), dropped_at, ()))
                continue
            proposal, notes = _decide(tx, index, rules[pos], found, threshold)
            proposals.append(proposal)
            chosen = (found[0][0],) if len(found) == 1 else tuple(c[0] for c in found)
            traces[tx_id] = _new_trace(_Trace, (tx, pos + 1 + offset, chosen, dropped_at, notes))
        names = tuple(r.name for r in rules)
        priorities = tuple(r.priority for r in rules)
        if payouts is not None:
            names = (PAYOUT_RULE, *names)
            priorities = (PAYOUT_RULE_PRIORITY, *priorities)
        return ReconcileResult(
            proposals=tuple(proposals),
            unmatched=tuple(unmatched),
            auto_threshold=threshold,
            rules=names,
            priorities=priorities,
            traces=traces,
        )


def _payout_pass(
    tx: BankTransaction, payouts: PayoutMatcher, threshold: float
) -> tuple[Proposal | None, _Trace] | None:
    """The payout rule for one credit: ``None`` when the credit names no provider (the
    other rules decide); else the proposal (or ``None``: left unmatched) and its trace."""
    named = payouts.named(tx)
    if named is None:
        return None
    provider, word = named
    found = payouts.candidates(tx, provider, word)
    if not found:
        if tx.structured_reference is not None:
            return None  # a customer's payment that mentions the provider: the rules decide
        note = (
            f"the credit names {word} but no unmatched {provider} payout has a net of "
            f"{tx.amount}; a provider's payout is never proposed against an invoice"
        )
        return None, _new_trace(_Trace, (tx, 1, (), None, (note,)))
    best = found[0]
    confidence = best.confidence
    notes: tuple[str, ...] = ()
    if len(found) > 1:
        confidence = confidence / len(found)
        others = ", ".join(c.allocations[0][0].number for c in found[1:])
        notes = (
            f"ambiguous: {len(found)} payouts have this net (also {others}); the first is "
            "proposed for review, never applied automatically",
        )
    item, amount = best.allocations[0]
    payouts.take(item)
    explanation = best.explanation + (" — " + "; ".join(notes) if notes else "")
    proposal = Proposal(
        transaction_id=tx.id,
        transaction_amount=tx.amount,
        allocations=(ProposedAllocation(item.number, amount, item.invoice_id),),
        rule=PAYOUT_RULE,
        confidence=confidence,
        explanation=explanation,
        auto=not notes and confidence >= threshold,
    )
    return proposal, _new_trace(_Trace, (tx, 1, tuple(found), None, notes))


# A checked candidate: the candidate, the positions and minor units of its allocations, and
# the write-off in minor units. The engine works on these integers from here on.
_Checked = tuple[Candidate, tuple[tuple[int, int], ...], int]


def _valid(
    tx: BankTransaction, index: OpenItemIndex, candidates: Sequence[Candidate]
) -> tuple[list[_Checked], int]:
    """Keep the candidates whose allocations are possible right now."""
    out: list[_Checked] = []
    paid = index.amount_minor(tx)
    remaining = index._remaining
    currencies = index._currency
    tx_currency = tx.currency
    for c in candidates:
        if not isinstance(c, Candidate) or not c.allocations or not 0 <= c.confidence <= 1:
            continue
        at = c._at
        if at is not None and c.write_off is None:
            # a built-in rule's candidate: its positions and amounts are those of the index
            total = 0
            for pos, minor in at:
                if currencies[pos] == tx_currency:
                    total += minor
            if total <= paid:
                out.append((c, at, 0))
            continue
        total = 0
        taken: list[tuple[int, int]] = []
        ok = True
        for item, amount in c.allocations:
            found = index._find(item)
            if (
                found is None
                or amount.currency != item.currency
                or any(p == found for p, _ in taken)
            ):
                ok = False
                break
            minor = amount.minor_units
            if minor <= 0 or minor > remaining[found]:
                ok = False
                break
            taken.append((found, minor))
            if item.currency == tx_currency:
                total += minor
        if not ok or total > paid:
            continue
        write_off = 0
        if c.write_off is not None:
            item, _ = c.allocations[0]
            found, minor = taken[0]
            write_off = c.write_off.minor_units
            if (
                len(taken) != 1
                or c.write_off.currency != item.currency
                or write_off <= 0
                or minor + write_off > remaining[found]
            ):
                continue
        out.append((c, tuple(taken), write_off))
    return out, len(candidates) - len(out)


def _decide(
    tx: BankTransaction,
    index: OpenItemIndex,
    winner: Rule,
    found: list[_Checked],
    threshold: float,
) -> tuple[Proposal, tuple[str, ...]]:
    ranked = sorted(found, key=lambda c: -c[0].confidence) if len(found) > 1 else found
    best, taken, write_off = ranked[0]
    items = index.items
    positions = {taken[0][0]} if len(taken) == 1 else {pos for pos, _ in taken}
    confidence = best.confidence
    notes: list[str] = []
    review = False
    rivals = (
        [
            c
            for c in ranked[1:]
            if best.confidence - c[0].confidence < _EQUAL and {p for p, _ in c[1]} != positions
        ]
        if len(ranked) > 1
        else ()
    )
    if rivals:
        confidence = confidence / (1 + len(rivals))
        review = True
        others = "; ".join(", ".join(items[p].number for p, _ in c[1]) for c in rivals)
        notes.append(
            f"ambiguous: {len(rivals) + 1} candidates fit equally well (also {others}); "
            "the first is proposed for review, never applied automatically"
        )
    currency = tx.currency
    currencies = index._currency
    if len(taken) == 1:
        same = currencies[taken[0][0]] == currency
    else:
        same = all(currencies[p] == currency for p in positions)
    if not same:
        confidence = min(confidence, 0.5)
        review = True
        currencies = sorted({items[p].currency for p in positions})
        notes.append(
            f"currency differs: the transaction is in {currency}, the invoice in "
            f"{', '.join(currencies)}; a person must decide"
        )
    contested = index._contested
    if contested and not positions.isdisjoint(contested):
        confidence = min(confidence, 0.5)
        review = True
        numbers = ", ".join(items[p].number for p, _ in taken if p in contested)
        notes.append(
            f"an earlier ambiguous transaction could also pay {numbers}; not applied automatically"
        )
    if winner.name not in _NAMING_RULES and (
        tx.structured_reference is not None or tx.remittance_text
    ):
        named = _named_elsewhere(tx, index, positions)
        if named:
            confidence = min(confidence, 0.5)
            review = True
            notes.append(
                f"the transaction's reference names invoice {', '.join(named)}, which this "
                "proposal does not pay"
            )
    # reserve what the proposal allocates, so no later transaction takes it again
    take = index._take
    for pos, minor in taken:
        take(pos, minor + write_off)
    for c in rivals:
        for pos, _ in c[1]:
            if pos not in positions:
                contested.add(pos)
    if same:
        remaining = index._remaining
        paid = 0
        residual_minor = 0
        for pos, minor in taken:
            paid += minor
            residual_minor += remaining[pos]
        excess_minor = index.amount_minor(tx) - paid
    else:
        excess_minor = residual_minor = 0
    explanation = best.explanation
    if notes:
        explanation += " — " + "; ".join(notes)
    allocations = best.allocations
    if len(allocations) == 1:
        item, amount = allocations[0]
        shares: tuple[ProposedAllocation, ...] = (
            _new_allocation(ProposedAllocation, (item.number, amount, item.invoice_id)),
        )
    else:
        shares = tuple(
            _new_allocation(ProposedAllocation, (i.number, a, i.invoice_id)) for i, a in allocations
        )
    return (
        Proposal(
            transaction_id=tx.id,
            transaction_amount=tx.amount,
            allocations=shares,
            rule=winner.name,
            confidence=confidence,
            explanation=explanation,
            auto=not review and confidence >= threshold,
            excess=money_from_minor(excess_minor, currency) if excess_minor > 0 else None,
            residual=money_from_minor(residual_minor, currency) if residual_minor > 0 else None,
            write_off=best.write_off,
        ),
        tuple(notes),
    )


# the rules that decide by the transaction's reference themselves
_NAMING_RULES = frozenset({"exact_reference", "text_reference"})


def _named_elsewhere(tx: BankTransaction, index: OpenItemIndex, chosen: set[int]) -> list[str]:
    """Open invoices the transaction names by reference that the proposal does not pay."""
    direction: Direction = "sale" if tx.is_credit else "purchase"
    refs = index._text_references(tx)
    if tx.structured_reference is not None:
        refs = [tx.structured_reference, *refs]
    items = index.items
    return [
        items[pos].number
        for pos in _reference_positions(index, refs, direction)
        if pos not in chosen
    ]


def reconcile(
    transactions: Iterable[BankTransaction],
    open_items: Iterable[OpenItem] | OpenItemIndex,
    rules: Iterable[Rule | RuleFunction] | None = None,
    auto_threshold: float = 0.95,
    *,
    tolerance: Decimal | str | int = Decimal("0"),
    tolerance_policy: Literal["leave_open", "write_off"] = "leave_open",
    settings: MatchSettings | None = None,
    payouts: Iterable[OpenPayout] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReconcileResult:
    """Match bank transactions to open items with ``rules`` (default: the built-in rules);
    ``payouts`` switch on the payout rule (see :meth:`Reconciler.reconcile`).

    A shortcut for ``Reconciler(rules, ...).reconcile(transactions, open_items)``; see
    :class:`Reconciler`. ``settings`` (a :class:`MatchSettings`) replaces ``tolerance`` and
    ``tolerance_policy`` and sets the subset-search limits; transactions and open items may be
    DataFrames.
    """
    return Reconciler(
        rules,
        auto_threshold=auto_threshold,
        tolerance=tolerance,
        tolerance_policy=tolerance_policy,
        settings=settings,
    ).reconcile(transactions, open_items, payouts=payouts, progress=progress)


__getattr__ = renamed(__name__, globals(), {"Allocation": "ProposedAllocation"})
