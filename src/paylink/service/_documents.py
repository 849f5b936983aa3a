"""Lower floor: a stored document (invoice, quote, credit note) rendered as HTML, read in a unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import render
from ..documents import CreditNote, Invoice, Quote
from ..exceptions import (
    NotFound,
)
from ..links import Addresses
from ..money import Money
from ..payments import Payment
from ..store import Connection
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import payments as payment_queries
from ..store.organizations import get_customer, get_organization
from ..store.reminders import charged_fee_lines
from ._base import local_date, require_base_url
from ._provider_accounts import ProviderClients

__all__ = ["document_html", "load_document"]


def load_document(conn: Connection, document: Invoice | Quote | CreditNote | str) -> Any:
    """The stored invoice, quote or credit note (whatever its kind); NotFound if none."""
    doc_id = document if isinstance(document, str) else document.id
    found = doc_queries.find_document(conn, doc_id)
    if found is None:
        raise NotFound(f"no document {doc_id!r}")
    return found


def document_html(
    addresses: Addresses,
    conn: Connection,
    document: Invoice | Quote | CreditNote | str,
    *,
    kind: str | None,
    language: str | None,
    payment: Payment | str | None,
    step: int,
    fees: Money | None,
    now: dt.datetime,
    fees_info_only: bool = False,
    providers: ProviderClients | None = None,
) -> str:
    """The document as HTML (``kind`` defaults to the document's own: invoice, quote, credit
    note; ``receipt`` and ``reminder`` are the other views of an invoice).

    With ``providers``, an open invoice (or its reminder letter) also carries the static QR
    codes the organization's provider accounts offer for what is to pay (Payconiq's Invoice
    QR): the invoice number as description, its structured reference (else its number) as
    reference."""
    doc = load_document(conn, document)
    org = get_organization(conn, doc.organization_id)
    customer = get_customer(conn, org.id, doc.customer_id)
    kind = kind or {Invoice: "invoice", Quote: "quote", CreditNote: "credit_note"}[type(doc)]
    link = None
    quote_url = None
    invoice_number = None
    fee_lines = []
    if isinstance(doc, Invoice):
        link = link_queries.active_for_invoice(conn, doc.id, addresses)
        if doc.fees.amount:
            fee_lines = charged_fee_lines(conn, [doc.id]).get(doc.id, [])
    elif isinstance(doc, Quote):
        token = link_queries.access_token_for(conn, addresses, "quote", doc.id)
        quote_url = addresses.url("quote", token) if token else None
    elif isinstance(doc, CreditNote):
        credited = doc_queries.get_document(conn, org.id, doc.invoice_id, "invoice")
        invoice_number = credited.number
    if link is not None or quote_url is not None:
        require_base_url(addresses.base_url, "render a document that carries a link")
    if isinstance(payment, str):
        payment = payment_queries.get_payment(conn, org.id, payment)
    if kind == "receipt" and payment is None and isinstance(doc, Invoice):
        found = payment_queries.list_payments(conn, org.id, invoice_id=doc.id)
        payment = found[-1] if found else None
    today = local_date(now, org)
    provider_qrs: dict[str, str] = {}
    if (
        providers is not None
        and isinstance(doc, Invoice)
        and kind in ("invoice", "reminder")
        and doc.status in ("issued", "partially_paid")
        and doc.open_amount.amount > 0
        and doc.number
    ):
        # What is to pay, as the document computes it: a reminder's own fee is added unless
        # it is only shown.
        to_pay = doc.open_amount
        if kind == "reminder" and fees is not None and fees.amount and not fees_info_only:
            to_pay = to_pay + fees
        reference = doc.reference.value if doc.reference else doc.number
        provider_qrs = providers.invoice_qrs(conn, org.id, to_pay, doc.number, reference)
    return render.render_document(
        kind,
        organization=org,
        customer=customer,
        document=doc,
        language=language or customer.language,
        link=link,
        quote_url=quote_url,
        invoice_number=invoice_number,
        payment=payment,
        step=step,
        fees=fees,
        today=today,
        fee_lines=fee_lines,
        fees_info_only=fees_info_only,
        provider_qrs=provider_qrs,
    )
