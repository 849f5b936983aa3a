"""Every script in examples/ runs as it is."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).parent.parent / "examples"
EXAMPLES = sorted(FOLDER.glob("*.py"))


def story(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any) -> str:
    """Run ``examples/<name>`` in an empty folder and return what it printed."""
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(FOLDER / name))
    return str(capsys.readouterr().out)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(
    path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(path.parent))
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()


def test_quickstart_tells_the_tutorial_story(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = story("quickstart.py", monkeypatch, tmp_path, capsys)
    assert "Invoice 2026-000001 for 206.91 EUR, due 2026-04-01" in out
    assert "+++202/6000/00192+++" in out
    assert "partially_paid, 106.91 EUR open" in out
    assert out.rstrip().endswith("After the second: paid")


def test_the_reminders_example_charges_and_settles_its_fees(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = story("reminders.py", monkeypatch, tmp_path, capsys)
    # The courtesy notice before the due date says when it falls due, not "0 days overdue".
    friendly = "2026-03-30: reminder 'friendly', fee 0.00 EUR\n"
    assert friendly + "  Reminder: invoice 2026-000001 is due in 2 days" in out
    assert "overdue" not in out.split("2026-04-15")[0]
    assert "2026-04-15: reminder 'firm', fee 10.00 EUR" in out
    # 968.00 open from 2 April to 4 May (33 days) at 2.15 % + 8 points, and the €40
    assert "(interest 8.88 EUR, compensation 40.00 EUR)" in out
    assert "Owed now: 1026.88 EUR (968.00 EUR + fees 58.88 EUR)" in out
    assert "After paying the invoice amount: partially_paid, fees still open 58.88 EUR" in out
    assert out.rstrip().endswith("After paying the fees: paid")
