"""``paylink init``: create a store, the one command (besides the demo) that makes one."""

from __future__ import annotations

import click

from ._output import print_json
from ._store import db_option, open_paylink

__all__ = ["init"]


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def init(url: str | None, as_json: bool) -> None:
    """Create (or bring up to date) the paylink store chosen by --db.

    Every other command opens an existing store only, so a mistyped URL never starts an
    empty one.
    """
    pl = open_paylink(url, create=True)
    try:
        shown = repr(pl.store)
        organizations = len(pl.organizations.list())
    finally:
        pl.close()
    if as_json:
        print_json({"store": shown, "organizations": organizations})
    else:
        click.echo(f"paylink store ready: {shown} ({organizations} organization(s))")
