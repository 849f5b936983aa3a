"""The docs' Python examples marked as checked pass ``mypy --strict``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MARK = "<!-- checked: mypy --strict -->"
BLOCK = re.compile(re.escape(MARK) + r"\s*```python\n(.*?)```", re.DOTALL)

EXAMPLES = [
    (page, index, code)
    for page in sorted(DOCS.rglob("*.md"))
    for index, code in enumerate(BLOCK.findall(page.read_text()))
]


def test_some_examples_are_checked() -> None:
    assert EXAMPLES, f"no Python block in docs/ is marked {MARK!r}"


@pytest.mark.parametrize(
    ("page", "index", "code"),
    EXAMPLES,
    ids=[f"{p.relative_to(DOCS)}#{i}" for p, i, _ in EXAMPLES],
)
def test_a_checked_example_passes_mypy_strict(
    page: Path, index: int, code: str, tmp_path: Path
) -> None:
    source = tmp_path / f"example_{index}.py"
    source.write_text(code)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{page.name} example {index}:\n{done.stdout}{done.stderr}"
