"""Lower floor: apply a verified provider event, read stuck payments back, refund.

A provider event (from a webhook or the janitor's poll) is applied in ONE unit of work: the
de-duplication by ``(provider, event id)``, the link's status, the payment with its allocations
and settled invoices, the checkout attempt and the event record commit together or not at all.
The invoices are locked before the link (the lock order of :mod:`paylink.service._base`), and
the unit runs again after a deadlock. Calls to the provider (reading a payment back, refunding)
happen outside any transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from ..documents import CreditNote, Invoice
from ..exceptions import NotFound, PluginError, ProviderError, StateError, ValidationError
from ..links import Addresses, PaymentLink
from ..money import Money
from ..payments import Payment
from ..ports import ProviderEvent
from ..providers import CheckoutAttempt, ProviderAccount, RefreshReport, Refund
from ..store import Connection, savepoint
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import payments as payment_queries
from ..store import providers as q
from ._base import Context, Unit, new_id, unit_today
from ._credit import take_credit
from ._links import mark_link
from ._payments import apply_payment, apply_refund, lock_invoices, settle_link
from ._provider_accounts import plugin_call

__all__ = [
    "apply_event",
    "note_refund_plan",
    "refresh_pending",
    "refund_note_payment",
    "refund_payment",
]

log = logging.getLogger("paylink.providers")


class _AlreadyApplied(Exception):
    """Another unit recorded the same event first: this one's work is rolled back."""


def apply_event(ctx: Context, account: ProviderAccount, event: ProviderEvent) -> str:
    """Apply one verified provider event to its link (or, for a paid payment paylink did not
    start, to the invoice whose structured reference or number it carries), once, in one unit;
    return what became of it (``"applied"``, ``"duplicate"``, ``"unknown_link"``,
    ``"not_applied"`` …)."""

    def work(unit: Unit) -> str:
        if q.event_seen(unit.conn, event.provider, event.event_id):
            return "duplicate"
        link = _find_link(unit, ctx.addresses, account, event)
        invoice = (
            _by_reference(unit, account, event)
            if link is None and event.outcome == "paid"
            else None
        )
        outcome = "ignored"
        if event.outcome == "refunded":
            outcome = _provider_refund(unit, account, event)
        elif invoice is not None:
            # A payment paylink did not start (Payconiq's invoice QR) carrying an invoice's
            # structured reference or number.
            outcome = _paid_by_reference(unit, ctx.addresses, account, invoice, event)
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
            outcome = _paid(unit, ctx.addresses, account, link, event)
        elif event.outcome == "in_progress":
            fresh = link_queries.get_link(unit.conn, link.id, ctx.addresses, for_update=True)
            if fresh.status in ("created", "sent", "opened", "interrupted"):
                mark_link(
                    unit, fresh, "in_progress", source=event.provider, detail=event.provider_status
                )
            outcome = "applied"
        elif event.outcome == "interrupted":
            outcome = _interrupted(unit, ctx.addresses, link, event)
        recorded = q.record_event(
            unit.conn,
            provider=event.provider,
            event_id=event.event_id,
            account_id=account.id,
            organization_id=account.organization_id,
            link_id=link.id if link else None,
            outcome=event.outcome,
            applied=outcome,
            received_at=unit.now,
        )
        if not recorded:
            raise _AlreadyApplied
        return outcome

    try:
        return ctx.run(work)
    except _AlreadyApplied:
        return "duplicate"  # the same event, applied concurrently by another worker


def _find_link(
    unit: Unit, addresses: Addresses, account: ProviderAccount, event: ProviderEvent
) -> PaymentLink | None:
    link_id = event.link_id
    if not link_id and event.provider_reference:
        attempt = q.attempt_by_reference(unit.conn, account.provider, event.provider_reference)
        link_id = attempt.link_id if attempt else None
    if not link_id:
        return None
    try:
        link = link_queries.get_link(unit.conn, link_id, addresses)
    except NotFound:
        return None
    return link if link.organization_id == account.organization_id else None


