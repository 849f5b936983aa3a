"""``paylink statement …``: read bank statement files, and import them into a database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..exceptions import PaylinkError, StatementError
from ..statements import BUILTIN_FORMATS, check_balance, iter_statements
from ..statements.model import Statement
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["statement"]


@click.group()
def statement() -> None:
    """Read bank statement files (CAMT, CODA, MT940)."""


def _record(stmt: Statement) -> dict[str, Any]:
    def money(value: Any) -> str | None:
        return None if value is None else str(value.amount)

    return {
        "account": stmt.account_iban,
        "currency": stmt.currency,
        "opening_balance": money(stmt.opening_balance),
        "closing_balance": money(stmt.closing_balance),
        "checks": [
            {"name": c.name, "ok": c.ok, "stated": c.stated, "computed": c.computed}
            for c in stmt.checks
        ],
        "transactions": [
            {
                "id": tx.id,
                "booking_date": tx.booking_date.isoformat(),
                "value_date": tx.value_date.isoformat() if tx.value_date else None,
                "amount": str(tx.amount.amount),
                "currency": tx.amount.currency,
                "counterparty_name": tx.counterparty_name,
                "counterparty_iban": tx.counterparty_iban,
                "structured_reference": str(tx.structured_reference)
                if tx.structured_reference
                else None,
                "remittance_text": tx.remittance_text,
                "bank_reference": tx.bank_reference,
            }
            for tx in stmt.transactions
        ],
    }


def _cut(value: str | None, width: int) -> str:
    text = value or ""
    return text if len(text) <= width else text[: width - 1] + "…"


@statement.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "format_name",
    type=click.Choice([fmt.name for fmt in BUILTIN_FORMATS if fmt.name != "csv"]),
    help="The file's format; recognised from its content when omitted.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def parse(file: str, format_name: str | None, as_json: bool) -> None:
    """Print the normalised transactions of a statement FILE."""
    try:
        statements = list(iter_statements(file, format=format_name))
    except StatementError as exc:
        fail(exc)
    if as_json:
        print_json({"statements": [_record(s) for s in statements]})
        return
    for stmt in statements:
        opening = stmt.opening_balance if stmt.opening_balance is not None else "-"
        closing = stmt.closing_balance if stmt.closing_balance is not None else "-"
        click.echo(f"Statement {stmt.id}  account {stmt.account_iban or '-'}  {stmt.currency}")
        click.echo(f"  opening {opening}  closing {closing}  ({len(stmt.transactions)} entries)")
        for tx in stmt.transactions:
            reference = str(tx.structured_reference) if tx.structured_reference else ""
            click.echo(
                f"  {tx.booking_date.isoformat()}  {tx.amount.amount:>14}  "
                f"{_cut(tx.counterparty_name, 28):<28}  {reference:<22}  "
                f"{_cut(tx.remittance_text, 40)}"
            )
        failed: list[Any] = list(stmt.failed_checks)
        if not failed and (balance := check_balance(stmt)).ok is False:
            failed.append(balance)
        for check in failed:
            click.echo(f"  warning: {check}")
        click.echo("")


@statement.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@org_option()
@click.option("--format", "format_name", default=None, help="camt, coda, mt940 (default: sniffed).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--accept-unbalanced", is_flag=True, help="Import even when balances or totals disagree."
)
def statement_import(
    file: Path,
    url: str | None,
    org_id: str | None,
    format_name: str | None,
    as_json: bool,
    accept_unbalanced: bool = False,
) -> None:
    """Import a bank statement file into the database (all or nothing, duplicates skipped).

    A file whose balances, entry counts or trailer totals disagree with its entries is refused
    unless ``--accept-unbalanced`` is given; then it is imported and the command exits 2."""
    pl = open_paylink(url)
    try:
        result = pl.statements.import_file(
            pick_organization(pl, org_id),
            file,
            format=format_name,
            accept_unbalanced=accept_unbalanced,
        )
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "file": str(file),
                "format": result.format,
                "transactions": result.transactions,
                "new_transactions": result.new_transactions,
                "duplicates": result.duplicates,
                "statements": [
                    {
                        "id": s.id,
                        "account": s.account,
                        "transactions": s.transactions,
                        "new_transactions": s.new_transactions,
                        "balance_ok": s.balance.ok,
                        "balance": str(s.balance),
                    }
                    for s in result.statements
                ],
            }
        )
    else:
        for s in result.statements:
            click.echo(f"{s.id}: {s.new_transactions}/{s.transactions} new; {s.balance}")
        click.echo(
            f"{result.new_transactions} new transactions, {result.duplicates} already "
            f"imported ({result.format})"
        )
    if result.mismatches:
        sys.exit(2)
