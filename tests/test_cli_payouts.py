"""``paylink payouts sync|list`` and the cash flow's fees through the CLI, on SQLite and
PostgreSQL, against Stripe's documented API shapes (pytest-httpx)."""

from __future__ import annotations

import json

import httpx
from click.testing import CliRunner
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink
from paylink.cli import main

from .conftest import lines
from .providers._pay import STRIPE_KEY, STRIPE_WHSEC, data

STRIPE = "https://api.stripe.com"
PAYOUT = "po_1PaylinkPayout0001"


def responses(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=httpx.URL(f"{STRIPE}/v1/payouts", params={"limit": "100"}),
        json={"object": "list", "has_more": False, "data": [data("stripe", "payout_paid.json")]},
    )
    httpx_mock.add_response(
        url=httpx.URL(
            f"{STRIPE}/v1/balance_transactions",
            params={"limit": "100", "payout": PAYOUT, "expand[]": "data.source"},
        ),
        json=data("stripe", "balance_transactions_payout.json"),
    )


def test_payouts_sync_then_list_as_json_and_the_fees_in_the_cashflow(
    db_url: str, clock: FixedClock, httpx_mock: HTTPXMock
) -> None:
    pl = Paylink.open(db_url, clock=clock, base_url="https://pay.example.test")
    org = pl.organizations.create(name="Garage Dupont SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Marie Peeters")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    pl.payments.record(
        invoice, Money.of("121.00", "EUR"), provider="stripe",
        provider_reference="pi_1PaylinkIntent0001",
    )  # fmt: skip
    pl.providers.connect(org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)
    pl.close()
    runner = CliRunner()
    responses(httpx_mock)
    synced = runner.invoke(main, ["payouts", "sync", "--db", db_url, "--json"])
    assert synced.exit_code == 0, synced.output
    body = json.loads(synced.output)
    assert len(body["recorded"]) == 1 and body["errors"] == []
    listed = runner.invoke(main, ["payouts", "list", "--db", db_url, "--json"])
    assert listed.exit_code == 0, listed.output
    [payout] = json.loads(listed.output)["payouts"]
    assert payout["payout_id"] == PAYOUT
    assert (payout["gross"], payout["fee"], payout["net"]) == ("121.00", "18.31", "102.69")
    assert payout["items"] == {"payment": 2, "chargeback": 1}
    assert payout["arrived_on"] is None and payout["expected_on"] == "2026-03-05"
    text = runner.invoke(main, ["payouts", "list", "--db", db_url, "--unmatched"])
    assert PAYOUT in text.output and "2 payments, 1 chargeback, fees 18.31 EUR" in text.output
    report = runner.invoke(main, ["report", "cashflow", "--db", db_url, "--json"])
    [entry] = json.loads(report.output)["organizations"]
    [fees] = entry["fees"]
    assert (fees["provider"], fees["fee"], fees["net"]) == ("stripe", "18.31", "102.69")
    march = [r for r in entry["records"] if r["month"] == "2026-03-01"]
    assert march[0]["provider_fees"] == "18.31"


def test_payouts_sync_reports_a_provider_failure_with_exit_status_1(
    db_url: str, clock: FixedClock, httpx_mock: HTTPXMock
) -> None:
    pl = Paylink.open(db_url, clock=clock, base_url="https://pay.example.test")
    org = pl.organizations.create(name="Garage Dupont SRL", country="BE", iban="BE71096123456769")
    pl.providers.connect(org, "stripe", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)
    pl.close()
    httpx_mock.add_response(
        url=httpx.URL(f"{STRIPE}/v1/payouts", params={"limit": "100"}),
        status_code=401,
        json={"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
    )
    result = CliRunner().invoke(main, ["payouts", "sync", "--db", db_url])
    assert result.exit_code == 1
    assert "error: stripe" in result.output and STRIPE_KEY not in result.output
