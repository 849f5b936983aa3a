"""The docs' Python examples marked as checked pass ``mypy --strict``.

A block marked ``<!-- checked: mypy --strict, continues the block above -->`` is checked
together with the checked block before it on the same page (a test module that uses the plugin
class shown above, as it would import it from the plugin's package).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MARK = "<!-- checked: mypy --strict -->"
CONTINUED = "<!-- checked: mypy --strict, continues the block above -->"
BLOCK = re.compile(
    "(" + re.escape(MARK) + "|" + re.escape(CONTINUED) + r")\s*```python\n(.*?)```", re.DOTALL
)


def _examples(page: Path) -> list[tuple[Path, int, str]]:
    found: list[tuple[Path, int, str]] = []
    for index, (mark, code) in enumerate(BLOCK.findall(page.read_text())):
        if mark == CONTINUED:
            assert found, f"{page.name}: block {index} continues no checked block"
            code = found[-1][2] + "\n\n" + code
        found.append((page, index, code))
    return found


EXAMPLES = [example for page in sorted(DOCS.rglob("*.md")) for example in _examples(page)]


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
