"""Helpers for the statement tests: the sample files and a small CAMT builder."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data() -> Path:
    """The folder of sample statement files."""
    return DATA
