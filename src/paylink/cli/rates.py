"""``paylink rates``: the reference rates of statutory late-payment interest."""

from __future__ import annotations

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink

__all__ = ["rates"]


@click.group()
def rates() -> None:
    """The reference rates statutory interest is computed with (percent per year).

    paylink ships the ECB main refinancing rate of each half-year it knows; add the next
    half-year's rate when it is published (1 January and 1 July).
    """


@rates.command("add")
@click.argument("effective_from")
@click.argument("rate")
@click.option("--source", default="", help="Where the rate was read (a notice, a page).")
@click.option("--replace", is_flag=True, help="Correct a rate already stored for that date.")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def add(
    effective_from: str, rate: str, source: str, replace: bool, url: str | None, as_json: bool
) -> None:
    """Record RATE (e.g. 2.15) from EFFECTIVE_FROM (YYYY-01-01 or YYYY-07-01) on."""
    pl = open_paylink(url)
    try:
        added = pl.reminders.rates.add(effective_from, rate, source=source, replace=replace)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json({"effective_from": added.effective_from, "rate": added.rate})
    else:
        click.echo(f"reference rate from {added.effective_from}: {added.rate} %")


@rates.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(url: str | None, as_json: bool) -> None:
    """List the stored rates, and the half-year whose rate is missing, if any."""
    pl = open_paylink(url)
    try:
        stored = pl.reminders.rates.list()
        missing = pl.reminders.rates.missing()
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "rates": [
                    {
                        "effective_from": r.effective_from,
                        "rate": r.rate,
                        "source": r.source,
                        "added_at": r.added_at,
                    }
                    for r in stored
                ],
                "missing_from": missing,
            }
        )
        return
    for r in stored:
        click.echo(f"{r.effective_from}  {r.rate:>6} %  {r.source}")
    if missing is not None:
        click.echo(f"missing: the rate from {missing} (the last one is carried forward)")
