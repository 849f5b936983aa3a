"""Provider payouts: the lump sums a card provider pays into the bank account, and what each
carries.

A card or Bancontact payment through Stripe or Mollie reaches the bank account days later,
inside a payout (Stripe) or settlement (Mollie): the payments of a period, less the provider's
fees, refunds and chargebacks. A provider plugin reports a payout as a :class:`ProviderPayout`
(its own ids, amounts, status and :class:`PayoutItem` lines); paylink stores it as a
:class:`Payout` of one provider account, matches the bank credit of its net to it, and counts its
fees in the reports.

Amounts are :class:`~paylink.money.Money` (integer minor units in the store). For every item
``net == gross - fee``; a refund or chargeback has a negative gross.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

import attrs

from .exceptions import ValidationError
from .money import Money

__all__ = [
    "PAYOUT_ITEM_KINDS",
    "PAYOUT_STATUSES",
    "Payout",
    "PayoutItem",
    "PayoutItemKind",
    "PayoutStatus",
    "ProviderPayout",
    "summarize_items",
]

PayoutItemKind = Literal["payment", "refund", "chargeback", "fee", "adjustment", "capture"]
"""The kind of a payout's line, as a type (the values of :data:`PAYOUT_ITEM_KINDS`)."""

PAYOUT_ITEM_KINDS: frozenset[str] = frozenset(
    {"payment", "refund", "chargeback", "fee", "adjustment", "capture"}
)
"""What a line of a payout can be."""

_KIND_ORDER = ("payment", "capture", "refund", "chargeback", "adjustment", "fee")

PayoutStatus = Literal["pending", "in_transit", "paid", "failed", "canceled"]
"""A payout's status, as a type (the values of :data:`PAYOUT_STATUSES`)."""

PAYOUT_STATUSES: frozenset[str] = frozenset({"pending", "in_transit", "paid", "failed", "canceled"})
"""Where a payout stands at the provider (``paid``: the provider sent it to the bank)."""


@attrs.frozen(kw_only=True)
class PayoutItem:
    """One line of a payout: a payment it carries, a refund or chargeback it takes back, a fee.

    ``source_id`` is the provider's id of the line's object (a Stripe charge or refund, a Mollie
    payment); ``payment_reference`` the id paylink recorded the payment under (a Stripe payment
    intent, a Mollie payment id), when the provider says. ``payment_id`` and ``invoice_id`` are
    paylink's own, filled in when the payment is known to the store.
    """

    kind: PayoutItemKind
    source_id: str
    gross: Money
    fee: Money
    net: Money
    payment_reference: str | None = None
    payment_id: str | None = None
    invoice_id: str | None = None
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.kind not in PAYOUT_ITEM_KINDS:
            raise ValidationError(
                f"expected one of {sorted(PAYOUT_ITEM_KINDS)}, got {self.kind!r}", field="kind"
            )
        if self.gross - self.fee != self.net:
            raise ValidationError(
                f"payout item {self.source_id}: gross {self.gross} less fee {self.fee} is not "
                f"net {self.net}",
                field="net",
            )


def summarize_items(items: Iterable[PayoutItem]) -> dict[str, int]:
    """How many items of each kind, e.g. ``{"payment": 3, "refund": 1}`` (kinds in the order
    payment, capture, refund, chargeback, adjustment, fee; absent kinds left out)."""
    counts = dict.fromkeys(_KIND_ORDER, 0)
    for item in items:
        counts[item.kind] += 1
    return {kind: n for kind, n in counts.items() if n}


@attrs.frozen(kw_only=True)
class ProviderPayout:
    """A payout as the provider reports it, in paylink's words.

    ``payout_id`` is the provider's id (``po_…``, ``stl_…``); ``reference`` what the bank line
    carries when the provider says (a Mollie settlement reference such as ``1234567.2212.03``,
    a Stripe statement descriptor). ``gross`` is what the items brought, ``fee`` the provider's
    fees, ``net`` what reaches the bank (``gross - fee``). ``expected_on`` is the provider's
    expected arrival date.
    """

    provider: str
    payout_id: str
    status: PayoutStatus
    gross: Money
    fee: Money
    net: Money
    created_on: dt.date
    expected_on: dt.date | None = None
    reference: str = ""
    items: tuple[PayoutItem, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.status not in PAYOUT_STATUSES:
            raise ValidationError(
                f"expected one of {sorted(PAYOUT_STATUSES)}, got {self.status!r}",
                field="status",
            )
        if self.gross - self.fee != self.net:
            raise ValidationError(
                f"payout {self.payout_id}: gross {self.gross} less fee {self.fee} is not "
                f"net {self.net}",
                field="net",
            )

    @property
    def currency(self) -> str:
        """The payout's currency."""
        return self.net.currency


@attrs.frozen(kw_only=True)
class Payout:
    """A payout recorded for one provider account of an organization.

    ``arrived_on`` and ``transaction_id`` (with ``transaction_account``, the bank account's
    IBAN) are set when the bank credit of its net was matched to it.
    """

    id: str
    organization_id: str
    account_id: str
    provider: str
    payout_id: str
    status: PayoutStatus
    gross: Money
    fee: Money
    net: Money
    created_on: dt.date
    expected_on: dt.date | None = None
    reference: str = ""
    arrived_on: dt.date | None = None
    transaction_account: str | None = None
    transaction_id: str | None = None
    items: tuple[PayoutItem, ...] = ()
    updated_at: dt.datetime | None = None

    @property
    def currency(self) -> str:
        """The payout's currency."""
        return self.net.currency

    @property
    def matched(self) -> bool:
        """Whether a bank transaction was matched to this payout."""
        return self.transaction_id is not None

    def counts(self) -> dict[str, int]:
        """How many items of each kind it carries (see :func:`summarize_items`)."""
        return summarize_items(self.items)

    def describe(self) -> str:
        """What it carries, in words: ``"3 payments, 1 refund, fees 1.25 EUR"``."""
        parts = [
            f"{n} {kind}{'s' if n != 1 else ''}"
            for kind, n in self.counts().items()
            if kind != "fee"
        ]
        parts.append(f"fees {self.fee}")
        return ", ".join(parts)

    def to_record(self) -> dict[str, object]:
        """A flat JSON-friendly dict (amounts as decimal strings, dates ISO)."""
        return {
            "id": self.id,
            "provider": self.provider,
            "account_id": self.account_id,
            "payout_id": self.payout_id,
            "reference": self.reference,
            "status": self.status,
            "currency": self.currency,
            "gross": str(self.gross.amount),
            "fee": str(self.fee.amount),
            "net": str(self.net.amount),
            "created_on": self.created_on.isoformat(),
            "expected_on": self.expected_on.isoformat() if self.expected_on else None,
            "arrived_on": self.arrived_on.isoformat() if self.arrived_on else None,
            "transaction_id": self.transaction_id,
            "items": self.counts(),
        }
