"""Importing paylink, or one of its pure modules, brings in no database, web, template or CLI
library: a notebook that reads a statement pays for the statement reader only.

Each module is imported in a fresh interpreter; timings live in ``benchmarks/imports.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PURE_MODULES = [
    "paylink",
    "paylink.catalog",
    "paylink.clock",
    "paylink.documents",
    "paylink.exceptions",
    "paylink.feeds",
    "paylink.hookspecs",
    "paylink.links",
    "paylink.money",
    "paylink.notify",
    "paylink.numbering",
    "paylink.parties",
    "paylink.payfiles",
    "paylink.payments",
    "paylink.ports",
    "paylink.qr",
    "paylink.reconcile",
    "paylink.references",
    "paylink.reminders",
    "paylink.reports",
    "paylink.statements",
]

FORBIDDEN = (
    "paylink.cli",
    "paylink.service",
    "paylink.store",
    "paylink.web",
    "click",
    "httpx",
    "jinja2",
    "rich",
    "sqlalchemy",
    "starlette",
)


def _imported_after(module: str) -> set[str]:
    script = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_nothing_heavy(module: str) -> None:
    loaded = _imported_after(module)
    heavy = sorted(
        name for name in loaded if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    )
    assert heavy == [], f"import {module} brought in {', '.join(heavy)}"


def test_the_everyday_names_still_come_from_paylink() -> None:
    script = (
        "import sys, paylink\n"
        "assert 'paylink.service' not in sys.modules\n"
        "pl = paylink.Paylink.open('sqlite://')\n"
        "assert paylink.Paylink.__module__ == 'paylink.service'\n"
        "assert 'Paylink' in dir(paylink) and 'Money' in dir(paylink)\n"
        "pl.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
