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


def _list(items: Iterable[OpenItem]) -> str:
    return ", ".join(item.number for item in items)


def _named(
    tx: BankTransaction, index: OpenItemIndex, direction: Direction
) -> tuple[list[OpenItem], str, float]:
    """The open items the transaction names, how, and how much that naming is worth."""
    if tx.structured_reference is not None:
        items = index.by_reference(tx.structured_reference.value, direction)
        if items:
            return items, f"the structured reference {_show(tx.structured_reference)}", 0.96
    refs = index.text_references(tx)
    found: dict[int, OpenItem] = {}
    for ref in refs:
        for item in index.by_reference(ref.value, direction):
            found[id(item)] = item
    if found:
        return list(found.values()), "the reference in the remittance text", 0.93
    items = index.numbers_in_text(tx.remittance_text, direction)
    if items:
        return items, "the invoice number in the remittance text", 0.85
    return [], "", 0.0


def _same_currency(tx: BankTransaction, items: Iterable[OpenItem]) -> list[OpenItem]:
    return [item for item in items if item.currency == tx.currency]


def _pay_all(
    tx: BankTransaction,
    index: OpenItemIndex,
    items: Sequence[OpenItem],
    confidence: float,
    explanation: str,
) -> Candidate:
    allocations = tuple((item, index.remaining(item)) for item in items)
    return Candidate(allocations, confidence, explanation)


def _customers(
    tx: BankTransaction, index: OpenItemIndex, direction: Direction = "sale"
) -> tuple[list[str], str]:
    """Customers the counterparty is: by IBAN when the IBAN is known, else by name."""
    return index.counterparty(tx, direction)


# --- the built-in rules ------------------------------------------------------------------------


