"""The web pages' words: the one catalogue of :mod:`paylink.render`, re-exported.

Kept for code that imported it; the words live in ``paylink.render`` (see
:func:`paylink.render.words`), shared with the documents, e-mails and SMS.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..render import words
from ..render._i18n import LABELS
from ._common import pick_language

__all__ = ["MESSAGES", "pick_language", "translator"]

MESSAGES: Mapping[str, Mapping[str, str]] = LABELS
"""The catalogue, per language (the same object documents and messages use)."""


def translator(language: str) -> Mapping[str, str]:
    """The words of ``language`` (English for a language paylink does not speak)."""
    return words(language if language in LABELS else "en")
