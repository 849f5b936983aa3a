"""The interfaces a plugin implements: one small :class:`typing.Protocol` per capability.

Plugins hand their classes to paylink through the registration hooks in
:mod:`paylink.hookspecs`; the core instantiates them with an account's settings. Capabilities
that not every provider has are asked, never assumed (``supports_refunds``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import ClassVar, Literal, Protocol, runtime_checkable

import attrs

from .feeds import BankFeed, FeedFile, FeedResult
from .money import Money
from .networks import (
    DeliveryReport,
    EInvoiceInbox,
    EInvoiceNetwork,
    EInvoiceWebhooks,
    InboxDocument,
    Participant,
    SentDocument,
)
from .notify import OutgoingMessage, SendResult
from .payouts import PayoutItem, ProviderPayout
from .statements.base import StatementFormat

__all__ = [
    "BankFeed",
    "ChannelCallback",
    "ChannelCallbacks",
    "ChannelEvent",
    "Checkout",
    "DeliveryReport",
    "DeliveryStatus",
    "EInvoiceInbox",
    "EInvoiceNetwork",
    "EInvoiceWebhooks",
    "FeedFile",
    "FeedResult",
    "InboundMessage",
    "InboxDocument",
    "MessageChannel",
    "OnlinePaymentProvider",
    "Participant",
    "PaymentProvider",
    "PaymentRequest",
    "PayoutItem",
    "ProviderEvent",
    "ProviderOutcome",
    "ProviderPayout",
    "ProviderPayouts",
    "RefundResult",
    "SentDocument",
    "StatementFormat",
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
    """A way to deliver a message: e-mail, SMS, a chat app.

    ``name`` is the channel's identifier (equal to its entry point and module name:
    ``"smtp"``); ``kinds`` the kinds of address it delivers to (``"email"``, ``"sms"``);
    ``secret_settings`` the names of settings that are secrets (a password, an auth token):
    paylink never shows them back, and the channel never puts them into a repr, a log line or
    an error message.

    paylink instantiates the class with the organization's stored settings as keyword
    arguments (``pl.channels.configure(org, "smtp", host=..., password=...)``), once per
    dispatch run, never at import time. A constructor that gets a setting it does not know or
    misses one it needs raises :class:`~paylink.exceptions.ValidationError` naming it.

    A channel whose provider calls back (delivery statuses, replies) also implements
    :class:`ChannelCallbacks`; paylink asks ``supports_callbacks`` before it assumes so.
    """

    name: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    secret_settings: ClassVar[frozenset[str]]

    def send(self, message: OutgoingMessage) -> SendResult:
        """Deliver ``message`` (an e-mail with its attachments, or an SMS) now.

        On success return a :class:`~paylink.notify.SendResult` with the provider's id of the
        message. On failure raise :class:`~paylink.exceptions.ProviderUnavailable` when trying
        again later may help (a timeout, a connection error, a 5xx or 429), or
        :class:`~paylink.exceptions.ProviderRejected` when it will not (a refused address, a
        4xx; :class:`~paylink.exceptions.ProviderAuthError` for bad credentials): the outbox
        retries the first with backoff and dead-letters the second at once. Never raise a
        library's own exception, and never retry for long: the outbox schedules retries.
        """
        ...


@attrs.frozen(kw_only=True)
class DeliveryStatus:
    """What a channel's provider reported about one message it sent.

    ``provider_message_id`` is the id :meth:`MessageChannel.send` returned
    (:attr:`~paylink.notify.SendResult.provider_message_id`); ``provider_status`` the
    provider's own word (kept on the message); ``status`` what it means in paylink's words:
    ``"delivered"``, ``"failed"``, or ``None`` when it changes nothing (``"queued"``,
    ``"sent"``). ``error`` is the provider's explanation of a failure, if any. Statuses only
    move forward: a late ``sent`` never undoes ``delivered``.
    """

    provider_message_id: str
    provider_status: str
    status: Literal["delivered", "failed"] | None = None
    error: str | None = None


@attrs.frozen(kw_only=True)
class InboundMessage:
    """A message a customer sent to the organization through a channel (a reply to an SMS).

    ``sender`` is the address it came from (an E.164 number, an e-mail address);
    ``channel_kind`` the kind of that address (``"sms"``, ``"email"``);
    ``provider_message_id`` the provider's id of it (a redelivered callback is recorded once).
    A ``STOP``-like text opts the sender out of that kind of message, ``START`` back in.
    """

    sender: str
    text: str = attrs.field(repr=False)
    channel_kind: str = "sms"
    provider_message_id: str | None = None


ChannelEvent = DeliveryStatus | InboundMessage
"""What a channel's callback says happened: a delivery status or an incoming message."""


