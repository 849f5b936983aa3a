"""Reconciliation: which open invoices does each bank transaction pay?

Pure functions of their inputs (no I/O except :func:`load_open_items`, no clock): give
:func:`reconcile` the transactions of a statement and the open items, get proposals with a
confidence, an explanation and an ``auto`` flag, plus the transactions nothing matched::

    from paylink.reconcile import load_open_items, reconcile
    result = reconcile(transactions, load_open_items("open.csv"))
    for proposal in result.auto:
        ...  # apply
    print(result.explain("TX-42"))
    print(result.evaluate({"TX-42": {"2026-0042"}}))

Rules are plain functions ``(transaction, index) -> list[Candidate]``; see
:mod:`paylink.reconcile.rules` for the built-in ones and how to add your own.
"""

from .._renamed import renamed
from .engine import (
    RESULT_COLUMNS,
    Proposal,
    ProposedAllocation,
    Reconciler,
    ReconcileResult,
    reconcile,
)
from .evaluate import (
    CONFIDENCE_BINS,
    Evaluation,
    Outcome,
    Prediction,
    Scores,
    Sweep,
    evaluate,
    score,
    truth_from_records,
)
from .index import LEGAL_SUFFIXES, MatchSettings, OpenItemIndex, name_tokens, normalize_number
from .items import (
    OPEN_ITEM_COLUMNS,
    Direction,
    LoadedOpenItems,
    OpenItem,
    OpenItemsError,
    RowProblem,
    load_open_items,
    normalize_iban,
    open_items_to_dataframe,
)
from .payouts import PAYOUT_PREFIX, PAYOUT_RULE, OpenPayout, PayoutMatcher
from .rules import (
    BUILTIN_RULES,
    Candidate,
    Rule,
    RuleFunction,
    as_rule,
    customer_tolerance,
    exact_reference,
    iban_amount,
    invoice_number,
    overpayment,
    partial_payment,
    purchase_payment,
    rule,
    subset_sum,
    text_reference,
)

__all__ = [
    "BUILTIN_RULES",
    "CONFIDENCE_BINS",
    "LEGAL_SUFFIXES",
    "OPEN_ITEM_COLUMNS",
    "PAYOUT_PREFIX",
    "PAYOUT_RULE",
    "RESULT_COLUMNS",
    "Candidate",
    "Direction",
    "Evaluation",
    "LoadedOpenItems",
    "MatchSettings",
    "OpenItem",
    "OpenItemIndex",
    "OpenItemsError",
    "OpenPayout",
    "Outcome",
    "PayoutMatcher",
    "Prediction",
    "Proposal",
    "ProposedAllocation",
    "ReconcileResult",
    "Reconciler",
    "RowProblem",
    "Rule",
    "RuleFunction",
    "Scores",
    "Sweep",
    "as_rule",
    "customer_tolerance",
    "evaluate",
    "exact_reference",
    "iban_amount",
    "invoice_number",
    "load_open_items",
    "name_tokens",
    "normalize_iban",
    "normalize_number",
    "open_items_to_dataframe",
    "overpayment",
    "partial_payment",
    "purchase_payment",
    "reconcile",
    "rule",
    "score",
    "subset_sum",
    "text_reference",
    "truth_from_records",
]

__getattr__ = renamed(__name__, globals(), {"Allocation": "ProposedAllocation"})
