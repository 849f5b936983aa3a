"""The service's two floors stay apart: namespaces never import each other, SQL stays in the
store, and plugins never import the service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import paylink
import paylink_providers

SERVICE = Path(paylink.__file__).parent / "service"
PROVIDERS = Path(paylink_providers.__file__).parent
NAMESPACES = sorted(p for p in SERVICE.glob("*.py") if not p.name.startswith("_"))
LOWER = sorted(p for p in SERVICE.glob("_*.py") if p.name != "__init__.py")


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """``(level, module, inside a function)`` for every import of the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom):
                found.append((child.level, child.module or "", in_function))
            elif isinstance(child, ast.Import):
                found.extend((0, alias.name, in_function) for alias in child.names)
            visit(child, nested)

    visit(tree, False)
    return found


@pytest.mark.parametrize("path", NAMESPACES, ids=lambda p: p.stem)
def test_a_namespace_imports_only_the_lower_floor_the_store_and_the_domain(path: Path) -> None:
    for level, module, _inside in _imports(path):
        if level == 1 and module:  # from .x import …: a sibling in service/
            assert module.startswith("_"), f"{path.name} imports the namespace module .{module}"
    assert "self._pl." not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NAMESPACES + LOWER, ids=lambda p: p.stem)
def test_no_sql_and_no_import_inside_a_function(path: Path) -> None:
    for level, module, inside in _imports(path):
        assert not inside, f"{path.name} imports {'.' * level}{module} inside a function"
        assert not (level == 0 and module.startswith("sqlalchemy")), f"{path.name} uses SQL"
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 650, f"{path.name} is too long"


@pytest.mark.parametrize("path", LOWER, ids=lambda p: p.stem)
def test_the_lower_floor_never_imports_a_namespace(path: Path) -> None:
    for level, module, _inside in _imports(path):
        if level == 1 and module:
            assert module.startswith("_"), f"{path.name} imports the namespace module .{module}"


def test_plugins_never_import_the_service() -> None:
    for path in PROVIDERS.rglob("*.py"):
        for level, module, _inside in _imports(path):
            assert level > 0 or not module.startswith("paylink.service"), path