@attrs.frozen(kw_only=True)
class ChannelCallback:
    """A verified channel callback: its events, and what to answer the provider.

    ``answer_status``, ``answer_body`` and ``answer_type`` are the HTTP answer the provider
    expects (Twilio: 204 for a status, an empty TwiML document for a reply). The web app sends
    them as they are.
    """

    events: tuple[ChannelEvent, ...] = ()
    answer_status: int = 204
    answer_body: str = ""
    answer_type: str = "text/plain"


@runtime_checkable
class ChannelCallbacks(Protocol):
    """The optional capability of a :class:`MessageChannel` whose provider calls back.

    ``supports_callbacks`` is ``True`` (paylink asks it, and never assumes the capability).
    The web app receives the callback at ``/webhooks/channels/<channel name>/<organization
    id>`` (Twilio's also at its older ``/webhooks/twilio/<organization id>``) and
    the service opens the channel with that organization's settings, so the channel knows the
    secret the call must be signed with.
    """

    supports_callbacks: ClassVar[bool]

    def parse_callback(self, request: WebhookRequest) -> ChannelCallback:
        """Verify ``request`` exactly as the provider signs it, then read it.

        On success return a :class:`ChannelCallback` with the :class:`DeliveryStatus` and
        :class:`InboundMessage` events it carries (none for a call that needs nothing). On a
        missing or wrong signature, a call for another account or a request that is not a
        callback, raise :class:`~paylink.exceptions.WebhookRejected` with the HTTP status to
        answer (401, 403, 400, 405): nothing is then applied. Never read a field before the
        signature is verified, and never put a secret in the exception.
        """
        ...


# --- online payment providers (card, wallet): events, polling, refunds -----------------------

ProviderOutcome = Literal["paid", "in_progress", "interrupted", "refunded", "payout", "ignored"]
"""What a provider's status means for a payment link: ``paid`` (money received: the payment is
recorded), ``in_progress`` (the customer is paying), ``interrupted`` (this attempt failed, was
cancelled or expired: the customer may try again), ``refunded`` (money went back), ``ignored``
(nothing to do)."""

PROVIDER_OUTCOMES: frozenset[str] = frozenset(
    {"paid", "in_progress", "interrupted", "refunded", "payout", "ignored"}
)


@attrs.frozen(kw_only=True)
class ProviderEvent:
    """What a provider said about one payment, in paylink's words (from a webhook or a poll).

    ``event_id`` de-duplicates: the same ``(provider, event_id)`` is applied once. A provider
    without event ids (Mollie, Payconiq) makes one from the payment id and its state.
    ``provider_reference`` is the attempt's id (a checkout session, a payment);
    ``payment_reference`` the id the payment is recorded under, unique per provider (a Stripe
    payment intent; the payment id elsewhere). ``link_id`` and ``account_id`` come from the
    metadata paylink sent with the checkout (``None`` when absent). ``amount`` is what was paid
    (``paid``) or the total refunded so far (``refunded``). A ``payout`` event says that the
    payout ``provider_reference`` changed (Stripe's ``payout.paid``): paylink fetches it with
    :meth:`ProviderPayouts.fetch_payout` and records it. ``reference`` is the reference the
    payment carries (Payconiq's ``reference``): for a payment paylink did not start (no known
    checkout), a paid event whose reference is an invoice's structured reference or number
    pays that invoice.
    """

    provider: str
    event_id: str
    outcome: ProviderOutcome
    provider_status: str
    provider_reference: str | None = None
    payment_reference: str | None = None
    link_id: str | None = None
    account_id: str | None = None
    amount: Money | None = None
    method: str = ""
    reference: str | None = None


