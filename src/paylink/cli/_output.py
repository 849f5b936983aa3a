"""The one JSON printer and the one error path of the ``paylink`` command."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import IO, Any, NoReturn

import click

from ..exceptions import PaylinkError

__all__ = ["echo_file", "fail", "json_fragment", "print_json"]


def _default(value: Any) -> Any:
    # Amounts print as their exact decimal text (never a float), times as ISO 8601.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not printable as JSON")


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8 text kept as is), the form of every ``--json``."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_default))


def json_fragment(data: Any, level: int) -> str:
    """``data`` as :func:`print_json` writes it when nested ``level`` values deep.

    Continuation lines carry the indentation of that depth, the first line none (the caller
    places it), so a command can stream one big document piece by piece and still print
    exactly what :func:`print_json` would print for the whole. Safe because JSON text never
    holds a raw line break: those inside strings are escaped.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_default)
    return text.replace("\n", "\n" + "  " * level)


def echo_file(stream: IO[str], *, chunk: int = 1 << 16) -> None:
    """Print a text stream from its start, a chunk at a time, then a line break."""
    stream.seek(0)
    while piece := stream.read(chunk):
        click.echo(piece, nl=False)
    click.echo("")


def fail(exc: PaylinkError | OSError) -> NoReturn:
    """Stop the command with ``exc``'s message and exit status 1."""
    raise click.ClickException(str(exc)) from exc
