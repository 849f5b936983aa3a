"""``paylink dispatch`` and ``paylink outbox``: the outbox from the command line."""

from __future__ import annotations

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["dispatch", "outbox"]


@click.command()
@db_option
@click.option("--limit", type=int, default=None, help="Send at most this many messages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def dispatch(url: str | None, limit: int | None, as_json: bool) -> None:
    """Send the outbox messages that are due, with retries and backoff."""
    pl = open_paylink(url)
    try:
        report = pl.outbox.dispatch(limit=limit)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json(report.as_dict())
        return
    for outcome, ids in report.as_dict().items():
        click.echo(f"{outcome:<10} {len(ids)}")


@click.group()
def outbox() -> None:
    """Read the outbox: every message with its delivery status."""


@outbox.command("list")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.option("--status", default=None, help="Only messages in this status.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def outbox_list(url: str | None, org_id: str | None, status: str | None, as_json: bool) -> None:
    """List the organization's messages, oldest first."""
    pl = open_paylink(url)
    try:
        messages = pl.outbox.list(pick_organization(pl, org_id), status=status)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    rows = [
        {
            "id": m.id,
            "kind": m.kind,
            "channel": m.channel,
            "to": m.recipient,
            "status": m.status,
            "attempts": m.attempts,
            "segments": m.segments,
            "provider_message_id": m.provider_message_id,
            "error": m.error,
        }
        for m in messages
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']}  {row['kind']:<15} {row['channel']:<8} {row['status']:<10} {row['to']}"
        )
