"""Lower floor: fetch the providers' payouts and record them, once each.

A payout is fetched from its provider outside any transaction, then recorded in one unit: the
payout and its items (once per ``(provider, account, payout id)``; fetching it again refreshes
its status), each item linked to the payment and invoice it carries when the store knows the
payment, and each chargeback it deducts recorded against its payment like a refund (its
invoice opens again), once per chargeback.
"""

from __future__ import annotations

import datetime as dt
import logging

import attrs

from ..exceptions import PluginError, ProviderError, StateError, ValidationError
from ..money import Money
from ..payouts import Payout, ProviderPayout
from ..providers import ProviderAccount
from ..reconcile import PAYOUT_PREFIX, OpenPayout
from ..statements.model import BankTransaction
from ..store import Connection
from ..store import documents as doc_queries
from ..store import payments as payment_queries
from ..store import payouts as payout_queries
from ..store import providers as provider_queries
from ._base import Context, Unit, new_id
from ._payments import apply_refund
from ._provider_accounts import plugin_call

__all__ = [
    "CHARGEBACK_PREFIX",
    "PAYOUT_GRACE_DAYS",
    "PAYOUT_ITEM",
    "PayoutSync",
    "mark_arrived",
    "open_payouts",
    "poll_payouts",
    "record_payout",
    "supports_payouts",
    "sync_account",
    "sync_payout",
]

log = logging.getLogger("paylink.payouts")

PAYOUT_ITEM = PAYOUT_PREFIX
"""The prefix of a reconciliation allocation that is a payout, not an invoice (its id follows)."""

CHARGEBACK_PREFIX = "chargeback:"
"""How a chargeback recorded from a payout is referenced among the payment's refunds."""

PAYOUT_GRACE_DAYS = 3
"""How many days after its expected arrival a payout not seen on the bank statement is late
(the owner's digest lists it)."""

_OVERLAP = dt.timedelta(days=14)
"""How far before the newest known payout a sync asks again (a payout moves from pending to
paid after it was created)."""


@attrs.frozen
class PayoutSync:
    """What a sync did: the payouts recorded for the first time, those whose status or content
    changed, the invoices a chargeback opened again, and the failures (per account)."""

    recorded: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    def __add__(self, other: PayoutSync) -> PayoutSync:
        return PayoutSync(
            self.recorded + other.recorded,
            self.updated + other.updated,
            self.reopened + other.reopened,
            self.errors + other.errors,
        )


def supports_payouts(ctx: Context, provider: str) -> bool:
    """Whether the installed provider says it reports payouts (asked, never assumed)."""
    cls = ctx.plugins.payment_providers.get(provider)
    return bool(cls is not None and getattr(cls, "supports_payouts", False))


def record_payout(
    unit: Unit, account: ProviderAccount, reported: ProviderPayout
) -> tuple[Payout, bool, list[str]]:
    """Record ``reported`` for ``account`` inside ``unit``; return the stored payout, whether
    it changed (new or refreshed), and the numbers of the invoices its chargebacks reopened."""
    org_id = account.organization_id
    if reported.provider != account.provider:
        raise ValidationError(
            f"a {reported.provider} payout cannot be recorded for a {account.provider} account",
            field="provider",
        )
    items = []
    for item in reported.items:
        payment = (
            payment_queries.find_by_provider_reference(
                unit.conn, org_id, account.provider, item.payment_reference
            )
            if item.payment_reference
            else None
        )
        invoice_id = payment.allocations[0].invoice_id if payment and payment.allocations else None
        items.append(
            attrs.evolve(item, payment_id=payment.id if payment else None, invoice_id=invoice_id)
        )
    before = payout_queries.find(unit.conn, account.provider, account.id, reported.payout_id)
    payout, _new = payout_queries.upsert(
        unit.conn,
        new_id=new_id("po"),
        org_id=org_id,
        account_id=account.id,
        payout=attrs.evolve(reported, items=tuple(items)),
        now=unit.now,
    )
    changed = before is None or before.updated_at != payout.updated_at
    reopened: list[str] = []
    for item in payout.items:
        if item.kind != "chargeback" or item.payment_id is None or item.gross.amount >= 0:
            continue
        reference = f"{CHARGEBACK_PREFIX}{item.source_id}"
        if provider_queries.refund_by_reference(unit.conn, account.provider, reference):
            continue  # recorded from an earlier sync of this payout
        payment = payment_queries.get_payment(unit.conn, org_id, item.payment_id)
        already = Money.sum(
            (r.amount for r in provider_queries.refunds_of(unit.conn, payment.id)),
            payment.amount.currency,
        )
        amount = min(-item.gross, payment.amount - already)
        if amount.amount <= 0:
            continue
        refund = apply_refund(
            unit,
            payment,
            amount,
            provider=account.provider,
            provider_reference=reference,
            status="chargeback",
        )
        for invoice_id, _part in refund.allocations:
            doc = doc_queries.get_document(unit.conn, org_id, invoice_id, "invoice")
            reopened.append(doc.number or doc.id)
        log.warning(
            "%s payout %s deducts chargeback %s of payment %s: %s taken back",
            account.provider,
            payout.payout_id,
            item.source_id,
            payment.id,
            amount,
        )
    return payout, changed, reopened


