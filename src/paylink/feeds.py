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

__all__ = ["BankFeed", "FeedCallbacks", "FeedFile", "FeedResult", "FeedWebhook"]


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


@attrs.frozen(kw_only=True)
class FeedWebhook:
    """What a verified feed webhook asks of paylink: the feed plugin decides, the core obeys.

    ``sync`` is true when the call says there is something new (Ponto's "transactions
    created"): paylink then syncs that feed account at once, exactly as a scheduled sync would
    (de-duplicated, so a redelivered webhook adds nothing). ``event`` is the provider's own
    name of the event (kept for logs); ``answer_status`` the HTTP status to answer.
    """

    sync: bool = False
    event: str = ""
    answer_status: int = 200


@runtime_checkable
class FeedCallbacks(Protocol):
    """The optional capability of a :class:`BankFeed` whose provider calls back.

    The web app receives the call at ``/webhooks/feeds/<feed name>/<feed account id>`` (also
    at the older ``/feeds/<feed account id>/webhook``); the service builds the feed with that
    account's settings and asks it to verify and read the call.
    """

    def parse_callback(self, request: Any) -> FeedWebhook:
        """Verify ``request`` (a :class:`~paylink.ports.WebhookRequest`) exactly as the provider
        signs it, then say what it asks for.

        On success return a :class:`FeedWebhook` (``sync=True`` when there is something new to
        fetch; ``sync=False`` for a call that needs nothing). On a missing or wrong signature, a
        call for another account or a body that is not the provider's, raise
        :class:`~paylink.exceptions.WebhookRejected` with the 4xx status to answer: nothing is
        synced then. Never read a field before the signature is verified. A feed that has only
        the older ``parse_webhook(request)`` (returning anything) is synced on every verified
        call.
        """
        ...


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
