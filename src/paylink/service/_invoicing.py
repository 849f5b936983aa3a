"""Lower floor: issue and credit invoices inside a unit of work (numbers from the series)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import attrs

from .. import references
from ..documents import CreditNote, Invoice, Line
from ..exceptions import StateError, ValidationError
from ..links import Addresses
from ..money import Money, currency_exponent
from ..numbering import DEFAULT_PATTERNS, format_number, series_key
from ..parties import Organization
from ..store import documents as q
from ..store.organizations import get_organization
from ._base import Unit, new_id, unit_today
from ._credit import credit_from_note
from ._links import cancel_links_of
from ._payments import apply_credit

__all__ = ["SETTLE_CHOICES", "check_lines", "credit_invoice", "issue_invoice", "next_number"]


#: How the paid part of a credit note is settled: kept as customer credit, paid back, or
#: (None) not at all, so a credit note may only take off what is open.
SETTLE_CHOICES = ("credit", "refund", None)


def check_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines as a tuple, after checking there is at least one and each is a Line."""
    result = tuple(lines)
    if not result:
        raise ValidationError("expected at least one line", field="lines")
    for i, line in enumerate(result):
        if not isinstance(line, Line):
            raise ValidationError(
                f"expected a paylink.Line, got {type(line).__name__}", field=f"lines[{i}]"
            )
    return result


def next_number(unit: Unit, org: Organization, kind: str, issue_date: dt.date) -> str:
    """The next number of the organization's series for ``kind`` (gapless, locked)."""
    pattern = org.invoice_pattern if kind == "invoice" else DEFAULT_PATTERNS[kind]
    seq = q.next_in_series(unit.conn, org.id, series_key(kind, pattern, issue_date))
    return format_number(pattern, seq, issue_date)


def issue_invoice(
    unit: Unit,
    org: Organization,
    customer_id: str,
    lines: Sequence[Line],
    *,
    issue_date: dt.date,
    due_date: dt.date | None,
    currency: str | None,
    notes: str = "",
    quote_id: str | None = None,
    draft: Invoice | None = None,
) -> Invoice:
    """Number, reference and store an invoice inside ``unit`` (shared by invoices and quotes)."""
    lines = check_lines(lines)
    currency = currency or org.currency
    currency_exponent(currency)
    due = due_date or issue_date + dt.timedelta(days=org.payment_terms_days)
    if due < issue_date:
        raise ValidationError(
            f"the due date {due} is before the issue date {issue_date}", field="due_date"
        )
    number = next_number(unit, org, "invoice", issue_date)
    make_ref = references.ogm if org.reference_scheme == "ogm" else references.rf
    invoice = Invoice(
        id=draft.id if draft else new_id("inv"),
        organization_id=org.id,
        customer_id=customer_id,
        currency=currency,
        lines=lines,
        status="issued",
        number=number,
        reference=make_ref(number),
        issue_date=issue_date,
        due_date=due,
        quote_id=quote_id,
        notes=notes,
        issued_at=unit.now,
        created_at=draft.created_at if draft else unit.now,
    )
    if invoice.total.amount < 0:
        raise ValidationError(f"the invoice total is negative ({invoice.total})", field="lines")
    if draft is None:
        q.insert_document(unit.conn, invoice, unit.now)
    else:
        q.update_document(unit.conn, invoice)
    unit.emit("invoice_issued", organization=org, invoice=invoice)
    if org.apply_credit_automatically and apply_credit(unit, invoice, Addresses("")) is not None:
        # A new invoice has no payment links yet, so no addresses are needed to close them.
        paid = q.get_document(unit.conn, org.id, invoice.id, "invoice")
        assert isinstance(paid, Invoice)
        return paid
    return invoice


def credit_invoice(
    unit: Unit,
    current: Invoice,
    lines: Iterable[Line] | None,
    reason: str,
    addresses: Addresses,
    *,
    settle: str | None = None,
) -> tuple[CreditNote, Money]:
    """Issue a credit note against ``current`` inside ``unit`` (see :meth:`Invoices.credit`);
    return it and the part of it that was already paid (zero when it only takes off what is
    open). With ``settle`` that part comes off the invoice's paid amount and becomes the
    customer's credit, once per note; the caller pays it back for ``settle="refund"``."""
    if settle not in SETTLE_CHOICES:
        raise ValidationError(
            f"expected settle to be 'credit', 'refund' or None, got {settle!r}", field="settle"
        )
    allowed = (
        ("issued", "partially_paid") if settle is None else ("issued", "partially_paid", "paid")
    )
    if current.status not in allowed:
        raise StateError(
            f"invoice {current.number or current.id} is {current.status}; only an issued "
            + ("or paid invoice can be credited" if settle else "invoice can be credited")
            + (" (pass settle='credit' or 'refund' to credit a paid one)"
               if current.status == "paid" else "")
        )  # fmt: skip
    organization = get_organization(unit.conn, current.organization_id)
    today = unit_today(unit, organization)
    note = CreditNote(
        id=new_id("crn"),
        organization_id=organization.id,
        customer_id=current.customer_id,
        invoice_id=current.id,
        currency=current.currency,
        lines=check_lines(lines) if lines is not None else current.lines,
        number=next_number(unit, organization, "credit_note", today),
        issue_date=today,
        reason=reason,
        created_at=unit.now,
    )
    # A credit note corrects the invoice's own lines: it can take off what is open of them,
    # not the reminder fees charged on top. With ``settle`` it may also take back what was
    # paid of them, up to all that is not credited yet.
    limit = current.principal_open if settle is None else current.principal
    if note.total > limit:
        if settle is None and note.total <= current.principal:
            raise ValidationError(
                f"the credit note ({note.total}) exceeds what is open on invoice "
                f"{current.number} ({current.principal_open}); {current.paid} was paid: pass "
                "settle='credit' to keep the paid part as customer credit or settle='refund' "
                "to pay it back",
                field="settle",
            )
        raise ValidationError(
            f"the credit note ({note.total}) exceeds what is "
            + ("open" if settle is None else "not credited yet")
            + f" on invoice {current.number} ({limit}"
            + (f" + {current.fees_open} reminder fees" if current.fees_open.amount else "")
            + ")",
            field="lines",
        )
    overpaid = note.total - current.principal_open
    overpaid = overpaid if overpaid.amount > 0 else Money.zero(current.currency)
    q.insert_document(unit.conn, note, unit.now)
    updated = attrs.evolve(
        current,
        credited_amount=current.credited + note.total,
        paid_amount=current.paid - overpaid,
    )
    status = updated.status_after_settlement()
    updated = attrs.evolve(
        updated, status=status, paid_at=current.paid_at if status == "paid" else None
    )
    q.update_document(unit.conn, updated)
    if overpaid.amount > 0:
        credit_from_note(unit, note, overpaid)
    if updated.status == "cancelled":
        cancel_links_of(unit, updated, addresses)
    return note, overpaid
