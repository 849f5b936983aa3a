"""One invoice, four surfaces, one dialect.

The same invoice is read on the pay page (over real HTTP), in its PDF (text extracted with
pypdf), in the e-mail and in the SMS that send it, in each of the four languages. Each surface
must write the amount, the due date and the words (the invoice, the due date, the structured
reference) exactly alike; and the page's own words never come from another language.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import httpx
import pypdf
import pytest

from paylink import Line, Money
from paylink.parties import LANGUAGES
from paylink.render import format_date, format_money, label, shop_text
from tests.web.conftest import Live

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _flat(text: str) -> str:
    """Spacing made comparable: a PDF's extracted text and an SMS use plain spaces where a
    page uses no-break ones; the characters around them must be the same."""
    return _SPACES.sub(" ", text)


def _page_text(html: str) -> str:
    return _flat(re.sub(r"<[^>]+>", " ", html))


def _issue(live: Live, language: str) -> Any:
    pl = live.pl
    org = pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        email="billing@garage.example",
        payment_footnote=(
            "Payable within 30 days. [fr] Payable dans les 30 jours. "
            "[nl] Betaalbaar binnen 30 dagen. [de] Zahlbar innerhalb von 30 Tagen."
        ),
        legal_terms="Algemene voorwaarden: zie garage.example/voorwaarden",
    )
    customer = pl.customers.create(
        org,
        name="Marie Peeters",
        language=language,
        email="marie@example.be",
        phone="+32470123456",
    )
    invoice = pl.invoices.issue(
        org,
        customer,
        # 1,020.25 + 21 % VAT (214.25) = 1,234.50: an amount with a thousands separator.
        lines=[Line(description="Engine", quantity="1", unit_price="1020.25", vat_rate="21")],
    )
    link = pl.links.create(invoice)
    return org, invoice, link


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_same_invoice_reads_the_same_everywhere(live: Live, language: str) -> None:
    pl = live.pl
    org, invoice, link = _issue(live, language)
    assert invoice.total == Money.of("1234.50", "EUR")
    assert invoice.due_date == dt.date(2026, 4, 1)

    with httpx.Client(timeout=10) as http:
        response = http.get(link.url)
    assert response.status_code == 200
    page = _page_text(response.text)
    pdf = _flat(
        "\n".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pl.renditions.pdf(invoice))).pages
        )
    )
    (email,) = pl.messages.preview(invoice, via="email")
    (sms,) = pl.messages.preview(invoice, via="sms")
    mail = _flat(email.subject + "\n" + email.text)
    text = _flat(sms.text)
    assert email.language == sms.language == language

    amount = _flat(format_money(invoice.total, language))
    due = format_date(invoice.due_date, language)
    reference = invoice.reference.display
    expected = {
        "money": {"en": "€1,234.50", "fr": "1 234,50 €", "nl": "€ 1.234,50", "de": "1.234,50 €"},
        "date": {
            "en": "1 April 2026",
            "fr": "1er avril 2026",
            "nl": "1 april 2026",
            "de": "1. April 2026",
        },
    }
    assert amount == expected["money"][language]
    assert due == expected["date"][language]

    surfaces = {"page": page, "pdf": pdf, "email": mail, "sms": text}
    for name, content in surfaces.items():
        assert amount in content, f"{name} does not write {amount!r}"
        assert due in content, f"{name} does not write {due!r}"
        assert invoice.number in content, name
        # The document's own name, as the catalogue has it (an SMS writes it in lower case).
        assert label(language, "invoice").lower() in content.lower(), name
    # The labels: the same word for the due date and for the structured reference on the page,
    # in the PDF and in the e-mail (the SMS has no room for labels).
    for name in ("page", "pdf", "email"):
        content = surfaces[name]
        assert f"{label(language, 'reference')}" in content, name
        assert reference in content, name
        assert label(language, "due_date") in content, name

    # The page's own words are all of its language: no label of another language on it.
    for other in LANGUAGES:
        if other == language:
            continue
        for key in ("due_date", "reference", "open_amount", "how_to_pay", "total"):
            foreign = label(other, key)
            if foreign != label(language, key):
                assert foreign not in page, f"{other} {key!r} ({foreign!r}) on the {language} page"

    # The shop's texts: the footnote in the page's language where the shop wrote one; the
    # legal terms, written in Dutch only, as written.
    footnote = shop_text(org.payment_footnote, language)
    assert footnote in page and footnote in pdf
    assert "[nl]" not in page and "[nl]" not in pdf


def test_a_shop_text_in_one_language_is_shown_as_written(live: Live) -> None:
    _org, _invoice, link = _issue(live, "fr")
    with httpx.Client(timeout=10) as http:
        printable = http.get(f"{link.url}/invoice").text
    assert "Algemene voorwaarden: zie garage.example/voorwaarden" in printable
    assert "Payable dans les 30 jours." in _page_text(http_get(link.url))
    assert "Payable within 30 days." not in _page_text(http_get(link.url))
    assert "Payable within 30 days." in _page_text(http_get(link.url, lang="en"))


def http_get(url: str, lang: str | None = None) -> str:
    with httpx.Client(timeout=10) as http:
        return http.get(url, params={"lang": lang} if lang else None).text
