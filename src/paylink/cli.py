"""The ``paylink`` command: scriptable, with ``--json`` wherever it reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import references
from .exceptions import PaylinkError


def _fail(exc: PaylinkError) -> None:
    raise click.ClickException(str(exc)) from exc


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paylink")
def main() -> None:
    """Get invoices paid: quotes, invoices, payment links, statements and reconciliation."""


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("paylink-demo"),
    show_default=True,
    help="Where the demo keeps its files.",
)
@click.option(
    "--db", "url", default=None, help="Database URL (default: a fresh SQLite file in --dir)."
)
def demo(directory: Path, url: str | None) -> None:
    """Tell the whole story on the embedded defaults, printing as it goes."""
    from .demo import run_demo

    pl = run_demo(click.echo, directory=directory, url=url)
    pl.close()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List the loaded plugins, with their versions and hooks."""
    from .plugins import Plugins

    registry = Plugins()
    infos = registry.describe()
    if as_json:
        _print_json(
            {
                "plugins": [
                    {
                        "name": p.name,
                        "distribution": p.distribution,
                        "version": p.version,
                        "hooks": list(p.hooks),
                    }
                    for p in infos
                ],
                "payment_providers": sorted(registry.payment_providers),
                "channels": sorted(registry.channels),
                "bank_feeds": sorted(registry.bank_feeds),
                "statement_formats": sorted(registry.statement_formats),
            }
        )
        return
    width = max((len(p.name) for p in infos), default=10)
    for p in infos:
        click.echo(f"{p.name:<{width}}  {p.distribution} {p.version}  {', '.join(p.hooks)}")
    click.echo("")
    click.echo(f"payment providers: {', '.join(sorted(registry.payment_providers)) or '-'}")
    click.echo(f"message channels:  {', '.join(sorted(registry.channels)) or '-'}")
    click.echo(f"bank feeds:        {', '.join(sorted(registry.bank_feeds)) or '-'}")
    click.echo(f"statement formats: {', '.join(sorted(registry.statement_formats)) or '-'}")


@main.group()
def reference() -> None:
    """Make, check and find structured payment references (OGM/VCS and ISO 11649 RF)."""


def _print_made_reference(make: Any, value: str, as_json: bool, extra: str) -> None:
    """Print the reference ``make(value)``; in JSON with ``extra`` ("digits" or "display")."""
    try:
        ref = make(value)
    except PaylinkError as exc:
        _fail(exc)
    if as_json:
        shown = ref.value if extra == "digits" else ref.display
        _print_json({"scheme": ref.scheme, "reference": str(ref), extra: shown})
    else:
        click.echo(str(ref))


@reference.command("ogm")
@click.argument("value")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reference_ogm(value: str, as_json: bool) -> None:
    """Make the Belgian structured communication for VALUE (e.g. an invoice number)."""
    _print_made_reference(references.ogm, value, as_json, "digits")


@reference.command("rf")
@click.argument("value")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reference_rf(value: str, as_json: bool) -> None:
    """Make the ISO 11649 creditor reference for VALUE."""
    _print_made_reference(references.rf, value, as_json, "display")


@reference.command("check")
@click.argument("value")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reference_check(value: str, as_json: bool) -> None:
    """Check VALUE and print its canonical form; exit 1 when it is not valid."""
    try:
        ref = references.check(value)
    except PaylinkError as exc:
        if as_json:
            _print_json({"valid": False, "error": str(exc)})
            sys.exit(1)
        _fail(exc)
    if as_json:
        _print_json({"valid": True, "scheme": ref.scheme, "reference": str(ref)})
    else:
        click.echo(str(ref))


@reference.command("find")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reference_find(text: str, as_json: bool) -> None:
    """Find the valid structured references in free TEXT."""
    found = references.find(text)
    if as_json:
        _print_json([{"scheme": r.scheme, "reference": str(r)} for r in found])
        return
    for ref in found:
        click.echo(f"{ref.scheme}\t{ref}")


@main.group()
def qr() -> None:
    """Make payment QR codes."""


@qr.command("epc")
@click.option("--name", required=True, help="Beneficiary name.")
@click.option("--iban", required=True, help="Beneficiary IBAN.")
@click.option("--bic", default=None, help="Beneficiary BIC (optional in EPC version 002).")
@click.option("--amount", default=None, help="Amount in EUR, e.g. 108.90.")
@click.option("--reference", default=None, help="Structured reference (OGM or RF).")
@click.option("--text", default=None, help="Free remittance text (instead of a reference).")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .png or .svg.",
)
@click.option("--scale", default=6, show_default=True, help="Pixels per module.")
def qr_epc(
    name: str,
    iban: str,
    bic: str | None,
    amount: str | None,
    reference: str | None,
    text: str | None,
    out: Path,
    scale: int,
) -> None:
    """Write an EPC069-12 QR code that banking apps scan to pay by SEPA transfer."""
    from .money import Money
    from .qr import epc_qr

    if out.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("expected a .png or .svg file name", param_hint="--out")
    try:
        code = epc_qr(
            name=name,
            iban=iban,
            bic=bic,
            amount=Money.of(amount, "EUR") if amount else None,
            reference=reference,
            text=text,
        )
    except PaylinkError as exc:
        _fail(exc)
    code.save(str(out), scale=scale, border=4)
    click.echo(str(out))


