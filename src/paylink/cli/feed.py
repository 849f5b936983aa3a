"""``paylink feed ...``: bank feeds, sources of transactions that need no upload."""

from __future__ import annotations

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization
from ._terminal import progress, show_progress

__all__ = ["feed"]


@click.group()
def feed() -> None:
    """Bank feeds: sources of transactions that need no upload (Ponto, a CODA folder)."""


@feed.command("sync")
@db_option
@org_option()
@click.option("--feed", "feed_name", default=None, help="Only this feed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def feed_sync(url: str | None, org_id: str | None, feed_name: str | None, as_json: bool) -> None:
    """Fetch what is new from the organization's connected feeds."""
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        names = [feed_name] if feed_name else [a.feed for a in pl.feeds.list(org)]
        reports = []
        with progress("syncing feeds", len(names), enabled=show_progress(as_json)) as update:
            for done, name in enumerate(names, 1):
                reports.extend(pl.feeds.sync(org, name))
                update(done)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    rows = [
        {
            "feed": r.feed,
            "new_transactions": r.new_transactions,
            "duplicates": r.duplicates,
            "files_imported": list(r.files_imported),
            "files_skipped": list(r.files_skipped),
            "files_rejected": [{"file": f, "reason": why} for f, why in r.files_rejected],
        }
        for r in reports
    ]
    if as_json:
        print_json({"feeds": rows})
        return
    if not reports:
        click.echo(
            f"no bank feed is connected for {org.name}; nothing was synced "
            "(connect one with pl.feeds.connect(org, 'ponto' | 'coda_drop', ...))"
        )
        return
    for r in reports:
        click.echo(
            f"{r.feed}: {r.new_transactions} new transactions, "
            f"{len(r.files_imported)} files imported, {len(r.files_rejected)} rejected"
        )
        for name, why in r.files_rejected:
            click.echo(f"  rejected {name}: {why}")
