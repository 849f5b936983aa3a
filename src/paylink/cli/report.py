"""``paylink report NAME``: the merchant's reports as tables or JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
def report(
    name: str, url: str | None, org_id: str | None, payables: bool, months: int, as_json: bool
) -> None:
    """Print a report: aging, cashflow, customers or dso."""
    pl = open_paylink(url)
    try:
        orgs = organizations(pl, org_id)
        output: list[dict[str, Any]] = []
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
            if as_json:
                output.append({"organization": org.id, "name": org.name, "records": records})
                continue
            columns = list(records[0]) if records else []
            right = {c for c in columns if isinstance(records[0][c], int | Decimal)}
            table = Table(f"{org.name}: {name}", columns, frozenset(right))
            for rec in records:
                table.add_row(*rec.values())
            print_table(table)
        if as_json:
            print_json({"report": name, "organizations": output})
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