@attrs.frozen(kw_only=True)
class RefundResult:
    """A refund the provider accepted: its id, amount and status (``pending``, ``refunded``)."""

    provider: str
    provider_reference: str
    amount: Money
    status: str


@runtime_checkable
class OnlinePaymentProvider(PaymentProvider, Protocol):
    """A provider the customer pays on the provider's side (Stripe, Mollie, Payconiq …).

    paylink instantiates the class once per organization account with the account's stored
    settings as keyword arguments (``api_key``, ``webhook_secret``, ``base_url``, ``methods``
    and the provider's own settings) plus ``account_id``, ``http`` (an ``httpx.Client`` paylink
    owns, with its transport), ``clock`` (the service clock: use it for signature timestamps)
    and ``sleep`` (what to call between retries; tests pass one that does not wait). A setting
    it does not know or a missing credential raises :class:`~paylink.exceptions.ValidationError`.

    ``statuses`` maps every status the provider documents to a :data:`ProviderOutcome`; the
    conformance kit (:class:`paylink.testing.ProviderConformance`) checks it is complete.
    ``secret_settings`` names the settings that are secrets: they never appear in a repr, a log
    line or an error message.
    """

    statuses: ClassVar[Mapping[str, ProviderOutcome]]
    secret_settings: ClassVar[frozenset[str]]

    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        """Verify ``request`` and return what it reports.

        Verify first (signature, timestamp, account), parse after. On a bad or missing
        signature, a stale timestamp, a body that is not what the provider sends, or an event
        for another account, raise :class:`~paylink.exceptions.WebhookRejected` with a 4xx
        ``status_code``. A provider whose webhooks are not signed (Mollie) fetches the payment
        back from its API before returning anything. Return an empty sequence for events
        paylink has no use for. Never apply anything yourself: the core does, once.
        """
        ...

    def fetch_payment(self, provider_reference: str) -> ProviderEvent:
        """Ask the provider for the current state of the attempt ``provider_reference``.

        Used by the janitor for links whose webhook never came. On failure raise
        :class:`~paylink.exceptions.ProviderError`.
        """
        ...

    def refund(
        self, payment_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundResult:
        """Refund ``amount`` of the payment recorded under ``payment_reference``.

        Only called when ``supports_refunds`` is true. On success return the
        :class:`RefundResult`; on failure raise :class:`~paylink.exceptions.ProviderError`.
        Send ``idempotency_key`` on every retry.
        """
        ...

    def close(self) -> None:
        """Release the account's HTTP connections."""
        ...


@runtime_checkable
class ProviderPayouts(Protocol):
    """The payouts capability of an online provider: what it paid into the bank account.

    Only used when the provider class sets ``supports_payouts = True`` (asked, never assumed).
    A payout (a Stripe payout, a Mollie settlement) is the lump sum that reaches the bank: the
    payments of a period less the provider's fees, refunds and chargebacks. paylink records each
    once per ``(provider, account, payout id)`` and matches the bank credit of its net to it.
    A provider that announces payouts by webhook (a ``payout`` :class:`ProviderEvent`) sets
    ``payout_webhooks = True``; the others are polled by ``pl.payouts.poll()``.
    """

    supports_payouts: ClassVar[bool]

    def list_payouts(self, since: dt.date | None) -> Sequence[ProviderPayout]:
        """The account's payouts created on or after ``since`` (``None``: all the provider
        keeps), each with its items, newest first or in any order.

        Read them page by page as the provider paginates. On failure raise
        :class:`~paylink.exceptions.ProviderError`. Never record anything yourself.
        """
        ...

    def fetch_payout(self, payout_id: str) -> ProviderPayout:
        """The payout ``payout_id`` with its items, as the provider reports it now.

        On an unknown id raise :class:`~paylink.exceptions.ProviderRejected`; on other
        failures :class:`~paylink.exceptions.ProviderError`.
        """
        ...
