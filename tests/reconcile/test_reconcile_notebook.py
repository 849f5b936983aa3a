"""The example notebook runs as it is."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parents[2] / "examples" / "reconcile_notebook.py"


def test_notebook_runs_and_the_custom_rule_helps(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    before, after = namespace["before"], namespace["after"]
    assert before.auto.precision == 1.0
    assert after.all.recall > before.all.recall
    assert after.auto.precision == 1.0
    out = capsys.readouterr().out
    assert "ambiguous" in out
    assert "unique_amount (priority 45): found 1 candidate" in out
