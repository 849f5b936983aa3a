"""The merchant dashboard: denied without the secret, rendered (inline SVG, CSP-clean) with it."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from paylink import Line, Money, Paylink
from paylink.parties import Customer, Organization
from paylink.payouts import PayoutItem, ProviderPayout
from paylink.providers import ProviderAccount
from paylink.render import format_money
from paylink.web import create_app
from paylink.web.dashboard import COOKIE_NAME, create_dashboard_app, dashboard_cookie

TOKEN = "s3cret-dashboard-token"


@contextlib.contextmanager
def serve(app: Any) -> Iterator[httpx.Client]:
    """Serve ``app`` over real HTTP on a free loopback port; yield a client for it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(pl: Paylink, org: Organization, customer: Customer) -> Iterator[httpx.Client]:
    pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Work", quantity="1", unit_price="250.00", vat_rate="21")],
        issue_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 1, 31),
    )
    with serve(create_app(pl, dashboard_token=TOKEN)) as http:
        yield http


def test_denied_without_the_secret(client: httpx.Client, org: Organization) -> None:
    assert client.get(f"/dashboard/{org.id}").status_code == 401
    wrong = client.get(f"/dashboard/{org.id}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    forged = dashboard_cookie(TOKEN, "another-org")
    assert (
        client.get(
            f"/dashboard/{org.id}", headers={"Cookie": f"{COOKIE_NAME}={forged}"}
        ).status_code
        == 401
    )


def test_rendered_with_the_secret(client: httpx.Client, org: Organization) -> None:
    page = client.get(f"/dashboard/{org.id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") == 3
    assert "<script" not in html
    assert ' style="' not in html  # the CSP forbids style attributes: presentation attributes only
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in html
    assert "Marie Peeters" in html
    # 250 + 21 % VAT, open and overdue, written as every page of the organization writes it
    assert format_money(Money.of("302.50", "EUR"), org.language) in html
    # Every word in the organization's language, from the one catalogue.
    assert org.language == "fr"
    assert "Créances ouvertes" in html and "Open receivables" not in html
    assert "31–60 jours de retard" in html and "non échu" in html
    assert TOKEN not in html


def test_cookie_opens_it(client: httpx.Client, org: Organization) -> None:
    cookie = f"{COOKIE_NAME}={dashboard_cookie(TOKEN, org.id)}"
    assert client.get(f"/dashboard/{org.id}", headers={"Cookie": cookie}).status_code == 200


def test_unknown_organization(client: httpx.Client) -> None:
    response = client.get("/dashboard/org_nope", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404


def test_no_token_no_dashboard(
    pl: Paylink, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYLINK_DASHBOARD_TOKEN", raising=False)
    with serve(create_app(pl)) as http:
        assert http.get(f"/dashboard/{org.id}").status_code == 404
    with pytest.raises(ValueError, match="trust_host"):
        create_dashboard_app(pl)
    with serve(create_dashboard_app(pl, trust_host=True)) as hosted:
        assert hosted.get(f"/dashboard/{org.id}").status_code == 200


def test_the_providers_fees_are_shown_as_values(pl: Paylink, org: Organization) -> None:
    account: ProviderAccount = pl.providers.connect(
        org, "stripe", api_key="sk_test_dashboard", webhook_secret="whsec_dashboard"
    )
    eur = Money.of
    item = PayoutItem(
        kind="payment", source_id="ch_1", gross=eur("250.00", "EUR"), fee=eur("3.75", "EUR"),
        net=eur("246.25", "EUR"),
    )  # fmt: skip
    pl.payouts.record(
        account,
        ProviderPayout(
            provider="stripe", payout_id="po_1", status="paid", gross=item.gross, fee=item.fee,
            net=item.net, created_on=pl.clock.now().date(), items=(item,),
        ),
    )  # fmt: skip
    pl.organizations.update(org, language="nl")
    with serve(create_app(pl, dashboard_token=TOKEN)) as http:
        page = http.get(f"/dashboard/{org.id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert "Kosten van betaalproviders" in page.text
    for amount in ("250.00", "3.75", "246.25"):
        assert format_money(Money.of(amount, "EUR"), "nl") in page.text