def _record(ctx: Context, account: ProviderAccount, reported: ProviderPayout) -> PayoutSync:
    def work(unit: Unit) -> PayoutSync:
        known = payout_queries.find(unit.conn, account.provider, account.id, reported.payout_id)
        payout, changed, reopened = record_payout(unit, account, reported)
        if known is None:
            return PayoutSync(recorded=(payout.id,), reopened=tuple(reopened))
        return PayoutSync(updated=(payout.id,) if changed else (), reopened=tuple(reopened))

    return ctx.run(work)


def sync_account(ctx: Context, account: ProviderAccount) -> PayoutSync:
    """Ask the account's provider for its payouts since shortly before the newest one known,
    and record each in its own unit. A provider failure is reported, not raised."""
    if not supports_payouts(ctx, account.provider):
        return PayoutSync()
    with ctx.store.transaction() as conn:
        latest = payout_queries.latest_created(conn, account.id)
    since = latest - _OVERLAP if latest else None
    try:
        reported = plugin_call(account.provider, ctx.providers.open(account).list_payouts, since)
    except (ProviderError, PluginError) as exc:
        return PayoutSync(errors=(f"{account.provider} {account.id}: {exc}",))
    done = PayoutSync()
    for payout in reported:
        done = done + _record(ctx, account, payout)
    return done


def sync_payout(ctx: Context, account: ProviderAccount, payout_id: str) -> PayoutSync:
    """Fetch the payout ``payout_id`` (a payout webhook named it) and record it."""
    reported = plugin_call(account.provider, ctx.providers.open(account).fetch_payout, payout_id)
    return _record(ctx, account, reported)


def poll_payouts(ctx: Context) -> PayoutSync:
    """The janitor's part: sync the payouts of every active account whose provider reports
    payouts but sends no payout webhook (``payout_webhooks`` false or absent, as Mollie)."""
    with ctx.store.transaction() as conn:
        polled = [
            ctx.providers.account(conn, account_id)
            for account_id, provider in payout_queries.polled_accounts(conn)
            if supports_payouts(ctx, provider)
            and not getattr(ctx.plugins.payment_providers.get(provider), "payout_webhooks", False)
        ]
    done = PayoutSync()
    for account in polled:
        done = done + sync_account(ctx, account)
    return done


_ARRIVING = ("pending", "in_transit", "paid")
"""The payout statuses whose money may be on a statement (failed and cancelled ones never
reach the bank)."""


def open_payouts(conn: Connection, org_id: str) -> list[OpenPayout]:
    """The organization's payouts waiting for their bank credit, as the payout rule sees them."""
    found = payout_queries.list_payouts(conn, org_id, matched=False, statuses=_ARRIVING)
    return [OpenPayout.from_payout(p) for p in found]


def mark_arrived(unit: Unit, org_id: str, payout_id: str, tx: BankTransaction) -> Payout:
    """Record that the bank credit ``tx`` brought the payout ``payout_id`` (the invoices it
    carries were paid by the provider's webhooks: no money is allocated). Raises StateError
    when the payout was matched meanwhile or its net is not the credit's amount."""
    payout = payout_queries.get(unit.conn, org_id, payout_id, for_update=True)
    if payout.transaction_id is not None or payout.net != tx.amount:
        raise StateError(f"payout {payout.payout_id} was matched meanwhile or is not {tx.amount}")
    payout_queries.set_matched(
        unit.conn,
        payout.id,
        arrived_on=tx.booking_date,
        account=tx.account_iban or "",
        transaction_id=tx.id,
        now=unit.now,
    )
    return payout
