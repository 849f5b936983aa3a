"""``paylink reconcile``: match a bank statement to open invoices from the command line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import click

from ..exceptions import PaylinkError
from ..reconcile.engine import Proposal, Reconciler
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization
from ._terminal import progress, show_progress

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


@click.group("reconcile", invoke_without_command=True)
@click.option(
    "--invoices",
    "invoices_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Open invoices: a JSON list of objects or a CSV file (number, customer_name, "
    "customer_iban, amount, currency, reference, issue_date, due_date).",
)
@click.option(
    "--statement",
    "statements",
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
@click.pass_context
def reconcile(
    ctx: click.Context,
    invoices_path: str | None,
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

    ``paylink reconcile match`` and ``paylink reconcile undo`` match a stored transaction by
    hand, and undo such a match, in the database.
    """
    if ctx.invoked_subcommand is not None:
        return
    if invoices_path is None:
        raise click.UsageError("Missing option '--invoices'.")
    if not statements:
        raise click.UsageError("Missing option '--statement'.")
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
        with progress(
            "reconciling transactions", len(transactions), enabled=show_progress(as_json)
        ) as update:
            result = reconciler.reconcile(transactions, items, progress=update)
            update(len(transactions))
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


def _split_target(value: str) -> tuple[str, str | None]:
    invoice, sep, amount = value.partition("=")
    if not invoice or (sep and not amount):
        raise click.BadParameter(
            f"expected INVOICE or INVOICE=AMOUNT, got {value!r}", param_hint="INVOICE[=AMOUNT]"
        )
    if sep:
        try:
            Decimal(amount)
        except InvalidOperation:
            raise click.BadParameter(
                f"expected a decimal amount such as 12.50 after '=', got {amount!r}",
                param_hint="INVOICE[=AMOUNT]",
            ) from None
    return invoice, amount if sep else None


@reconcile.command("match")
@click.argument("transaction")
@click.argument("targets", metavar="INVOICE[=AMOUNT]...", nargs=-1, required=True)
@db_option
@org_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def match(
    transaction: str, targets: tuple[str, ...], url: str | None, org_id: str | None, as_json: bool
) -> None:
    """Match stored bank TRANSACTION by hand to invoices (numbers or ids; purchase invoice
    ids for a debit), each with an optional amount (INVOICE=AMOUNT; all or none)."""
    parsed = [_split_target(t) for t in targets]
    given = [amount for _, amount in parsed if amount is not None]
    if given and len(given) != len(parsed):
        raise click.BadParameter(
            "give an amount for every invoice or for none", param_hint="INVOICE[=AMOUNT]"
        )
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        applied = pl.reconciliation.match(
            org,
            transaction,
            [invoice for invoice, _ in parsed],
            amounts=[Decimal(a) for a in given] if given else None,
        )
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "transaction_id": applied.transaction_id,
                "payment_id": applied.payment_id,
                "invoices": list(applied.invoices),
                "rule": applied.rule,
                "explanation": applied.explanation,
            }
        )
        return
    click.echo(f"{applied.transaction_id} matched to {', '.join(applied.invoices)}")


@reconcile.command("undo")
@click.argument("transaction")
@db_option
@org_option()
def undo(transaction: str, url: str | None, org_id: str | None) -> None:
    """Undo the manual or accepted match of stored bank TRANSACTION: its invoices, links and
    the transaction are as they were before it."""
    pl = open_paylink(url)
    try:
        pl.reconciliation.undo(pick_organization(pl, org_id), transaction)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    click.echo(f"the match of {transaction} is undone")
