"""``pl.providers``: card and wallet provider accounts, checkouts, webhooks, polling, refunds.

Flow: the pay page lists the methods of the organization's connected accounts; choosing one
calls :meth:`Providers.checkout`, which stores a checkout attempt with its idempotency key
*before* calling the provider (so a retry reuses the key), then sends the customer to the
provider and marks the link ``in_progress``. The provider reports back through a webhook
(:meth:`Providers.handle_webhook`, verified by the plugin) or answers the janitor
(:meth:`Providers.refresh_pending`); both end in :meth:`Providers.apply`, which applies the
event in one unit of work: recorded once per ``(provider, event id)``, statuses forward only,
the payment recorded once per provider reference (the lower floor's
:mod:`paylink.service._provider_events`).
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import logging
import secrets
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from ..exceptions import (
    NotFound,
    PluginError,
    ProviderError,
    ProviderRejected,
    StateError,
    ValidationError,
    WebhookRejected,
)
from ..links import PaymentLink
from ..money import Money
from ..parties import Organization
from ..payments import Payment
from ..ports import Checkout, PaymentRequest, ProviderEvent, WebhookRequest
from ..providers import CheckoutAttempt, ProviderAccount, RefreshReport, Refund
from ..store import links as link_queries
from ..store import providers as q
from ..store.organizations import get_customer
from ._base import Resource, new_id
from ._links import mark_link
from ._payments import link_amount_due
from ._payouts import sync_payout
from ._provider_accounts import plugin_call
from ._provider_events import apply_event, refresh_pending, refund_payment

__all__ = ["METHOD_LABELS", "Providers", "offer_label"]

log = logging.getLogger("paylink.providers")

METHOD_LABELS = {
    "card": "Card",
    "creditcard": "Card",
    "bancontact": "Bancontact",
    "ideal": "iDEAL",
    "payconiq": "Payconiq by Bancontact",
    "sepa_debit": "SEPA Direct Debit",
    "directdebit": "SEPA Direct Debit",
    "paypal": "PayPal",
    "applepay": "Apple Pay",
    "apple_pay": "Apple Pay",
    "googlepay": "Google Pay",
    "kbc": "KBC/CBC",
    "belfius": "Belfius",
    "eps": "EPS",
    "giropay": "giropay",
    "sofort": "SOFORT",
    "klarna": "Klarna",
}
"""Common payment-method names. Kept for callers that used it; the pay page asks each
provider's plugin instead (:func:`offer_label`)."""


def _translated(value: str | Mapping[str, str], language: str) -> str:
    if isinstance(value, str):
        return value
    return value.get(language) or value.get("en") or next(iter(value.values()), "")


def offer_label(cls: Any, methods: Sequence[str], language: str = "en") -> str:
    """The pay page's button text for an account of provider ``cls`` offering ``methods``.

    Everything comes from the plugin: a provider that declares ``method_labels`` (method ->
    label, or language -> label) names the methods it offers, joined with ``" / "``; methods
    its ``grouped_methods`` puts under another (wallets under ``card``) are named after that
    one, joined with ``", "`` (``"Card, Apple Pay, Google Pay"``: one button, the checkout
    shows them together). Else the provider's own ``labels[language]`` or ``label`` names the
    button.
    """
    method_labels: Mapping[str, str | Mapping[str, str]] = getattr(cls, "method_labels", {})
    if method_labels:
        grouped: Mapping[str, str] = getattr(cls, "grouped_methods", {})
        groups: dict[str, list[str]] = {}
        for method in methods:
            head = grouped.get(method, method)
            members = groups.setdefault(head, [head])
            if method != head:
                members.append(method)
        names = [
            ", ".join(
                dict.fromkeys(_translated(method_labels.get(m, m), language) for m in members)
            )
            for members in groups.values()
        ]
        return " / ".join(dict.fromkeys(names))
    labels: Mapping[str, str] = getattr(cls, "labels", {})
    return str(labels.get(language) or getattr(cls, "label", "") or cls.name)


