"""``paylink qr ...``: payment QR codes."""

from __future__ import annotations

from pathlib import Path

import click

from ..exceptions import PaylinkError
from ._output import fail

__all__ = ["qr"]


@click.group()
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
    from ..money import Money
    from ..qr import epc_qr

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
        fail(exc)
    code.save(str(out), scale=scale, border=4)
    click.echo(str(out))
