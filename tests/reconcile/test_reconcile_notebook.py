"""The example notebook runs headless, as a reader would run it, and stays small."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parents[2] / "examples" / "reconcile_notebook.ipynb"

# What the notebook computed, printed by one cell the test appends.
REPORT = """
import json
print("REPORT" + json.dumps({
    "before_recall": before.all.recall,
    "after_recall": after.all.recall,
    "before_auto_precision": before.auto.precision,
    "after_auto_precision": after.auto.precision,
    "baseline_recall": baseline.all.recall,
    "confusion": before.confusion(),
    "thresholds": len(sweep.rows),
    "big": big.counts(),
}))
"""


@pytest.mark.slow
def test_the_example_notebook_runs_headless_and_stays_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not getattr(c, "outputs", None) for c in notebook.cells), "commit it without outputs"
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    client = nbclient.NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    executed = tmp_path / "executed.ipynb"
    nbformat.write(notebook, executed)
    assert executed.stat().st_size < 300_000

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("Statement 2026-03-04" in h for h in html)  # the statement's own table
    assert any("more row(s)" in h for h in html)  # 5,000 proposals shown as ten rows
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the sweep's plot
    texts = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    report = json.loads(texts.split("REPORT", 1)[1].splitlines()[0])
    assert report["before_auto_precision"] == 1.0
    assert report["after_auto_precision"] == 1.0
    assert report["after_recall"] > report["before_recall"] > report["baseline_recall"]
    assert sum(report["confusion"].values()) == 15
    assert report["confusion"]["left alone"] >= 1
    assert report["thresholds"] >= 2
    assert report["big"]["auto"] == 5000
