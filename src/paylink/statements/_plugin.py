"""paylink's built-in statement formats, registered through the same hook as a plugin's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hookspecs import hookimpl
from . import BUILTIN_FORMATS

__all__ = ["paylink_register_statement_formats"]


@hookimpl
def paylink_register_statement_formats(register: Callable[[Any], None]) -> None:
    """Register CAMT, CODA, MT940 and CSV (the latter needs a mapping to read anything)."""
    for fmt in BUILTIN_FORMATS:
        register(fmt)
