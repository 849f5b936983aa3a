"""``paylink einvoice send|lookup|inbox`` over an installed network plugin: Billit, found by
its entry point like any plugin, talking to a Billit fake on loopback."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from paylink import FixedClock, Line, Paylink
from paylink.cli import main
from paylink.einvoice import to_ubl
from paylink.parties import Address

from ...einvoice.test_service import _supplier_invoice as supplier_invoice
from ._fake_billit import API_KEY, PARTY_ID, WEBHOOK_SECRET, FakeBillit
from ._loopback import serve

START = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def billit() -> Iterator[tuple[FakeBillit, str]]:
    fake = FakeBillit()
    with serve(fake.handle) as url:
        yield fake, url


def _setup(db_url: str, base_url: str) -> tuple[str, str, str]:
    pl = Paylink.open(db_url, clock=FixedClock(START), base_url="https://pay.example")
    try:
        org = pl.organizations.create(
            name="Garage Dupont SRL",
            country="BE",
            iban="BE71096123456769",
            vat_id="BE0403170701",
            email="billing@garage.example",
            address=Address(
                street="Rue de la Loi 16", postal_code="1000", city="Bruxelles", country="BE"
            ),
        )
        account = pl.einvoices.connect(
            org,
            "billit",
            api_key=API_KEY,
            party_id=PARTY_ID,
            webhook_secret=WEBHOOK_SECRET,
            base_url=base_url,
        )
        assert account.webhook_url == f"https://pay.example/webhooks/einvoice/billit/{account.id}"
        buyer = pl.customers.create(
            org,
            name="Janssens NV",
            vat_id="BE0202239951",
            email="ap@janssens.example",
            address=Address(street="Meir 1", postal_code="2000", city="Antwerpen", country="BE"),
        )
        invoice = pl.invoices.issue(
            org,
            buyer,
            lines=[Line(description="Labour", quantity="2", unit_price="64", vat_rate="21")],
        )
        pl.einvoices.set_references(invoice, buyer_reference="PO-77")
        return org.id, invoice.number or "", to_ubl(supplier_invoice(org)).decode()
    finally:
        pl.close()


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_cli_sends_looks_up_and_receives_over_billit(
    db_url: str, billit: tuple[FakeBillit, str]
) -> None:
    fake, url = billit
    org_id, number, supplier_ubl = _setup(db_url, url)
    base = ["--db", db_url, "--org", org_id]

    result = _run("einvoice", "lookup", "0208:0202239951", *base, "--json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["reachable"] is False

    fake.register("0208:0202239951")
    # the answer "not registered" is cached for an hour: ask about the VAT number instead
    fake.register("9925:BE0202239951")
    result = _run("einvoice", "lookup", "9925:BE0202239951", *base)
    assert result.exit_code == 0, result.output
    assert "reachable" in result.output

    result = _run("einvoice", "send", number, *base, "--json")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["via"] == "network"
    assert sent["network"] == "billit"
    assert sent["receiver"] == "9925:BE0202239951"
    assert sent["status"] == "queued"
    (order,) = fake.orders.values()
    assert str(order["OrderID"]) == sent["network_id"]
    send = next(r for r in fake.requests if r.method == "POST")
    assert send.headers["stricttransporttype"] == "true"
    assert send.headers["idempotency-key"] == sent["id"]

    fake.receive(supplier_ubl.encode(), sender="0208:0897223670")
    result = _run("einvoice", "inbox", *base, "--json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert [p["supplier_reference"] for p in run["recorded"]] == ["F-2026-0889"]
    assert fake.inbox == {}
    assert len(fake.confirmed) == 1

    result = _run("einvoice", "inbox", *base)
    assert result.exit_code == 0, result.output
    assert "0 recorded, 0 already recorded, 0 not recorded" in result.output


def test_cli_reports_billit_s_refusal(db_url: str, billit: tuple[FakeBillit, str]) -> None:
    fake, url = billit
    org_id, number, _ = _setup(db_url, url)
    fake.register("0208:0202239951")
    fake.refuse["0208:0202239951"] = "The receiver does not accept invoices from this sender"
    result = _run("einvoice", "send", number, "--db", db_url, "--org", org_id)
    assert result.exit_code == 0, result.output
    assert "over billit to 0208:0202239951 (refused: billit: The receiver does not accept" in (
        result.output
    )
    fake.failures = [401]
    result = _run("einvoice", "lookup", "0208:0897223670", "--db", db_url, "--org", org_id)
    assert result.exit_code == 1
    assert "billit: failure 401 (HTTP 401)" in result.output
    assert API_KEY not in result.output
