"""Lower floor: payment links inside a unit of work.

Make or find an invoice's link (the one implementation every use case shares), insert a link,
move a link forward, close the links an invoice's payment settles, cancel a cancelled
invoice's links, and the access tokens of quote pages. A link is read or updated here only
after its invoice was locked by the caller when the invoice changes in the same unit (the
lock order in :mod:`paylink.service._base`).
"""

from __future__ import annotations

import datetime as dt

from .. import references
from ..documents import Invoice
from ..links import Addresses, LinkEvent, PaymentLink, advance
from ..money import Money
from ..parties import Organization
from ..store import documents as doc_queries
from ..store import links as q
from ._base import Unit, new_id

__all__ = [
    "cancel_links_of",
    "close_paid_links",
    "insert_link",
    "invoice_link",
    "mark_link",
    "quote_token",
    "request_reference",
]


def request_reference(unit: Unit, org: Organization) -> str:
    """A structured reference for a link that is not one invoice's (quick request, pay-all).

    Drawn from a series of its own; OGMs start with 9 so they never collide with the
    references made from invoice numbers (which start with the year).
    """
    seq = doc_queries.next_in_series(unit.conn, org.id, "payment_request")
    if org.reference_scheme == "ogm":
        return str(references.ogm(f"9{seq:09d}"))
    return str(references.rf(f"PR{seq}"))


def insert_link(
    unit: Unit,
    addresses: Addresses,
    *,
    organization_id: str,
    amount: Money,
    description: str,
    invoice_id: str | None = None,
    invoice_ids: tuple[str, ...] = (),
    customer_id: str | None = None,
    reference: str | None = None,
    expires_at: dt.datetime | None = None,
) -> PaymentLink:
    """Store a new link (status ``created``) with a fresh token, derived from the server
    secret and a new salt (the store keeps the salt and the token's hash only)."""
    link_id = new_id("lnk")
    salt = q.new_salt()
    token = q.link_token(addresses, link_id, salt)
    link = PaymentLink(
        id=link_id,
        token=token,
        url=addresses.url("pay", token),
        created_at=unit.now,
        history=(LinkEvent(unit.now, "created", "api"),),
        organization_id=organization_id,
        amount=amount,
        description=description,
        invoice_id=invoice_id,
        invoice_ids=invoice_ids,
        customer_id=customer_id,
        reference=reference,
        expires_at=expires_at,
    )
    q.insert_link(unit.conn, link, salt, unit.now)
    return link


def invoice_link(
    unit: Unit,
    invoice: Invoice,
    addresses: Addresses,
    *,
    create: bool = True,
    expires_at: dt.datetime | None = None,
) -> PaymentLink | None:
    """The invoice's active link, made now when it has none (and ``create``).

    An invoice has one active link at a time; after it was cancelled or expired a new one is
    made. The caller checks that the invoice may be paid.
    """
    link = q.active_for_invoice(unit.conn, invoice.id, addresses)
    if link is not None or not create:
        return link
    return insert_link(
        unit,
        addresses,
        organization_id=invoice.organization_id,
        amount=invoice.open_amount,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        reference=str(invoice.reference) if invoice.reference else None,
        description=f"Invoice {invoice.number}",
        expires_at=expires_at,
    )


def mark_link(
    unit: Unit, link: PaymentLink, status: str, *, source: str, detail: str = ""
) -> PaymentLink:
    """Move ``link`` forward to ``status`` inside ``unit``; a move back is ignored.

    Fires ``paylink_link_status_changed`` after the commit when the link moved.
    """
    moved = advance(link, status, at=unit.now, source=source, detail=detail)
    if moved is None:
        return link
    q.update_link(unit.conn, link, moved, unit.now)
    unit.emit(
        "link_status_changed",
        organization=unit.organization(link.organization_id),
        link=moved,
        old_status=link.status,
        new_status=moved.status,
    )
    return moved


def close_paid_links(unit: Unit, invoice: Invoice, addresses: Addresses, *, source: str) -> None:
    """Once ``invoice`` is paid, its links (and pay-all links whose invoices are all paid) are."""
    for link in q.links_settling(unit.conn, invoice.id, addresses):
        if link.invoice_id is None:
            others = [
                doc_queries.get_document(unit.conn, None, i, "invoice") for i in link.invoice_ids
            ]
            if any(isinstance(o, Invoice) and o.open_amount.amount > 0 for o in others):
                continue
        mark_link(unit, link, "paid", source=source)


def cancel_links_of(unit: Unit, invoice: Invoice, addresses: Addresses) -> None:
    """A cancelled invoice's own link is cancelled; pay-all links that include it too."""
    for link in q.links_settling(unit.conn, invoice.id, addresses):
        mark_link(
            unit, link, "cancelled", source="api", detail=f"invoice {invoice.number} cancelled"
        )


def quote_token(
    unit: Unit, addresses: Addresses, org_id: str, quote_id: str, *, create: bool = True
) -> str | None:
    """The token of the quote's approval page, made now when it has none (and ``create``)."""
    token = q.access_token_for(unit.conn, addresses, "quote", quote_id)
    if token is None and create:
        token = q.create_access_token(
            unit.conn,
            key=addresses,
            org_id=org_id,
            kind="quote",
            object_id=quote_id,
            now=unit.now,
        )
    return token
