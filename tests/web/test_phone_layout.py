"""The payer's pages on a phone and on a desktop, in Chromium: every button in view and not
covered, overdue invoices said so, and the copy fields before the QR on a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from paylink import Line
from tests.conftest import START
from tests.web.conftest import Live
from tests.web.test_pages import setup_invoice
from tests.web.walk import DESKTOP, LAYOUT_CHECK, PHONE

pytestmark = pytest.mark.browser


def _context(browser: Any, size: dict[str, int], lang: str) -> Any:
    return browser.new_context(
        viewport=size,
        is_mobile=size is PHONE,
        has_touch=size is PHONE,
        locale=lang,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    )


@pytest.mark.parametrize(
    ("size", "lang", "overdue"),
    [
        (PHONE, "fr", "En retard de 17 jours"),
        (PHONE, "nl", "17 dagen achterstallig"),
        (PHONE, "en", "17 days overdue"),
        (PHONE, "de", "17 Tage überfällig"),
        (DESKTOP, "en", "17 days overdue"),
    ],
)
def test_the_portal_fits_and_says_what_is_overdue(
    live: Live, browser: Any, size: dict[str, int], lang: str, overdue: str
) -> None:
    pl = live.pl
    org, customer, _invoice, _link = setup_invoice(live, language=lang)
    pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Tyres", quantity="4", unit_price="112.50", vat_rate="21")],
        due_date=START.date() + dt.timedelta(days=60),
    )
    live.clock.advance(days=47)
    context = _context(browser, size, lang)
    page = context.new_page()
    page.goto(pl.portal.url(customer))
    notes = page.get_by_test_id("due-note").all_text_contents()
    assert overdue in notes[0]
    assert "13" in notes[1]  # due in 13 days, in the page's words
    assert page.locator(".status.overdue").count() == 1
    assert page.evaluate(LAYOUT_CHECK) == []
    assert page.get_by_test_id("pay-one").count() == 2
    context.close()


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_the_pay_page_fits_and_puts_the_copy_fields_first_on_a_phone(
    live: Live, browser: Any, size: dict[str, int]
) -> None:
    _org, _customer, _invoice, link = setup_invoice(live, language="nl")
    context = _context(browser, size, "nl")
    page = context.new_page()
    page.goto(link.url)
    assert page.evaluate(LAYOUT_CHECK) == []
    qr = page.get_by_test_id("epc-qr").bounding_box()
    iban = page.get_by_test_id("iban").bounding_box()
    assert qr is not None and iban is not None
    if size is PHONE:
        assert iban["y"] < qr["y"]
    else:
        assert qr["y"] < iban["y"]
    context.close()
