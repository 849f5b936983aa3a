"""docs/getting-started.md runs as it is: every Python block, in order, in an empty folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "getting-started.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.DOTALL)


def test_the_walkthrough_goes_from_nothing_to_a_paid_invoice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(BLOCKS) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "getting_started"}
    for number, block in enumerate(BLOCKS):
        code = compile(block, f"{PAGE.name} block {number}", "exec")
        exec(code, namespace)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "ogm fr"
    assert lines[1].startswith("email: expected an e-mail address")
    assert lines[2].startswith("20") and "206.91 EUR +++" in lines[2]
    assert "https://pay.example.com/pay/" in out
    assert "206.91 EUR created" in out
    assert "marie@example.be Factuur" in out
    assert lines[-5:] == ["True", "1", "1 0", "paid 0.00 EUR", "paid"]
    assert (tmp_path / "shop.db").is_file()
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
