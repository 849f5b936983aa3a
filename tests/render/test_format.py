"""The one dialect: numbers, percentages, months, the shop's own texts, and one catalogue."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from decimal import Decimal

import attrs
import pytest

from paylink import Money
from paylink.exceptions import ValidationError
from paylink.parties import LANGUAGES, Customer, Organization
from paylink.reminders import ChargedFee
from paylink.render import (
    fee_line_view,
    format_month,
    format_number,
    format_percent,
    format_quantity,
    label,
    render_document,
    shop_text,
    words,
)
from paylink.render._i18n import LABELS
from tests.render.test_render import CUSTOMER, INVOICE, ORG

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("language", "number", "percent"),
    [
        ("en", "1,234,567.5", "5.5%"),
        ("fr", f"1{NNBSP}234{NNBSP}567,5", f"5,5{NBSP}%"),
        ("nl", "1.234.567,5", "5,5%"),
        ("de", "1.234.567,5", f"5,5{NBSP}%"),
    ],
)
def test_numbers_and_percentages(language: str, number: str, percent: str) -> None:
    assert format_number(Decimal("1234567.5"), language) == number
    assert format_percent(Decimal("5.50"), language) == percent
    assert format_quantity(Decimal("2.000"), language) == "2"
    assert format_number(Decimal("-0.5"), language, places=2).startswith("-0")


def test_numbers_refuse_floats_and_unknown_languages() -> None:
    with pytest.raises(ValidationError, match="Decimal"):
        format_number(1.5, "en")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="language"):
        format_number(Decimal(1), "es")


def test_months() -> None:
    day = dt.date(2026, 8, 3)
    assert [format_month(day, lang) for lang in LANGUAGES] == [
        "août 2026",
        "augustus 2026",
        "August 2026",
        "August 2026",
    ]


SEVERAL = "Payable within 30 days. [fr] Payable dans les 30 jours. [nl] Betaalbaar binnen 30 dagen."


@pytest.mark.parametrize(
    ("text", "language", "shown"),
    [
        (SEVERAL, "fr", "Payable dans les 30 jours."),
        (SEVERAL, "nl", "Betaalbaar binnen 30 dagen."),
        (SEVERAL, "en", "Payable within 30 days."),
        (SEVERAL, "de", "Payable within 30 days."),  # none in German: the untagged version
        ("[nl] Eerste herinnering [fr] Premier rappel", "de", "Eerste herinnering"),
        ("Eerste herinnering", "fr", "Eerste herinnering"),  # one language: as written
        ("", "fr", ""),
    ],
)
def test_shop_texts_in_the_page_language(text: str, language: str, shown: str) -> None:
    assert shop_text(text, language) == shown


def test_reminder_step_names_follow_the_language() -> None:
    fee = ChargedFee(
        step=1,
        step_name="[en] First reminder [fr] Premier rappel [nl] Eerste herinnering",
        charged_on=dt.date(2026, 4, 8),
        amount=Money.of("15", "EUR"),
        interest=Money.of("0", "EUR"),
        compensation=Money.of("0", "EUR"),
        other=Money.of("15", "EUR"),
    )
    assert fee_line_view(fee, "fr")["label"] == "Rappel « Premier rappel » du 8 avril 2026"
    assert fee_line_view(fee, "nl")["label"] == "Herinnering ‘Eerste herinnering’ van 8 april 2026"
    assert fee_line_view(fee, "en")["label"] == "Reminder “First reminder” of 8 April 2026"
    assert fee_line_view(fee, "en")["amount"] == "€15.00"


def test_documents_show_the_shop_texts_in_their_language() -> None:
    org: Organization = attrs.evolve(
        ORG, payment_footnote=SEVERAL, legal_terms="[fr] Conditions générales [nl] Voorwaarden"
    )
    for language, footnote, terms in [
        ("fr", "Payable dans les 30 jours.", "Conditions générales"),
        ("nl", "Betaalbaar binnen 30 dagen.", "Voorwaarden"),
    ]:
        customer: Customer = attrs.evolve(CUSTOMER, language=language)
        html = render_document("invoice", organization=org, customer=customer, document=INVOICE)
        assert footnote in html and terms in html
        assert "[fr]" not in html and "[nl]" not in html


def test_one_catalogue_every_language_has_every_word() -> None:
    keys = set(LABELS["en"])
    for language in LANGUAGES:
        assert set(LABELS[language]) == keys, language
        assert words(language) is LABELS[language]
    assert label("de", "reference") == "Strukturierte Mitteilung"


def test_the_web_pages_use_only_catalogue_words() -> None:
    """Every ``t.<word>`` a web template uses is in the one catalogue."""
    templates = pathlib.Path(__file__).parents[2] / "src" / "paylink" / "web" / "templates"
    used: set[str] = set()
    for page in templates.glob("*.html"):
        used |= set(re.findall(r"\bt\.([a-z_]+)\b(?!\s*\()", page.read_text()))
    used -= {"format"}
    assert used, "no words found"
    assert used <= set(LABELS["en"]), sorted(used - set(LABELS["en"]))
