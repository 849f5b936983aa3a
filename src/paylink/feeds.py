"""Bank feeds: sources of bank transactions that need no file upload.

A feed is a plugin (``paylink_register_bank_feeds``): a class paylink instantiates per
organization with the settings it was connected with, and asks for what is new since the
feed's last sync. Two kinds of answers:

- **files** (a CODA delivery folder): each is imported like an uploaded statement, in its own
  transaction, and set aside once done (or rejected, with the reason);
- **transactions** (a PSD2 API such as Ponto): imported in one transaction together with the
  feed's new state (cursor, rotated tokens), so a failed import never moves the cursor.

``state`` is the feed's memory between syncs (cursors, tokens): a JSON-compatible mapping that
paylink stores and gives back on the next sync.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs

from .statements.model import BankTransaction

__all__ = ["BankFeed", "FeedFile", "FeedResult"]


@attrs.frozen
class FeedFile:
    """A statement file a feed found. ``done(ok, reason)`` is called after the import was
    committed (``ok``) or refused (with the reason), so the feed can set the file aside."""

    name: str
    data: bytes = attrs.field(repr=False)
    done: Callable[[bool, str], None] = attrs.field(eq=False, repr=False)


@attrs.frozen
class FeedResult:
    """What a sync found: statement files, transactions, and the feed's new state."""

    files: Sequence[FeedFile] = ()
    transactions: Sequence[BankTransaction] = ()
    state: Mapping[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class BankFeed(Protocol):
    """A bank feed plugin.

    ``name`` is its identifier (equal to its entry point: ``"ponto"``, ``"coda_drop"``);
    ``secret_settings`` names the settings that are secrets (never shown back, never in a repr,
    a log line or an error). paylink instantiates the class with the stored settings as
    keyword arguments plus ``http`` (an ``httpx.Client`` or ``None``) and ``clock``; a missing
    or unknown setting raises :class:`~paylink.exceptions.ValidationError` naming it.
    """

    name: ClassVar[str]
    secret_settings: ClassVar[frozenset[str]]

    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        """Return what is new since ``state`` (empty on the first sync) and the next state.

        On failure raise :class:`~paylink.exceptions.ProviderError` (network, credentials) or
        :class:`~paylink.exceptions.StatementError`; nothing is imported then, and the state
        stays as it was. Must be safe to call again after a crash: paylink de-duplicates
        transactions by their ids and files by their content.
        """
        ...
