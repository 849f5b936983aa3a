"""The one JSON printer and the one error path of the ``paylink`` command."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, NoReturn

import click

from ..exceptions import PaylinkError

__all__ = ["console", "fail", "print_json"]


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


def fail(exc: PaylinkError | OSError) -> NoReturn:
    """Stop the command with ``exc``'s message and exit status 1."""
    raise click.ClickException(str(exc)) from exc


def console() -> Any:
    """A rich console for the tables some commands print (no highlighting, long lines whole)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)
