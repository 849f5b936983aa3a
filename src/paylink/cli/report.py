"""``paylink report NAME``: the merchant's reports as tables or JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, organizations
from ._terminal import Table, print_table

__all__ = ["report"]


@click.command()
@click.argument("name", type=click.Choice(["aging", "cashflow", "customers", "dso"]))
@db_option
@org_option("Organization id or name (default: every one).")
@click.option("--payables", is_flag=True, help="Aging of purchase invoices instead of sales.")
@click.option("--months", default=12, show_default=True, help="Months of cash flow.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this CSV file (UTF-8 with BOM, formulas neutralised) instead.",
)
@click.option(
    "--delimiter",
    type=click.Choice([";", ","]),
    default=";",
    show_default=True,
    help="The CSV's cell separator (';' writes decimal commas, ',' decimal points).",
)
def report(
    name: str,
    url: str | None,
    org_id: str | None,
    payables: bool,
    months: int,
    as_json: bool,
    csv_path: str | None,
    delimiter: Literal[";", ","],
) -> None:
    """Print a report: aging, cashflow (with the payment providers' fees), customers or dso.

    With ``--csv FILE`` the records go to FILE, one row each, after an ``organization``
    column naming whose they are, and a line on stdout says how many were written.
    """
    from ..reports import write_csv

    if csv_path and as_json:
        raise click.UsageError("choose one of --csv and --json")

    pl = open_paylink(url)
    try:
        orgs = organizations(pl, org_id)
        output: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        for org in orgs:
            if name == "aging":
                made: Any = pl.reports.aging(org, kind="payables" if payables else "receivables")
            elif name == "cashflow":
                made = pl.reports.cashflow(org, months=months)
            elif name == "customers":
                made = pl.reports.customers(org)
            else:
                made = pl.reports.dso(org)
            records = made.to_records()
            # the cash flow also lists the providers' fees per month and provider
            fees = made.fee_records() if name == "cashflow" else None
            if csv_path:
                rows.extend({"organization": org.name, **r} for r in records)
                continue
            if as_json:
                entry = {"organization": org.id, "name": org.name, "records": records}
                if fees is not None:
                    entry["fees"] = fees
                output.append(entry)
                continue
            _print(f"{org.name}: {name}", records)
            if fees:
                _print(f"{org.name}: provider fees", fees)
        if as_json:
            print_json({"report": name, "organizations": output})
        if csv_path:
            write_csv(rows, csv_path, delimiter=delimiter)
            click.echo(f"{name}: {len(rows)} rows written to {csv_path}")
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()


def _print(title: str, records: list[dict[str, Any]]) -> None:
    """Draw ``records`` as a table, numbers aligned right."""
    columns = list(records[0]) if records else []
    right = {c for c in columns if isinstance(records[0][c], int | Decimal)}
    table = Table(title, columns, frozenset(right))
    for rec in records:
        table.add_row(*rec.values())
    print_table(table)
