"""The interfaces a plugin implements: one small :class:`typing.Protocol` per capability.

Plugins hand their classes to paylink through the registration hooks in
:mod:`paylink.hookspecs`; the core instantiates them with an account's settings. Capabilities
that not every provider has are asked, never assumed (``supports_refunds``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol, runtime_checkable

import attrs

from .money import Money

__all__ = [
    "BankFeed",
    "Checkout",
    "MessageChannel",
    "PaymentProvider",
    "PaymentRequest",
    "WebhookRequest",
]


@attrs.frozen(kw_only=True)
class WebhookRequest:
    """An incoming HTTP call from a provider, as the web app received it.

    Plugins verify it (signature over ``body``, timestamps) before they parse anything.
    ``url`` is the full URL the provider called (some schemes, like Twilio's, sign it);
    header names are lower-case.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = attrs.field(repr=False)
    form: Mapping[str, str] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class PaymentRequest:
    """What the core asks a payment provider to collect, for one payment link.

    Amounts and references come from the server, never from the customer's browser.
    ``idempotency_key`` is made once per logical attempt and must be sent on every retry.
    """

    link_id: str
    amount: Money
    description: str
    reference: str | None
    beneficiary_name: str
    beneficiary_iban: str | None = attrs.field(default=None, repr=False)
    beneficiary_bic: str | None = None
    customer_name: str | None = None
    customer_email: str | None = attrs.field(default=None, repr=False)
    language: str = "en"
    return_url: str = ""
    cancel_url: str = ""
    webhook_url: str = ""
    idempotency_key: str = ""


@attrs.frozen(kw_only=True)
class Checkout:
    """How the customer pays: a page to redirect to, or instructions to follow.

    ``redirect_url`` is set by hosted checkouts (Stripe, Mollie); ``instructions`` and
    ``qr_payload`` by methods the customer completes in their own bank (a transfer, Payconiq).
    ``provider_reference`` is the provider's id of the attempt (checkout session, payment id).
    """

    provider: str
    method: str
    provider_reference: str | None = None
    redirect_url: str | None = None
    instructions: Mapping[str, str] = attrs.field(factory=dict)
    qr_payload: str | None = None
    expires_at: dt.datetime | None = None


@runtime_checkable
class PaymentProvider(Protocol):
    """A way to get paid: bank transfer, a card processor, a wallet.

    ``name`` is the provider's identifier (equal to its entry point and module name);
    ``methods`` the payment methods it offers (``"bank_transfer"``, ``"card"``,
    ``"bancontact"`` …); ``supports_refunds`` whether :meth:`refund` can be called.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    supports_refunds: ClassVar[bool]

    @property
    def methods(self) -> Sequence[str]:
        """The payment methods this account offers."""
        ...

    def start_payment(self, request: PaymentRequest) -> Checkout:
        """Start collecting ``request``.

        On success return a :class:`Checkout`. On failure raise
        :class:`~paylink.exceptions.ProviderError` (never a bare httpx error). Must never log or
        put into an error message the account's credentials, and must be idempotent for one
        ``request.idempotency_key``.
        """
        ...


@runtime_checkable
class MessageChannel(Protocol):
    """A way to deliver a message: e-mail, SMS, a chat app."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]


@runtime_checkable
class BankFeed(Protocol):
    """A source of bank transactions that needs no file upload (a PSD2 API, a CODA folder)."""

    name: ClassVar[str]
