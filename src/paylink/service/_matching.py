"""Lower floor: match a bank transaction by hand, and undo a match, inside a unit of work.

What a manual match pays is resolved here (invoices by id or number for a credit, purchase
invoices for a debit); before a match is applied (by hand, accepted, or by an undoable run),
the rows it may change are captured (:mod:`paylink.store.undo`), and an undo puts them back
once it has checked that no money moved since. A payout match moved no money: its undo only
makes the payout wait for its bank credit again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..documents import Invoice, PurchaseInvoice
from ..exceptions import NotFound, StateError, ValidationError
from ..links import Addresses
from ..money import Money
from ..reconcile import Proposal, ProposedAllocation
from ..statements.model import BankTransaction
from ..store import Connection
from ..store import bank as bank_queries
from ..store import credit as credit_queries
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import payouts as payout_queries
from ..store import providers as provider_queries
from ..store import reconciliation as match_queries
from ..store import undo as undo_queries
from ._base import Unit
from ._payments import lock_invoices
from ._payouts import PAYOUT_ITEM

__all__ = [
    "LINK_ITEM",
    "capture_match",
    "match_targets",
    "open_transaction",
    "proposal_from_json",
    "proposal_json",
    "undo_match",
]

LINK_ITEM = "link:"
"""The prefix of an open item that is a payment link, not an invoice (its id follows)."""
_LINK = LINK_ITEM


def open_transaction(conn: Connection, org_id: str, tx_id: str) -> BankTransaction:
    """The transaction ``tx_id``, unmatched or waiting for review; NotFound otherwise."""
    for tx in bank_queries.list_transactions(conn, org_id, statuses=["unmatched", "review"]):
        if tx.id == tx_id:
            return tx
    raise NotFound(f"no unmatched transaction {tx_id!r}")


def match_targets(
    conn: Connection,
    org_id: str,
    tx: BankTransaction,
    items: Sequence[Invoice | PurchaseInvoice | str],
) -> list[tuple[str, Money, str]]:
    """``(number, open amount, id)`` of each invoice a manual match names."""
    found: list[tuple[str, Money, str]] = []
    for item in items:
        if tx.amount.amount < 0:
            if isinstance(item, Invoice):
                raise ValidationError(
                    f"a debit pays purchase invoices, not invoice {item.number}",
                    field="invoices",
                )
            purchase = doc_queries.get_purchase(
                conn, org_id, item if isinstance(item, str) else item.id
            )
            assert purchase.paid_amount is not None
            found.append(
                (
                    purchase.supplier_reference or purchase.id,
                    purchase.amount - purchase.paid_amount,
                    purchase.id,
                )
            )
            continue
        if isinstance(item, PurchaseInvoice):
            raise ValidationError(
                "a credit pays invoices, not a purchase invoice", field="invoices"
            )
        key = item if isinstance(item, str) else item.id
        try:
            doc = doc_queries.get_document(conn, org_id, key, "invoice")
        except NotFound:
            doc = doc_queries.get_by_number(conn, org_id, "invoice", key)
        assert isinstance(doc, Invoice)
        if doc.currency != tx.amount.currency:
            raise ValidationError(
                f"invoice {doc.number} is in {doc.currency}, the transaction in "
                f"{tx.amount.currency}",
                field="invoices",
            )
        found.append((doc.number or doc.id, doc.open_amount, doc.id))
    return found


def capture_match(
    unit: Unit, org_id: str, tx: BankTransaction, proposal: Proposal, addresses: Addresses
) -> dict[str, Any]:
    """What applying ``proposal`` may change, read before it is applied (for an undo).
    The invoices are locked first (the lock order)."""
    ids = [a.invoice_id or "" for a in proposal.allocations]
    invoice_ids: list[str] = []
    link_ids: list[str] = []
    customer_id: str | None = None
    if tx.amount.amount > 0:
        for item in ids:
            if item.startswith(PAYOUT_ITEM):
                continue  # a payout: its row is put back by undo_match itself
            if item.startswith(_LINK):
                link = link_queries.get_link(unit.conn, item[len(_LINK) :], addresses)
                link_ids.append(link.id)
                invoice_ids.extend(link.settles)
                customer_id = customer_id or link.customer_id
            else:
                invoice_ids.append(item)
        invoices = lock_invoices(unit, org_id, invoice_ids)
        customer_id = customer_id or (invoices[0].customer_id if invoices else None)
    return undo_queries.capture(
        unit.conn,
        org_id=org_id,
        account=tx.account_iban or "",
        transaction_id=tx.id,
        invoice_ids=invoice_ids,
        purchase_ids=ids if tx.amount.amount < 0 else (),
        link_ids=link_ids,
        customer_id=customer_id,
    )


def undo_match(unit: Unit, org_id: str, transaction_id: str) -> None:
    """Put back what the applied match of ``transaction_id`` changed (see
    :meth:`paylink.service.reconciliation.Reconciliation.undo` for when it refuses)."""
    row = match_queries.applied_match(unit.conn, org_id, transaction_id)
    if row is None:
        raise NotFound(f"no applied match for transaction {transaction_id!r}")
    payout_ids = [
        a["invoice_id"][len(PAYOUT_ITEM) :]
        for a in row.proposal.get("allocations", ())
        if (a.get("invoice_id") or "").startswith(PAYOUT_ITEM)
    ]
    if payout_ids:
        # A payout match moved no money: the payout waits for its bank credit again.
        for payout_id in payout_ids:
            payout_queries.get(unit.conn, org_id, payout_id, for_update=True)
            payout_queries.set_matched(
                unit.conn, payout_id, arrived_on=None, account=None, transaction_id=None,
                now=unit.now,
            )  # fmt: skip
        match_queries.delete_match(unit.conn, org_id, row.account, transaction_id)
        bank_queries.set_status(unit.conn, org_id, row.account, transaction_id, "unmatched")
        return
    captured = row.proposal.get("undo")
    if captured is None:
        raise StateError(
            f"the match of transaction {transaction_id} was applied by a run without "
            "undoable=True: nothing was kept for an undo"
        )
    if row.proposal.get("write_off"):
        raise StateError(
            f"the match of transaction {transaction_id} wrote bank charges off with a "
            "credit note; credit the invoice back instead"
        )
    scope = captured["scope"]
    lock_invoices(unit, org_id, scope["invoice_ids"])
    before = {r["payment_id"] for r in captured["rows"]["allocations"]}
    ours = {row.payment_id} if row.payment_id else set()
    if undo_queries.payments_on(unit.conn, scope["invoice_ids"]) - before - ours:
        raise StateError(
            f"another payment reached the invoices of transaction {transaction_id} "
            "since it was matched"
        )
    if row.payment_id and provider_queries.refunds_of(unit.conn, row.payment_id):
        raise StateError(f"the payment of transaction {transaction_id} was refunded")
    changed = undo_queries.changed_since(unit.conn, captured, row.created_at)
    if changed:
        # Putting the invoices back as they were would erase these; a credit note, once
        # issued, is not taken back.
        raise StateError(
            f"the match of transaction {transaction_id} can no longer be undone: "
            + "; ".join(changed)
            + " since it was matched"
        )
    if scope["customer_id"]:
        kept = {r["id"] for r in captured["rows"]["customer_credit"]}
        for entry in credit_queries.list_entries(unit.conn, org_id, scope["customer_id"]):
            if entry.id not in kept and entry.source_id != row.payment_id:
                raise StateError(
                    f"the customer's credit moved since transaction {transaction_id} was matched"
                )
    undo_queries.restore(unit.conn, captured, payment_id=row.payment_id)


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """A proposal as stored with its decision (JSON)."""
    return {
        "transaction_id": proposal.transaction_id,
        "amount": str(proposal.transaction_amount.amount),
        "currency": proposal.transaction_amount.currency,
        "allocations": [
            {"number": a.number, "invoice_id": a.invoice_id, "amount": str(a.amount.amount)}
            for a in proposal.allocations
        ],
        "rule": proposal.rule,
        "confidence": proposal.confidence,
        "explanation": proposal.explanation,
        "write_off": str(proposal.write_off.amount) if proposal.write_off else None,
    }


def proposal_from_json(data: dict[str, Any]) -> Proposal:
    """A stored proposal read back (never applied by itself: ``auto`` is False)."""
    currency = data["currency"]
    return Proposal(
        transaction_id=data["transaction_id"],
        transaction_amount=Money.of(data["amount"], currency),
        allocations=tuple(
            ProposedAllocation(a["number"], Money.of(a["amount"], currency), a.get("invoice_id"))
            for a in data["allocations"]
        ),
        rule=data["rule"],
        confidence=float(data["confidence"]),
        explanation=data["explanation"],
        auto=False,
        write_off=Money.of(data["write_off"], currency) if data.get("write_off") else None,
    )
