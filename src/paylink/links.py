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

import datetime as dt
from typing import Literal, cast

import attrs

from .exceptions import ValidationError
from .money import Money

__all__ = ["FINAL_STATUSES", "STATUSES", "LinkEvent", "LinkStatus", "PaymentLink", "advance"]

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

    ``token`` is the unguessable part of the URL (192 random bits): it is never shown in reprs
    or logs. ``invoice_id`` is set for the link of one invoice; ``invoice_ids`` lists the
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
