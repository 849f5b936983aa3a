"""The web app is an edge: it asks the service and never reaches past it."""

from __future__ import annotations

import ast
import pathlib

import paylink.service.pages
import paylink.web

WEB = pathlib.Path(paylink.web.__file__).parent
PAGES = pathlib.Path(paylink.service.pages.__file__)


def _imports(path: pathlib.Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against its package."""
    package = path.parent.relative_to(WEB.parents[1]).as_posix().replace("/", ".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_web_never_touches_the_store_or_builds_a_plugin() -> None:
    modules = sorted(WEB.glob("*.py"))
    assert len(modules) > 5
    for module in modules:
        imports = _imports(module)
        bad = {
            name
            for name in imports
            if name.startswith(("paylink.store", "sqlalchemy")) or name == "paylink.ports.Checkout"
        }
        assert not bad, f"{module.name} imports {sorted(bad)}"
        source = module.read_text()
        assert "payment_providers" not in source, f"{module.name} builds a plugin"
        assert "start_payment" not in source, f"{module.name} builds a plugin"


def test_no_web_module_is_long() -> None:
    for module in WEB.glob("*.py"):
        assert len(module.read_text().splitlines()) <= 600, module.name


def test_pages_reads_the_store_not_other_namespaces() -> None:
    imports = _imports(PAGES)
    service = {name for name in imports if name.startswith("paylink.service.")}
    assert service, "pages.py builds on the service's lower floor"
    assert all(name.startswith("paylink.service._base") for name in service), service
