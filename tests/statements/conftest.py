"""Helpers for the statement tests: the sample files, and the corpus of other projects' files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# Real bank files that other statement parsers ship in their sdists, pinned: the sdist of a
# version never changes, so neither do the expectations written against it.
CORPUS_PACKAGES = {
    "mt-940": "4.23.0",  # mt940_tests/: jejik, betterplace, cmxl, mBank, sberbank, self-provided
    "pycoda": "1.1.0",  # coda/tests/: CODA v2.3 files, globalisation, several statements
    "mt940": "0.8.1",  # mt940/MT940.txt and MT940-optional.txt (ABN AMRO layout)
}


@pytest.fixture
def data() -> Path:
    """The folder of sample statement files."""
    return DATA


def _corpus_root() -> Path:
    configured = os.environ.get("PAYLINK_CORPUS_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "paylink-test-corpus"


def _unavailable(reason: str) -> None:
    if os.environ.get("PAYLINK_REQUIRE_CORPUS") == "1":
        pytest.fail(f"the statement corpus is required (PAYLINK_REQUIRE_CORPUS=1): {reason}")
    pytest.skip(f"statement corpus unavailable: {reason}")


@pytest.fixture(scope="session")
def corpus() -> Callable[[str], Path]:
    """``corpus("mt-940")`` → the unpacked sdist of that pinned package (fetched once, cached).

    The sdists come from PyPI through pip, like any test dependency, into
    ``$PAYLINK_CORPUS_DIR`` (default ``~/.cache/paylink-test-corpus``). Without PyPI the tests
    that use them are skipped, unless ``PAYLINK_REQUIRE_CORPUS=1`` makes that a failure.
    """
    root = _corpus_root()

    def get(name: str) -> Path:
        version = CORPUS_PACKAGES[name]
        target = root / f"{name}-{version}"
        if (target / ".complete").exists():
            return target
        downloads = root / "sdists"
        downloads.mkdir(parents=True, exist_ok=True)
        # --no-binary for this package only: its build requirements may come as wheels.
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--no-binary", name, f"{name}=={version}", "-d", str(downloads),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _unavailable(f"pip download {name}=={version}: {exc}")
        if done.returncode != 0:
            _unavailable(f"pip download {name}=={version} failed: {done.stderr.strip()[-300:]}")
        stem = name.replace("-", "[-_]")
        archives = [
            path
            for path in downloads.iterdir()
            if path.name.endswith(".tar.gz")
            and re.fullmatch(f"{stem}-{version}\\.tar\\.gz", path.name)
        ]
        if not archives:
            _unavailable(f"no sdist of {name}=={version} among {sorted(downloads.iterdir())}")
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archives[0]) as archive:
            archive.extractall(target, filter="data")
        (target / ".complete").write_text(version)
        return target

    return get
