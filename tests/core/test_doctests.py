"""The examples in the docstrings of the pure modules run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "paylink.money",
    "paylink.references",
    "paylink.exceptions",
    "paylink.qr",
    "paylink.clock",
    "paylink.documents",
    "paylink.store",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
