"""``pl.providers``: card and wallet provider accounts, checkouts, webhooks, polling, refunds.

Flow: the pay page lists the methods of the organization's connected accounts; choosing one
calls :meth:`Providers.checkout`, which stores a checkout attempt with its idempotency key
*before* calling the provider (so a retry reuses the key), then sends the customer to the
provider and marks the link ``in_progress``. The provider reports back through a webhook
(:meth:`Providers.handle_webhook`, verified by the plugin) or answers the janitor
(:meth:`Providers.refresh_pending`); both end in :meth:`Providers.apply`, which records each
event once per ``(provider, event id)``, moves statuses forward only, and records the payment
through :meth:`paylink.service.links.Links.settle`, once per provider reference.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import httpx
import sqlalchemy as sa

from ..documents import Invoice
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
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import payments as payment_queries
from ..store import providers as q
from ..store.organizations import get_customer
from ._base import Resource, Unit, new_id
from .links import mark_link

__all__ = ["METHOD_LABELS", "Providers"]

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
"""How a payment method is named on the pay page (the method id itself otherwise)."""

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

    def __init__(self, pl: Any) -> None:
        super().__init__(pl)
        self.transport: httpx.BaseTransport | None = None
        self.sleep: Callable[[float], None] = time.sleep
        self._instances: dict[str, tuple[str, Any, httpx.Client]] = {}

    # -- accounts ----------------------------------------------------------------------------
    def _class(self, provider: str) -> Any:
        cls = self._ctx.plugins.payment_provider(provider)
        if not callable(getattr(cls, "parse_webhook", None)):
            raise PluginError(
                f"payment provider {provider!r} takes no account (it has no webhooks)"
            )
        return cls

    def _secret_of(self, provider: str) -> frozenset[str]:
        cls = self._ctx.plugins.payment_providers.get(provider)
        names: frozenset[str] = getattr(cls, "secret_settings", frozenset())
        return names | {"api_key", "webhook_secret"}

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
        cls = self._class(provider)
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
        probe = cls(**stored, methods=chosen, account_id="", http=None, clock=self._ctx.clock)
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
                unit.conn, account_id, self._ctx.base_url, self._secret_of(provider)
            )
        self._drop(account.id)
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
            account = q.get_account(conn, account_id, self._ctx.base_url)
            return attrs.evolve(account, secret_settings=self._secret_of(account.provider))

    def list(self, org: Organization | str) -> builtins.list[ProviderAccount]:
        """``org``'s active accounts, oldest first."""
        with self._ctx.store.transaction() as conn:
            return q.list_accounts(conn, self._org_id(org), self._ctx.base_url, self._secret_of)

    def offers(self, org: Organization | str) -> builtins.list[tuple[ProviderAccount, str]]:
        """What the pay page offers: each active account whose plugin is installed, with a
        label naming its methods (``"Card"``, ``"Bancontact / iDEAL"``)."""
        offers = []
        for account in self.list(org):
            if account.provider not in self._ctx.plugins.payment_providers:
                continue
            labels = list(dict.fromkeys(METHOD_LABELS.get(m, m) for m in account.methods))
            offers.append((account, " / ".join(labels)))
        return offers

    def open(self, account: ProviderAccount | str) -> Any:
        """The provider plugin instantiated for ``account`` (one per account and settings)."""
        if isinstance(account, str):
            account = self.account(account)
        key = _fingerprint({**account.settings, "methods": list(account.methods)})
        cached = self._instances.get(account.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        self._drop(account.id)
        cls = self._class(account.provider)
        client = httpx.Client(transport=self.transport, timeout=_TIMEOUT)
        try:
            instance = cls(
                **account.settings,
                methods=account.methods,
                account_id=account.id,
                http=client,
                clock=self._ctx.clock,
                sleep=lambda seconds: self.sleep(seconds),
            )
        except BaseException:
            client.close()
            raise
        self._instances[account.id] = (key, instance, client)
        return instance

    def _drop(self, account_id: str) -> None:
        cached = self._instances.pop(account_id, None)
        if cached is not None:
            cached[1].close()
            cached[2].close()

    def close(self) -> None:
        """Close every account's HTTP client."""
        for account_id in builtins.list(self._instances):
            self._drop(account_id)

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
        current = self._pl.links.get(link_id)
        if current.status not in _OPEN_LINK:
            raise StateError(f"the link is {current.status}; it cannot be paid")
        account = self.get(current.organization_id, provider)
        if account is None:
            raise NotFound(f"no {provider} account is connected for this organization")
        amount = self._pl.links.amount_due(current)
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
        checkout: Checkout = instance.start_payment(request)
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
                unit.conn, current.id, self._ctx.base_url, for_update=True
            )
            mark_link(unit, fresh, "in_progress", source=provider, detail=f"checkout {attempt.id}")
        return checkout

    def _attempt(
        self, link: PaymentLink, account: ProviderAccount, amount: Money
    ) -> tuple[CheckoutAttempt, Checkout | None]:
        """The attempt to use (made if needed), and its checkout when it can be handed back."""
        with self._ctx.unit() as unit:
            fresh = link_queries.get_link(unit.conn, link.id, self._ctx.base_url, for_update=True)
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
                    unit.conn, link.id, self._ctx.base_url, for_update=True
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
                event = self.open(account).fetch_payment(attempt.provider_reference)
                self.apply(account, event)
            except ProviderError as exc:
                log.warning(
                    "could not read %s attempt %s back: %s", attempt.provider, attempt.id, exc
                )
        return self._pl.links.get(link.id)

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
            events = instance.parse_webhook(request)
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
        return [self.apply(account, event) for event in events]

    def _find_link(self, account: ProviderAccount, event: ProviderEvent) -> PaymentLink | None:
        with self._ctx.store.transaction() as conn:
            link_id = event.link_id
            if not link_id and event.provider_reference:
                attempt = q.attempt_by_reference(conn, account.provider, event.provider_reference)
                link_id = attempt.link_id if attempt else None
            if not link_id:
                return None
            try:
                link = link_queries.get_link(conn, link_id, self._ctx.base_url)
            except NotFound:
                return None
        return link if link.organization_id == account.organization_id else None

    def apply(self, account: ProviderAccount, event: ProviderEvent) -> str:
        """Apply one verified provider event to its link, once; return what became of it.

        Statuses only move forward, the payment is recorded once per provider reference,
        and an event for an unknown link is recorded and otherwise ignored. Every step is
        idempotent, so an event replayed after a crash changes nothing twice.
        """
        with self._ctx.store.transaction() as conn:
            if q.event_seen(conn, event.provider, event.event_id):
                return "duplicate"
        link = self._find_link(account, event)
        outcome = "ignored"
        if event.outcome == "refunded":
            outcome = self._provider_refund(account, event)
        elif link is None:
            if event.outcome != "ignored":
                log.warning(
                    "%s event %s is for no known link (link %s); acknowledged, not applied",
                    event.provider,
                    event.event_id,
                    event.link_id or "-",
                )
                outcome = "unknown_link"
        elif event.outcome == "paid":
            outcome = self._paid(account, link, event)
        elif event.outcome == "in_progress":
            if link.status in ("created", "sent", "opened", "interrupted"):
                self._pl.links.mark(
                    link, "in_progress", source=event.provider, detail=event.provider_status
                )
            outcome = "applied"
        elif event.outcome == "interrupted":
            outcome = self._interrupted(account, link, event)
        self._record(account, event, link, outcome)
        return outcome

    def _record(
        self, account: ProviderAccount, event: ProviderEvent, link: PaymentLink | None, outcome: str
    ) -> None:
        try:
            with self._ctx.store.transaction() as conn:
                q.record_event(
                    conn,
                    provider=event.provider,
                    event_id=event.event_id,
                    account_id=account.id,
                    organization_id=account.organization_id,
                    link_id=link.id if link else None,
                    outcome=event.outcome,
                    applied=outcome,
                    received_at=self._ctx.clock.now(),
                )
        except sa.exc.IntegrityError:
            pass  # the same event, applied concurrently by another worker: both were idempotent

    def _close_attempt(self, provider: str, reference: str | None) -> CheckoutAttempt | None:
        if not reference:
            return None
        with self._ctx.unit() as unit:
            attempt = q.attempt_by_reference(unit.conn, provider, reference)
            if attempt is not None and attempt.status != "closed":
                q.update_attempt(unit.conn, attempt.id, unit.now, status="closed")
            return attempt

    def _paid(self, account: ProviderAccount, link: PaymentLink, event: ProviderEvent) -> str:
        reference = event.payment_reference or event.provider_reference
        if event.amount is None or not reference:
            log.warning("%s event %s has no amount or reference", event.provider, event.event_id)
            return "not_applied"
        with self._ctx.store.transaction() as conn:
            known = payment_queries.find_by_provider_reference(
                conn, account.organization_id, event.provider, reference
            )
        if known is not None:  # a webhook after the janitor, or the other way round
            self._close_attempt(event.provider, event.provider_reference)
            return "duplicate"
        try:
            self._pl.links.settle(
                link,
                amount=event.amount,
                method=event.method or event.provider,
                provider=event.provider,
                provider_reference=reference,
            )
        except (StateError, ValidationError) as exc:
            # The money came in, but the link or invoice can no longer take it (cancelled,
            # another currency): it is logged for a person to handle, not forced in.
            log.error(
                "%s payment %s for link %s was not recorded: %s",
                event.provider,
                reference,
                link.id,
                exc,
            )
            return "not_applied"
        self._close_attempt(event.provider, event.provider_reference)
        return "applied"

    def _interrupted(
        self, account: ProviderAccount, link: PaymentLink, event: ProviderEvent
    ) -> str:
        attempt = self._close_attempt(event.provider, event.provider_reference)
        with self._ctx.store.transaction() as conn:
            others = [
                a
                for a in q.attempts_for_link(conn, link.id, statuses=["pending", "open"])
                if attempt is None or a.id != attempt.id
            ]
        if attempt is not None and others:
            return "ignored"  # an older attempt ended; the customer is in a newer one
        if link.status == "in_progress":
            self._pl.links.mark(
                link, "interrupted", source=event.provider, detail=event.provider_status
            )
        return "applied"

    # -- janitor ---------------------------------------------------------------------------------
    def refresh_pending(self, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> RefreshReport:
        """Ask the providers about links stuck ``in_progress`` for longer than ``older_than``.

        For a webhook that never came (a firewall, an outage): each open attempt of such a
        link is read back from its provider and applied like a webhook, so running this and
        receiving the webhook never count a payment twice. Provider failures are reported,
        not raised.
        """
        before = self._ctx.clock.now() - older_than
        with self._ctx.store.transaction() as conn:
            stale = q.stale_attempts(conn, before)
        checked, changed, errors = [], [], []
        for attempt in stale:
            checked.append(attempt.link_id)
            before_status = self._pl.links.get(attempt.link_id).status
            try:
                account = self.account(attempt.account_id)
                assert attempt.provider_reference is not None
                event = self.open(account).fetch_payment(attempt.provider_reference)
                self.apply(account, event)
            except (ProviderError, PluginError) as exc:
                errors.append(f"{attempt.link_id}: {exc}")
                continue
            if self._pl.links.get(attempt.link_id).status != before_status:
                changed.append(attempt.link_id)
        return RefreshReport(tuple(checked), tuple(changed), tuple(errors))

    # -- refunds -------------------------------------------------------------------------------
    def refunds(self, payment: Payment | str) -> builtins.list[Refund]:
        """The refunds of ``payment``, oldest first."""
        with self._ctx.store.transaction() as conn:
            return q.refunds_of(conn, payment if isinstance(payment, str) else payment.id)

    def refund(self, payment: Payment, amount: Money | None = None) -> Refund:
        """Refund ``amount`` (default: all that is not refunded yet) of ``payment`` through the
        provider that received it, and take it off the invoices it paid.

        Raises :class:`~paylink.exceptions.StateError` when the payment's provider does not
        support refunds (``supports_refunds``, asked, never assumed) or has no account, and
        :class:`~paylink.exceptions.ValidationError` for an amount above what is left.
        """
        if not payment.provider or not payment.provider_reference:
            raise StateError("only a payment received through a provider can be refunded here")
        with self._ctx.store.transaction() as conn:
            account_id = q.account_id_for(conn, payment.organization_id, payment.provider)
        cls = self._ctx.plugins.payment_providers.get(payment.provider)
        if cls is None or not getattr(cls, "supports_refunds", False):
            raise StateError(f"{payment.provider} does not support refunds")
        if account_id is None:
            raise StateError(f"no {payment.provider} account is connected")
        account = self.account(account_id)
        already = Money.sum((r.amount for r in self.refunds(payment)), payment.amount.currency)
        left = payment.amount - already
        money = amount if amount is not None else left
        if money.amount <= 0 or money > left:
            raise ValidationError(
                f"expected a refund between 0 and {left}, got {money}", field="amount"
            )
        # One logical refund, one key: the same refund retried after a lost answer reuses it.
        key = f"paylink-refund-{payment.id}-{already.minor_units}-{money.minor_units}"
        result = self.open(account).refund(payment.provider_reference, money, idempotency_key=key)
        with self._ctx.unit() as unit:
            existing = q.refund_by_reference(unit.conn, payment.provider, result.provider_reference)
            if existing is not None:
                return existing
            return apply_refund(
                unit,
                payment,
                money,
                provider=payment.provider,
                provider_reference=result.provider_reference,
                status=result.status,
            )

    def _provider_refund(self, account: ProviderAccount, event: ProviderEvent) -> str:
        """A refund made at the provider (its dashboard): record what paylink does not know."""
        if event.amount is None or not event.payment_reference:
            return "ignored"
        with self._ctx.unit() as unit:
            payment = payment_queries.find_by_provider_reference(
                unit.conn, account.organization_id, event.provider, event.payment_reference
            )
            if payment is None:
                log.warning("%s refund for unknown payment; acknowledged", event.provider)
                return "unknown_payment"
            already = Money.sum(
                (r.amount for r in q.refunds_of(unit.conn, payment.id)), payment.amount.currency
            )
            missing = min(event.amount, payment.amount) - already
            if missing.amount <= 0:
                return "duplicate"
            apply_refund(
                unit,
                payment,
                missing,
                provider=event.provider,
                provider_reference=f"{event.provider_reference}:{event.amount.minor_units}",
                status="refunded",
            )
        return "applied"


def apply_refund(
    unit: Unit,
    payment: Payment,
    amount: Money,
    *,
    provider: str | None,
    provider_reference: str | None,
    status: str,
) -> Refund:
    """Store a refund of ``payment`` and take it off the invoices it paid, inside ``unit``.

    Customer credit (the unallocated part) is refunded first, then the invoices the payment
    settled, last one first; each invoice's status follows its open amount back
    (``partially_paid`` or ``issued``).
    """
    previous = q.refunds_of(unit.conn, payment.id)
    taken: dict[str, Money] = {}
    for refund in previous:
        for invoice_id, part in refund.allocations:
            taken[invoice_id] = taken.get(invoice_id, Money.zero(amount.currency)) + part
    refunded_credit = Money.sum((r.amount for r in previous), amount.currency) - Money.sum(
        taken.values(), amount.currency
    )
    left = amount - min(amount, payment.unallocated - refunded_credit)
    parts: list[tuple[str, Money]] = []
    for allocation in reversed(payment.allocations):
        if left.amount <= 0:
            break
        available = allocation.amount - taken.get(
            allocation.invoice_id, Money.zero(amount.currency)
        )
        part = min(left, available)
        if part.amount <= 0:
            continue
        doc = doc_queries.get_document(
            unit.conn, payment.organization_id, allocation.invoice_id, "invoice", for_update=True
        )
        assert isinstance(doc, Invoice)
        updated = attrs.evolve(doc, paid_amount=doc.paid - part)
        if doc.status in ("paid", "partially_paid", "issued"):
            updated = attrs.evolve(updated, status=updated.status_after_settlement(), paid_at=None)
        doc_queries.update_settlement(unit.conn, updated)
        parts.append((allocation.invoice_id, part))
        left = left - part
    refund = Refund(
        id=new_id("rfd"),
        organization_id=payment.organization_id,
        payment_id=payment.id,
        amount=amount,
        status=status,
        provider=provider,
        provider_reference=provider_reference,
        allocations=tuple(parts),
        created_at=unit.now,
    )
    q.insert_refund(unit.conn, refund, unit.now)
    return refund
