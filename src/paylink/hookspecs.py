"""The hooks a paylink plugin can implement.

A plugin is a module or object with functions named like the hooks below, marked with
``@paylink.hookimpl``, and made known to paylink through the ``paylink`` entry-point group::

    # pyproject.toml of your plugin
    [project.entry-points.paylink]
    acmepay = "paylink_acmepay"

There are two kinds of hooks.

**Registration hooks** (``paylink_register_*``) are called once, when the plugin manager is
built. They receive a ``register`` callable; call it once per thing your plugin provides, with a
class or factory that the core instantiates later with the account's settings and an HTTP
client. Registering two things under one name is an error. Providers, channels and feeds are
all built one way (:mod:`paylink.context`): settings declared in ``settings_spec`` are checked
by name, and a constructor that takes ``context`` gets a
:class:`~paylink.context.PluginContext` (HTTP client with paylink's retries, clock, sleep, a
logger that masks secrets). A plugin that fails to import or raises here is left out and
listed as broken by ``paylink plugins``; the others keep working.

**Event hooks** (``paylink_invoice_issued`` …) are called after the use case that caused the event
has committed, so what they receive is already stored. Their return value is ignored; an
exception they raise is logged and does not undo the committed work. Use them to push your own
notifications, update a CRM or hand a file to a collection agency.

Every hook argument is passed by keyword; an implementation may accept any subset of them,
which keeps old plugins working when a hook gains an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .documents import Invoice
    from .links import PaymentLink
    from .notify import OutgoingMessage
    from .parties import Customer, Organization
    from .payments import Payment

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("paylink")
"""Marker for hook specifications (used by paylink itself)."""

hookimpl = pluggy.HookimplMarker("paylink")
"""Marker for hook implementations: decorate your plugin's hook functions with it."""


# --- registration hooks ---------------------------------------------------------------------


@hookspec
def paylink_register_payment_providers(register: Callable[[Any], None]) -> None:
    """Register payment providers (card, wallet, bank transfer …).

    Called once when the plugin manager is built.

    :param register: call ``register(provider_class)`` once per provider. The class must satisfy
        :class:`paylink.ports.PaymentProvider`: a unique ``name`` class attribute (the same as
        your entry point and module name, e.g. ``"stripe"``), its settings declared in
        ``settings_spec`` and a constructor taking them as keyword arguments plus ``context``
        (a :class:`paylink.context.PluginContext`; older plugins get ``http`` and ``clock``
        instead). The core instantiates it per organization account, never at import time.
        ``paylink plugin new provider NAME`` writes such a plugin, passing its kit.
        A card or wallet provider (one an organization connects with
        ``pl.providers.connect(org, name, api_key=...)``) also satisfies
        :class:`paylink.ports.OnlinePaymentProvider`: it gets ``account_id`` and ``sleep`` too,
        verifies its webhooks, reads payments back for the janitor and declares its statuses;
        ``paylink.testing.ProviderConformance`` checks all of it.
    """


@hookspec
def paylink_register_channels(register: Callable[[Any], None]) -> None:
    """Register message channels (e-mail, SMS …) that deliver outgoing messages.

    Called once when the plugin manager is built.

    :param register: call ``register(channel_class)`` once per channel. The class must satisfy
        :class:`paylink.ports.MessageChannel`: a unique ``name`` (``"smtp"``, ``"twilio"``), the
        ``kinds`` of address it delivers to (``"email"``, ``"sms"``), its settings declared in
        ``settings_spec`` and a constructor taking them as keyword arguments (plus ``context``,
        a :class:`paylink.context.PluginContext`, when it asks for it). A channel whose
        provider calls back
        (delivery statuses, replies) also sets ``supports_callbacks = True`` and implements
        :class:`paylink.ports.ChannelCallbacks`: ``parse_callback(request)`` verifies the call
        and returns :class:`paylink.ports.DeliveryStatus` and
        :class:`paylink.ports.InboundMessage` values, which paylink applies
        (``pl.channels.handle_webhook(org, name, request)``).
    """


@hookspec
def paylink_register_bank_feeds(register: Callable[[Any], None]) -> None:
    """Register bank feeds: sources that deliver bank transactions without a file upload.

    Called once when the plugin manager is built.

    :param register: call ``register(feed_class)`` once per feed. The class must satisfy
        :class:`paylink.ports.BankFeed`: a unique ``name`` (``"ponto"``, ``"coda_drop"``), its
        settings declared in ``settings_spec`` and a constructor taking them as keyword
        arguments (plus ``context``, a :class:`paylink.context.PluginContext`, when it asks for
        it). A feed whose provider calls back implements ``parse_callback(request)``
        returning a :class:`paylink.feeds.FeedWebhook` (``sync=True``: paylink syncs at once).
    """


@hookspec
def paylink_register_statement_formats(register: Callable[[Any], None]) -> None:
    """Register readers of bank statement files.

    Called once when the plugin manager is built. paylink's own formats (CAMT, CODA, MT940, CSV)
    are registered through this same hook.

    :param register: call ``register(format)`` once per format, with an object that satisfies
        :class:`paylink.ports.StatementFormat`: a unique ``name``, a ``sniff(head)`` that
        recognises the format from the first bytes of a file, and a ``parse(...)`` that yields
        :class:`paylink.statements.Statement` objects.
    """


@hookspec
def paylink_register_match_rules(register: Callable[..., None]) -> None:
    """Register reconciliation rules that propose which invoices a bank transaction pays.

    Called once when the plugin manager is built.

    :param register: call ``register(rule, priority=...)`` once per rule, with a callable
        ``rule(transaction, index)`` that returns candidate matches (see
        :mod:`paylink.reconcile`). Lower ``priority`` runs first; paylink's built-in rules use
        10 to 90 in steps of 10.
    """


