"""A customer opens a payment link in a real (headless) Chromium on a phone-sized screen."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Live
from tests.web.test_pages import setup_invoice

DOCS_SCREENSHOT = Path(__file__).parents[2] / "docs" / "images" / "pay-page.png"

pytestmark = pytest.mark.browser


def test_a_person_opening_the_link(live: Live, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    _org, _customer, invoice, link = setup_invoice(live, language="fr")
    # A chat app's preview robot fetches the link first: nothing changes.
    httpx.get(link.url, headers={"user-agent": "WhatsApp/2.23.20.0 A"})
    assert live.pl.links.get(link.organization_id, link.id).status == "created"

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-BE",
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(link.url)
    expect(page.get_by_test_id("amount")).to_have_text("108,90\u00a0€")
    expect(page.get_by_test_id("reference")).to_have_text("+++202/6000/00192+++")
    qr = page.get_by_test_id("epc-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("el => el.naturalWidth", qr.element_handle()) > 0

    deadline = time.monotonic() + 10
    while live.pl.links.get(link.organization_id, link.id).status != "opened":
        assert time.monotonic() < deadline, "the page's beacon never reached the server"
        time.sleep(0.05)
    assert live.pl.links.get(link.organization_id, link.id).history[-1].source == "web"
    assert not errors, errors  # no CSP violation, no script error

    shot = tmp_path / "pay-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("PAYLINK_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS_SCREENSHOT)
    context.close()
    assert invoice.number == "2026-000001"
