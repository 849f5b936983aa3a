"""``paylink einvoice export|check|receive|send|lookup|inbox``: structured e-invoices from the
command line, and sending and receiving them over the organization's e-invoice network."""

from __future__ import annotations

from pathlib import Path

import click

from ..exceptions import PaylinkError
from ._output import print_json
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["einvoice"]

_DB = db_option
_ORG = org_option()
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


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
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
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
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        problems = pl.einvoices.check(pl.einvoices.find(org, number), syntax=syntax)
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()
    if as_json:
        out = {"number": number, "syntax": syntax, "ok": not problems}
        out["problems"] = [p.to_dict() for p in problems]
        print_json(out)
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
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        purchase = pl.einvoices.receive(org, file.read_bytes())
    except PaylinkError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    finally:
        pl.close()
    if as_json:
        print_json(
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
            }
        )
        return
    click.echo(
        f"{purchase.supplier_name} {purchase.supplier_reference}: {purchase.amount} due"
        f" {purchase.due_date.isoformat()} (purchase invoice {purchase.id})"
    )


@einvoice.command("send")
@click.argument("number")
@_DB
@_ORG
@click.option("--network", default=None, help="The connected network to use (default: the one).")
@_JSON
def send(
    number: str, url: str | None, org_id: str | None, network: str | None, as_json: bool
) -> None:
    """Send the invoice or credit note NUMBER to its buyer: over the organization's e-invoice
    network when the buyer is reachable there, else by e-mail with the PDF (queued in the
    outbox). Says which it did."""
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        document = pl.einvoices.find(org, number)
        delivery = pl.einvoices.send(document, network=network)
    except PaylinkError as exc:
        raise click.ClickException(f"{number}: {exc}") from exc
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "id": delivery.id,
                "number": number,
                "via": delivery.via,
                "status": delivery.status,
                "receiver": delivery.receiver,
                "network": delivery.network,
                "network_id": delivery.network_id,
                "message_id": delivery.message_id,
                "reason": delivery.reason,
            }
        )
        return
    way = f"over {delivery.network}" if delivery.via == "network" else "by e-mail with the PDF"
    reason = f": {delivery.reason}" if delivery.reason else ""
    click.echo(f"{number}: {way} to {delivery.receiver} ({delivery.status}{reason})")


@einvoice.command("lookup")
@click.argument("participant")
@_DB
@_ORG
@_JSON
def lookup(participant: str, url: str | None, org_id: str | None, as_json: bool) -> None:
    """Whether PARTICIPANT (scheme:identifier, e.g. 0208:0403170701) is reachable over the
    organization's e-invoice network, and which document types it takes.

    Exit status 0 when reachable, 1 when not."""
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        found = pl.einvoices.lookup(org, participant)
    except PaylinkError as exc:
        raise click.ClickException(f"{participant}: {exc}") from exc
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "participant": participant,
                "reachable": found is not None,
                "name": found.name if found else None,
                "document_types": list(found.document_types) if found else [],
            }
        )
    elif found is None:
        click.echo(f"{participant}: not reachable")
    else:
        click.echo(f"{participant}: reachable")
        for document_type in found.document_types:
            click.echo(f"  {document_type}")
    if found is None:
        raise SystemExit(1)


@einvoice.command("inbox")
@_DB
@_ORG
@_JSON
def inbox(url: str | None, org_id: str | None, as_json: bool) -> None:
    """Fetch what suppliers sent over the organization's e-invoice network and record each
    document as a purchase invoice (once, even when the network delivers it again)."""
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        run = pl.einvoices.inbox(org)
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "recorded": [
                    {
                        "id": p.id,
                        "supplier": p.supplier_name,
                        "supplier_reference": p.supplier_reference,
                        "amount": str(p.amount.amount),
                        "currency": p.currency,
                    }
                    for p in run.recorded
                ],
                "already_recorded": list(run.already_recorded),
                "problems": [{"network_id": n, "problem": why} for n, why in run.problems],
            }
        )
        return
    for p in run.recorded:
        click.echo(
            f"{p.supplier_name} {p.supplier_reference}: {p.amount} (purchase invoice {p.id})"
        )
    for network_id, why in run.problems:
        click.echo(f"{network_id}: not recorded: {why}")
    click.echo(
        f"{len(run.recorded)} recorded, {len(run.already_recorded)} already recorded,"
        f" {len(run.problems)} not recorded"
    )