@rule(priority=10, name="exact_reference")
def exact_reference(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """The transaction's structured reference is an open invoice's, for its exact open amount."""
    if not tx.is_credit or tx.structured_reference is None:
        return []
    ref = tx.structured_reference
    amount = index.amount_minor(tx)
    out = []
    for item in index.by_reference(ref.value, "sale"):
        if item.currency != tx.currency:
            out.append(
                Candidate.full(
                    item,
                    index,
                    0.99,
                    f"the structured reference {_show(ref)} is that of invoice {item.number}",
                )
            )
        elif index.remaining_minor(item) == amount:
            out.append(
                Candidate.full(
                    item,
                    index,
                    0.99,
                    f"the structured reference {_show(ref)} is that of invoice {item.number} and "
                    f"{tx.amount} is exactly what is open of it",
                )
            )
    return out


@rule(priority=20, name="text_reference")
def text_reference(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Valid references found in the remittance text name invoices whose open amounts match."""
    if not tx.is_credit or not tx.remittance_text:
        return []
    items: dict[int, OpenItem] = {}
    for ref in index.text_references(tx):
        for item in index.by_reference(ref.value, "sale"):
            items[id(item)] = item
    if not items:
        return []
    amount = index.amount_minor(tx)
    found = _same_currency(tx, items.values())
    exact = [item for item in found if index.remaining_minor(item) == amount]
    if exact:
        return [
            Candidate.full(
                item,
                index,
                0.97,
                f"the remittance text carries the reference of invoice "
                f"{item.number} and {tx.amount} is exactly what is open of it",
            )
            for item in exact
        ]
    if len(found) > 1 and sum(index.remaining_minor(item) for item in found) == amount:
        return [
            _pay_all(
                tx,
                index,
                found,
                0.96,
                f"the remittance text carries the references of invoices {_list(found)}, "
                f"whose open amounts add up to {tx.amount}",
            )
        ]
    if not found:  # only invoices in another currency: let the engine flag it
        return [
            Candidate.full(
                item, index, 0.97, f"the remittance text carries the reference of {item.number}"
            )
            for item in items.values()
        ]
    return []


@rule(priority=30, name="invoice_number")
def invoice_number(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Invoice numbers found in the remittance text, for their exact open amount (or sum)."""
    if not tx.is_credit or not tx.remittance_text:
        return []
    found = _same_currency(tx, index.numbers_in_text(tx.remittance_text, "sale"))
    if not found:
        return []
    amount = index.amount_minor(tx)
    payer = set(index.customers_by_iban(tx.counterparty_iban, "sale"))

    def confidence(items: Iterable[OpenItem]) -> tuple[float, str]:
        if payer and any(item.customer not in payer for item in items):
            return 0.85, f"; but {_who(tx)} is known as another customer"
        return 0.95, ""

    exact = [item for item in found if index.remaining_minor(item) == amount]
    if exact:
        out = []
        for item in exact:
            conf, note = confidence([item])
            out.append(
                Candidate.full(
                    item,
                    index,
                    conf,
                    f"the remittance text names invoice {item.number} and {tx.amount} is "
                    f"exactly what is open of it{note}",
                )
            )
        return out
    if 1 < len(found) <= 12 and sum(index.remaining_minor(item) for item in found) == amount:
        conf, note = confidence(found)
        return [
            _pay_all(
                tx,
                index,
                found,
                conf,
                f"the remittance text names invoices {_list(found)}, whose open amounts add "
                f"up to {tx.amount}{note}",
            )
        ]
    return []


@rule(priority=40, name="iban_amount")
def iban_amount(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """The payer's IBAN is a known customer's, and one open invoice has exactly this amount."""
    if not tx.is_credit:
        return []
    customers = index.customers_by_iban(tx.counterparty_iban, "sale")
    if not customers:
        return []
    shared = len(customers) > 1
    out = []
    for customer in customers:
        for item in index.by_customer_amount(customer, tx.amount, "sale"):
            out.append(
                Candidate.full(
                    item,
                    index,
                    0.90 if shared else 0.95,
                    f"{_who(tx)} is the known account of {index.customer_name(customer)}, "
                    f"whose invoice {item.number} has exactly {tx.amount} open"
                    + (" (the account is shared by several customers)" if shared else ""),
                )
            )
    return out


def _subsets(
    values: Sequence[int], target: int, budget: int, want: int = 2
) -> tuple[list[list[int]], bool]:
    """Index sets of ≥ 2 values summing to ``target``: at most ``want`` of them, within
    ``budget`` search steps. Values are positive. Returns (solutions, exhausted)."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    vals = [values[i] for i in order]
    suffix = [0] * (len(vals) + 1)
    for i in range(len(vals) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + vals[i]
    found: list[list[int]] = []
    steps = 0
    chosen: list[int] = []

    def walk(start: int, left: int) -> bool:
        nonlocal steps
        for i in range(start, len(vals)):
            steps += 1
            if steps > budget:
                return False
            v = vals[i]
            if suffix[i] < left:
                return True  # even taking all the rest is not enough
            if v > left:
                continue
            chosen.append(i)
            if v == left:
                if len(chosen) >= 2:
                    found.append([order[j] for j in chosen])
            elif not walk(i + 1, left - v):
                chosen.pop()
                return False
            chosen.pop()
            if len(found) >= want:
                return False
        return True

    complete = walk(0, target)
    return found, complete or len(found) >= want


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
    named = {id(item) for item in index.numbers_in_text(tx.remittance_text, "sale")}
    out = []
    for customer in customers:
        if index.count_of_customer(customer) < 2:
            continue
        items = _same_currency(tx, index.items_of_customer(customer, "sale"))
        if len(items) < 2:
            continue
        considered = len(items)
        if considered > settings.max_subset_items:
            # invoices named in the text first, then the oldest due
            items.sort(key=lambda it: (id(it) not in named, it.due_date or it.issue_date or _EPOCH))
            items = items[: settings.max_subset_items]
        values = [index.remaining_minor(item) for item in items]
        solutions, complete = _subsets(values, amount, settings.max_subset_combinations)
        if not solutions:
            continue
        for solution in solutions:
            chosen = [items[i] for i in sorted(solution)]
            all_named = bool(named) and all(id(item) in named for item in chosen)
            conf = 0.97 if all_named else 0.95 if how == "iban" else 0.85
            by = "account" if how == "iban" else "name"
            note = ""
            if not complete:
                conf, note = conf * 0.5, " (the search was cut short, other sets may fit)"
            elif len(items) < considered and not all_named:
                # unique among the invoices looked at, but not proven unique among all
                conf = min(conf, 0.85)
                note = f" (only {len(items)} of the customer's {considered} invoices were tried)"
            out.append(
                _pay_all(
                    tx,
                    index,
                    chosen,
                    conf,
                    f"{_who(tx)} is {index.customer_name(customer)} by {by}; invoices "
                    f"{_list(chosen)} add up to exactly {tx.amount}{note}",
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
    out = []
    for customer in customers:
        name = index.customer_name(customer)
        items = index.items_of_customer(customer, "sale")[:200]
        for item in _same_currency(tx, items):
            open_minor = index.remaining_minor(item)
            diff = amount - open_minor
            if diff == 0:
                if how == "iban":
                    continue  # iban_amount already had its chance
                out.append(
                    Candidate.full(
                        item,
                        index,
                        0.90,
                        f"{_who(tx)} looks like {name} by name, and invoice {item.number} "
                        f"has exactly {tx.amount} open",
                    )
                )
                continue
            if abs(diff) > tolerance:
                continue
            base = 0.90 if how == "iban" else 0.80
            conf = base - 0.05 * abs(diff) / max(tolerance, 1)
            gap = money_from_minor(abs(diff), tx.currency)
            by = "account" if how == "iban" else "name"
            if diff > 0:
                out.append(
                    Candidate.full(
                        item,
                        index,
                        conf,
                        f"{_who(tx)} is {name} by {by}; {tx.amount} is {gap} more than the "
                        f"{index.remaining(item)} open on invoice {item.number} (kept as credit)",
                    )
                )
            else:
                write_off = settings.tolerance_policy == "write_off"
                what = "written off" if write_off else "left open"
                out.append(
                    Candidate(
                        ((item, tx.amount),),
                        conf,
                        f"{_who(tx)} is {name} by {by}; {tx.amount} is {gap} less than the "
                        f"{index.remaining(item)} open on invoice {item.number} "
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
    items, how, conf = _named(tx, index, "sale")
    items = _same_currency(tx, items)
    amount = index.amount_minor(tx)
    if len(items) == 1:
        item = items[0]
        if amount < index.remaining_minor(item):
            return [
                Candidate(
                    ((item, tx.amount),),
                    conf,
                    f"{how} names invoice {item.number}; {tx.amount} pays part of the "
                    f"{index.remaining(item)} open",
                )
            ]
        return []
    if len(items) > 1 and amount < sum(index.remaining_minor(item) for item in items):
        allocations = []
        left = amount
        for item in items:
            if left <= 0:
                break
            take = min(left, index.remaining_minor(item))
            allocations.append((item, money_from_minor(take, tx.currency)))
            left -= take
        return [
            Candidate(
                tuple(allocations),
                min(conf, 0.80),
                f"{how} names invoices {_list(items)}; {tx.amount} pays part of them, "
                "allocated in the order named",
            )
        ]
    return []


@rule(priority=80, name="overpayment")
def overpayment(tx: BankTransaction, index: OpenItemIndex) -> list[Candidate]:
    """Invoices named by reference or number receive more than is open: the excess is credit."""
    if not tx.is_credit:
        return []
    items, how, conf = _named(tx, index, "sale")
    items = _same_currency(tx, items)
    if not items or len(items) > 12:
        return []
    total = sum(index.remaining_minor(item) for item in items)
    amount = index.amount_minor(tx)
    if amount <= total:
        return []
    excess = money_from_minor(amount - total, tx.currency)
    return [
        _pay_all(
            tx,
            index,
            items,
            conf,
            f"{how} names invoice{'s' if len(items) > 1 else ''} {_list(items)}; {tx.amount} "
            f"is {excess} more than is open, kept as the customer's credit",
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
