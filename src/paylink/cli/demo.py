"""``paylink demo``: the whole story on the embedded defaults."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["demo"]


@click.command()
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
    from ..demo import run_demo

    pl = run_demo(click.echo, directory=directory, url=url)
    pl.close()