@main.command()
@click.option(
    "--db",
    "url",
    default=None,
    help="Database URL (default: $PAYLINK_DATABASE_URL or sqlite:///paylink.db).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--base-url", default=None, help="Where the pages are reachable (default: http://HOST:PORT)."
)
@click.option(
    "--dashboard-token",
    default=None,
    envvar="PAYLINK_DASHBOARD_TOKEN",
    help="Serve the merchant dashboard at /dashboard/ORG_ID to requests that present it.",
)
def serve(
    url: str | None, host: str, port: int, base_url: str | None, dashboard_token: str | None
) -> None:
    """Serve the customer pages (pay pages, quote approval, portal) of a database."""
    try:
        import uvicorn

        from .web import create_app
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise click.ClickException(
            f"the web app needs the web extra: pip install 'paylink[web]' ({exc})"
        ) from exc
    import logging

    from .service import Paylink

    base = (base_url or f"http://{host}:{port}").rstrip("/")
    pl = Paylink.open(url, base_url=base)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"paylink serving {pl.store!r} at {base}")
    # uvicorn's access log would print the tokens in URLs; the app logs masked paths instead.
    uvicorn.run(
        create_app(pl, dashboard_token=dashboard_token),
        host=host,
        port=port,
        access_log=False,
        log_level="info",
    )


def _open_org(url: str | None, org_id: str | None) -> tuple[Any, Any]:
    """Open the database and pick the organization (the only one, when not given)."""
    from .service import Paylink

    pl = Paylink.open(url)
    orgs = pl.organizations.list()
    chosen = [o for o in orgs if o.id == org_id or o.name == org_id] if org_id else orgs
    if len(chosen) != 1:
        names = ", ".join(f"{o.id} ({o.name})" for o in orgs) or "none"
        raise click.UsageError(f"choose the organization with --org; this database has: {names}")
    return pl, chosen[0]


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", "url", default=None, help="Database URL (default: sqlite:///paylink.db).")
@click.option("--org", "org_id", default=None, help="Organization id or name.")
@click.option("--format", "format_name", default=None, help="camt, coda, mt940 (default: sniffed).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--accept-unbalanced", is_flag=True, help="Import even when balances or totals disagree."
)
def statement_import(
    file: Path,
    url: str | None,
    org_id: str | None,
    format_name: str | None,
    as_json: bool,
    accept_unbalanced: bool = False,
) -> None:
    """Import a bank statement file into the database (all or nothing, duplicates skipped)."""
    pl, org = _open_org(url, org_id)
    try:
        result = pl.statements.import_file(
            org, file, format=format_name, accept_unbalanced=accept_unbalanced
        )
    except PaylinkError as exc:
        _fail(exc)
    if as_json:
        _print_json(
            {
                "file": str(file),
                "format": result.format,
                "transactions": result.transactions,
                "new_transactions": result.new_transactions,
                "duplicates": result.duplicates,
                "statements": [
                    {
                        "id": s.id,
                        "account": s.account,
                        "transactions": s.transactions,
                        "new_transactions": s.new_transactions,
                        "balance_ok": s.balance.ok,
                        "balance": str(s.balance),
                    }
                    for s in result.statements
                ],
            }
        )
    else:
        for s in result.statements:
            click.echo(f"{s.id}: {s.new_transactions}/{s.transactions} new; {s.balance}")
        click.echo(
            f"{result.new_transactions} new transactions, {result.duplicates} already "
            f"imported ({result.format})"
        )
    pl.close()
    if result.mismatches:
        sys.exit(2)


@main.group()
def feed() -> None:
    """Bank feeds: sources of transactions that need no upload (Ponto, a CODA folder)."""


@feed.command("sync")
@click.option("--db", "url", default=None, help="Database URL (default: sqlite:///paylink.db).")
@click.option("--org", "org_id", default=None, help="Organization id or name.")
@click.option("--feed", "feed_name", default=None, help="Only this feed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def feed_sync(url: str | None, org_id: str | None, feed_name: str | None, as_json: bool) -> None:
    """Fetch what is new from the organization's connected feeds."""
    pl, org = _open_org(url, org_id)
    try:
        reports = pl.feeds.sync(org, feed_name)
    except PaylinkError as exc:
        _fail(exc)
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
        _print_json({"feeds": rows})
    else:
        for r in reports:
            click.echo(
                f"{r.feed}: {r.new_transactions} new transactions, "
                f"{len(r.files_imported)} files imported, {len(r.files_rejected)} rejected"
            )
            for name, why in r.files_rejected:
                click.echo(f"  rejected {name}: {why}")
    pl.close()


@main.group()
def payfile() -> None:
    """Write payment files for the bank."""


@payfile.command("pain001")
@click.option("--db", "url", default=None, help="Database URL (default: sqlite:///paylink.db).")
@click.option("--org", "org_id", default=None, help="Organization id or name.")
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
    execution_date: Any,
    out: Path,
    as_json: bool,
) -> None:
    """Pay all open purchase invoices: a SEPA credit-transfer file (pain.001), XSD-validated."""
    pl, org = _open_org(url, org_id)
    try:
        made = pl.purchases.pain001(
            org,
            version=f"pain.001.001.{version}",
            execution_date=execution_date.date() if execution_date else None,
        )
    except PaylinkError as exc:
        _fail(exc)
    out.write_bytes(made.xml)
    summary = {
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
    if as_json:
        _print_json(summary)
    else:
        for o in made.orders:
            click.echo(
                f"{o.execution_date}  {o.amount!s:>14}  {o.creditor_name}  {o.reference or o.text}"
            )
        click.echo(f"{len(made.orders)} payments, {made.total}: {out} ({made.version})")
    pl.close()


from .statements._cli import statement  # noqa: E402

main.add_command(statement)
statement.add_command(statement_import)
from .reconcile._cli import reconcile  # noqa: E402

main.add_command(reconcile)
from ._cli_messages import dispatch, document, outbox  # noqa: E402

main.add_command(dispatch)
main.add_command(outbox)
main.add_command(document)
from ._cli_reminders import remind, report  # noqa: E402

main.add_command(remind)
main.add_command(report)
