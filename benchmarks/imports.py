"""What an import costs: CPU time (best of 5, each in a fresh interpreter) and the resident
memory it adds, for paylink's pure modules beside the peers' statement parsers.

``python -m benchmarks imports`` prints a table; ``--runs N`` changes the number of runs.
The peers come with the ``bench`` extra (pycamt, pycoda, mt-940); a missing one is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

MODULES = [
    ("paylink", "paylink"),
    ("paylink.money", "paylink"),
    ("paylink.references", "paylink"),
    ("paylink.documents", "paylink"),
    ("paylink.statements", "paylink"),
    ("paylink.reconcile", "paylink"),
    ("paylink.service", "paylink (the service, for scale)"),
    ("pycamt.parser", "pycamt (camt.053)"),
    ("coda.parser", "pycoda (CODA)"),
    ("mt940", "mt-940 (MT940)"),
]

_CHILD = r"""
import json, sys, time

def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

before_rss, before_cpu = rss_kib(), time.process_time()
import importlib
importlib.import_module(sys.argv[1])
cpu = time.process_time() - before_cpu
print(json.dumps({"cpu": cpu, "rss_kib": rss_kib() - before_rss, "modules": len(sys.modules)}))
"""


def measure(module: str, runs: int) -> dict[str, float] | None:
    """Best CPU time and smallest RSS increase of ``runs`` imports of ``module``, or ``None``
    when it is not installed."""
    best: dict[str, float] | None = None
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, module], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            return None
        figures = json.loads(done.stdout)
        previous = best or figures
        best = {key: min(previous[key], figures[key]) for key in figures}
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per module")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; best of {args.runs}"
    )
    print(f"{'import':<22} {'CPU ms':>8} {'RSS +MiB':>9} {'modules':>8}  package")
    for module, package in MODULES:
        figures = measure(module, args.runs)
        if figures is None:
            print(f"{module:<22} {'-':>8} {'-':>9} {'-':>8}  {package}: not installed")
            continue
        print(
            f"{module:<22} {figures['cpu'] * 1000:>8.0f} {figures['rss_kib'] / 1024:>9.1f} "
            f"{figures['modules']:>8.0f}  {package}"
        )


if __name__ == "__main__":
    main()
