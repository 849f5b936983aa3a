"""``paylink dispatch``, ``paylink outbox list`` and ``paylink document pdf``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import FixedClock, Paylink
from paylink.cli import main

from ..conftest import BASE_URL, START, lines
from .helpers import with_messaging


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    # The commands render documents that carry the pay link: they need the public base URL.
    monkeypatch.setenv("PAYLINK_BASE_URL", BASE_URL)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    pl = with_messaging(Paylink.open(url, clock=FixedClock(START), base_url=BASE_URL))
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    customer = pl.customers.create(org, name="Marie", email="marie@example.be", language="fr")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    pl.messages.send(invoice)
    pl.close()
    return url, str(invoice.number)


def test_dispatch_then_list_as_json(database: tuple[str, str], tmp_path: Path) -> None:
    url, _ = database
    runner = CliRunner()
    result = runner.invoke(main, ["dispatch", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["sent"]) == 1 and report["dead"] == []
    listed = runner.invoke(main, ["outbox", "list", "--db", url, "--json"])
    (row,) = json.loads(listed.output)
    assert row["status"] == "delivered" and row["kind"] == "invoice_issued"
    assert Path(row["provider_message_id"]).exists()


def test_document_pdf_and_html(database: tuple[str, str], tmp_path: Path) -> None:
    url, number = database
    runner = CliRunner()
    html = tmp_path / "invoice.html"
    result = runner.invoke(
        main, ["document", "pdf", number, "--db", url, "--html", "--out", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert "Facture" in html.read_text() and number in html.read_text()
    missing = runner.invoke(main, ["document", "pdf", "2099-1", "--db", url, "--out", str(html)])
    assert missing.exit_code == 1 and "no invoice" in missing.output
    pytest.importorskip("weasyprint")
    pdf = tmp_path / "invoice.pdf"
    assert (
        runner.invoke(main, ["document", "pdf", number, "--db", url, "--out", str(pdf)]).exit_code
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")
