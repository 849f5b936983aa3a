"""``paylink document ...``: documents as PDF or HTML."""

from __future__ import annotations

from pathlib import Path

import click

from ..documents import Invoice, Quote
from ..exceptions import NotFound, PaylinkError
from ._output import fail
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["document"]


@click.group()
def document() -> None:
    """Render documents (invoices, quotes, credit notes) as PDF or HTML."""


@document.command("pdf")
@click.argument("number")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output file."
)
@db_option
@org_option("Organization id or name (default: the only one).")
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
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        doc: Invoice | Quote
        if kind == "quote":
            found = [q for q in pl.quotes.list(org) if q.number == number]
            if not found:
                raise NotFound(f"no quote numbered {number!r}")
            doc = found[0]
        else:
            doc = pl.invoices.get_by_number(org, number)
        draw = None if kind in ("invoice", "quote") else kind
        if as_html:
            out.write_text(pl.renditions.html(doc, kind=draw, language=language), encoding="utf-8")
        else:
            out.write_bytes(pl.renditions.pdf(doc, kind=draw, language=language))
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    click.echo(str(out))