def _by_reference(unit: Unit, account: ProviderAccount, event: ProviderEvent) -> Invoice | None:
    """The organization's invoice whose structured reference or number the event's payment
    carries, when no checkout of paylink's is known for that payment."""
    if not event.reference:
        return None
    if event.provider_reference and q.attempt_by_reference(
        unit.conn, account.provider, event.provider_reference
    ):
        return None
    return doc_queries.invoice_by_reference(unit.conn, account.organization_id, event.reference)


def _payment_of(event: ProviderEvent) -> tuple[str, Money] | None:
    """The provider's reference and the amount of a paid event's payment; None (logged) when
    the event lacks either, and so cannot be recorded."""
    reference = event.payment_reference or event.provider_reference
    if event.amount is None or not reference:
        log.warning("%s event %s has no amount or reference", event.provider, event.event_id)
        return None
    return reference, event.amount


def _recorded(
    unit: Unit, event: ProviderEvent, reference: str, target: str, record: Callable[[], object]
) -> bool:
    """Run ``record`` in a savepoint; whether the payment was recorded.

    The money came in, but what it pays may no longer take it (a cancelled invoice or link,
    another currency): such a payment is logged for a person to handle, not forced in.
    """
    try:
        with savepoint(unit.conn):
            record()
    except (StateError, ValidationError) as exc:
        log.error(
            "%s payment %s for %s was not recorded: %s", event.provider, reference, target, exc
        )
        return False
    return True


def _paid_by_reference(
    unit: Unit,
    addresses: Addresses,
    account: ProviderAccount,
    found: Invoice,
    event: ProviderEvent,
) -> str:
    payment = _payment_of(event)
    if payment is None:
        return "not_applied"
    reference, amount = payment
    # The invoice first (the lock order); a payment recorded meanwhile is seen after it.
    invoices = lock_invoices(unit, account.organization_id, [found.id])
    if payment_queries.find_by_provider_reference(
        unit.conn, account.organization_id, event.provider, reference
    ):
        return "duplicate"

    def record() -> object:
        return apply_payment(
            unit,
            account.organization_id,
            invoices,
            amount,
            received_on=unit_today(unit, unit.organization(account.organization_id)),
            method=event.method or event.provider,
            provider=event.provider,
            provider_reference=reference,
            note=f"{event.provider} {event.reference}",
            addresses=addresses,
            locked=True,
        )

    target = f"invoice {found.number or found.id}"
    return "applied" if _recorded(unit, event, reference, target, record) else "not_applied"


def _close_attempt(unit: Unit, provider: str, reference: str | None) -> CheckoutAttempt | None:
    if not reference:
        return None
    attempt = q.attempt_by_reference(unit.conn, provider, reference)
    if attempt is not None and attempt.status != "closed":
        q.update_attempt(unit.conn, attempt.id, unit.now, status="closed")
    return attempt


def _paid(
    unit: Unit,
    addresses: Addresses,
    account: ProviderAccount,
    link: PaymentLink,
    event: ProviderEvent,
) -> str:
    payment = _payment_of(event)
    if payment is None:
        return "not_applied"
    reference, amount = payment
    # The invoices first (the lock order); then a payment recorded meanwhile by the janitor or
    # another delivery of this webhook is seen.
    lock_invoices(unit, account.organization_id, link.settles)
    known = payment_queries.find_by_provider_reference(
        unit.conn, account.organization_id, event.provider, reference
    )
    if known is not None:  # a webhook after the janitor, or the other way round
        _close_attempt(unit, event.provider, event.provider_reference)
        return "duplicate"

    def record() -> object:
        return settle_link(
            unit,
            link.id,
            addresses,
            amount=amount,
            method=event.method or event.provider,
            provider=event.provider,
            provider_reference=reference,
            received_on=None,
        )

    if not _recorded(unit, event, reference, f"link {link.id}", record):
        return "not_applied"
    _close_attempt(unit, event.provider, event.provider_reference)
    return "applied"


