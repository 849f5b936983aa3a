"""A feature whose extra is missing says which extra, and how to install it."""

from __future__ import annotations

import importlib
import sys

import pytest

from paylink import Paylink
from paylink.exceptions import MissingExtra, PaylinkError
from paylink.extras import DISTRIBUTION, install_hint, require


def test_require_names_the_extra_and_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "starlette", None)
    with pytest.raises(MissingExtra) as caught:
        require("starlette", extra="web", feature="the web app")
    error = caught.value
    assert (error.extra, error.module, error.feature) == ("web", "starlette", "the web app")
    assert isinstance(error, ImportError) and isinstance(error, PaylinkError)
    assert str(error).endswith(f"pip install '{DISTRIBUTION}[web]'")
    assert install_hint("pdf") == "pip install 'paylink-invoices[pdf]'"


def test_a_module_broken_inside_is_not_called_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # the package is there but one of its own imports fails: that error, not "install the extra"
    def broken(name: str, package: str | None = None) -> object:
        raise ModuleNotFoundError("No module named '_lzma'", name="_lzma")

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="_lzma"):
        require("weasyprint", extra="pdf", feature="PDF rendering")


def test_the_web_app_without_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "paylink.web" or m.startswith("paylink.web.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "starlette", None)
    with pytest.raises(MissingExtra, match=r"paylink-invoices\[web\]"):
        importlib.import_module("paylink.web")


def test_postgresql_without_its_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtra, match=r"PostgreSQL needs the 'postgres' extra"):
        Paylink.open("postgresql://nobody@127.0.0.1:9/none")


def test_pdf_and_factur_x_without_their_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    from paylink import render
    from paylink.einvoice import facturx

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    monkeypatch.setitem(sys.modules, "facturx", None)
    with pytest.raises(MissingExtra, match=r"\[pdf\]"):
        render.html_to_pdf("<p>hi</p>")
    with pytest.raises(MissingExtra, match=r"\[einvoice\]"):
        facturx.facturx_pdf(b"%PDF-1.7", b"<x/>")


def test_dataframes_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    from paylink.reconcile import reconcile

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtra, match=r"\[notebook\]"):
        reconcile([], []).to_dataframe()
