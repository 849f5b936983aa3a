"""E-invoice networks (Peppol access points): the values they exchange and their interface.

An e-invoice network plugin is the organization's access point to Peppol: it tells whether a
buyer is reachable (:meth:`EInvoiceNetwork.lookup`), carries a document to them
(:meth:`EInvoiceNetwork.send`), says what became of it (:meth:`EInvoiceNetwork.status`, or
its webhooks), and hands over what suppliers sent (:meth:`EInvoiceInbox.fetch_inbox`).
Plugins register their class through ``paylink_register_einvoice_networks``
(:mod:`paylink.hookspecs`); the values here are what they return, never their own JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

import attrs

from .parties import PartyId

if TYPE_CHECKING:
    from .ports import WebhookRequest

__all__ = [
    "DELIVERY_STATUSES",
    "DeliveryReport",
    "DeliveryState",
    "EInvoiceDelivery",
    "EInvoiceInbox",
    "EInvoiceNetwork",
    "EInvoiceWebhooks",
    "InboxDocument",
    "NetworkAccount",
    "Participant",
    "ReceivedEInvoice",
    "SentDocument",
]

DeliveryState = Literal["queued", "sent", "delivered", "refused"]
"""Where an e-invoice is on its way: ``queued`` (the network took it, it has not left the
access point yet), ``sent`` (handed to the buyer's access point), ``delivered`` (the buyer's
access point acknowledged it), ``refused`` (it will not arrive; the report says why)."""

DELIVERY_STATUSES: tuple[str, ...] = ("queued", "sent", "delivered", "refused")
"""The delivery states in their order: a status only moves forward."""

BIS_BILLING_INVOICE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
"""The Peppol document type identifier of a BIS Billing 3.0 invoice."""

BIS_BILLING_CREDIT_NOTE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
"""The Peppol document type identifier of a BIS Billing 3.0 credit note."""


def _rank(status: str) -> int:
    return DELIVERY_STATUSES.index(status)


@attrs.frozen(kw_only=True)
class Participant:
    """A participant the network can reach: its id and the document types it accepts.

    ``document_types`` are Peppol document type identifiers (see :data:`BIS_BILLING_INVOICE`);
    a participant that accepts none of the BIS Billing types cannot receive an invoice.
    """

    id: PartyId
    name: str | None = None
    document_types: tuple[str, ...] = ()

    def accepts(self, document_type: str) -> bool:
        """Whether the participant takes ``document_type``."""
        return document_type in self.document_types


@attrs.frozen(kw_only=True)
class SentDocument:
    """What the network answered when it took a document: its id for it, and its status."""

    network_id: str
    status: DeliveryState = "queued"


@attrs.frozen(kw_only=True)
class DeliveryReport:
    """What the network reports about one document it took (from a poll or a webhook).

    ``network_id`` is the id :meth:`EInvoiceNetwork.send` returned; ``status`` what it means
    in paylink's words; ``network_status`` the network's own word (kept for the record);
    ``reason`` the network's explanation of a refusal; ``at`` when it happened, if the network
    says.
    """

    network_id: str
    status: DeliveryState
    network_status: str = ""
    reason: str | None = None
    at: dt.datetime | None = None

    def moves_from(self, current: str) -> bool:
        """Whether this report moves a delivery now at ``current`` forward (a late ``sent``
        never undoes ``delivered``; ``refused`` and ``delivered`` are final)."""
        if current in ("delivered", "refused"):
            return False
        return _rank(self.status) > _rank(current)


@attrs.frozen(kw_only=True)
class InboxDocument:
    """A document a supplier sent to the organization over the network.

    ``network_id`` is the network's id of it (a redelivered document keeps its id: paylink
    records it once); ``content`` the document as received (UBL or CII bytes).
    """

    network_id: str
    content: bytes = attrs.field(repr=False)
    sender: PartyId | None = None
    document_type: str = BIS_BILLING_INVOICE
    received_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class ReceivedEInvoice:
    """A document that arrived over the organization's network, as paylink recorded it.

    ``purchase_id`` is the purchase invoice it became; a document the organization cannot
    read (not UBL or CII, or failing the checks) has none, and ``error`` says why: it is
    ``refused``, recorded once, and acknowledged, so the next inbox run does not report it
    again.
    """

    account_id: str
    network: str
    network_id: str
    organization_id: str
    purchase_id: str | None = None
    error: str | None = None
    received_at: dt.datetime | None = None

    @property
    def status(self) -> Literal["recorded", "refused"]:
        """``"recorded"`` (a purchase invoice) or ``"refused"`` (unreadable, see ``error``)."""
        return "recorded" if self.purchase_id else "refused"


@attrs.frozen(kw_only=True)
class NetworkAccount:
    """One organization's account at an e-invoice network (its access point).

    ``settings`` holds everything the network plugin is instantiated with, credentials
    included: it is left out of the repr; use :meth:`public_settings` to show them.
    ``webhook_url`` is where the network must send its delivery reports;
    ``send_invoices`` whether ``pl.messages.send`` of an invoice goes through
    ``pl.einvoices.send`` (the network when the buyer is reachable, else e-mail).
    """

    id: str
    organization_id: str
    network: str
    settings: Mapping[str, Any] = attrs.field(repr=False)
    secret_settings: frozenset[str] = attrs.field(repr=False, default=frozenset())
    webhook_url: str = ""
    send_invoices: bool = False
    active: bool = True
    created_at: dt.datetime | None = None

    def public_settings(self) -> dict[str, Any]:
        """The settings with every secret replaced by ``"***"``."""
        return {
            key: ("***" if key in self.secret_settings and value else value)
            for key, value in self.settings.items()
        }


@attrs.frozen(kw_only=True)
class EInvoiceDelivery:
    """How one invoice (or credit note) went out as an e-invoice, as paylink records it.

    ``via`` is ``"network"`` (over ``network``, the account ``account_id``, as
    ``network_id``) or ``"email"`` (the buyer was not reachable: the PDF went by e-mail, as
    the outbox message ``message_id``). ``status`` follows :data:`DeliveryState` for the
    network; an e-mail delivery is ``sent`` once queued (its message has its own status).
    ``reason`` is the network's explanation of a refusal. ``history`` lists
    ``(status, at, detail)`` oldest first: the invoice's timeline shows it.
    """

    id: str
    organization_id: str
    document_id: str
    via: Literal["network", "email"]
    status: DeliveryState
    receiver: str | None = None
    network: str | None = None
    account_id: str | None = None
    network_id: str | None = None
    message_id: str | None = None
    reason: str | None = None
    history: tuple[tuple[str, dt.datetime, str], ...] = ()
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@runtime_checkable
class EInvoiceNetwork(Protocol):
    """An access point to an e-invoice network (Peppol).

    ``name`` is the network plugin's identifier (equal to its entry point and module name:
    ``"einvoice_be"``, ``"billit"``); ``secret_settings`` names the settings that are secrets
    (an API key, a webhook secret): they never appear in a repr, a log line or an error
    message. paylink builds the class once per organization account through
    :func:`~paylink.context.build_plugin`: a class that declares ``settings_spec`` and takes
    ``context`` gets the account's stored settings (checked first) and a
    :class:`~paylink.context.PluginContext` (the ``httpx.Client`` paylink owns for the
    account, the clock, the sleep between retries, a logger that masks secrets); an older
    class gets the settings as keyword arguments plus ``http``, ``clock`` and ``sleep``. A
    setting it does not know or a missing credential raises
    :class:`~paylink.exceptions.ValidationError` naming it.

    ``supports_webhooks`` and ``supports_inbox`` say whether the optional capabilities
    :class:`EInvoiceWebhooks` and :class:`EInvoiceInbox` are there; paylink asks, never
    assumes.
    """

    name: ClassVar[str]
    secret_settings: ClassVar[frozenset[str]]
    supports_webhooks: ClassVar[bool]
    supports_inbox: ClassVar[bool]

    def lookup(self, scheme: str, identifier: str) -> Participant | None:
        """Whether the participant ``scheme:identifier`` is reachable over the network.

        On success return the :class:`Participant` with the document types it accepts, or
        ``None`` when it is not registered. On failure raise
        :class:`~paylink.exceptions.ProviderError` (never a library's own exception).
        """
        ...

    def send(
        self,
        document: bytes,
        sender: PartyId,
        receiver: PartyId,
        *,
        idempotency_key: str,
    ) -> SentDocument:
        """Hand ``document`` (UBL bytes, already checked) to the network for ``receiver``.

        On success return the :class:`SentDocument` with the network's id. On failure raise
        :class:`~paylink.exceptions.ProviderUnavailable` when trying again may help (timeouts,
        5xx, 429), :class:`~paylink.exceptions.ProviderRejected` when it will not (a 4xx:
        the document or the receiver was refused), :class:`~paylink.exceptions.ProviderAuthError`
        for bad credentials. Send ``idempotency_key`` on every retry, so a lost answer never
        makes two deliveries; never fall back to another transport (post, e-mail) silently.
        """
        ...

    def status(self, network_id: str) -> DeliveryReport:
        """The current state of the document ``network_id`` (paylink polls pending ones).

        On failure raise :class:`~paylink.exceptions.ProviderError`.
        """
        ...

    def close(self) -> None:
        """Release the account's HTTP connections."""
        ...


@runtime_checkable
class EInvoiceWebhooks(Protocol):
    """The optional capability of a network that calls back with delivery reports.

    ``supports_webhooks`` is ``True``. The web app receives the call at
    ``/webhooks/einvoice/<network name>/<account id>`` and the service opens that account's
    plugin, so it knows the secret the call must be signed with.
    """

    supports_webhooks: ClassVar[bool]

    def parse_webhook(self, request: WebhookRequest) -> Sequence[DeliveryReport]:
        """Verify ``request`` exactly as the network
        signs it, then return the delivery reports it carries (none for calls paylink has no
        use for). On a missing or wrong signature, or a body the network does not send, raise
        :class:`~paylink.exceptions.WebhookRejected` with the HTTP status to answer; never
        read a field before the signature is verified."""
        ...


@runtime_checkable
class EInvoiceInbox(Protocol):
    """The optional capability of a network that receives documents for the organization.

    ``supports_inbox`` is ``True``. paylink fetches, records each document as a purchase
    invoice, and acknowledges it only after the record has committed; a document fetched
    again before its acknowledgement reached the network is recorded once.
    """

    supports_inbox: ClassVar[bool]

    def fetch_inbox(self) -> Sequence[InboxDocument]:
        """The documents received and not yet acknowledged, oldest first. On failure raise
        :class:`~paylink.exceptions.ProviderError`."""
        ...

    def acknowledge(self, network_id: str) -> None:
        """Tell the network the document ``network_id`` is recorded (it stops offering it).
        On failure raise :class:`~paylink.exceptions.ProviderError`."""
        ...
