"""Run benchmarks: `python -m benchmarks` runs them all with their defaults;
`python -m benchmarks NAME [ARGS ...]` runs one, passing ARGS on (`--help` lists them)."""

from __future__ import annotations

import importlib
import inspect
import sys

BENCHMARKS = {
    "issuing": "benchmarks.issuing",
    "reminders": "benchmarks.reminders",
    "statements": "benchmarks.statements.bench",
    "statement-import": "benchmarks.statements.import_bulk",
    "reconcile": "benchmarks.reconcile.bench",
    "imports": "benchmarks.imports",
}


def _run(module_name: str, args: list[str]) -> None:
    entry = importlib.import_module(module_name).main
    if inspect.signature(entry).parameters:
        entry(args)
        return
    # Scripts that read sys.argv themselves (argparse with no argv parameter).
    saved = sys.argv
    sys.argv = [module_name, *args]
    try:
        entry()
    finally:
        sys.argv = saved


def main(argv: list[str]) -> None:
    if argv:
        name, args = argv[0], argv[1:]
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
        _run(BENCHMARKS[name], args)
        return
    for name, module in BENCHMARKS.items():
        print(f"### {name}")
        _run(module, [])


if __name__ == "__main__":
    main(sys.argv[1:])
