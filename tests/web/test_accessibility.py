"""Every page a payer may meet, walked in Chromium at phone and desktop sizes in French, Dutch,
English and German: no serious or critical axe-core violation, no button off-screen or
covered (the walk is :mod:`tests.web.walk`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from paylink import FixedClock, Line, Paylink, hookimpl
from paylink.plugins import get_plugin_manager
from paylink.ports import Checkout, PaymentRequest
from paylink.testing import FakeBackend, FakeProvider, fake_provider_plugin
from tests.conftest import START
from tests.web.conftest import _free_port, serving
from tests.web.walk import PHONE, Visit, report, walk

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class BrokenProvider(FakeProvider):
    """A card provider whose checkout fails: the payer meets the failure page."""

    name: ClassVar[str] = "broken"
    label: ClassVar[str] = "Broken Pay"

    def start_payment(self, request: PaymentRequest) -> Checkout:
        raise KeyError("amount_cents")


class BrokenPlugin:
    @hookimpl
    def paylink_register_payment_providers(self, register: Any) -> None:
        register(BrokenProvider)


@attrs.frozen
class Site:
    base: str
    visits: list[Visit]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One organization's pages of every kind, served over real HTTP."""
    FakeBackend.reset()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path_factory.mktemp("a11y") / "web.db"
    pl = Paylink.open(
        f"sqlite:///{db}",
        clock=FixedClock(START),
        base_url=base,
        plugins=get_plugin_manager(plugins=[fake_provider_plugin, BrokenPlugin()]),
    )
    org = pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        phone="+32 2 550 18 11",
        email="billing@garage.example",
        vat_id="BE0403170701",
    )
    pl.channels.configure(org, "outbox", directory=str(db.parent / "outbox"))
    marie = pl.customers.create(
        org, name="Marie Peeters", email="m@example.be", phone="+32470123456"
    )
    brakes = [Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21")]
    transfer_only = pl.links.create(pl.invoices.issue(org, marie, lines=brakes))
    paid_invoice = pl.invoices.issue(org, marie, lines=brakes)
    paid = pl.links.create(paid_invoice)
    pl.payments.record(paid_invoice, method="bank_transfer")
    quote = pl.quotes.send(pl.quotes.create(org, marie, lines=brakes))
    portal = pl.portal.url(marie)
    jan = pl.customers.create(org, name="Jan Peeters", email="j@example.be", phone="+32470654321")
    pl.invoices.issue(org, jan, lines=brakes)
    coded = pl.portal.url(jan, require_code=True)
    # Providers are offered from here on: the links above were rendered without them too.
    pl.providers.connect(org, "fake", api_key="k_fake_1234")
    pl.providers.connect(org, "broken", api_key="k_broken_1234")
    with_providers = pl.links.create(pl.invoices.issue(org, marie, lines=brakes))
    visits = [
        Visit("pay page (bank transfer, QR)", transfer_only.url),
        Visit("pay page (providers offered)", with_providers.url),
        Visit(
            "provider failure page",
            with_providers.url,
            press='form[action$="/checkout/broken"] button',
            status=503,
        ),
        Visit("receipt", paid.url),
        Visit("printable invoice", f"{transfer_only.url}/invoice"),
        Visit("quote approval", pl.quotes.url(quote)),
        Visit("portal", portal),
        Visit("portal (SMS code form)", coded),
        Visit("help", f"{base}/help"),
        Visit("help of a link", f"{transfer_only.url}/help"),
        Visit("not found", f"{base}/pay/{'x' * 32}", status=404),
    ]
    with serving(pl, port, secret="test-secret"):
        yield Site(base, visits)
    pl.close()


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "de"])
def test_every_payer_page_passes_axe_and_fits(
    site: Site, browser: Any, axe_js: Path, lang: str
) -> None:
    problems = walk(browser, site.visits, axe=axe_js, languages=[lang])
    assert not problems, report(problems)


def test_the_walk_reports_what_axe_and_the_layout_check_find(
    browser: Any, axe_js: Path, tmp_path: Path
) -> None:
    """The walk is not vacuous: a page with known faults is reported with each rule id, its
    help URL and the element, and a button pushed off a phone's screen is named."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        "<html><body><p style='color:#bbb;background:#fff'>Pale text</p>"
        "<img src='x.png'><input type='text'>"
        "<button style='position:absolute;left:2000px'>Pay now</button></body></html>"
    )
    problems = walk(
        browser, [Visit("faulty", page_file.as_uri())], axe=axe_js, sizes=[PHONE], languages=["en"]
    )
    found = "\n".join(problems)
    for rule in ("image-alt", "label", "color-contrast", "html-has-lang"):
        assert f"axe {rule} [" in found, found
    assert "dequeuniversity.com/rules/axe/" in found
    assert "faulty [en 390x844]: off-screen: Pay now" in found
