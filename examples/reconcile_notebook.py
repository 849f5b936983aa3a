# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Reconciling a bank statement in a notebook
#
# We load one day of a camt.053 statement and the open invoices, run paylink's match rules,
# read the explanations, score the result against hand-made labels, then write a rule of our
# own and measure what it adds. Open it in Jupyter with jupytext, or run it as a script.

# %%
import json
from pathlib import Path

from paylink.reconcile import BUILTIN_RULES, Candidate, load_open_items, reconcile, rule
from paylink.statements import iter_transactions

try:
    DATA = Path(__file__).parent / "data"
except NameError:  # in a notebook, run from the examples folder
    DATA = Path("data")

transactions = list(iter_transactions(DATA / "statement_2026-03-04.camt053.xml"))
open_items = load_open_items(DATA / "open_invoices.csv")
labels = {k: set(v) for k, v in json.loads((DATA / "labels.json").read_text()).items()}
print(f"{len(transactions)} transactions, {len(open_items)} open invoices")

# %% [markdown]
# ## Run the built-in rules
#
# A tolerance of 2.00 EUR lets the engine recognise a payment from which the bank took its fee.

# %%
result = reconcile(transactions, open_items, tolerance="2.00")
for p in result.proposals:
    flag = "auto  " if p.auto else "review"
    invoices = ", ".join(p.invoice_numbers)
    print(f"{p.transaction_id}  {flag}  {p.rule:<18} {p.confidence:.2f}  {invoices}")
print("unmatched:", ", ".join(result.unmatched))

# %% [markdown]
# ## Why? Explanations
#
# Two customers' invoices of the same amount make M-010 ambiguous: it is proposed, never applied
# automatically. M-011 found nothing.

# %%
print(result.explain("M-010"))
print()
print(result.explain("M-011"))

# %% [markdown]
# ## How good is it? Evaluate against the labels

# %%
before = result.evaluate(labels)
print(before)

# %% [markdown]
# ## A rule of our own
#
# Our customers sometimes pay from an account we do not know, with a name we do not recognise.
# When the text speaks of an invoice and exactly one open invoice has that amount, propose it —
# for review (confidence 0.90 stays under the 0.95 auto threshold).


# %%
@rule(priority=45, name="unique_amount")
def unique_amount(tx, index):
    """The only open invoice of exactly this amount, when the text speaks of an invoice."""
    text = (tx.remittance_text or "").lower()
    if not tx.is_credit or not any(w in text for w in ("factuur", "invoice", "facture")):
        return []
    items = index.by_amount(tx.amount)  # an index lookup, not a loop over all invoices
    if len(items) == 1:
        return [Candidate.full(items[0], index, 0.90, "the only open invoice of this amount")]
    return []


improved = reconcile(
    transactions, open_items, rules=[*BUILTIN_RULES, unique_amount], tolerance="2.00"
)
after = improved.evaluate(labels)
print(improved.explain("M-011"))
print()
print(f"recall of all proposals: {before.all.recall:.0%} -> {after.all.recall:.0%}")
print(f"precision of auto matches: {before.auto.precision:.0%} -> {after.auto.precision:.0%}")

# %% [markdown]
# ## As a DataFrame (when pandas is installed)

# %%
try:
    frame = improved.to_dataframe()
except ImportError:
    frame = None
    print("pandas is not installed; improved.to_records() gives the same rows as dicts")
else:
    print(frame[["transaction_id", "invoice", "allocated", "rule", "confidence", "auto"]])
