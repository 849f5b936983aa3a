"""Without the official artefacts the validated tests skip, saying why, unless
PAYLINK_REQUIRE_EINVOICE_ARTEFACTS=1 makes their absence a failure (as in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PAYLINK_EINVOICE_ARTEFACTS": str(tmp_path / "absent"), **env}
    environ.pop("PAYLINK_REQUIRE_EINVOICE_ARTEFACTS", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/einvoice/test_read.py::test_examples_are_there"],
        cwd=REPO, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_absent_artefacts_skip_with_a_reason(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 skipped" in done.stdout
    assert "e-invoice validation artefacts not available" in done.stdout


def test_absent_artefacts_fail_when_required(tmp_path: Path) -> None:
    done = _run(tmp_path, PAYLINK_REQUIRE_EINVOICE_ARTEFACTS="1")
    assert done.returncode == 1, done.stdout[-2000:]
    assert "e-invoice validation artefacts are required" in done.stdout
