"""``paylink reference ...``: make, check and find structured payment references."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from .. import references
from ..exceptions import PaylinkError
from ._output import fail, print_json

__all__ = ["reference"]


@click.group()
def reference() -> None:
    """Make, check and find structured payment references (OGM/VCS and ISO 11649 RF)."""


def _print_made_reference(
    make: Callable[[str], references.Reference], value: str, as_json: bool, extra: str
) -> None:
    """Print the reference ``make(value)``; in JSON with ``extra`` ("digits" or "display")."""
    try:
        ref = make(value)
    except PaylinkError as exc:
        fail(exc)
    if as_json:
        shown = ref.value if extra == "digits" else ref.display
        print_json({"scheme": ref.scheme, "reference": str(ref), extra: shown})
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
            print_json({"valid": False, "error": str(exc)})
            sys.exit(1)
        fail(exc)
    if as_json:
        print_json({"valid": True, "scheme": ref.scheme, "reference": str(ref)})
    else:
        click.echo(str(ref))


@reference.command("find")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reference_find(text: str, as_json: bool) -> None:
    """Find the valid structured references in free TEXT."""
    found = references.find(text)
    if as_json:
        print_json([{"scheme": r.scheme, "reference": str(r)} for r in found])
        return
    for ref in found:
        click.echo(f"{ref.scheme}\t{ref}")
