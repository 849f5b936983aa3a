"""``paylink einvoice export|check|receive``: structured e-invoices from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .exceptions import PaylinkError

__all__ = ["einvoice"]

_DB = click.option(
    "--db", "url", default=None, help="Database URL (default: $PAYLINK_DATABASE_URL)."
)
_ORG = click.option(
    "--org", "org_id", default=None, help="Organization id (default: the only one)."
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _open(url: str | None) -> Any:
    from .service import Paylink

    return Paylink.open(url)


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
def einvoice() -> None:
    """Structured e-invoices: Peppol BIS 3.0 (UBL), CII and Factur-X, out and in."""


@einvoice.command("export")
@click.argument("number")
@_DB
@_ORG
@click.option(
    "--syntax",
    type=click.Choice(["ubl", "cii", "facturx"]),
    default="ubl",
    show_default=True,
    help="UBL for Peppol, CII, or a Factur-X PDF.",
)
@click.option("--attach-pdf", is_flag=True, help="Embed the printed document (UBL, CII).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(
    number: str,
    url: str | None,
    org_id: str | None,
    syntax: str,
    attach_pdf: bool,
    output: Path,
) -> None:
    """Write the invoice or credit note NUMBER as an e-invoice file.

    Refused, writing nothing, when the document lacks what the rules require: the message
    lists it (see ``paylink einvoice check``)."""
    pl = _open(url)
    try:
        org = _organization(pl, org_id)
        document = pl.einvoices.find(org, number)
        if syntax == "facturx":
            data = pl.einvoices.facturx(document)
        else:
            data = pl.einvoices.export(document, syntax, attach_pdf=attach_pdf)
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()
    output.write_bytes(data)
    click.echo(f"{number}: {output} ({syntax}, {len(data)} bytes)")


@einvoice.command("check")
@click.argument("number")
@_DB
@_ORG
@click.option(
    "--syntax", type=click.Choice(["ubl", "cii", "facturx"]), default="ubl", show_default=True
)
@_JSON
def check(number: str, url: str | None, org_id: str | None, syntax: str, as_json: bool) -> None:
    """Say what the invoice or credit note NUMBER lacks to go as an e-invoice.

    Exit status 0 when nothing is missing, 1 otherwise."""
    pl = _open(url)
    try:
        org = _organization(pl, org_id)
        problems = pl.einvoices.check(pl.einvoices.find(org, number), syntax=syntax)
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()
    if as_json:
        out = {"number": number, "syntax": syntax, "ok": not problems}
        out["problems"] = [p.to_dict() for p in problems]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    elif not problems:
        click.echo(f"{number}: ready to send as {syntax}")
    else:
        click.echo(f"{number}: {len(problems)} problem(s) before it can go as {syntax}")
        for p in problems:
            click.echo(f"  - {p.message}" + (f" [{p.rule}]" if p.rule else ""))
    if problems:
        raise SystemExit(1)


@einvoice.command("receive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_DB
@_ORG
@_JSON
def receive(file: Path, url: str | None, org_id: str | None, as_json: bool) -> None:
    """Record a supplier's e-invoice FILE (UBL, CII or Factur-X PDF) as a purchase invoice.

    The same file received twice is recorded once."""
    pl = _open(url)
    try:
        org = _organization(pl, org_id)
        purchase = pl.einvoices.receive(org, file.read_bytes())
    except PaylinkError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    finally:
        pl.close()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": purchase.id,
                    "supplier": purchase.supplier_name,
                    "supplier_reference": purchase.supplier_reference,
                    "amount": str(purchase.amount.amount),
                    "currency": purchase.currency,
                    "vat": str(purchase.vat_amount.amount) if purchase.vat_amount else None,
                    "due_date": purchase.due_date.isoformat(),
                    "payment_reference": str(purchase.payment_reference)
                    if purchase.payment_reference
                    else None,
                    "lines": len(purchase.lines),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    click.echo(
        f"{purchase.supplier_name} {purchase.supplier_reference}: {purchase.amount} due"
        f" {purchase.due_date.isoformat()} (purchase invoice {purchase.id})"
    )
