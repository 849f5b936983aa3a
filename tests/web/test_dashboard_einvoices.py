"""The dashboard shows each invoice's e-invoice deliveries (queued, sent, delivered, refused
with the network's reason; when; over which network or by e-mail) in the organization's
language, over the real ASGI app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from paylink import FixedClock, Line, Paylink
from paylink.parties import Address, Organization
from paylink.plugins import get_plugin_manager
from paylink.testing import FakePeppol, fake_network_plugin
from paylink.web import create_app

from ..reports.test_dashboard import serve

TOKEN = "einvoice-dashboard-token"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def pl(tmp_path: object, clock: FixedClock) -> Iterator[Paylink]:
    FakePeppol.reset()
    paylink = Paylink.open(
        f"sqlite:///{tmp_path}/dash.db",
        clock=clock,
        base_url="https://pay.example",
        plugins=get_plugin_manager(plugins=[fake_network_plugin]),
    )
    yield paylink
    paylink.close()
    FakePeppol.reset()


def _org(pl: Paylink) -> Organization:
    return pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        vat_id="BE0403170701",
        email="billing@garage.example",
        address=Address(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles",
                        country="BE"),
    )  # fmt: skip


def _sent(pl: Paylink, org: Organization, name: str, vat_id: str) -> str:
    buyer = pl.customers.create(
        org,
        name=name,
        vat_id=vat_id,
        email=f"ap@{name.split()[0].lower()}.example",
        address=Address(street="Meir 1", postal_code="2000", city="Antwerpen", country="BE"),
    )
    invoice = pl.invoices.issue(
        org, buyer, lines=[Line(description="Labour", quantity="1", unit_price="80", vat_rate="21")]
    )
    pl.einvoices.set_references(invoice, buyer_reference="PO-1")
    delivery = pl.einvoices.send(invoice)
    return delivery.network_id or invoice.number or ""


WORDS = {
    "fr": ("Envois de factures électroniques", "livrée", "refusée", "par e-mail avec le PDF"),
    "nl": ("Verzending van e-facturen", "afgeleverd", "geweigerd", "per e-mail met de pdf"),
    "en": ("E-invoice deliveries", "delivered", "refused", "by e-mail with the PDF"),
    "de": ("Versand von E-Rechnungen", "zugestellt", "abgelehnt", "per E-Mail mit dem PDF"),
}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_the_dashboard_shows_each_invoice_s_delivery_history(
    pl: Paylink, clock: FixedClock, language: str
) -> None:
    org = _org(pl)
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_dash")
    peppol = FakePeppol.for_key("fp_dash")
    peppol.register("0208:0202239951")
    peppol.register("0208:0897223670")
    delivered = _sent(pl, org, "Janssens NV", "BE0202239951")
    clock.advance(minutes=5)
    refused = _sent(pl, org, "Pièces Auto SA", "BE0897223670")
    clock.advance(minutes=5)
    _sent(pl, org, "Marie Peeters", "BE0477472701")  # not on Peppol: by e-mail
    clock.advance(minutes=5)
    peppol.deliver(delivered)
    peppol.refuse(refused, "unknown buyer reference PO-1")
    pl.einvoices.refresh_pending(org)
    pl.organizations.update(org, language=language)
    [first, second, third] = pl.pages.einvoice_timelines(org)
    assert [d.status for t in (first, second, third) for d in t.deliveries] == [
        "sent",
        "refused",
        "delivered",
    ]

    heading, delivered_word, refused_word, by_email = WORDS[language]
    with serve(create_app(pl, dashboard_token=TOKEN)) as http:
        assert http.get(f"/dashboard/{org.id}").status_code == 401
        page = http.get(f"/dashboard/{org.id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    html = page.text
    assert f"<h2>{heading}</h2>" in html
    assert f"<strong>{delivered_word}</strong>" in html
    assert f"<strong>{refused_word}</strong>: unknown buyer reference PO-1" in html
    assert by_email in html
    assert "fake_peppol" in html
    assert '<time datetime="2026-03-02T09:00:00+00:00">' in html
    assert ' style="' not in html and "<script" not in html
    # every invoice in the order the page lists them, each with its history in order
    numbers = [t.number for t in (first, second, third)]
    assert [html.index(f"<h3>{n}</h3>") for n in numbers] == sorted(
        html.index(f"<h3>{n}</h3>") for n in numbers
    )
    other = {w for lang, ws in WORDS.items() if lang != language for w in ws[:1]}
    assert not any(f"<h2>{w}</h2>" in html for w in other)
