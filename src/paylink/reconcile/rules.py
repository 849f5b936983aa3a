"""Match rules: plain functions ``rule(transaction, index) -> list[Candidate]``.

A rule looks at one bank transaction, asks the :class:`~paylink.reconcile.OpenItemIndex` for
the invoices it could pay, and returns :class:`Candidate` allocations with a confidence between
0 and 1 and a sentence a person can check. Rules run in priority order (lower first); the first
rule that finds something decides, and the engine then checks the safety conditions (one
currency, no ambiguity, nothing allocated twice).

The built-in rules, in order:

=====  ======================  ==========================================================  ======
prio   name                    what it recognises                                          conf.
=====  ======================  ==========================================================  ======
10     exact_reference         the structured reference (OGM/RF) of an invoice, exact      0.99
                               amount
20     text_reference          a valid reference typed in the remittance text, exact       0.97
                               amount (or several whose open amounts add up)
30     invoice_number          invoice numbers in the text, exact amount or exact sum      0.95
40     iban_amount             a known customer IBAN and exactly one open amount           0.95
50     subset_sum              several open invoices of one customer summing to the credit 0.95
60     customer_tolerance      customer (IBAN or name) and an amount within tolerance      0.80–0.90
70     partial_payment         an invoice named by reference, less paid than open          0.85–0.96
80     overpayment             an invoice named by reference, more paid than open          0.85–0.96
90     purchase_payment        a debit paying a purchase invoice (end-to-end id,           0.90–0.99
                               reference, supplier IBAN)
=====  ======================  ==========================================================  ======

Write your own with :func:`rule`::

    @rule(priority=45, name="unique_amount")
    def unique_amount(tx, index):
        items = index.by_amount(tx.amount)
        if tx.is_credit and len(items) == 1:
            return [Candidate.full(items[0], index, 0.8, "the only invoice of this amount")]
        return []
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import overload

import attrs

from ..exceptions import mask_iban
from ..money import Money
from ..references import Reference
from ..statements.model import BankTransaction
from .index import OpenItemIndex, money_from_minor
from .items import Direction, OpenItem

__all__ = [
    "BUILTIN_RULES",
    "Candidate",
    "Rule",
    "RuleFunction",
    "as_rule",
    "customer_tolerance",
    "exact_reference",
    "invoice_number",
    "overpayment",
    "partial_payment",
    "purchase_payment",
    "rule",
    "subset_sum",
    "text_reference",
]


@attrs.frozen
class Candidate:
    """A possible answer to "what does this transaction pay?".

    ``allocations`` pairs each open item with the amount of the transaction it receives (in the
    item's currency, positive, at most what is still open of it). What the allocations leave
    of the transaction becomes the proposal's excess (a customer credit); what they leave open
    of the invoices is its residual, unless ``write_off`` (for a single allocation) closes it.
    """

    allocations: tuple[tuple[OpenItem, Money], ...]
    confidence: float
    explanation: str
    write_off: Money | None = None
    # The built-in rules say where their items sit in the index and the amounts in minor
    # units, so the engine need not look them up again: ((position, minor units), ...).
    _at: tuple[tuple[int, int], ...] | None = attrs.field(
        default=None, kw_only=True, eq=False, repr=False, alias="_at"
    )

    @classmethod
    def full(
        cls, item: OpenItem, index: OpenItemIndex, confidence: float, explanation: str
    ) -> Candidate:
        """A candidate that pays what is still open of ``item``."""
        return cls(((item, index.remaining(item)),), confidence, explanation)

    @property
    def items(self) -> tuple[OpenItem, ...]:
        """The open items this candidate pays."""
        return tuple(item for item, _ in self.allocations)


def _full(
    index: OpenItemIndex,
    pos: int,
    confidence: float,
    explanation: str,
    amount: Money | None = None,
) -> Candidate:
    """A candidate paying what is open of the item at ``pos``; ``amount``, when given, is that
    open amount as a Money already at hand (the transaction's own, for an exact match)."""
    minor = index._remaining[pos]
    money = amount if amount is not None else money_from_minor(minor, index._currency[pos])
    return Candidate(((index.items[pos], money),), confidence, explanation, _at=((pos, minor),))


def _part(
    index: OpenItemIndex, pos: int, minor: int, amount: Money, confidence: float, explanation: str
) -> Candidate:
    """A candidate giving ``amount`` (``minor`` units, less than is open) to the item at
    ``pos``."""
    return Candidate(((index.items[pos], amount),), confidence, explanation, _at=((pos, minor),))


RuleFunction = Callable[[BankTransaction, OpenItemIndex], Sequence[Candidate]]
"""The shape of a rule: ``(transaction, index) -> candidates``."""


@attrs.frozen
class Rule:
    """A named match rule with its priority (lower runs first)."""

    func: RuleFunction
    name: str
    priority: int = 100
    description: str = ""

    def __call__(self, transaction: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
        """Run the rule on one transaction."""
        return list(self.func(transaction, index))

    def tuned(
        self,
        *,
        priority: int | None = None,
        confidence: float | Callable[[float], float] | None = None,
        name: str | None = None,
    ) -> Rule:
        """A copy of this rule with another priority, name, or confidence.

        ``confidence`` is either a number that replaces the confidence of every candidate the
        rule finds, or a function from the rule's own confidence to the new one (e.g.
        ``lambda c: c * 0.9``); results are kept within [0, 1]. Use it to keep a built-in rule
        from auto-applying (a confidence below the run's ``auto_threshold``), or to trust it
        more::

            cautious = iban_amount.tuned(confidence=0.9, name="iban_amount_review")
            result = reconcile(txs, items, rules=[*others, cautious])
        """
        func = self.func
        if confidence is not None:
            adjust = confidence if callable(confidence) else (lambda _c, v=confidence: v)
            inner = self.func

            def func(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
                return [
                    attrs.evolve(c, confidence=min(1.0, max(0.0, float(adjust(c.confidence)))))
                    for c in inner(tx, index)
                ]

        return attrs.evolve(
            self,
            func=func,
            priority=self.priority if priority is None else priority,
            name=self.name if name is None else name,
        )


@overload
def rule(func: RuleFunction, /) -> Rule: ...
@overload
def rule(*, priority: int = 100, name: str | None = None) -> Callable[[RuleFunction], Rule]: ...
def rule(
    func: RuleFunction | None = None, /, *, priority: int = 100, name: str | None = None
) -> Rule | Callable[[RuleFunction], Rule]:
    """Turn a plain function ``(transaction, index) -> list[Candidate]`` into a :class:`Rule`.

    Use as ``@rule`` or ``@rule(priority=45, name="unique_amount")``; the name defaults to the
    function's name and the description to its docstring's first line. Pass the rule to
    :func:`~paylink.reconcile.reconcile` or a :class:`~paylink.reconcile.Reconciler`, or
    register it from a plugin's ``paylink_register_match_rules`` hook.
    """

    def wrap(f: RuleFunction) -> Rule:
        doc = (getattr(f, "__doc__", None) or "").strip().splitlines()
        return Rule(
            f, str(name or getattr(f, "__name__", "rule")), priority, doc[0].strip() if doc else ""
        )

    return wrap(func) if func is not None else wrap


def as_rule(value: Rule | RuleFunction, priority: int | None = None) -> Rule:
    """Return ``value`` as a :class:`Rule` (a plain function gets priority 100 by default)."""
    if isinstance(value, Rule):
        return value if priority is None else attrs.evolve(value, priority=priority)
    return rule(priority=100 if priority is None else priority)(value)


# --- helpers shared by the built-in rules -----------------------------------------------------

_EPOCH = dt.date.min


def _show(ref: Reference) -> str:
    # the printed form, without stdnum's generic formatter (this runs once per proposal)
    v = ref.value
    return f"+++{v[:3]}/{v[3:7]}/{v[7:]}+++" if ref.scheme == "ogm" else v


def _who(tx: BankTransaction) -> str:
    if tx.counterparty_iban:
        return f"{tx.counterparty_name or 'the payer'} ({mask_iban(tx.counterparty_iban)})"
    return tx.counterparty_name or "the payer"


def _numbers(index: OpenItemIndex, positions: Iterable[int]) -> str:
    items = index.items
    return ", ".join(items[p].number for p in positions)


def _reference_positions(
    index: OpenItemIndex, refs: Iterable[Reference], direction: Direction
) -> list[int]:
    """The open items the references name, each once, in order of appearance."""
    table = index._reference[direction]
    found: dict[int, None] = {}
    for ref in refs:
        for p in index._open_positions(table.get(ref.value)):
            found[p] = None
    return list(found)


def _named(
    tx: BankTransaction, index: OpenItemIndex, direction: Direction
) -> tuple[list[int], str, float]:
    """The open items the transaction names (positions), how, and what that naming is worth."""
    if tx.structured_reference is not None:
        positions = index._open_positions(
            index._reference[direction].get(tx.structured_reference.value)
        )
        if positions:
            return positions, f"the structured reference {_show(tx.structured_reference)}", 0.96
    positions = _reference_positions(index, index._text_references(tx), direction)
    if positions:
        return positions, "the reference in the remittance text", 0.93
    positions = index._numbers_in_text(tx.remittance_text, direction)
    if positions:
        return positions, "the invoice number in the remittance text", 0.85
    return [], "", 0.0


def _same_currency(tx: BankTransaction, items: Iterable[OpenItem]) -> list[OpenItem]:
    return [item for item in items if item.currency == tx.currency]


def _in_currency(index: OpenItemIndex, positions: Iterable[int], currency: str) -> list[int]:
    currencies = index._currency
    return [p for p in positions if currencies[p] == currency]


def _pay_all(
    index: OpenItemIndex, positions: Sequence[int], confidence: float, explanation: str
) -> Candidate:
    """A candidate paying what is open of each item at ``positions``."""
    items, remaining, currencies = index.items, index._remaining, index._currency
    at = tuple((p, remaining[p]) for p in positions)
    allocations = tuple((items[p], money_from_minor(m, currencies[p])) for p, m in at)
    return Candidate(allocations, confidence, explanation, _at=at)


def _customers(
    tx: BankTransaction, index: OpenItemIndex, direction: Direction = "sale"
) -> tuple[tuple[str, ...], str]:
    """Customers the counterparty is: by IBAN when the IBAN is known, else by name."""
    return index._counterparty(tx, direction)


def _open_of_customer(index: OpenItemIndex, customer: str, direction: Direction) -> list[int]:
    record = index._customers[direction].get(customer)
    if record is None:
        return []
    remaining = index._remaining
    return [p for p in record.open if remaining[p] > 0]


# --- the built-in rules ------------------------------------------------------------------------
# They use the index's positions and minor units rather than its public lookups: the same
# answers, without building item lists and Money values for what is then thrown away.


@rule(priority=10, name="exact_reference")
def exact_reference(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """The transaction's structured reference is an open invoice's, for its exact open amount."""
    ref = tx.structured_reference
    if ref is None or not tx.is_credit:
        return []
    positions = index._open_positions(index._reference["sale"].get(ref.value))
    if not positions:
        return []
    amount = index.amount_minor(tx)
    items, remaining = index.items, index._remaining
    out = []
    for p in positions:
        item = items[p]
        if index._currency[p] != tx.currency:
            out.append(
                _full(
                    index,
                    p,
                    0.99,
                    f"the structured reference {_show(ref)} is that of invoice {item.number}",
                )
            )
        elif remaining[p] == amount:
            out.append(
                _full(
                    index,
                    p,
                    0.99,
                    f"the structured reference {_show(ref)} is that of invoice {item.number} and "
                    f"{tx.amount} is exactly what is open of it",
                    tx.amount,
                )
            )
    return out


@rule(priority=20, name="text_reference")
def text_reference(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Valid references found in the remittance text name invoices whose open amounts match."""
    if not tx.remittance_text or not tx.is_credit:
        return []
    refs = index._text_references(tx)
    if not refs:
        return []
    positions = _reference_positions(index, refs, "sale")
    if not positions:
        return []
    amount = index.amount_minor(tx)
    items, remaining = index.items, index._remaining
    found = _in_currency(index, positions, tx.currency)
    exact = [p for p in found if remaining[p] == amount]
    if exact:
        return [
            _full(
                index,
                p,
                0.97,
                f"the remittance text carries the reference of invoice "
                f"{items[p].number} and {tx.amount} is exactly what is open of it",
                tx.amount,
            )
            for p in exact
        ]
    if len(found) > 1 and sum(remaining[p] for p in found) == amount:
        return [
            _pay_all(
                index,
                found,
                0.96,
                f"the remittance text carries the references of invoices "
                f"{_numbers(index, found)}, whose open amounts add up to {tx.amount}",
            )
        ]
    if not found:  # only invoices in another currency: let the engine flag it
        return [
            _full(index, p, 0.97, f"the remittance text carries the reference of {items[p].number}")
            for p in positions
        ]
    return []


@rule(priority=30, name="invoice_number")
def invoice_number(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Invoice numbers found in the remittance text, for their exact open amount (or sum)."""
    text = tx.remittance_text
    if not text or not tx.is_credit:
        return []
    found = _in_currency(index, index._numbers_in_text(text, "sale"), tx.currency)
    if not found:
        return []
    amount = index.amount_minor(tx)
    items, remaining = index.items, index._remaining
    payer = set(index._customers_by_iban(tx.counterparty_iban, "sale"))

    def confidence(positions: Iterable[int]) -> tuple[float, str]:
        if payer and any(items[p].customer not in payer for p in positions):
            return 0.85, f"; but {_who(tx)} is known as another customer"
        return 0.95, ""

    exact = [p for p in found if remaining[p] == amount]
    if exact:
        out = []
        for p in exact:
            conf, note = confidence([p])
            out.append(
                _full(
                    index,
                    p,
                    conf,
                    f"the remittance text names invoice {items[p].number} and {tx.amount} is "
                    f"exactly what is open of it{note}",
                    tx.amount,
                )
            )
        return out
    if 1 < len(found) <= 12 and sum(remaining[p] for p in found) == amount:
        conf, note = confidence(found)
        return [
            _pay_all(
                index,
                found,
                conf,
                f"the remittance text names invoices {_numbers(index, found)}, whose open "
                f"amounts add up to {tx.amount}{note}",
            )
        ]
    return []


@rule(priority=40, name="iban_amount")
def iban_amount(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """The payer's IBAN is a known customer's, and one open invoice has exactly this amount."""
    if not tx.counterparty_iban or not tx.is_credit:
        return []
    customers = index._customers_by_iban(tx.counterparty_iban, "sale")
    if not customers:
        return []
    shared = len(customers) > 1
    amount = index.amount_minor(tx)
    items, currencies = index.items, index._currency
    currency = tx.currency
    out = []
    for customer in customers:
        for p in index._by_customer_minor(customer, amount, "sale"):
            if currencies[p] != currency:
                continue
            out.append(
                _full(
                    index,
                    p,
                    0.90 if shared else 0.95,
                    f"{_who(tx)} is the known account of {index.customer_name(customer)}, "
                    f"whose invoice {items[p].number} has exactly {tx.amount} open"
                    + (" (the account is shared by several customers)" if shared else ""),
                    tx.amount,
                )
            )
    return out


class _SubsetSearch:
    """One bounded search for index sets of values summing to a target.

    A class rather than a self-recursive closure: such a closure is a reference cycle that only
    the garbage collector frees, and the engine pauses the collector during a run.
    """

    __slots__ = ("budget", "chosen", "found", "order", "steps", "suffix", "vals", "want")

    def __init__(self, values: Sequence[int], budget: int, want: int) -> None:
        self.order = sorted(range(len(values)), key=lambda i: -values[i])
        self.vals = [values[i] for i in self.order]
        self.suffix = [0] * (len(self.vals) + 1)
        for i in range(len(self.vals) - 1, -1, -1):
            self.suffix[i] = self.suffix[i + 1] + self.vals[i]
        self.found: list[list[int]] = []
        self.chosen: list[int] = []
        self.steps = 0
        self.budget = budget
        self.want = want

    def walk(self, start: int, left: int) -> bool:
        """Extend the chosen set from ``start``; False once the budget or ``want`` is reached."""
        vals, suffix, chosen, found = self.vals, self.suffix, self.chosen, self.found
        for i in range(start, len(vals)):
            self.steps += 1
            if self.steps > self.budget:
                return False
            v = vals[i]
            if suffix[i] < left:
                return True  # even taking all the rest is not enough
            if v > left:
                continue
            chosen.append(i)
            if v == left:
                if len(chosen) >= 2:
                    found.append([self.order[j] for j in chosen])
            elif not self.walk(i + 1, left - v):
                chosen.pop()
                return False
            chosen.pop()
            if len(found) >= self.want:
                return False
        return True


def _subsets(
    values: Sequence[int], target: int, budget: int, want: int = 2
) -> tuple[list[list[int]], bool]:
    """Index sets of ≥ 2 values summing to ``target``: at most ``want`` of them, within
    ``budget`` search steps. Values are positive. Returns (solutions, exhausted)."""
    search = _SubsetSearch(values, budget, want)
    complete = search.walk(0, target)
    return search.found, complete or len(search.found) >= want


@rule(priority=50, name="subset_sum")
def subset_sum(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Several open invoices of one customer whose open amounts add up to the credit."""
    if not tx.is_credit:
        return []
    customers, how = _customers(tx, index)
    if not customers or len(customers) > 3:
        return []
    amount = index.amount_minor(tx)
    settings = index.settings
    items, remaining = index.items, index._remaining
    named: set[int] | None = None
    out = []
    for customer in customers:
        record = index._customers["sale"].get(customer)
        if record is None or len(record.open) < 2:  # may count paid items: a first sieve
            continue
        positions = _in_currency(index, _open_of_customer(index, customer, "sale"), tx.currency)
        if len(positions) < 2:
            continue
        if sum(remaining[p] for p in positions) < amount:
            continue  # all of them together are not enough: no subset can be
        if named is None:
            named = set(index._numbers_in_text(tx.remittance_text, "sale"))
        considered = len(positions)
        if considered > settings.max_subset_items:
            # invoices named in the text first, then the oldest due
            positions.sort(
                key=lambda p: (
                    p not in named,
                    items[p].due_date or items[p].issue_date or _EPOCH,
                )
            )
            positions = positions[: settings.max_subset_items]
        values = [remaining[p] for p in positions]
        solutions, complete = _subsets(values, amount, settings.max_subset_combinations)
        if not solutions:
            continue
        for solution in solutions:
            chosen = [positions[i] for i in sorted(solution)]
            all_named = bool(named) and all(p in named for p in chosen)
            conf = 0.97 if all_named else 0.95 if how == "iban" else 0.85
            by = "account" if how == "iban" else "name"
            note = ""
            if not complete:
                conf, note = conf * 0.5, " (the search was cut short, other sets may fit)"
            elif len(positions) < considered and not all_named:
                # unique among the invoices looked at, but not proven unique among all
                conf = min(conf, 0.85)
                note = (
                    f" (only {len(positions)} of the customer's {considered} invoices were tried)"
                )
            out.append(
                _pay_all(
                    index,
                    chosen,
                    conf,
                    f"{_who(tx)} is {index.customer_name(customer)} by {by}; invoices "
                    f"{_numbers(index, chosen)} add up to exactly {tx.amount}{note}",
                )
            )
    return out


@rule(priority=60, name="customer_tolerance")
def customer_tolerance(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """A known customer (by IBAN or a loosely matching name) and an amount within tolerance."""
    if not tx.is_credit:
        return []
    customers, how = _customers(tx, index)
    if not customers or len(customers) > 3:
        return []
    amount = index.amount_minor(tx)
    settings = index.settings
    tolerance = int(settings.tolerance.scaleb(tx.amount.exponent))
    items, remaining = index.items, index._remaining
    out = []
    for customer in customers:
        name = index.customer_name(customer)
        positions = _open_of_customer(index, customer, "sale")[:200]
        for p in _in_currency(index, positions, tx.currency):
            open_minor = remaining[p]
            diff = amount - open_minor
            number = items[p].number
            if diff == 0:
                if how == "iban":
                    continue  # iban_amount already had its chance
                out.append(
                    _full(
                        index,
                        p,
                        0.90,
                        f"{_who(tx)} looks like {name} by name, and invoice {number} "
                        f"has exactly {tx.amount} open",
                        tx.amount,
                    )
                )
                continue
            if abs(diff) > tolerance:
                continue
            base = 0.90 if how == "iban" else 0.80
            conf = base - 0.05 * abs(diff) / max(tolerance, 1)
            gap = money_from_minor(abs(diff), tx.currency)
            by = "account" if how == "iban" else "name"
            open_money = money_from_minor(open_minor, tx.currency)
            if diff > 0:
                out.append(
                    _full(
                        index,
                        p,
                        conf,
                        f"{_who(tx)} is {name} by {by}; {tx.amount} is {gap} more than the "
                        f"{open_money} open on invoice {number} (kept as credit)",
                        open_money,
                    )
                )
            else:
                write_off = settings.tolerance_policy == "write_off"
                what = "written off" if write_off else "left open"
                out.append(
                    Candidate(
                        ((items[p], tx.amount),),
                        conf,
                        f"{_who(tx)} is {name} by {by}; {tx.amount} is {gap} less than the "
                        f"{open_money} open on invoice {number} "
                        f"(within the tolerance; the difference is {what})",
                        write_off=gap if write_off else None,
                    )
                )
    out.sort(key=lambda c: -c.confidence)
    return out


@rule(priority=70, name="partial_payment")
def partial_payment(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """An invoice named by reference or number receives less than is open: a part payment."""
    if not tx.is_credit:
        return []
    positions, how, conf = _named(tx, index, "sale")
    if not positions:
        return []
    positions = _in_currency(index, positions, tx.currency)
    amount = index.amount_minor(tx)
    items, remaining = index.items, index._remaining
    if len(positions) == 1:
        p = positions[0]
        if amount < remaining[p]:
            return [
                _part(
                    index,
                    p,
                    amount,
                    tx.amount,
                    conf,
                    f"{how} names invoice {items[p].number}; {tx.amount} pays part of the "
                    f"{money_from_minor(remaining[p], tx.currency)} open",
                )
            ]
        return []
    if len(positions) > 1 and amount < sum(remaining[p] for p in positions):
        allocations = []
        at = []
        left = amount
        for p in positions:
            if left <= 0:
                break
            take = min(left, remaining[p])
            allocations.append((items[p], money_from_minor(take, tx.currency)))
            at.append((p, take))
            left -= take
        return [
            Candidate(
                tuple(allocations),
                min(conf, 0.80),
                f"{how} names invoices {_numbers(index, positions)}; {tx.amount} pays part of "
                "them, allocated in the order named",
                _at=tuple(at),
            )
        ]
    return []


@rule(priority=80, name="overpayment")
def overpayment(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Invoices named by reference or number receive more than is open: the excess is credit."""
    if not tx.is_credit:
        return []
    positions, how, conf = _named(tx, index, "sale")
    if not positions:
        return []
    positions = _in_currency(index, positions, tx.currency)
    if not positions or len(positions) > 12:
        return []
    remaining = index._remaining
    total = sum(remaining[p] for p in positions)
    amount = index.amount_minor(tx)
    if amount <= total:
        return []
    excess = money_from_minor(amount - total, tx.currency)
    return [
        _pay_all(
            index,
            positions,
            conf,
            f"{how} names invoice{'s' if len(positions) > 1 else ''} "
            f"{_numbers(index, positions)}; {tx.amount} is {excess} more than is open, kept as "
            "the customer's credit",
        )
    ]


@rule(priority=90, name="purchase_payment")
def purchase_payment(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """A debit pays a purchase invoice: by end-to-end id, reference, or supplier and amount."""
    if tx.amount.amount >= 0:
        return []
    amount = index.amount_minor(tx)
    paid = -tx.amount

    def candidates(items: Iterable[OpenItem], conf: float, how: str) -> list[Candidate]:
        out = []
        for item in items:
            if item.currency != tx.currency:
                out.append(Candidate.full(item, index, conf, f"{how} names {item.number}"))
                continue
            open_minor = index.remaining_minor(item)
            if open_minor == amount:
                out.append(
                    Candidate.full(
                        item,
                        index,
                        conf,
                        f"{how} is that of purchase invoice {item.number} and {paid} is "
                        "exactly what was open",
                    )
                )
            elif amount < open_minor:
                out.append(
                    Candidate(
                        ((item, paid),),
                        min(conf, 0.90),
                        f"{how} is that of purchase invoice {item.number}; {paid} pays part "
                        f"of the {index.remaining(item)} open",
                    )
                )
            else:
                out.append(
                    Candidate.full(
                        item,
                        index,
                        min(conf, 0.85),
                        f"{how} is that of purchase invoice {item.number}; {paid} is more "
                        f"than the {index.remaining(item)} open",
                    )
                )
        return out

    if tx.end_to_end_id:
        found = candidates(
            index.by_end_to_end_id(tx.end_to_end_id),
            0.99,
            f"the end-to-end id {tx.end_to_end_id}",
        )
        if found:
            return found
    refs: list[Reference] = [tx.structured_reference] if tx.structured_reference else []
    refs += index.text_references(tx)
    for ref in refs:
        found = candidates(
            index.by_reference(ref.value, "purchase"), 0.97, f"the reference {_show(ref)}"
        )
        if found:
            return found
    out = []
    for supplier in index.customers_by_iban(tx.counterparty_iban, "purchase"):
        for item in index.by_customer_amount(supplier, paid, "purchase"):
            out.append(
                Candidate.full(
                    item,
                    index,
                    0.93,
                    f"{_who(tx)} is supplier {index.customer_name(supplier, 'purchase')} and "
                    f"purchase invoice {item.number} has exactly {paid} open",
                )
            )
    if out:
        return out
    for item in _same_currency(tx, index.numbers_in_text(tx.remittance_text, "purchase")):
        if index.remaining_minor(item) == amount:
            out.append(
                Candidate.full(
                    item,
                    index,
                    0.90,
                    f"the remittance text names purchase invoice {item.number} and {paid} is "
                    "exactly what was open",
                )
            )
    return out


BUILTIN_RULES: tuple[Rule, ...] = (
    exact_reference,
    text_reference,
    invoice_number,
    iban_amount,
    subset_sum,
    customer_tolerance,
    partial_payment,
    overpayment,
    purchase_payment,
)
"""paylink's own rules, in priority order (10 to 90)."""
