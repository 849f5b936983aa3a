"""The SumUp provider of docs/plugins/providers.md passes the kit as the page shows it.

The page's three checked blocks (the plugin, connecting an account, the conformance test
module) are one module here, as a plugin author would first write them; a fresh pytest runs it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from paylink.testing import ProviderConformance

PAGE = Path(__file__).parents[2] / "docs" / "plugins" / "providers.md"
CHECKED = re.compile(r"<!-- checked: mypy --strict[^>]*-->\s*```python\n(.*?)```", re.DOTALL)


def documented_provider_module() -> str:
    blocks = CHECKED.findall(PAGE.read_text())
    assert len(blocks) == 3, f"{PAGE.name}: expected the plugin, its use and its kit test"
    assert "ProviderConformance" in blocks[-1]
    return "\n\n".join(blocks)


@pytest.mark.slow
def test_the_documented_provider_passes_the_documented_conformance_suite(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_paylink_sumup.py").write_text(documented_provider_module())
    result = subprocess.run(  # a fresh pytest, as a plugin author runs it
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    checks = [name for name in dir(ProviderConformance) if name.startswith("test_")]
    assert f"{len(checks)} passed" in result.stdout, result.stdout
