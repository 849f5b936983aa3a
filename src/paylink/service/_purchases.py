"""Recording a purchase invoice inside a unit of work: what ``pl.purchases.create`` (entered
by hand) and ``pl.einvoices.receive`` (read from a supplier's e-invoice) share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .. import references
from ..documents import Line, PurchaseInvoice
from ..exceptions import ValidationError
from ..money import Money
from ..parties import Organization, normalize_bic, normalize_iban
from ..store import documents as q
from ._base import Unit, new_id

__all__ = ["record_purchase"]


def record_purchase(
    unit: Unit,
    organization: Organization,
    *,
    supplier_name: str,
    supplier_iban: str,
    amount: Money,
    due_date: dt.date,
    supplier_reference: str = "",
    payment_reference: str | None = None,
    supplier_bic: str | None = None,
    issue_date: dt.date | None = None,
    description: str = "",
    supplier_id: str | None = None,
    supplier_vat_id: str | None = None,
    lines: Iterable[Line] = (),
    vat_amount: Money | None = None,
    content_hash: str | None = None,
) -> PurchaseInvoice:
    """Check and insert a supplier's invoice; ``payment_reference`` (OGM or RF) is checked."""
    if not str(supplier_name).strip():
        raise ValidationError("expected the supplier's name", field="supplier_name")
    if amount.amount <= 0:
        raise ValidationError(f"expected a positive amount, got {amount}", field="amount")
    invoice = PurchaseInvoice(
        id=new_id("pur"),
        organization_id=organization.id,
        supplier_name=str(supplier_name).strip(),
        supplier_iban=normalize_iban(supplier_iban, "supplier_iban"),
        supplier_bic=normalize_bic(supplier_bic, "supplier_bic") if supplier_bic else None,
        supplier_reference=supplier_reference,
        payment_reference=references.check(payment_reference) if payment_reference else None,
        amount=amount,
        due_date=due_date,
        issue_date=issue_date,
        description=description,
        created_at=unit.now,
        supplier_id=supplier_id,
        supplier_vat_id=supplier_vat_id,
        lines=tuple(lines),
        vat_amount=vat_amount,
    )
    q.insert_purchase(unit.conn, invoice, unit.now, content_hash=content_hash)
    return invoice