@hookspec
def paylink_register_einvoice_networks(register: Callable[[Any], None]) -> None:
    """Register e-invoice networks: access points to Peppol that carry invoices to buyers
    and bring suppliers' invoices in.

    Called once when the plugin manager is built.

    :param register: call ``register(network_class)`` once per network. The class must satisfy
        :class:`paylink.ports.EInvoiceNetwork`: a unique ``name`` class attribute (the same as
        your entry point and module name, e.g. ``"billit"``), ``secret_settings`` (the names
        of the settings that are secrets), ``supports_webhooks`` and ``supports_inbox``, and a
        constructor built through the plugin kit's contract (:func:`paylink.context.build_plugin`):
        declare ``settings_spec`` and take the settings plus ``context`` (a
        :class:`paylink.context.PluginContext`: HTTP client, clock, sleep, masking logger), or
        take the settings as keyword arguments plus ``http`` (an ``httpx.Client`` or ``None``),
        ``clock`` and ``sleep``. The core builds it per organization account
        (``pl.einvoices.connect(org, name, api_key=...)``), never at import time. It looks
        participants up, sends documents with an idempotency key and reports their delivery;
        a network that calls back also implements :class:`paylink.ports.EInvoiceWebhooks`,
        one that receives documents :class:`paylink.ports.EInvoiceInbox`.
        ``paylink.testing.NetworkConformance`` checks all of it.
    """


# --- event hooks ----------------------------------------------------------------------------


@hookspec
def paylink_invoice_issued(organization: Organization, invoice: Invoice) -> None:
    """An invoice was issued: it has its number, structured reference and totals.

    Called after the transaction that issued it has committed.

    :param organization: the issuing organization.
    :param invoice: the issued invoice, as stored.
    """


@hookspec
def paylink_link_status_changed(
    organization: Organization, link: PaymentLink, old_status: str, new_status: str
) -> None:
    """A payment link moved to a new status (``opened``, ``in_progress``, ``paid`` …).

    Called after the change has committed, once per transition. Statuses only move forward, so
    ``new_status`` is never an earlier stage than ``old_status``.

    :param organization: the organization the link belongs to.
    :param link: the link after the change, with its full history.
    :param old_status: the status before the change.
    :param new_status: the status after the change (also ``link.status``).
    """


@hookspec
def paylink_payment_recorded(organization: Organization, payment: Payment) -> None:
    """A payment was recorded and allocated to one or more invoices.

    Called after the transaction has committed, whatever recorded the payment: the API, a
    provider's webhook, or reconciliation of a bank statement.

    :param organization: the organization that received the payment.
    :param payment: the payment with its allocations.
    """


@hookspec
def paylink_invoice_paid(organization: Organization, invoice: Invoice) -> None:
    """An invoice became fully paid (its open amount reached zero).

    Called after the transaction has committed, once per invoice.

    :param organization: the organization that issued the invoice.
    :param invoice: the invoice, now with status ``paid``.
    """


@hookspec
def paylink_reminder_escalated(
    organization: Organization, invoice: Invoice, step: Any, context: dict[str, Any]
) -> None:
    """A dunning policy step asked to escalate an unpaid invoice.

    Implement it to hand the file to a collection service, a digital bailiff or a person.
    Called after the reminder run has committed, once per invoice and step.

    :param organization: the organization that issued the invoice.
    :param invoice: the unpaid invoice.
    :param step: the :class:`paylink.reminders.Step` that escalated.
    :param context: what the step computed: ``{"open_amount", "days_overdue", "fees"}``.
    """


@hookspec
def paylink_message_status_changed(
    organization: Organization, message: OutgoingMessage, old_status: str, new_status: str
) -> None:
    """An outgoing message moved to a new delivery status.

    Called after the change has committed: when a channel accepted the message (``sent``),
    when the provider reported it ``delivered`` or ``failed``, when the outbox gave up on it
    (``dead``), or when it was ``cancelled`` because the recipient opted out.

    :param organization: the organization that sent the message.
    :param message: the :class:`paylink.notify.OutgoingMessage` after the change.
    :param old_status: the status before the change.
    :param new_status: the status after the change (also ``message.status``).
    """


@hookspec
def paylink_einvoice_status_changed(
    organization: Organization,
    invoice: Invoice,
    delivery: Any,
    old_status: str | None,
    new_status: str,
) -> None:
    """An invoice's e-invoice delivery moved to a new status.

    Called after the change has committed, once per transition: when the invoice was handed
    to the network (``queued`` or ``sent``; ``old_status`` is ``None`` then), when the network
    reported it ``delivered``, or ``refused`` (``delivery.reason`` says why: the refused
    invoice also appears in the owner's digest). Statuses only move forward.

    :param organization: the organization that issued the invoice.
    :param invoice: the invoice (or credit note) the e-invoice was made of.
    :param delivery: the :class:`paylink.networks.EInvoiceDelivery` after the change.
    :param old_status: the status before the change, or ``None`` for a new delivery.
    :param new_status: the status after the change (also ``delivery.status``).
    """


@hookspec
def paylink_message_received(
    organization: Organization,
    channel: str,
    sender: str,
    text: str,
    customer: Customer | None,
) -> None:
    """A customer replied to a message (an inbound SMS through Twilio, for example).

    Called after the reply has been stored, once per provider message. ``STOP`` and ``START``
    replies have already been applied as opt-out and opt-in when this is called; implement the
    hook to route other replies to a person (a helpdesk ticket, a chat).

    :param organization: the organization the reply was sent to.
    :param channel: the channel it came through (``"twilio"``).
    :param sender: the sender's address (an E.164 phone number for SMS).
    :param text: the reply's text.
    :param customer: the customer with that address, or ``None`` when none matches.
    """