def _interrupted(unit: Unit, addresses: Addresses, link: PaymentLink, event: ProviderEvent) -> str:
    attempt = _close_attempt(unit, event.provider, event.provider_reference)
    others = [
        a
        for a in q.attempts_for_link(unit.conn, link.id, statuses=["pending", "open"])
        if attempt is None or a.id != attempt.id
    ]
    if attempt is not None and others:
        return "ignored"  # an older attempt ended; the customer is in a newer one
    fresh = link_queries.get_link(unit.conn, link.id, addresses, for_update=True)
    if fresh.status == "in_progress":
        mark_link(unit, fresh, "interrupted", source=event.provider, detail=event.provider_status)
    return "applied"


def _provider_refund(unit: Unit, account: ProviderAccount, event: ProviderEvent) -> str:
    """A refund made at the provider (its dashboard): record what paylink does not know."""
    if event.amount is None or not event.payment_reference:
        return "ignored"
    payment = payment_queries.find_by_provider_reference(
        unit.conn, account.organization_id, event.provider, event.payment_reference
    )
    if payment is None:
        log.warning("%s refund for unknown payment; acknowledged", event.provider)
        return "unknown_payment"
    lock_invoices(unit, payment.organization_id, [a.invoice_id for a in payment.allocations])
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


def refresh_pending(ctx: Context, older_than: dt.timedelta) -> RefreshReport:
    """Ask the providers about links stuck ``in_progress`` for longer than ``older_than``.

    Each open attempt of such a link is read back from its provider (outside any transaction)
    and applied like a webhook, in its own unit, so running this and receiving the webhook
    never count a payment twice. Provider failures are reported, not raised.
    """
    before = ctx.clock.now() - older_than
    with ctx.store.transaction() as conn:
        stale = q.stale_attempts(conn, before)
    checked, changed, errors = [], [], []
    for attempt in stale:
        checked.append(attempt.link_id)
        with ctx.store.transaction() as conn:
            before_status = link_queries.get_link(conn, attempt.link_id, ctx.addresses).status
            account = ctx.providers.account(conn, attempt.account_id)
        try:
            assert attempt.provider_reference is not None
            event = plugin_call(
                account.provider,
                ctx.providers.open(account).fetch_payment,
                attempt.provider_reference,
            )
            apply_event(ctx, account, event)
        except (ProviderError, PluginError) as exc:
            errors.append(f"{attempt.link_id}: {exc}")
            continue
        with ctx.store.transaction() as conn:
            after_status = link_queries.get_link(conn, attempt.link_id, ctx.addresses).status
        if after_status != before_status:
            changed.append(attempt.link_id)
    return RefreshReport(tuple(checked), tuple(changed), tuple(errors))


def refund_payment(ctx: Context, payment: Payment, amount: Money | None) -> Refund:
    """Refund ``amount`` (default: all that is not refunded yet) of ``payment`` through the
    provider that received it, and take it off the invoices it paid.

    Raises :class:`~paylink.exceptions.StateError` when the payment's provider does not
    support refunds (``supports_refunds``, asked, never assumed) or has no account, and
    :class:`~paylink.exceptions.ValidationError` for an amount above what is left.
    """
    if not payment.provider or not payment.provider_reference:
        raise StateError("only a payment received through a provider can be refunded here")
    cls = ctx.plugins.payment_providers.get(payment.provider)
    with ctx.store.transaction() as conn:
        account_id = q.account_id_for(conn, payment.organization_id, payment.provider)
        if cls is None or not getattr(cls, "supports_refunds", False):
            raise StateError(f"{payment.provider} does not support refunds")
        if account_id is None:
            raise StateError(f"no {payment.provider} account is connected")
        account = ctx.providers.account(conn, account_id)
        already = Money.sum(
            (r.amount for r in q.refunds_of(conn, payment.id)), payment.amount.currency
        )
    left = payment.amount - already
    money = amount if amount is not None else left
    if money.amount <= 0 or money > left:
        raise ValidationError(
            f"expected a refund between 0 and {left}, got {money}", field="amount"
        )
    # One logical refund, one key: the same refund retried after a lost answer reuses it.
    key = f"paylink-refund-{payment.id}-{already.minor_units}-{money.minor_units}"
    result = plugin_call(
        account.provider,
        ctx.providers.open(account).refund,
        payment.provider_reference,
        money,
        idempotency_key=key,
    )

    provider = payment.provider

    def work(unit: Unit) -> Refund:
        existing = q.refund_by_reference(unit.conn, provider, result.provider_reference)
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

    return ctx.run(work)


