"""Every desk page, walked in Chromium at phone and desktop sizes in French, Dutch, English and
German, signed out (the sign-in page) and signed in (every other page, including one reached by
pressing an action's button, which shows the "Done." notice): no serious or critical axe-core
violation, no button off-screen or covered (the walk is :mod:`tests.web.walk`, the pages are
:func:`tests.web.test_desk_browser.desk_pages`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Live
from tests.web.test_desk import Shop
from tests.web.test_desk_browser import _sign_in, desk_pages
from tests.web.test_desk_browser import shop as shop  # the fixture: a shop with every kind of page
from tests.web.walk import Visit, report, walk

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_desk_signed_out_has_no_serious_accessibility_problem(
    live: Live, browser: Any, axe_js: Path, shop: Shop
) -> None:
    login = [Visit(name, url) for url, name in desk_pages(live.base, shop) if name == "login"]
    assert login
    problems = walk(browser, login, axe=axe_js)
    assert not problems, report(problems)


def test_every_desk_page_signed_in_has_no_serious_accessibility_problem(
    live: Live, browser: Any, axe_js: Path, shop: Shop
) -> None:
    pages = [Visit(name, url) for url, name in desk_pages(live.base, shop) if name != "login"]
    invoice = f"{live.base}/desk/invoices/{shop.invoices[1].id}"
    # pressing "pause reminders" (or "resume" once paused) lands on the invoice with the notice
    after = Visit(
        "after an action",
        invoice,
        press="form[action$='/pause'] button, form[action$='/resume'] button",
        expect="main [role=status]",
    )
    problems = walk(
        browser,
        [*pages, after],
        axe=axe_js,
        prepare=lambda page, lang: _sign_in(page, live.base, shop.email),
    )
    assert not problems, report(problems)