_OPEN_LINK = ("created", "sent", "opened", "in_progress", "interrupted")
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _fingerprint(settings: dict[str, Any]) -> str:
    return json.dumps(settings, sort_keys=True, default=str)


class Providers(Resource):
    """Payment provider accounts per organization, and everything that goes through them.

    ``transport`` (an ``httpx.BaseTransport``, default ``None``: the network) and ``sleep``
    (called between retries, default :func:`time.sleep`) are what every account's HTTP client
    is built with; tests set them to a mock transport and a function that does not wait.
    """

    @property
    def transport(self) -> httpx.BaseTransport | None:
        """The transport every account's HTTP client is built with (None: the network)."""
        return self._ctx.providers.transport

    @transport.setter
    def transport(self, value: httpx.BaseTransport | None) -> None:
        self._ctx.providers.transport = value

    @property
    def sleep(self) -> Callable[[float], None]:
        """What the provider clients call to wait between retries."""
        return self._ctx.providers.sleep

    @sleep.setter
    def sleep(self, value: Callable[[float], None]) -> None:
        self._ctx.providers.sleep = value

    def connect(
        self,
        org: Organization | str,
        provider: str,
        *,
        api_key: str | None = None,
        webhook_secret: str | Sequence[str] | None = None,
        base_url: str | None = None,
        methods: Sequence[str] | None = None,
        **settings: Any,
    ) -> ProviderAccount:
        """Connect ``org``'s account at ``provider`` (``"stripe"``, ``"mollie"``,
        ``"payconiq"`` or any installed plugin), or replace its settings.

        The settings are checked by the provider plugin (unknown or missing ones raise
        :class:`~paylink.exceptions.ValidationError`) and stored with the organization.
        ``base_url`` overrides the API host (a sandbox, a mock server); ``methods`` chooses the
        payment methods offered (default: the provider's). The returned account's
        ``webhook_url`` is what to configure at the provider. Reconnecting keeps the account
        id, and so the webhook URL.
        """
        cls = self._ctx.providers.provider_class(provider)
        stored: dict[str, Any] = {
            key: value
            for key, value in {
                "api_key": api_key,
                "webhook_secret": list(webhook_secret)
                if webhook_secret is not None and not isinstance(webhook_secret, str)
                else webhook_secret,
                "base_url": base_url.rstrip("/") if base_url else None,
                **settings,
            }.items()
            if value is not None
        }
        chosen = tuple(methods) if methods else None
        probe = self._ctx.providers.build(cls, stored, chosen, "", None)
        try:
            offered = tuple(chosen or probe.methods)
        finally:
            probe.close()
        if not offered:
            raise ValidationError("expected at least one payment method", field="methods")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            account_id = q.upsert_account(
                unit.conn,
                account_id=new_id("pacc"),
                org_id=organization.id,
                provider=provider,
                settings=stored,
                methods=offered,
                now=unit.now,
            )
            account = q.get_account(
                unit.conn, account_id, self._ctx.base_url, self._ctx.providers.secret_of(provider)
            )
        self._ctx.providers.drop(account.id)
        log.info("connected %s account %s for %s", provider, account.id, organization.id)
        return account

    def disconnect(self, org: Organization | str, provider: str) -> bool:
        """Stop offering ``provider`` for ``org``; return whether an account was connected.

        The account is kept (inactive) so late webhooks for its payments are still verified
        and applied.
        """
        with self._ctx.unit() as unit:
            return q.deactivate_account(unit.conn, self._org_id(org), provider, unit.now)

    def get(self, org: Organization | str, provider: str) -> ProviderAccount | None:
        """``org``'s active account at ``provider``, or ``None``."""
        return next((a for a in self.list(org) if a.provider == provider), None)

    def account(self, account_id: str) -> ProviderAccount:
        """The account with this id (active or not)."""
        with self._ctx.store.transaction() as conn:
            return self._ctx.providers.account(conn, account_id)

    def list(self, org: Organization | str) -> builtins.list[ProviderAccount]:
        """``org``'s active accounts, oldest first."""
        with self._ctx.store.transaction() as conn:
            return q.list_accounts(
                conn, self._org_id(org), self._ctx.base_url, self._ctx.providers.secret_of
            )

    def offers(
        self, org: Organization | str, *, language: str = "en"
    ) -> builtins.list[tuple[ProviderAccount, str]]:
        """What the pay page offers: each active account whose plugin is installed, with the
        label its plugin gives it in ``language`` (see :func:`offer_label`)."""
        offers = []
        for account in self.list(org):
            cls = self._ctx.plugins.payment_providers.get(account.provider)
            if cls is None:
                continue
            offers.append((account, offer_label(cls, account.methods, language)))
        return offers

    def logo(self, provider: str) -> str | None:
        """The logo (a URL) the provider's plugin declares, or None."""
        cls = self._ctx.plugins.payment_providers.get(provider)
        logo = getattr(cls, "logo", None)
        return str(logo) if logo else None

    def open(self, account: ProviderAccount | str) -> Any:
        """The provider plugin instantiated for ``account`` (one per account and settings)."""
        if isinstance(account, str):
            account = self.account(account)
        return self._ctx.providers.open(account)

    def close(self) -> None:
        """Close every account's HTTP client."""
        self._ctx.providers.close()

    # -- checkout ----------------------------------------------------------------------------
    def checkout(self, link: PaymentLink | str, provider: str, *, language: str = "en") -> Checkout:
        """Start (or resume) paying ``link`` through the organization's ``provider`` account.

        One logical attempt has one idempotency key, stored before the provider is called:
        a retry after a failure or a double click reuses it, and an attempt that is still open
        is handed back without asking the provider again. The amount is the link's amount due
        now, never what a browser says. The link becomes ``in_progress``. Raises
        :class:`~paylink.exceptions.StateError` when the link cannot be paid, and
        :class:`~paylink.exceptions.ProviderError` when the provider fails (try again: the same
        key is used).
        """
        link_id = link if isinstance(link, str) else link.id
        self._ctx.public_base_url("start a checkout (the provider sends the payer back)")
        with self._ctx.unit() as unit:
            current = link_queries.get_link(unit.conn, link_id, self._ctx.addresses)
            amount = link_amount_due(unit, current)
        if current.status not in _OPEN_LINK:
            raise StateError(f"the link is {current.status}; it cannot be paid")
        account = self.get(current.organization_id, provider)
        if account is None:
            raise NotFound(f"no {provider} account is connected for this organization")
        if amount.amount <= 0:
            raise StateError("nothing is due on this link")
        instance = self.open(account)
        attempt, reused = self._attempt(current, account, amount)
        if reused is not None:
            return reused
        with self._ctx.store.transaction() as conn:
            org = self._org(conn, current.organization_id)
            customer = (
                get_customer(conn, org.id, current.customer_id) if current.customer_id else None
            )
        back = f"{current.url}?attempt={attempt.id}"
        request = PaymentRequest(
            link_id=current.id,
            amount=amount,
            description=current.description or f"Payment to {org.name}",
            reference=current.reference,
            beneficiary_name=org.name,
            customer_name=customer.name if customer else None,
            customer_email=customer.email if customer else None,
            language=language,
            return_url=f"{back}&checkout=return",
            cancel_url=f"{back}&checkout=cancel",
            webhook_url=account.webhook_url,
            idempotency_key=attempt.idempotency_key,
        )
        checkout: Checkout = plugin_call(provider, instance.start_payment, request)
        with self._ctx.unit() as unit:
            q.update_attempt(
                unit.conn,
                attempt.id,
                unit.now,
                status="open",
                provider_reference=checkout.provider_reference,
                redirect_url=checkout.redirect_url,
                expires_at=checkout.expires_at,
                data={
                    "method": checkout.method,
                    "qr_payload": checkout.qr_payload,
                    "instructions": dict(checkout.instructions),
                },
            )
            fresh = link_queries.get_link(
                unit.conn, current.id, self._ctx.addresses, for_update=True
            )
            mark_link(unit, fresh, "in_progress", source=provider, detail=f"checkout {attempt.id}")
        return checkout

    def _attempt(
        self, link: PaymentLink, account: ProviderAccount, amount: Money
    ) -> tuple[CheckoutAttempt, Checkout | None]:
        """The attempt to use (made if needed), and its checkout when it can be handed back."""
        with self._ctx.unit() as unit:
            fresh = link_queries.get_link(unit.conn, link.id, self._ctx.addresses, for_update=True)
            for attempt in q.attempts_for_link(unit.conn, link.id, statuses=["pending", "open"]):
                if attempt.account_id != account.id:
                    continue
                expired = attempt.expires_at is not None and attempt.expires_at <= unit.now
                if attempt.amount != amount or expired:
                    q.update_attempt(unit.conn, attempt.id, unit.now, status="closed")
                    continue
                if attempt.status == "pending":
                    return attempt, None  # the provider never answered: retry with its key
                if attempt.redirect_url or attempt.data.get("qr_payload"):
                    mark_link(unit, fresh, "in_progress", source=account.provider)
                    return attempt, self._checkout_of(attempt)
                q.update_attempt(unit.conn, attempt.id, unit.now, status="closed")
            attempt = CheckoutAttempt(
                id=new_id("chk"),
                organization_id=link.organization_id,
                account_id=account.id,
                provider=account.provider,
                link_id=link.id,
                idempotency_key=f"paylink-{secrets.token_hex(16)}",
                status="pending",
                amount=amount,
            )
            q.insert_attempt(unit.conn, attempt, unit.now)
            return attempt, None

    @staticmethod
    def _checkout_of(attempt: CheckoutAttempt) -> Checkout:
        return Checkout(
            provider=attempt.provider,
            method=str(attempt.data.get("method") or attempt.provider),
            provider_reference=attempt.provider_reference,
            redirect_url=attempt.redirect_url,
            instructions=dict(attempt.data.get("instructions") or {}),
            qr_payload=attempt.data.get("qr_payload"),
            expires_at=attempt.expires_at,
        )

    def attempts(self, link: PaymentLink | str) -> builtins.list[CheckoutAttempt]:
        """The link's checkout attempts, oldest first."""
        with self._ctx.store.transaction() as conn:
            return q.attempts_for_link(conn, link if isinstance(link, str) else link.id)

    def returned(self, link: PaymentLink, attempt_id: str, *, cancelled: bool) -> PaymentLink:
        """The customer came back from the provider's page (return or cancel URL).

        A cancel closes the attempt and marks the link ``interrupted`` (the customer may try
        again); a return asks the provider for the attempt's state, so the page can show the
        payment without waiting for the webhook. Nothing is taken from the browser but which
        attempt it was.
        """
        with self._ctx.store.transaction() as conn:
            try:
                attempt = q.get_attempt(conn, attempt_id)
            except NotFound:
                return link
        if attempt.link_id != link.id:
            return link
        if cancelled:
            with self._ctx.unit() as unit:
                if attempt.status != "closed":
                    q.update_attempt(unit.conn, attempt.id, unit.now, status="closed")
                fresh = link_queries.get_link(
                    unit.conn, link.id, self._ctx.addresses, for_update=True
                )
                if fresh.status == "in_progress":
                    fresh = mark_link(
                        unit,
                        fresh,
                        "interrupted",
                        source=attempt.provider,
                        detail="cancelled by the customer",
                    )
                return fresh
        if attempt.status == "open" and attempt.provider_reference:
            try:
                account = self.account(attempt.account_id)
                event = plugin_call(
                    account.provider, self.open(account).fetch_payment, attempt.provider_reference
                )
                apply_event(self._ctx, account, event)
            except ProviderError as exc:
                log.warning(
                    "could not read %s attempt %s back: %s", attempt.provider, attempt.id, exc
                )
        with self._ctx.store.transaction() as conn:
            return link_queries.get_link(conn, link.id, self._ctx.addresses)

    # -- events --------------------------------------------------------------------------------
    def handle_webhook(
        self, provider: str, account_id: str, request: WebhookRequest
    ) -> builtins.list[str]:
        """Verify and apply a webhook that ``provider`` sent for the account ``account_id``.

        Returns what became of each event (``"applied"``, ``"duplicate"``, ``"unknown_link"``,
        ``"ignored"`` …). Raises :class:`~paylink.exceptions.WebhookRejected` (nothing applied)
        for an unknown account, a failed verification or an event of another account; its
        ``status_code`` is what to answer.
        """
        try:
            account = self.account(account_id)
        except NotFound:
            raise WebhookRejected("unknown webhook endpoint", status_code=404) from None
        if account.provider != provider:
            raise WebhookRejected("unknown webhook endpoint", status_code=404)
        try:
            instance = self.open(account)
        except PluginError:
            raise WebhookRejected("unknown webhook endpoint", status_code=404) from None
        try:
            events = plugin_call(provider, instance.parse_webhook, request)
        except ProviderRejected as exc:
            raise WebhookRejected(
                f"{provider}: the provider does not know this payment ({exc.status_code})",
                status_code=404,
            ) from exc
        except ProviderError as exc:
            raise WebhookRejected(
                f"{provider}: could not read the payment back; try again later",
                status_code=503,
            ) from exc
        for event in events:
            if event.account_id and event.account_id != account.id:
                raise WebhookRejected(
                    f"{provider}: the event belongs to another account", status_code=403
                )
        try:
            return [self.apply(account, event) for event in events]
        except ProviderError as exc:
            # a payout event whose payout could not be read: the provider sends it again
            raise WebhookRejected(
                f"{provider}: could not read the payout back; try again later", status_code=503
            ) from exc

    def apply(self, account: ProviderAccount, event: ProviderEvent) -> str:
        """Apply one verified provider event to its link, once; return what became of it.

        Statuses only move forward, the payment is recorded once per provider reference,
        and an event for an unknown link is recorded and otherwise ignored. Every step is
        idempotent, so an event replayed after a crash changes nothing twice.
        Applied in one unit of work (the invoices locked before the link), run again after a
        deadlock. A ``payout`` event (Stripe's ``payout.paid``) fetches the payout from the
        provider and records it (see :meth:`paylink.service.payouts.Payouts.sync`).
        """
        if event.outcome == "payout":
            if not event.provider_reference:
                return "ignored"
            done = sync_payout(self._ctx, account, event.provider_reference)
            return "applied" if done.recorded or done.updated else "duplicate"
        return apply_event(self._ctx, account, event)

    # -- janitor ---------------------------------------------------------------------------------
    def refresh_pending(self, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> RefreshReport:
        """Ask the providers about links stuck ``in_progress`` for longer than ``older_than``.

        For a webhook that never came (a firewall, an outage): each open attempt of such a
        link is read back from its provider and applied like a webhook, so running this and
        receiving the webhook never count a payment twice. Provider failures are reported,
        not raised.
        """
        return refresh_pending(self._ctx, older_than)

    # -- refunds (their door is pl.payments) ---------------------------------------------------
    def refunds(self, payment: Payment | str) -> builtins.list[Refund]:
        """Deprecated alias of :meth:`Payments.refunds
        <paylink.service.payments.Payments.refunds>`: use ``pl.payments.refunds``."""
        warnings.warn(
            "pl.providers.refunds is deprecated; use pl.payments.refunds",
            DeprecationWarning,
            stacklevel=2,
        )
        with self._ctx.store.transaction() as conn:
            return q.refunds_of(conn, payment if isinstance(payment, str) else payment.id)

    def refund(self, payment: Payment, amount: Money | None = None) -> Refund:
        """Deprecated alias of :meth:`Payments.refund
        <paylink.service.payments.Payments.refund>`: use ``pl.payments.refund``."""
        warnings.warn(
            "pl.providers.refund is deprecated; use pl.payments.refund",
            DeprecationWarning,
            stacklevel=2,
        )
        return refund_payment(self._ctx, payment, amount)