def note_refund_plan(
    ctx: Context, conn: Connection, note: CreditNote, amount: Money
) -> list[tuple[Payment, Money]]:
    """How much of ``amount`` (the paid part a credit note took back) goes back through the
    providers that received the invoice's payments: the newest first, each up to what it
    paid of the invoice and has not refunded yet, only where the provider supports refunds
    and its account is connected. What the plan leaves is paid back by bank transfer."""
    plan: list[tuple[Payment, Money]] = []
    left = amount
    payments = payment_queries.list_payments(conn, note.organization_id, invoice_id=note.invoice_id)
    for payment in sorted(payments, key=lambda p: (p.created_at or dt.datetime.min, p.id))[::-1]:
        if left.amount <= 0:
            break
        if not payment.provider or not payment.provider_reference:
            continue
        cls = ctx.plugins.payment_providers.get(payment.provider)
        if cls is None or not getattr(cls, "supports_refunds", False):
            continue
        if q.account_id_for(conn, payment.organization_id, payment.provider) is None:
            continue
        paid_here = Money.sum(
            (a.amount for a in payment.allocations if a.invoice_id == note.invoice_id),
            amount.currency,
        )
        refunded = Money.sum((r.amount for r in q.refunds_of(conn, payment.id)), amount.currency)
        part = min(left, paid_here, payment.amount - refunded)
        if part.amount > 0:
            plan.append((payment, part))
            left = left - part
    return plan


def refund_note_payment(ctx: Context, note: CreditNote, payment: Payment, amount: Money) -> Refund:
    """Pay ``amount`` of ``note``'s credit back through the provider that received
    ``payment``, record the refund (it took ``amount`` off the note's invoice, which the note
    already did) and take it off the customer's credit. Retried, the same refund is reused."""
    assert payment.provider
    assert payment.provider_reference
    with ctx.store.transaction() as conn:
        account_id = q.account_id_for(conn, payment.organization_id, payment.provider)
        if account_id is None:
            raise StateError(f"no {payment.provider} account is connected")
        account = ctx.providers.account(conn, account_id)
    result = plugin_call(
        account.provider,
        ctx.providers.open(account).refund,
        payment.provider_reference,
        amount,
        idempotency_key=f"paylink-note-refund-{note.id}-{payment.id}",
    )
    provider = payment.provider

    def work(unit: Unit) -> Refund:
        existing = q.refund_by_reference(unit.conn, provider, result.provider_reference)
        if existing is not None:
            return existing
        refund = Refund(
            id=new_id("rfd"),
            organization_id=payment.organization_id,
            payment_id=payment.id,
            amount=amount,
            status=result.status,
            provider=provider,
            provider_reference=result.provider_reference,
            allocations=((note.invoice_id, amount),),
            created_at=unit.now,
        )
        q.insert_refund(unit.conn, refund, unit.now)
        take_credit(
            unit,
            note.organization_id,
            note.customer_id,
            amount,
            kind="refunded",
            source_id=refund.id,
            note=f"credit note {note.number} refunded through {provider}",
        )
        return refund

    return ctx.run(work)
