"""Document numbers: gapless and unique per organization and series.

A number is made from a pattern such as ``"{year}-{seq:06d}"`` (the default: ``2026-000123``).
Available fields: ``{seq}`` (required; the position in the series, from 1), ``{year}`` and
``{month}`` (of the issue date). A pattern that uses ``{year}`` starts a new series every year,
one that uses ``{month}`` every month, so numbers restart at 1 and stay gapless within each.

Numbers are consumed only when a document is issued (drafts have none), inside the issuing
transaction, so a failed issue leaves no gap; see :mod:`paylink.store` for how the counter is
kept safe under concurrent issuing.
"""

from __future__ import annotations

import datetime as dt
import string

from .exceptions import ValidationError

__all__ = ["DEFAULT_PATTERNS", "check_pattern", "format_number", "series_key"]

DEFAULT_PATTERNS = {
    "invoice": "{year}-{seq:06d}",
    "quote": "Q{year}-{seq:05d}",
    "credit_note": "CN{year}-{seq:05d}",
}
"""The default pattern of each kind of numbered document."""

_FIELDS = {"seq", "year", "month"}


def check_pattern(pattern: str) -> str:
    """Return ``pattern`` if it is a usable numbering pattern, else raise ValidationError."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
        pattern.format(seq=1, year=2026, month=1)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValidationError(
            f"expected a pattern like '{{year}}-{{seq:06d}}', got {pattern!r} ({exc})",
            field="invoice_pattern",
        ) from None
    if "seq" not in fields or not fields <= _FIELDS:
        raise ValidationError(
            f"a pattern needs {{seq}} and may use {{year}} and {{month}}, got {pattern!r}",
            field="invoice_pattern",
        )
    return pattern


def series_key(kind: str, pattern: str, issue_date: dt.date) -> str:
    """The counter a number is drawn from: per kind, and per year/month when the pattern says."""
    key = kind
    if "{year" in pattern:
        key += f":{issue_date.year:04d}"
    if "{month" in pattern:
        key += f"-{issue_date.month:02d}"
    return key


def format_number(pattern: str, seq: int, issue_date: dt.date) -> str:
    """Render position ``seq`` of the series for a document issued on ``issue_date``."""
    return pattern.format(seq=seq, year=issue_date.year, month=issue_date.month)
