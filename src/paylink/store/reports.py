"""Queries for the reports: the few columns each report needs (no invoice lines), mapped to
the values of :mod:`paylink.reports`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import reports as r
from ..money import Money
from . import schema as s
from .documents import open_minor

__all__ = [
    "bank_movements",
    "invoice_figures",
    "open_payables",
    "open_receivables",
    "payment_movements",
    "sales_minor",
]

_OPEN = ("issued", "partially_paid")


def open_receivables(conn: Connection, org_id: str) -> list[r.AgingItem]:
    """The organization's open sales invoices that have a due date."""
    d, c = s.documents, s.customers
    rows = conn.execute(
        sa.select(
            d.c.id,
            d.c.number,
            d.c.customer_id,
            c.c.name,
            d.c.due_date,
            d.c.currency,
            open_minor().label("open_minor"),
        )
        .join(c, c.c.id == d.c.customer_id)
        .where(d.c.organization_id == org_id, d.c.kind == "invoice", d.c.status.in_(_OPEN))
    )
    return [
        r.AgingItem(
            id=row.id,
            number=row.number or "",
            party=row.name,
            party_id=row.customer_id,
            due_date=row.due_date,
            open_amount=Money.from_minor(int(row.open_minor), row.currency),
        )
        for row in rows
        if row.due_date is not None
    ]


def open_payables(conn: Connection, org_id: str) -> list[r.AgingItem]:
    """The organization's purchase invoices not yet paid."""
    p = s.purchase_invoices
    rows = conn.execute(
        sa.select(
            p.c.id,
            p.c.supplier_reference,
            p.c.supplier_name,
            p.c.due_date,
            p.c.currency,
            (p.c.amount_minor - p.c.paid_minor).label("open_minor"),
        ).where(p.c.organization_id == org_id, p.c.status.in_(("open", "payment_ordered")))
    )
    return [
        r.AgingItem(
            id=row.id,
            number=row.supplier_reference,
            party=row.supplier_name,
            due_date=row.due_date,
            open_amount=Money.from_minor(int(row.open_minor), row.currency),
        )
        for row in rows
    ]


def sales_minor(conn: Connection, org_id: str, currency: str, first: dt.date, last: dt.date) -> int:
    """The total of the invoices in ``currency`` issued after ``first`` up to ``last``
    (minor units)."""
    d = s.documents
    total = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(d.c.total_minor), 0)).where(
            d.c.organization_id == org_id,
            d.c.kind == "invoice",
            d.c.currency == currency,
            d.c.status.in_(("issued", "partially_paid", "paid")),
            d.c.issue_date > first,
            d.c.issue_date <= last,
        )
    ).scalar_one()
    return int(total)


def bank_movements(
    conn: Connection, org_id: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, Money]]:
    """The imported bank transactions booked from ``first`` to ``last``, signed."""
    bank = s.metadata.tables.get("bank_transactions")
    if bank is None or not sa.inspect(conn).has_table(bank.name):
        return []
    rows = conn.execute(
        sa.select(bank.c.booking_date, bank.c.currency, bank.c.amount_minor).where(
            bank.c.organization_id == org_id,
            bank.c.booking_date >= first,
            bank.c.booking_date <= last,
        )
    ).all()
    return [(b, Money.from_minor(int(a), c)) for b, c, a in rows]


def payment_movements(
    conn: Connection, org_id: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, Money]]:
    """Cash in from the recorded payments (by date received) and out from the purchase
    invoices paid or ordered for payment (by due date)."""
    p, pi = s.payments, s.purchase_invoices
    result: list[tuple[dt.date, Money]] = [
        (row.received_on, Money.from_minor(int(row.amount_minor), row.currency))
        for row in conn.execute(
            sa.select(p.c.received_on, p.c.currency, p.c.amount_minor).where(
                p.c.organization_id == org_id, p.c.received_on >= first, p.c.received_on <= last
            )
        )
    ]
    result += [
        (row.due_date, -Money.from_minor(int(row.paid_minor or row.amount_minor), row.currency))
        for row in conn.execute(
            sa.select(pi.c.due_date, pi.c.currency, pi.c.amount_minor, pi.c.paid_minor).where(
                pi.c.organization_id == org_id,
                pi.c.status.in_(("paid", "payment_ordered")),
                pi.c.due_date >= first,
                pi.c.due_date <= last,
            )
        )
    ]
    return result


def invoice_figures(conn: Connection, org_id: str) -> list[r.InvoiceFigures]:
    """Each issued (or paid) invoice's customer, dates, total and open amount."""
    d, c = s.documents, s.customers
    rows = conn.execute(
        sa.select(
            d.c.customer_id,
            c.c.name,
            d.c.issue_date,
            d.c.due_date,
            d.c.currency,
            d.c.status,
            d.c.total_minor,
            d.c.fees_minor,
            d.c.paid_minor,
            d.c.credited_minor,
        )
        .join(c, c.c.id == d.c.customer_id)
        .where(
            d.c.organization_id == org_id,
            d.c.kind == "invoice",
            d.c.status.in_(("issued", "partially_paid", "paid")),
        )
    )
    return [
        r.InvoiceFigures(
            customer_id=row.customer_id,
            customer_name=row.name,
            issue_date=row.issue_date,
            due_date=row.due_date,
            total=Money.from_minor(
                int(row.total_minor + row.fees_minor - row.credited_minor), row.currency
            ),
            open_amount=Money.from_minor(
                int(row.total_minor + row.fees_minor - row.paid_minor - row.credited_minor)
                if row.status in _OPEN
                else 0,
                row.currency,
            ),
        )
        for row in rows
    ]
