"""The one formatting dialect: money, dates, numbers and percentages in fr, nl, en and de.

Every surface that shows a value to a person calls these functions: the pay page, the portal,
the quote page, the printable document and its PDF, the e-mail, the SMS and the merchant's
dashboard. So an amount reads the same on all of them, in the forms CLDR gives for each
language (the Belgian and German conventions for fr, nl and de) — money, dates, numbers
and percentages:

- en: ``€1,234.50``, ``3 December 2026``, ``1,234.5``, ``21%``
- fr: ``1 234,50 €``, ``3 décembre 2026``, ``1 234,5``, ``21 %``
- nl: ``€ 1.234,50``, ``3 december 2026``, ``1.234,5``, ``21%``
- de: ``1.234,50 €``, ``3. Dezember 2026``, ``1.234,5``, ``21 %``

Dates are written with the month in words in every language, never as ``03/12/2026``, which a
reader in another country takes for the 12th of March.

Texts the organization wrote itself (footnotes, legal terms, reminder step names) may carry
several languages, each version introduced by its tag: ``Payable within 30 days. [fr] Payable
dans les 30 jours. [nl] Betaalbaar binnen 30 dagen.`` :func:`shop_text` picks the version of
the page's language; the untagged text before the first tag is the version shown in any other
language, and a text without tags is shown as written.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ..exceptions import ValidationError
from ..money import Money
from ..parties import LANGUAGES
from ._i18n import MONTHS, MONTHS_SHORT

__all__ = [
    "check_language",
    "format_date",
    "format_iban",
    "format_money",
    "format_month",
    "format_number",
    "format_percent",
    "format_quantity",
    "shop_text",
]

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}
_NBSP = "\u00a0"
_NNBSP = "\u202f"  # narrow no-break space: the French thousands separator
_DECIMAL = {"en": ".", "fr": ",", "nl": ",", "de": ","}


def check_language(language: str) -> str:
    """``language`` when paylink speaks it (fr, nl, en, de); else a ValidationError."""
    if language not in LANGUAGES:
        raise ValidationError(
            f"expected one of {', '.join(LANGUAGES)}, got {language!r}", field="language"
        )
    return language


def _group(digits: str, sep: str) -> str:
    out: list[str] = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def _digits(value: Decimal, language: str, plain: bool) -> str:
    """The absolute value with the language's grouping and decimal mark."""
    whole, _, frac = format(abs(value), "f").partition(".")
    group = {"en": ",", "fr": " " if plain else _NNBSP, "nl": ".", "de": "."}[language]
    return _group(whole, group) + (f"{_DECIMAL[language]}{frac}" if frac else "")


def format_money(money: Money, language: str, *, plain: bool = False) -> str:
    """``money`` as people write it in ``language``: ``€1,234.50``, ``1 234,50 €``,
    ``€ 1.234,50``, ``1.234,50 €``.

    ``plain`` uses ordinary spaces instead of no-break spaces (for SMS, where a no-break space
    would switch the whole message to UCS-2); the form is otherwise the same.

    >>> format_money(Money.of("1234.5", "EUR"), "fr", plain=True)
    '1 234,50 €'
    >>> format_money(Money.of("1234.5", "EUR"), "en")
    '€1,234.50'
    >>> format_money(Money.of("1234.5", "EUR"), "nl", plain=True)
    '€ 1.234,50'
    """
    language = check_language(language)
    sign = "-" if money.amount < 0 else ""
    number = _digits(money.amount, language, plain)
    space = " " if plain else _NBSP
    symbol = _SYMBOLS.get(money.currency, money.currency)
    if language == "en":
        if len(symbol) == 1:
            return f"{sign}{symbol}{number}"
        return f"{sign}{number}{space}{symbol}"
    if language == "nl":
        return f"{sign}{symbol}{space}{number}"
    return f"{sign}{number}{space}{symbol}"


def format_date(day: dt.date | dt.datetime | None, language: str, *, short: bool = False) -> str:
    """``day`` with the month in words: ``2 March 2026``, ``1er mars 2026``, ``2 maart 2026``,
    ``2. März 2026``; empty for None. A datetime is written as its date.

    ``short`` abbreviates the month (``2 Mar 2026``, ``2 mars 2026``, ``2 mrt. 2026``,
    ``2. März 2026``) where space is tight; it is never written in digits only.

    >>> format_date(dt.date(2026, 12, 3), "en")
    '3 December 2026'
    >>> format_date(dt.date(2026, 12, 3), "de")
    '3. Dezember 2026'
    """
    if day is None:
        return ""
    language = check_language(language)
    if isinstance(day, dt.datetime):
        day = day.date()
    month = (MONTHS_SHORT if short else MONTHS)[language][day.month - 1]
    if language == "de":
        return f"{day.day}. {month} {day.year}"
    if language == "fr" and day.day == 1:
        return f"1er {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def format_month(day: dt.date, language: str) -> str:
    """The month of ``day`` in words with its year: ``March 2026``, ``mars 2026``."""
    language = check_language(language)
    return f"{MONTHS[language][day.month - 1]} {day.year}"


def format_number(value: Decimal | int, language: str, *, places: int | None = None) -> str:
    """A number with the language's grouping and decimal mark (``1,234.5``, ``1 234,5``,
    ``1.234,5``); ``places`` fixes the decimals, else they are written as they are.

    >>> format_number(Decimal("1234.5"), "de")
    '1.234,5'
    """
    language = check_language(language)
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValidationError(f"expected a Decimal or an int, got {value!r}", field="value")
    number = Decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    sign = "-" if number < 0 else ""
    return sign + _digits(number, language, plain=False)


def format_quantity(value: Decimal | int, language: str) -> str:
    """A quantity or a rate without trailing zeros: ``2.5`` / ``2,5``, ``21``."""
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return format_number(number, language)


def format_percent(rate: Decimal | int, language: str) -> str:
    """A percentage (``rate`` is in percent, ``21`` for 21 %): ``21%`` in en and nl,
    ``21 %`` (no-break space) in fr and de.

    >>> format_percent(Decimal("5.5"), "fr")
    '5,5\\xa0%'
    """
    number = format_quantity(rate, language)
    return f"{number}%" if language in ("en", "nl") else f"{number}{_NBSP}%"


def format_iban(iban: str | None) -> str:
    """An IBAN in groups of four characters, as banks print it; empty for None."""
    if not iban:
        return ""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


_TAG = re.compile(r"\[(" + "|".join(LANGUAGES) + r")\]")


def shop_text(text: str | None, language: str) -> str:
    """The version of an organization's own text (a footnote, legal terms, a reminder step's
    name) in ``language``.

    A text may hold several versions, each after its tag (``[fr]``, ``[nl]``, ``[en]``,
    ``[de]``). The version of ``language`` is returned when there is one; else the untagged
    text before the first tag, else the first version. A text without tags is returned as
    written: a shop that writes in one language only is shown in that language.

    >>> shop_text("Payable within 30 days. [nl] Betaalbaar binnen 30 dagen.", "nl")
    'Betaalbaar binnen 30 dagen.'
    >>> shop_text("Payable within 30 days. [nl] Betaalbaar binnen 30 dagen.", "fr")
    'Payable within 30 days.'
    >>> shop_text("Eerste herinnering", "fr")
    'Eerste herinnering'
    """
    if not text:
        return ""
    parts = _TAG.split(text)
    if len(parts) == 1:
        return text
    versions = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}
    if versions.get(language):
        return versions[language]
    lead = parts[0].strip()
    if lead:
        return lead
    return next((v for v in versions.values() if v), "")
