"""``paylink reconcile``: match a bank statement to open invoices from the command line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import click

from ..exceptions import PaylinkError
from ..reconcile.engine import Proposal, Reconciler
from ._output import fail, print_json

__all__ = ["reconcile"]


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _match_record(p: Proposal) -> dict[str, Any]:
    return {
        "transaction_id": p.transaction_id,
        "invoices": [{"number": a.number, "amount": str(a.amount.amount)} for a in p.allocations],
        "rule": p.rule,
        "confidence": round(p.confidence, 4),
        "auto": p.auto,
        "explanation": p.explanation,
    }


@click.command("reconcile")
@click.option(
    "--invoices",
    "invoices_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Open invoices: a JSON list of objects or a CSV file (number, customer_name, "
    "customer_iban, amount, currency, reference, issue_date, due_date).",
)
@click.option(
    "--statement",
    "statements",
    required=True,
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A bank statement file (CAMT, CODA, MT940); repeat for several.",
)
@click.option(
    "--tolerance",
    default="0",
    show_default=True,
    help="Largest difference accepted for bank fees, in currency units (e.g. 2.50).",
)
@click.option(
    "--tolerance-policy",
    type=click.Choice(["leave_open", "write_off"]),
    default="leave_open",
    show_default=True,
    help="What to do with a shortfall within tolerance.",
)
@click.option(
    "--auto-threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.95,
    show_default=True,
    help="Confidence from which a match is applied without review.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def reconcile(
    invoices_path: str,
    statements: tuple[str, ...],
    tolerance: str,
    tolerance_policy: Literal["leave_open", "write_off"],
    auto_threshold: float,
    as_json: bool,
) -> None:
    """Propose which open invoices the statements' transactions pay.

    Reads the open invoices and every transaction of the statements, runs the match rules and
    prints the proposals (auto-applicable or for review) and the unmatched transactions.
    Nothing is written anywhere: this is a dry run of the bank reconciliation.
    """
    from ..reconcile.items import load_open_items
    from ..statements import iter_transactions

    try:
        tol = Decimal(tolerance)
    except InvalidOperation:
        raise click.BadParameter(
            f"expected a decimal amount such as 2.50, got {tolerance!r}", param_hint="--tolerance"
        ) from None
    try:
        items = load_open_items(invoices_path).items
        transactions = [tx for path in statements for tx in iter_transactions(path)]
        reconciler = Reconciler(
            auto_threshold=auto_threshold, tolerance=tol, tolerance_policy=tolerance_policy
        )
        long_run = len(transactions) >= 10_000

        def progress(done: int) -> None:
            click.echo(f"reconciled {done:,} of {len(transactions):,} transactions…", err=True)

        result = reconciler.reconcile(
            transactions, items, progress=progress if long_run and not as_json else None
        )
    except (PaylinkError, OSError) as exc:
        fail(exc)

    if as_json:
        print_json(
            {
                "matches": [_match_record(p) for p in result.proposals],
                "unmatched": list(result.unmatched),
            }
        )
        return

    amounts = {tx.id: tx.amount for tx in transactions}
    click.echo(
        f"{'transaction':<22} {'amount':>14}  {'invoices':<28} {'rule':<18} {'conf':>5}  decision"
    )
    for p in result.proposals:
        invoices = ", ".join(p.invoice_numbers)
        decision = "auto" if p.auto else "review"
        click.echo(
            f"{_cut(p.transaction_id, 22):<22} {amounts[p.transaction_id]!s:>14}  "
            f"{_cut(invoices, 28):<28} {p.rule:<18} {p.confidence:>5.2f}  {decision}"
        )
    for tx_id in result.unmatched:
        click.echo(
            f"{_cut(tx_id, 22):<22} {amounts[tx_id]!s:>14}  {'-':<28} {'-':<18} {'':>5}  unmatched"
        )
    click.echo(
        f"\n{len(transactions)} transactions: {len(result.auto)} auto, "
        f"{len(result.review)} to review, {len(result.unmatched)} unmatched"
    )
