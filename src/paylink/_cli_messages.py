"""``paylink dispatch``, ``paylink outbox`` and ``paylink document``: the outbox and documents
from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .exceptions import PaylinkError

__all__ = ["dispatch", "document", "outbox"]


def _open(url: str | None) -> Any:
    from .service import Paylink

    return Paylink.open(url)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.command()
@click.option("--db", "url", default=None, help="Database URL (default: $PAYLINK_DATABASE_URL).")
@click.option("--limit", type=int, default=None, help="Send at most this many messages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def dispatch(url: str | None, limit: int | None, as_json: bool) -> None:
    """Send the outbox messages that are due, with retries and backoff."""
    from .service.messages import Outbox

    pl = _open(url)
    try:
        report = Outbox(pl).dispatch(limit=limit)
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()
    if as_json:
        _print_json(report.as_dict())
        return
    for outcome, ids in report.as_dict().items():
        click.echo(f"{outcome:<10} {len(ids)}")


@click.group()
def outbox() -> None:
    """Read the outbox: every message with its delivery status."""


@outbox.command("list")
@click.option("--db", "url", default=None, help="Database URL (default: $PAYLINK_DATABASE_URL).")
@click.option("--org", "org_id", default=None, help="Organization id (default: the only one).")
@click.option("--status", default=None, help="Only messages in this status.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def outbox_list(url: str | None, org_id: str | None, status: str | None, as_json: bool) -> None:
    """List the organization's messages, oldest first."""
    from .service.messages import Outbox

    pl = _open(url)
    try:
        org = _organization(pl, org_id)
        messages = Outbox(pl).list(org, status=status)
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
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
        _print_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']}  {row['kind']:<15} {row['channel']:<8} {row['status']:<10} {row['to']}"
        )


def _organization(pl: Any, org_id: str | None) -> Any:
    if org_id:
        return pl.organizations.get(org_id)
    orgs = pl.organizations.list()
    if len(orgs) != 1:
        raise click.ClickException(
            f"the database holds {len(orgs)} organizations; choose one with --org"
        )
    return orgs[0]


@click.group()
def document() -> None:
    """Render documents (invoices, quotes, credit notes) as PDF or HTML."""


@document.command("pdf")
@click.argument("number")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output file."
)
@click.option("--db", "url", default=None, help="Database URL (default: $PAYLINK_DATABASE_URL).")
@click.option("--org", "org_id", default=None, help="Organization id (default: the only one).")
@click.option(
    "--kind",
    type=click.Choice(["invoice", "receipt", "reminder", "quote"]),
    default="invoice",
    show_default=True,
    help="What to draw: an invoice (or its receipt or reminder letter) or a quote.",
)
@click.option("--language", type=click.Choice(["fr", "nl", "en", "de"]), default=None)
@click.option("--html", "as_html", is_flag=True, help="Write HTML instead of PDF.")
def document_pdf(
    number: str,
    out: Path,
    url: str | None,
    org_id: str | None,
    kind: str,
    language: str | None,
    as_html: bool,
) -> None:
    """Write the document with NUMBER (an invoice or quote number) to --out."""
    from .service.messages import Documents
    from .store import documents as doc_queries

    pl = _open(url)
    try:
        org = _organization(pl, org_id)
        with pl.store.transaction() as conn:
            doc = doc_queries.get_by_number(
                conn, org.id, "quote" if kind == "quote" else "invoice", number
            )
        documents = Documents(pl)
        draw = None if kind in ("invoice", "quote") else kind
        if as_html:
            out.write_text(documents.html(doc, kind=draw, language=language), encoding="utf-8")
        else:
            out.write_bytes(documents.pdf(doc, kind=draw, language=language))
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()
    click.echo(str(out))
