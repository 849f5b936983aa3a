"""Run benchmarks: `python -m benchmarks` runs them all with their defaults;
`python -m benchmarks NAME [ARGS ...]` runs one, passing ARGS on (`--help` lists them)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "issuing": "benchmarks.issuing",
}


def main(argv: list[str]) -> None:
    if argv:
        name, args = argv[0], argv[1:]
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
        importlib.import_module(BENCHMARKS[name]).main(args)
        return
    for name, module in BENCHMARKS.items():
        print(f"### {name}")
        importlib.import_module(module).main([])


if __name__ == "__main__":
    main(sys.argv[1:])
