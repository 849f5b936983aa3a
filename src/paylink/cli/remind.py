"""``paylink remind``: the reminder run, or its preview."""

from __future__ import annotations

import datetime as dt

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink
from ._terminal import Table, print_table, progress, show_progress

__all__ = ["remind"]


def _now(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO 8601 time like 2026-03-02T09:00:00+01:00, got {value!r}",
            param_hint="--now",
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            "give a time zone (e.g. +01:00 or Z): a time without one names no moment",
            param_hint="--now",
        )
    return moment


@click.command()
@db_option
@click.option("--now", "now_text", default=None, help="Run as of this ISO time (with zone).")
@click.option("--dry-run", is_flag=True, help="Show what would go out; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def remind(url: str | None, now_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Run the reminders that are due (and the owner digests), or preview them."""
    now = _now(now_text)
    pl = open_paylink(url)
    try:
        if dry_run:
            planned = pl.reminders.preview(now)
            if as_json:
                print_json({"dry_run": True, "reminders": [p.as_dict() for p in planned]})
                return
            table = Table(
                f"Reminders that would go out ({len(planned)})",
                ("invoice", "step", "due on", "channels", "fee", "open"),
                frozenset({"fee", "open"}),
            )
            for p in planned:
                table.add_row(
                    p.invoice_number,
                    f"{p.step} {p.step_name}",
                    p.due_on.isoformat(),
                    ", ".join(p.channels),
                    str(p.fee),
                    str(p.open_amount),
                )
            print_table(table)
            return
        with progress("running reminders", enabled=show_progress(as_json)):
            result = pl.reminders.tick(now)
        if as_json:
            print_json(result.as_dict())
            return
        table = Table(
            f"Reminders sent ({len(result.sent)})",
            ("invoice", "step", "due on", "channels", "fee", "messages"),
            frozenset({"fee"}),
        )
        for record in result.sent:
            table.add_row(
                record.invoice_id,
                f"{record.step} {record.step_name}",
                record.due_on.isoformat(),
                ", ".join(record.channels),
                str(record.fee),
                str(len(record.message_ids)),
            )
        print_table(table)
        click.echo(
            f"recorded {result.recorded}, skipped {result.skipped} stale step(s), "
            f"cancelled {len(result.cancelled)}, {len(result.messages)} message(s) queued, "
            f"{len(result.digests)} digest(s)"
        )
        for why in result.waiting:
            click.echo(f"waiting: {why}")
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
