"""``paylink payfile ...``: payment files for the bank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["payfile"]


@click.group()
def payfile() -> None:
    """Write payment files for the bank."""


@payfile.command("pain001")
@db_option
@org_option()
@click.option(
    "--version",
    "version",
    type=click.Choice(["03", "09"]),
    default="03",
    show_default=True,
    help="pain.001.001.03 or pain.001.001.09.",
)
@click.option(
    "--execution-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Requested execution date for all payments (default: each due date).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the XML file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def payfile_pain001(
    url: str | None,
    org_id: str | None,
    version: str,
    execution_date: dt.datetime | None,
    out: Path,
    as_json: bool,
) -> None:
    """Pay all open purchase invoices: a SEPA credit-transfer file (pain.001), XSD-validated."""
    pl = open_paylink(url)
    try:
        made = pl.purchases.pain001(
            pick_organization(pl, org_id),
            version=f"pain.001.001.{version}",
            execution_date=execution_date.date() if execution_date else None,
        )
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    out.write_bytes(made.xml)
    if as_json:
        print_json(
            {
                "file": str(out),
                "message_id": made.message_id,
                "version": made.version,
                "count": len(made.orders),
                "total": str(made.total.amount),
                "currency": "EUR",
                "payments": [
                    {
                        "end_to_end_id": o.end_to_end_id,
                        "creditor": o.creditor_name,
                        "amount": str(o.amount.amount),
                        "execution_date": o.execution_date.isoformat(),
                        "reference": str(o.reference) if o.reference else None,
                    }
                    for o in made.orders
                ],
            }
        )
        return
    for o in made.orders:
        click.echo(
            f"{o.execution_date}  {o.amount!s:>14}  {o.creditor_name}  {o.reference or o.text}"
        )
    click.echo(f"{len(made.orders)} payments, {made.total}: {out} ({made.version})")
