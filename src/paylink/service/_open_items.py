"""Lower floor: the open items a reconciliation run matches bank transactions against."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import attrs

from ..documents import Invoice
from ..links import Addresses
from ..money import Money
from ..parties import Organization
from ..reconcile import OpenItem
from ..references import parse as parse_reference
from ..store import Connection
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import organizations as org_queries
from ._matching import LINK_ITEM

__all__ = ["invoices_read", "open_items"]

_READ: ContextVar[list[Invoice] | None] = ContextVar("paylink_open_invoices", default=None)


@contextlib.contextmanager
def invoices_read() -> Iterator[list[Invoice]]:
    """Collect the invoices :func:`open_items` reads inside the block (in this thread or task):
    a reconciliation run hands them down to applying its matches, which then reads their rows
    again (locked) but not their lines. A context variable rather than a parameter, so the
    run's ``_open_items`` step keeps its signature."""
    read: list[Invoice] = []
    token = _READ.set(read)
    try:
        yield read
    finally:
        _READ.reset(token)


def open_items(conn: Connection, org: Organization, addresses: Addresses) -> list[OpenItem]:
    """What a reconciliation run matches against: the organization's issued invoices (with
    the customers' known IBANs), its purchase invoices not yet paid, and its open payment
    links that are not one invoice's (quick requests and pay-all links, by their structured
    reference; their item's ``invoice_id`` is :data:`LINK_ITEM` and the link's id)."""
    items: list[OpenItem] = []
    customers = {c.id: c for c in org_queries.list_customers(conn, org.id)}
    invoices = [
        doc
        for doc in doc_queries.list_documents(
            conn, org.id, "invoice", statuses=["issued", "partially_paid"]
        )
        if isinstance(doc, Invoice)
    ]
    collector = _READ.get()
    if collector is not None:
        collector.extend(invoices)
    for doc in invoices:
        if doc.open_amount.amount > 0:
            items.append(OpenItem.from_invoice(doc, customers.get(doc.customer_id)))
    seen_numbers: set[str] = set()
    for purchase in doc_queries.list_purchases(conn, org.id, statuses=["open", "payment_ordered"]):
        item = OpenItem.from_purchase_invoice(purchase)
        if item.number in seen_numbers:  # two suppliers may use the same reference
            item = attrs.evolve(item, number=f"{item.number} ({purchase.supplier_name})")
        seen_numbers.add(item.number)
        items.append(item)
    for link in link_queries.list_links(
        conn,
        org.id,
        addresses,
        statuses=["created", "sent", "opened", "in_progress", "interrupted"],
        without_invoice=True,
    ):
        if link.invoice_id is not None or not link.reference:
            continue
        customer = customers.get(link.customer_id or "")
        amount = link.amount
        if link.invoice_ids:
            amount = Money.sum(
                (
                    d.open_amount
                    for d in (
                        doc_queries.get_document(conn, org.id, i, "invoice")
                        for i in link.invoice_ids
                    )
                    if isinstance(d, Invoice)
                ),
                link.amount.currency,
            )
        if amount.amount <= 0:
            continue
        items.append(
            OpenItem(
                number=link.reference,
                open_amount=amount,
                customer_key=link.customer_id,
                customer_name=customer.name if customer else None,
                customer_ibans=customer.ibans if customer else (),
                reference=parse_reference(link.reference),
                organization_id=org.id,
                invoice_id=LINK_ITEM + link.id,
            )
        )
    return items
