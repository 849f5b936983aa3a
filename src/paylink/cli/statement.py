"""``paylink statement …``: read bank statement files, and import them into a database."""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import click

from ..exceptions import PaylinkError, StatementError
from ..statements import (
    BUILTIN_FORMATS,
    BankTransaction,
    Statement,
    StatementEvent,
    StatementFooter,
    StatementHeader,
    check_balance,
    iter_events,
    iter_statements,
)
from ..statements.base import close_statement
from ._output import echo_file, fail, json_fragment, print_json
from ._store import db_option, open_paylink, org_option, pick_organization
from ._terminal import progress, show_progress

__all__ = ["statement", "write_json"]


@click.group()
def statement() -> None:
    """Read bank statement files (CAMT, CODA, MT940)."""


def _money(value: Any) -> str | None:
    return None if value is None else str(value.amount)


def _statement_record(stmt: Statement) -> dict[str, Any]:
    # The keys of one statement in ``--json``, in order; its "transactions" come last.
    return {
        "account": stmt.account_iban,
        "currency": stmt.currency,
        "opening_balance": _money(stmt.opening_balance),
        "closing_balance": _money(stmt.closing_balance),
        "checks": [
            {"name": c.name, "ok": c.ok, "stated": c.stated, "computed": c.computed}
            for c in stmt.checks
        ],
    }


def _transaction_record(tx: BankTransaction) -> dict[str, Any]:
    return {
        "id": tx.id,
        "booking_date": tx.booking_date.isoformat(),
        "value_date": tx.value_date.isoformat() if tx.value_date else None,
        "amount": str(tx.amount.amount),
        "currency": tx.amount.currency,
        "counterparty_name": tx.counterparty_name,
        "counterparty_iban": tx.counterparty_iban,
        "structured_reference": str(tx.structured_reference) if tx.structured_reference else None,
        "remittance_text": tx.remittance_text,
        "bank_reference": tx.bank_reference,
    }


# Spooled files stay in memory up to this many characters, then move to a temporary file on disk.
_SPOOL = 1 << 20


def write_json(events: Iterable[StatementEvent], out: IO[str], *, spool: int = _SPOOL) -> None:
    """Write the ``--json`` document of a file's ``events`` to ``out``, in constant memory.

    The document is what :func:`~paylink.cli._output.print_json` prints for
    ``{"statements": [...]}``, byte for byte. A statement's checks and closing balance come
    before its transactions in that document but are known only at its end, so each
    statement's transactions are written to a spooled file and copied after its head
    (``spool`` characters stay in memory, the rest goes to disk). Entries outside a statement
    are left out, as :func:`~paylink.statements.iter_statements` leaves them out.
    """
    out.write('{\n  "statements": [')
    statements = 0
    header: StatementHeader | None = None
    entries: IO[str] = io.StringIO()
    total, count = Decimal(0), 0

    def close(footer: StatementFooter | None) -> None:
        nonlocal statements
        assert header is not None
        stmt = close_statement(header, footer, movements=total, count=count)
        head = json_fragment(_statement_record(stmt), 2)
        out.write(",\n    " if statements else "\n    ")
        out.write(head[: -len("\n    }")])
        out.write(',\n      "transactions": ')
        if count:
            out.write("[\n")
            entries.seek(0)
            shutil.copyfileobj(entries, out)
            out.write("\n      ]")
        else:
            out.write("[]")
        out.write("\n    }")
        statements += 1

    try:
        for event in events:
            if isinstance(event, BankTransaction):
                if header is not None:
                    entries.write(",\n        " if count else "        ")
                    entries.write(json_fragment(_transaction_record(event), 4))
                    total += event.amount.amount
                    count += 1
                continue
            if header is not None:
                close(event if isinstance(event, StatementFooter) else None)
            entries.close()
            header = event if isinstance(event, StatementHeader) else None
            if header is not None:
                # Lives until the statement ends; closed there or by the ``finally`` below.
                entries = tempfile.SpooledTemporaryFile(spool, mode="w+", encoding="utf-8")  # noqa: SIM115
            total, count = Decimal(0), 0
        if header is not None:
            close(None)
    finally:
        entries.close()
    out.write("\n  ]\n}" if statements else "]\n}")


def _csv_options(function: Any) -> Any:
    """``--mapping FILE`` and ``--preset NAME``: how to read a CSV export."""
    from ..statements.csv import CSV_PRESETS

    function = click.option(
        "--preset",
        type=click.Choice(sorted(CSV_PRESETS)),
        default=None,
        help="Read a CSV export laid out as this bank's (see docs/statements.md).",
    )(function)
    return click.option(
        "--mapping",
        "mapping_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Read a CSV export with this column mapping (a TOML or JSON file).",
    )(function)


def _csv_format(mapping_path: Path | None, preset: str | None) -> Any:
    """The CSV format for ``--mapping`` or ``--preset``; None when neither was given."""
    import json
    import tomllib

    from ..statements.csv import CSV_PRESETS, CsvFormat, mapping_from_dict

    if mapping_path is not None and preset is not None:
        raise click.UsageError("give --mapping or --preset, not both")
    if preset is not None:
        return CsvFormat(CSV_PRESETS[preset])
    if mapping_path is None:
        return None
    try:
        text = mapping_path.read_text(encoding="utf-8")
        data = json.loads(text) if mapping_path.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(
            f"{mapping_path}: not a readable mapping ({exc})", param_hint="--mapping"
        ) from exc
    if not isinstance(data, dict):
        raise click.BadParameter(f"{mapping_path}: expected a table", param_hint="--mapping")
    try:
        return CsvFormat(mapping_from_dict(data, source=str(mapping_path)))
    except PaylinkError as exc:
        raise click.BadParameter(str(exc), param_hint="--mapping") from exc


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
@_csv_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def parse(
    file: str,
    format_name: str | None,
    as_json: bool,
    mapping_path: Path | None = None,
    preset: str | None = None,
) -> None:
    """Print the normalised transactions of a statement FILE.

    A CSV export is read with ``--preset`` (a Belgian bank's layout) or ``--mapping``.
    """
    csv_format = _csv_format(mapping_path, preset)
    chosen: Any = csv_format or format_name
    if as_json:
        # The whole document is spooled before it is printed, so a file found malformed at
        # its end prints only the error, never half a document.
        with tempfile.SpooledTemporaryFile(_SPOOL, mode="w+", encoding="utf-8") as document:
            try:
                write_json(iter_events(file, format=chosen), document)
            except StatementError as exc:
                fail(exc)
            echo_file(document)
        return
    try:
        statements = list(iter_statements(file, format=chosen))
    except StatementError as exc:
        fail(exc)
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
@_csv_options
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
    mapping_path: Path | None = None,
    preset: str | None = None,
) -> None:
    """Import a bank statement file into the database (all or nothing, duplicates skipped).

    A file whose balances, entry counts or trailer totals disagree with its entries is refused
    unless ``--accept-unbalanced`` is given; then it is imported and the command exits 2.
    A CSV export is read with ``--preset`` (a Belgian bank's layout) or ``--mapping``."""
    csv_format = _csv_format(mapping_path, preset)
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        size = file.stat().st_size
        with progress(f"importing {file.name}", size, enabled=show_progress(as_json)) as update:
            result = pl.statements.import_file(
                org,
                file,
                format=csv_format or format_name,
                accept_unbalanced=accept_unbalanced,
                progress=update,
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
