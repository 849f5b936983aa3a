"""``paylink statement …``: read bank statement files from the command line."""

from __future__ import annotations

import json
from typing import Any

import click

from ..exceptions import StatementError
from . import BUILTIN_FORMATS, check_balance, iter_statements
from .model import Statement

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
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"statements": [_record(s) for s in statements]}, indent=2))
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
        check = check_balance(stmt)
        if check.ok is False:
            click.echo(f"  warning: {check}")
        click.echo("")
