"""Payment links and their status machine.

A payment link is what the customer receives: a URL to a page where they see what they owe and
pay it. Its status is the same whatever the payment provider::

    created -> sent -> opened -> in_progress -> paid
                                  |   ^
                                  v   |
                              interrupted          (the customer tried and it failed; may retry)
    any non-final status -> expired | cancelled

Statuses only move forward: a late ``in_progress`` from a slow webhook never undoes ``paid``;
``interrupted`` and ``in_progress`` may alternate, since a customer may try again. Every change
is kept in :attr:`PaymentLink.history` with its time and source, so a merchant can read
"sent 3 Nov 10:02, opened 3 Nov 18:40, payment interrupted, paid 4 Nov 09:12".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from typing import Literal, cast

import attrs

from .exceptions import ConfigurationError, ValidationError
from .money import Money

__all__ = [
    "FINAL_STATUSES",
    "STATUSES",
    "Addresses",
    "LinkEvent",
    "LinkStatus",
    "PaymentLink",
    "TokenKey",
    "advance",
    "seal_tokens",
    "token_hash",
]

LinkStatus = Literal[
    "created", "sent", "opened", "in_progress", "interrupted", "paid", "expired", "cancelled"
]
STATUSES: tuple[LinkStatus, ...] = (
    "created",
    "sent",
    "opened",
    "in_progress",
    "interrupted",
    "paid",
    "expired",
    "cancelled",
)
FINAL_STATUSES = frozenset({"paid", "expired", "cancelled"})
# Forward order; in_progress and interrupted share a rank so they may alternate.
_RANK = {
    "created": 0,
    "sent": 1,
    "opened": 2,
    "in_progress": 3,
    "interrupted": 3,
    "paid": 9,
    "expired": 9,
    "cancelled": 9,
}


KEY_HELP = (
    "pass Paylink.open(..., secret=...) or set PAYLINK_SECRET (or PAYLINK_SECRET_FILE, a file "
    "holding it) to a long random value, e.g. the output of "
    "python -c 'import secrets; print(secrets.token_urlsafe(32))'; every process serving the "
    "same database needs the same secret"
)


def token_hash(token: str) -> str:
    """What the store keeps and indexes instead of a URL token (SHA-256, hex).

    Looking a token up needs only this hash, never the secret: a URL keeps resolving whatever
    secret the process that serves it was given.
    """
    return hashlib.sha256(token.encode()).hexdigest()


_TOKEN_IN_URL = re.compile(r"/(pay|quote|portal)/([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])")


def seal_tokens(text: str) -> str:
    """``text`` with the token of every page URL in it (``/pay/…``, ``/quote/…``,
    ``/portal/…``) replaced by ``{token:HASH}``: how the outbox keeps a message's text, so that
    the store holds no token; the URLs are rebuilt from the secret when the message is read.

    >>> seal_tokens("Pay: https://pay.example/pay/" + "a" * 32 + ".")[:46]
    'Pay: https://pay.example/pay/{token:3ba3f5f43b'
    """
    return _TOKEN_IN_URL.sub(lambda m: f"/{m[1]}/{{token:{token_hash(m[2])}}}", text)


@attrs.frozen
class TokenKey:
    """The key the tokens of payment, quote and portal URLs are derived from.

    A token is ``base64url(HMAC-SHA256(key, purpose:object id:salt))`` cut to 192 bits (32
    characters): the store keeps the random per-token salt and the token's hash only, so the
    server rebuilds a URL from the secret while a copy of the database alone yields no URL a
    payer could open. The key itself is derived from the configured secret (never kept as
    given), and never shown in a repr.
    """

    _key: bytes = attrs.field(repr=False, alias="key")

    @classmethod
    def from_secret(cls, secret: str | bytes) -> TokenKey:
        """The key of a configured secret (at least 16 bytes)."""
        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw.strip()) < 16:
            raise ValidationError(
                "the secret must be at least 16 characters of random data", field="secret"
            )
        return cls(hmac.new(raw.strip(), b"paylink url tokens", hashlib.sha256).digest())

    def token(self, purpose: str, object_id: str, salt: str) -> str:
        """The URL token of ``object_id`` (a link id, or a quote or customer id for the access
        tokens) for ``purpose`` (``"link"``, ``"quote"``, ``"portal"``…) with its ``salt``."""
        # the one-shot digest: every link read rebuilds its token, and hmac.new costs 20 times it
        mac = hmac.digest(self._key, f"{purpose}:{object_id}:{salt}".encode(), "sha256")
        return base64.urlsafe_b64encode(mac[:24]).decode()

    def subkey(self, purpose: str) -> bytes:
        """A key of its own for another use of the same secret (e.g. signing CSRF tokens)."""
        return hmac.new(self._key, f"subkey:{purpose}".encode(), hashlib.sha256).digest()


@attrs.frozen
class Addresses:
    """Where the customer pages are served, and the key their URL tokens derive from.

    ``key`` is ``None`` when no secret was configured: a link can then still be looked up by a
    token a customer presents, but making one or rebuilding its URL raises
    :class:`~paylink.exceptions.ConfigurationError` saying how to set the secret.
    """

    base_url: str
    key: TokenKey | None = attrs.field(default=None, repr=False)

    def token(self, purpose: str, object_id: str, salt: str) -> str:
        """The token of ``object_id`` (see :meth:`TokenKey.token`); raises
        :class:`~paylink.exceptions.ConfigurationError` without a secret."""
        if self.key is None:
            raise ConfigurationError(f"paylink has no secret to make URL tokens: {KEY_HELP}")
        return self.key.token(purpose, object_id, salt)

    def url(self, kind: str, token: str) -> str:
        """The absolute URL of a page: ``kind`` is ``"pay"``, ``"quote"`` or ``"portal"``."""
        return f"{self.base_url}/{kind}/{token}"


@attrs.frozen
class LinkEvent:
    """One status change: when, to what, and who said so (``"api"``, ``"web"``, ``"stripe"``)."""

    at: dt.datetime
    status: LinkStatus
    source: str
    detail: str = ""


@attrs.frozen(kw_only=True)
class PaymentLink:
    """A link a customer opens to pay an invoice, several invoices, or a quick payment request.

    ``token`` is the unguessable part of the URL (192 bits derived from the server secret and a
    random salt, see :class:`TokenKey`; the store keeps its hash only): it is never shown in
    reprs or logs. ``invoice_id`` is set for the link of one invoice; ``invoice_ids`` lists the
    invoices a "pay all" link settles, in order; a quick payment request has neither.
    """

    id: str
    organization_id: str
    token: str = attrs.field(repr=False)
    amount: Money
    status: LinkStatus = "created"
    invoice_id: str | None = None
    invoice_ids: tuple[str, ...] = ()
    customer_id: str | None = None
    reference: str | None = None
    description: str = ""
    url: str = attrs.field(default="", repr=False)
    history: tuple[LinkEvent, ...] = ()
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    @property
    def settles(self) -> tuple[str, ...]:
        """The invoices a payment through this link is allocated to, in order."""
        return (self.invoice_id,) if self.invoice_id else self.invoice_ids

    @property
    def is_final(self) -> bool:
        """True once paid, expired or cancelled."""
        return self.status in FINAL_STATUSES


def advance(
    link: PaymentLink, status: str, *, at: dt.datetime, source: str, detail: str = ""
) -> PaymentLink | None:
    """Return the link moved to ``status``, or ``None`` when that would not move it forward.

    ``None`` is not an error: a repeated or late event (a second ``opened``, an ``in_progress``
    after ``paid``) is simply ignored, which is what makes webhook handling idempotent.
    """
    if status not in _RANK:
        raise ValidationError(
            f"expected one of {', '.join(STATUSES)}, got {status!r}", field="status"
        )
    if at.tzinfo is None:
        raise ValidationError("expected a timezone-aware time", field="at")
    if link.is_final or status == link.status:
        return None
    if _RANK[status] < _RANK[link.status]:
        return None
    new = cast(LinkStatus, status)
    event = LinkEvent(at, new, source, detail)
    return attrs.evolve(link, status=new, history=(*link.history, event))
