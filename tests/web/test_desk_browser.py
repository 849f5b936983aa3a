"""The merchant's desk in Chromium, at phone and desktop sizes, in the four languages: sign
in through the form, then every desk page fits the screen (nothing runs off sideways), every
button, link and field is in view and not covered where it is tapped, the page speaks the
language asked, and the Content-Security-Policy blocks nothing the page needs.

:func:`desk_pages` lists the pages walked as ``(url, name)``: a per-page accessibility check
(axe-core) can run over the same list.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from paylink import Line, Money
from tests.web.conftest import Live
from tests.web.test_desk import IBAN_A, PASSWORD, Shop, _shop

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LANGUAGES = ("fr", "nl", "en", "de")
_HOME = {"fr": "Accueil", "nl": "Overzicht", "en": "Home", "de": "Übersicht"}

# Every visible element inside the viewport's width; for each button, link and form field,
# the element at its centre is itself (or inside it), so nothing covers it.
_CHECK = """
() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const what = `<${el.tagName.toLowerCase()}> ${el.textContent.trim().slice(0, 40)}`;
      problems.push(`off-screen: ${what} ${box.left}-${box.right}/${width}`);
    }
  }
  for (const el of document.querySelectorAll('button, a, input, select')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    el.scrollIntoView({block: 'center'});
    // a link wrapped over two lines is tapped on one of its lines: test the first
    const b = el.getClientRects()[0];
    const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    if (!hit || !(hit === el || el.contains(hit) || (el.labels && [...el.labels].includes(hit)))) {
      const by = hit ? hit.outerHTML.slice(0, 80) : 'nothing';
      problems.push(`covered: ${el.outerHTML.slice(0, 60)} by ${by}`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) problems.push('the page scrolls sideways');
  return problems;
}
"""


def desk_pages(base: str, shop: Shop) -> list[tuple[str, str]]:
    """The desk pages to walk, as ``(url, name)``."""
    desk = f"{base}/desk"
    return [
        (f"{desk}/login", "login"),
        (desk, "home"),
        (f"{desk}/invoices", "invoices"),
        (f"{desk}/invoices?q=Client&status=open&overdue=1", "invoices filtered"),
        (f"{desk}/invoices?q=Client&page=2", "invoices, second page"),
        (f"{desk}/invoices/{shop.invoices[1].id}", "invoice"),
        (f"{desk}/invoices/{shop.invoices[2].id}", "invoice partly paid (credit: keep or refund)"),
        (f"{desk}/review", "review"),
        (f"{desk}/quotes", "quotes"),
        (f"{desk}/customers", "customers"),
        (f"{desk}/keys", "users and keys"),
    ]


@pytest.fixture
def shop(live: Live, tmp_path: Path) -> Shop:
    pl = live.pl
    shop = _shop(live, tmp_path, "Établissements Van den Broeck-Dupuis SRL", IBAN_A, "o@a.example")
    pl.links.mark(pl.links.create(shop.invoices[1]), "opened", source="web")
    pl.payments.record(shop.invoices[2], "5.00")
    quote = pl.quotes.create(
        shop.org,
        shop.customer,
        lines=[Line(description="Tyres", quantity="4", unit_price="112.50", vat_rate="21")],
    )
    pl.quotes.send(quote)
    monthly = [Line(description="Subscription", quantity="1", unit_price="9.90", vat_rate="21")]
    pl.invoices.issue_many(shop.org, [(shop.customer, monthly)] * 50)  # two pages of invoices
    live.clock.advance(days=40)  # the invoices are overdue now
    return shop


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/desk/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desk")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_desk_page_fits_and_speaks_the_language(
    live: Live, browser: Any, shop: Shop, size: dict[str, int], lang: str
) -> None:
    context = browser.new_context(
        viewport=size, is_mobile=size is PHONE, has_touch=size is PHONE, locale=lang
    )
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live.base}/desk/login?lang={lang}")
    assert page.evaluate(_CHECK) == []
    _sign_in(page, live.base, shop.email)
    page.goto(f"{live.base}/desk?lang={lang}")
    assert _HOME[lang] in page.locator("h1").inner_text()
    for url, name in desk_pages(live.base, shop)[1:]:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == lang, name
        assert page.evaluate(_CHECK) == [], name
    assert blocked == []
    context.close()


def test_an_action_from_the_phone_lands_and_says_so(live: Live, browser: Any, shop: Shop) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="fr")
    page = context.new_page()
    _sign_in(page, live.base, shop.email)
    invoice = shop.invoices[1]
    page.goto(f"{live.base}/desk/invoices/{invoice.id}?lang=fr")
    page.get_by_role("button", name="Suspendre les rappels").tap()
    page.wait_for_url(f"**/desk/invoices/{invoice.id}?done=1")
    assert page.get_by_role("status").inner_text() == "C'est fait."
    assert live.pl.reminders.is_paused(shop.customer)
    page.fill("#amount", "12,50")
    page.fill("#received_on", (live.clock.now().date() - dt.timedelta(days=1)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Marquer comme payée").tap()
    assert page.get_by_role("status").inner_text() == "C'est fait."
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).paid == Money.of(
        "12.50", "EUR"
    )
    assert page.evaluate(_CHECK) == []
    context.close()
