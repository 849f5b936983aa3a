"""The API reference renders every public port, value, exception and kit a plugin author uses.

Each name in the ``__all__`` of the plugin-facing modules must be rendered by a mkdocstrings
``::: identifier`` line in ``docs/`` (each object once: rendering a module renders the names
of its ``__all__``), so a new public name cannot be left out of the reference.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MODULES = (
    "paylink.ports",
    "paylink.networks",
    "paylink.payouts",
    "paylink.context",
    "paylink.http",
    "paylink.exceptions",
    "paylink.testing",
)
DIRECTIVE = re.compile(r"^::: ([\w.]+)\s*$", re.MULTILINE)


def _rendered() -> list[str]:
    return [name for page in DOCS.rglob("*.md") for name in DIRECTIVE.findall(page.read_text())]


def _module(identifier: str) -> ModuleType | None:
    try:
        return importlib.import_module(identifier)
    except ImportError:
        return None


def _covered(module: str, name: str, obj: Any, rendered: set[str]) -> bool:
    if f"{module}.{name}" in rendered:
        return True
    qualname = getattr(obj, "__qualname__", None)
    defined = getattr(obj, "__module__", None)
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and f"{defined}.{qualname}" in rendered:
        return True
    for identifier in rendered:
        whole = _module(identifier)
        in_all = whole is not None and name in getattr(whole, "__all__", ())
        if in_all and getattr(whole, name, None) is obj:
            return True
    return False


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_in_the_reference(module: str) -> None:
    rendered = set(_rendered())
    imported = importlib.import_module(module)
    missing = [
        name
        for name in imported.__all__
        if not _covered(module, name, getattr(imported, name), rendered)
    ]
    assert missing == [], f"docs/api.md renders no entry for {module}: {', '.join(missing)}"


def test_each_object_is_rendered_once_in_the_api_reference() -> None:
    on_page = DIRECTIVE.findall((DOCS / "api.md").read_text())
    twice = sorted(name for name, count in Counter(on_page).items() if count > 1)
    assert twice == []
