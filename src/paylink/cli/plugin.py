"""``paylink plugin new``: the package skeleton of a new plugin, passing its kit as it is."""

from __future__ import annotations

from pathlib import Path

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._scaffold import KINDS, write_plugin

__all__ = ["plugin"]


@click.group()
def plugin() -> None:
    """Write new plugins (payment providers, channels, feeds, e-invoice networks)."""


@plugin.command("new")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to write the package folder (paylink-NAME).",
)
@click.option("--label", help="The name people read (default: NAME's words, capitalised).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def new(kind: str, name: str, directory: Path, label: str | None, as_json: bool) -> None:
    """Write the package of a new KIND plugin called NAME.

    NAME is the plugin's entry point and ``name`` (lower case, like ``sumup``). The package
    (``paylink-NAME``: pyproject with the entry point, the class built on paylink.context,
    tests running paylink's conformance kit and pytest-httpx, a README) passes its tests as it
    is: ``pip install -e './paylink-NAME[test]' && pytest paylink-NAME``.
    """
    try:
        target = write_plugin(kind, name, directory, label=label)
    except PaylinkError as exc:
        fail(exc)
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    if as_json:
        print_json({"kind": kind, "name": name, "directory": str(target), "files": written})
        return
    click.echo(f"wrote {target}")
    for path in written:
        click.echo(f"  {path}")
    click.echo("")
    click.echo(f"next: pip install -e '{target}[test]' && pytest {target}")
