"""The layers of docs/architecture.md, checked on the source: every ``import`` of every module
under ``src/`` (at any depth: inside functions and ``TYPE_CHECKING`` blocks too) is an edge of
the import graph, and each rule below names the edges it forbids.

A failure lists each offending ``module -> import``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

# The domain core: pure values and functions, no I/O frameworks (docs/architecture.md).
PURE = (
    "paylink.catalog",
    "paylink.clock",
    "paylink.documents",
    "paylink.einvoice",
    "paylink.exceptions",
    "paylink.feeds",
    "paylink.links",
    "paylink.money",
    "paylink.notify",
    "paylink.numbering",
    "paylink.parties",
    "paylink.payfiles",
    "paylink.payments",
    "paylink.qr",
    "paylink.reconcile",
    "paylink.references",
    "paylink.reminders",
    "paylink.reports",
    "paylink.statements",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, as absolute dotted names."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                # `from pkg import name`: the submodule when there is one, else the package.
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    found.discard(module)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _is_namespace(module: str) -> bool:
    """A public service namespace: ``paylink/service/<name>.py``, ``<name>`` not private."""
    parts = module.split(".")
    return len(parts) == 3 and parts[:2] == ["paylink", "service"] and not parts[2].startswith("_")


Rule = Callable[[str, str], bool]

RULES: dict[str, Rule] = {
    # Nothing in paylink knows a plugin by name: plugins are found through entry points (the
    # web app's own case is part of its rule below).
    "core-imports-no-plugin": lambda m, i: (
        _under(m, "paylink") and not _under(m, "paylink.web") and _under(i, "paylink_providers")
    ),
    # What two namespaces share lives one floor down, in a private module taking the unit.
    "namespaces-never-import-namespaces": lambda m, i: (
        _is_namespace(m) and _is_namespace(i) and m != i
    ),
    "web-never-touches-the-store": lambda m, i: (
        _under(m, "paylink.web") and _under(i, "paylink.store", "sqlalchemy", "paylink_providers")
    ),
    "service-asks-the-store-not-sql": lambda m, i: (
        _under(m, "paylink.service") and _under(i, "sqlalchemy")
    ),
    "cli-never-touches-the-store": lambda m, i: (
        _under(m, "paylink.cli", "paylink.demo") and _under(i, "paylink.store", "sqlalchemy")
    ),
    "core-stays-pure": lambda m, i: (
        _under(m, *PURE)
        and _under(
            i,
            "click",
            "rich",
            "sqlalchemy",
            "starlette",
            "paylink.service",
            "paylink.store",
            "paylink.web",
            "paylink.cli",
        )
    ),
    "plugins-use-the-public-interfaces": lambda m, i: (
        _under(m, "paylink_providers")
        and _under(i, "paylink.service", "paylink.web", "paylink.cli", "paylink.store")
    ),
}


def _violations(rule: Rule) -> list[str]:
    return sorted(
        f"{module} -> {imported}"
        for module, imports in GRAPH.items()
        for imported in imports
        if rule(module, imported)
    )


@pytest.mark.parametrize("name", list(RULES))
def test_layering_rule(name: str) -> None:
    offending = _violations(RULES[name])
    assert not offending, f"{name}:\n  " + "\n  ".join(offending)


def _cycles(nodes: Iterable[str]) -> list[list[str]]:
    """The import cycles among ``nodes``: one cycle (a path back to its start) per strongly
    connected component of more than one module, found by Tarjan's algorithm."""
    members = set(nodes)
    edges = {n: sorted(i for i in GRAPH[n] if i in members) for n in members}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(members):
        if node not in index:
            visit(node)
    cycles = []
    for component in components:
        inside = set(component)
        # A shortest way from the component's first module back to itself.
        start = component[0]
        paths = {start: [start]}
        frontier = [start]
        cycle: list[str] | None = None
        while frontier and cycle is None:
            nxt_frontier = []
            for node in frontier:
                for nxt in edges[node]:
                    if nxt not in inside:
                        continue
                    if nxt == start:
                        cycle = [*paths[node], start]
                        break
                    if nxt not in paths:
                        paths[nxt] = [*paths[node], nxt]
                        nxt_frontier.append(nxt)
                if cycle:
                    break
            frontier = nxt_frontier
        cycles.append(cycle or component)
    return cycles


def test_no_import_cycles_between_service_modules() -> None:
    cycles = _cycles(m for m in GRAPH if _under(m, "paylink.service"))
    assert not cycles, "import cycles in the service:\n  " + "\n  ".join(
        " -> ".join(cycle) for cycle in cycles
    )


def test_the_graph_sees_every_kind_of_import() -> None:
    """The checker itself: relative, nested and TYPE_CHECKING imports all become edges."""
    assert "paylink.money" in GRAPH["paylink.documents"]  # a relative `from .money import`
    assert "paylink.service" in GRAPH["paylink.cli._store"]  # inside a function, relative
    assert "paylink.service" in GRAPH["paylink.testing.plugin"]  # under TYPE_CHECKING too
    assert "paylink.cli.statement" in GRAPH["paylink.cli"]
