"""The toy provider of docs/plugins/writing-a-provider.md passes the kit as the docs show it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs" / "plugins"


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.DOTALL)


def toy_provider_source() -> str:
    """The plugin module, assembled from the page's blocks in order (the usage block aside)."""
    blocks = _python_blocks("writing-a-provider.md")
    start = next(i for i, b in enumerate(blocks) if b.startswith("# paylink_acmepay.py"))
    parts = [b for b in blocks[start:] if not b.startswith("account = ")]
    return "\n".join(parts)


@pytest.mark.slow
def test_the_documented_toy_provider_passes_the_documented_conformance_suite(
    tmp_path: Path,
) -> None:
    (tmp_path / "paylink_acmepay.py").write_text(toy_provider_source())
    (tmp_path / "test_acmepay.py").write_text(_python_blocks("testing-a-provider.md")[0])
    result = subprocess.run(  # a fresh pytest, as a plugin author runs it
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10 passed" in result.stdout
