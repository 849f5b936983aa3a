"""Tables and progress for people at a terminal: with rich when it is installed (the ``cli``
extra), in plain text otherwise.

Progress goes to stderr, and only when stderr is a terminal and the command was not asked for
``--json``: a script that pipes the output, or reads the JSON, sees nothing extra.
``PAYLINK_PROGRESS=always`` (or ``never``) overrides the terminal check.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
import click

__all__ = ["Table", "has_rich", "print_table", "progress", "show_progress"]


def has_rich() -> bool:
    """Whether rich is installed (the ``cli`` extra)."""
    return importlib.util.find_spec("rich") is not None


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def show_progress(as_json: bool = False) -> bool:
    """Whether to show progress: stderr is a terminal and the output is not ``--json``
    (``$PAYLINK_PROGRESS`` = ``always`` or ``never`` decides instead of the terminal check)."""
    if as_json:
        return False
    forced = os.environ.get("PAYLINK_PROGRESS", "").lower()
    if forced in ("always", "never"):
        return forced == "always"
    return _stderr_is_terminal()


@attrs.define
class Table:
    """A titled table of text cells; ``right`` names the columns aligned to the right."""

    title: str
    columns: Sequence[str]
    right: frozenset[str] = frozenset()
    rows: list[tuple[str, ...]] = attrs.field(factory=list)

    def add_row(self, *cells: object) -> None:
        """Add a row (``None`` prints as an empty cell)."""
        self.rows.append(tuple("" if c is None else str(c) for c in cells))


def print_table(table: Table) -> None:
    """Print ``table`` on stdout: a rich table when rich is installed, aligned text otherwise."""
    if has_rich():
        from rich.console import Console
        from rich.table import Table as RichTable

        shown = RichTable(title=table.title)
        for name in table.columns:
            shown.add_column(name, justify="right" if name in table.right else "left")
        for row in table.rows:
            shown.add_row(*row)
        Console(highlight=False, soft_wrap=True).print(shown)
        return
    widths = [len(name) for name in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(w) if name in table.right else cell.ljust(w)
            for name, cell, w in zip(table.columns, cells, widths, strict=False)
        ).rstrip()

    click.echo(table.title)
    if table.columns:
        click.echo(line(table.columns))
        click.echo(line(["-" * w for w in widths]))
    for row in table.rows:
        click.echo(line(row))


@contextlib.contextmanager
def progress(
    label: str, total: int | None = None, *, enabled: bool
) -> Iterator[Callable[[int], None]]:
    """A progress display on stderr; yields ``update(done)`` to call with the work done so far.

    ``total`` is the amount of work when it is known (else the count alone is shown). When
    not ``enabled`` (see :func:`show_progress`) nothing is printed at all.
    """
    if not enabled:
        yield lambda _done: None
        return
    if has_rich():
        from rich.console import Console
        from rich.progress import Progress

        # Asked for (a terminal, or PAYLINK_PROGRESS=always): draw it, whatever rich guesses.
        console = Console(stderr=True, force_terminal=True)
        with Progress(console=console, transient=True) as bar:
            task: Any = bar.add_task(label, total=total)
            yield lambda done: bar.update(task, completed=done)
        return

    def update(done: int) -> None:
        shown = f"{done}/{total}" if total is not None else str(done)
        click.echo(f"\r{label}: {shown}", err=True, nl=False)

    click.echo(f"{label}…", err=True, nl=False)
    try:
        yield update
    finally:
        click.echo(f"\r{label}: done" + " " * 12, err=True)
