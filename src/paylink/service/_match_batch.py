"""Lower floor: apply a batch of reconciliation matches set-wise, inside one unit of work.

A reconciliation run applies most of its matches here: a bank credit that pays invoices
exactly (no payment link as the open item, no purchase invoice, no write-off, nothing left
over as credit). What the whole batch needs is read once, a few ``IN (…)`` queries: the
invoices, locked in ascending id order (the house lock order), the payments already recorded
for these bank lines, the customers, and then the invoices' open links. The effects are
computed in Python, match after match, exactly as :func:`~._payments.apply_payment` and
:func:`~._links.close_paid_links` compute them one at a time; then they are written set-wise
(multi-row inserts of payments, allocations, link history and match records, executemany
updates of invoices, links and transactions).

Every match is validated against the state the earlier matches of the batch left: one that no
longer fits (an invoice paid meanwhile, an amount that exceeds what is open) is kept for
review with the reason and writes nothing else, so it never half-applies, and the others go
on. Events are queued in the same order, with the same payloads, as one unit per match would
queue them; they fire after the batch commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._gc import collector_paused
from ..documents import Invoice
from ..exceptions import NotFound, PaylinkError, StateError, ValidationError
from ..links import Addresses, PaymentLink, advance
from ..money import Money
from ..parties import Organization
from ..payments import Allocation, Payment
from ..reconcile import Proposal
from ..statements.model import BankTransaction
from ..store import bank as bank_queries
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import organizations as org_queries
from ..store import payments as pay_queries
from ..store import reconciliation as match_queries
from ._base import Unit, new_id
from ._matching import LINK_ITEM, proposal_json
from ._messages import MessageBatch, queue_paid_messages
from ._payouts import PAYOUT_ITEM

__all__ = [
    "BatchOutcome",
    "applies_setwise",
    "apply_matches",
]

_METHOD = "bank_transfer"
_PROVIDER = "bank"


@attrs.frozen
class BatchOutcome:
    """What became of one match of a batch: applied (``payment_id`` is the payment, the new
    one or the one recorded for this bank line before) or kept for review (``kept`` carries
    the reason in its explanation)."""

    applied: bool
    payment_id: str | None
    kept: Proposal


def applies_setwise(tx: BankTransaction, proposal: Proposal) -> bool:
    """Whether ``proposal`` is a match :func:`apply_matches` applies: a credit allocated in full
    to distinct invoices, in its own currency, with no write-off. The others (payment links,
    purchase invoices, write-offs, a surplus that becomes credit) are applied one at a time."""
    if tx.amount.amount <= 0 or not proposal.allocations:
        return False
    if proposal.write_off is not None and proposal.write_off.amount > 0:
        return False
    ids = [a.invoice_id or "" for a in proposal.allocations]
    if any(not i or i.startswith((LINK_ITEM, PAYOUT_ITEM)) for i in ids) or len(set(ids)) != len(
        ids
    ):
        return False
    currency = tx.amount.currency
    if any(a.amount.currency != currency for a in proposal.allocations):
        return False
    return Money.sum((a.amount for a in proposal.allocations), currency) == tx.amount


def _check(current: Sequence[Invoice], proposal: Proposal, amount: Money) -> list[Allocation]:
    """The allocations of ``proposal`` over ``current``, refused as apply_payment refuses them."""
    for fresh in current:
        if fresh.status not in ("issued", "partially_paid"):
            raise StateError(
                f"invoice {fresh.number or fresh.id} is {fresh.status}; it cannot be paid"
            )
    allocations = []
    for inv, a in zip(current, proposal.allocations, strict=True):
        part = a.amount
        if part > inv.open_amount or part.amount <= 0:
            raise ValidationError(
                f"{part} does not fit invoice {inv.number} ({inv.open_amount} open)",
                field="amounts",
            )
        allocations.append(Allocation(inv.id, part))
    if Money.sum((a.amount for a in allocations), amount.currency) > amount:
        raise ValidationError("the allocations exceed the payment", field="amounts")
    return allocations


def apply_matches(
    unit: Unit,
    org: Organization,
    matches: Sequence[tuple[BankTransaction, Proposal]],
    addresses: Addresses,
    known: Mapping[str, Invoice] | None = None,
) -> list[BatchOutcome]:
    """Apply ``matches`` (each accepted by :func:`applies_setwise`) in ``unit``, set-wise.

    ``known`` holds invoices the caller read before (the run's open invoices): their rows are
    read again, locked, but their lines (immutable once issued) and totals are reused.
    Returns one outcome per match, in order. Raises only for what is not the matches' fault
    (a database error): the caller then applies them one at a time."""
    # bulk work of our own (no plugin code runs before the unit commits): see paylink._gc
    with collector_paused():
        return _apply_matches(unit, org, matches, addresses, known)


def _apply_matches(
    unit: Unit,
    org: Organization,
    matches: Sequence[tuple[BankTransaction, Proposal]],
    addresses: Addresses,
    known: Mapping[str, Invoice] | None,
) -> list[BatchOutcome]:
    conn = unit.conn
    wanted = sorted({a.invoice_id or "" for _, p in matches for a in p.allocations})
    # 1. The invoices, locked in ascending id order before anything else is read.
    docs: dict[str, Invoice] = {
        d.id: d
        for d in doc_queries.find_documents(conn, wanted, for_update=True, known=known)
        if isinstance(d, Invoice) and d.organization_id == org.id
    }
    # 2. Checked once the invoices are held: what a concurrent run recorded is seen here.
    references = [f"{tx.account_iban or ''}:{tx.id}" for tx, _ in matches]
    existing = pay_queries.find_by_provider_references(conn, org.id, _PROVIDER, references)
    customer_ids = sorted({d.customer_id for d in docs.values()})
    customers = org_queries.get_customers(conn, org.id, customer_ids)
    # 3. The links, after their invoices; and what the pay-all links also cover.
    own_links, pay_all = link_queries.open_links_of(conn, list(docs), customer_ids, addresses)
    outside = sorted({i for link in pay_all for i in link.invoice_ids if i not in docs})
    others = {
        d.id: d
        for d in doc_queries.find_documents(conn, outside, known=known)
        if isinstance(d, Invoice)
    }
    links: dict[str, PaymentLink] = {link.id: link for link in own_links.values()}
    links.update((link.id, link) for link in pay_all)
    loaded = dict(links)

    organization = unit.organization(org.id)
    queued = MessageBatch(unit)
    outcomes: list[BatchOutcome] = []
    new_payments: list[Payment] = []
    settled: dict[str, Invoice] = {}
    statuses: list[tuple[str, str, str]] = []
    records: list[dict[str, Any]] = []

    def record(
        tx: BankTransaction, status: str, proposal: Proposal, payment_id: str | None
    ) -> None:
        account = tx.account_iban or ""
        statuses.append((account, tx.id, "matched" if status == "applied" else "review"))
        records.append(
            {
                "account": account,
                "transaction_id": tx.id,
                "status": status,
                "rule": proposal.rule,
                "confidence": proposal.confidence,
                "proposal": proposal_json(proposal),
                "payment_id": payment_id,
            }
        )

    def mark_paid(link: PaymentLink) -> None:
        moved = advance(link, "paid", at=unit.now, source=_METHOD)
        if moved is None:
            return
        links[link.id] = moved
        unit.emit(
            "link_status_changed",
            organization=organization,
            link=moved,
            old_status=link.status,
            new_status=moved.status,
        )

    def close_links(invoice: Invoice) -> None:
        own = own_links.get(invoice.id)
        if own is not None and not links[own.id].is_final:
            mark_paid(links[own.id])
        for first in pay_all:
            link = links[first.id]
            if (
                link.is_final
                or link.customer_id != invoice.customer_id
                or invoice.id not in link.invoice_ids
            ):
                continue
            covered = [docs.get(i) or others.get(i) for i in link.invoice_ids]
            if any(o is not None and o.open_amount.amount > 0 for o in covered):
                continue
            mark_paid(link)

    for tx, proposal in matches:
        reference = f"{tx.account_iban or ''}:{tx.id}"
        ids = [a.invoice_id or "" for a in proposal.allocations]
        try:
            missing = sorted(i for i in ids if i not in docs)
            if missing:
                raise NotFound(f"no invoice {missing[0]!r}")
            found = existing.get(reference)
            if found is not None:
                outcomes.append(BatchOutcome(True, found.id, proposal))
                record(tx, "applied", proposal, found.id)
                continue
            current = [docs[i] for i in ids]
            allocations = _check(current, proposal, tx.amount)
        except PaylinkError as exc:
            kept = attrs.evolve(
                proposal, auto=False, explanation=f"{proposal.explanation} (not applied: {exc})"
            )
            outcomes.append(BatchOutcome(False, None, kept))
            record(tx, "review", kept, None)
            continue
        payers = {i.customer_id for i in current}
        payment = Payment(
            id=new_id("pay"),
            organization_id=org.id,
            amount=tx.amount,
            received_on=tx.booking_date,
            method=_METHOD,
            provider=_PROVIDER,
            provider_reference=reference,
            customer_id=payers.pop() if len(payers) == 1 else None,
            allocations=tuple(allocations),
            note=proposal.rule,
            created_at=unit.now,
        )
        new_payments.append(payment)
        for allocation in allocations:
            inv = docs[allocation.invoice_id]
            updated = inv.settled(inv.paid + allocation.amount, unit.now)
            docs[inv.id] = settled[inv.id] = updated
            if updated.status == "paid":
                close_links(updated)
                unit.emit("invoice_paid", organization=organization, invoice=updated)
                queue_paid_messages(
                    unit,
                    organization,
                    updated,
                    payment,
                    customer=customers.get(updated.customer_id),
                    batch=queued,
                )
        unit.emit("payment_recorded", organization=organization, payment=payment)
        outcomes.append(BatchOutcome(True, payment.id, proposal))
        record(tx, "applied", proposal, payment.id)

    pay_queries.insert_payments(conn, new_payments, unit.now)
    doc_queries.update_settlements(conn, list(settled.values()))
    link_queries.update_link_statuses(
        conn,
        [(loaded[i], link) for i, link in links.items() if link is not loaded[i]],
        unit.now,
    )
    bank_queries.set_statuses(conn, org.id, statuses)
    match_queries.record_matches(conn, org.id, records, unit.now)
    queued.flush()
    return outcomes
