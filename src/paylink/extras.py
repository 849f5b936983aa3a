"""Optional dependencies: one way to say which extra a feature needs (plugins use it too).

paylink's core installs with few dependencies; the web app, PDFs, PostgreSQL, some providers
and the notebook helpers live in extras. When one is missing, the error names the feature, the
extra and the command that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .exceptions import MissingExtra

__all__ = ["DISTRIBUTION", "MissingExtra", "install_hint", "require"]

DISTRIBUTION = "paylink-invoices"
"""The name paylink is published under on the Python package index (the import name is
``paylink``)."""


def install_hint(extra: str) -> str:
    """The command that installs an extra, e.g. ``pip install 'paylink-invoices[web]'``."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtra` naming ``extra`` and ``feature``.

    Only a missing module is translated: an installed module that fails on import (a broken
    system library, say) raises its own error, chained, so its cause stays visible.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        if exc.name is not None and exc.name.split(".")[0] != top:
            raise
        raise MissingExtra(feature, extra, top, hint=install_hint(extra)) from exc
