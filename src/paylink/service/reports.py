"""``pl.reports``: aging, days sales outstanding, cash per month and customers, from the store.

Each method reads the few columns it needs (no invoice lines) and hands them to the pure
functions of :mod:`paylink.reports`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import reports as r
from ..money import Money
from ..parties import Organization
from ..store import schema as s
from ._base import Resource

__all__ = ["Reports"]

_OPEN = ("issued", "partially_paid")


def _open_receivables(conn: Connection, org_id: str) -> list[r.AgingItem]:
    d, c = s.documents, s.customers
    rows = conn.execute(
        sa.select(
            d.c.id,
            d.c.number,
            d.c.customer_id,
            c.c.name,
            d.c.due_date,
            d.c.currency,
            # What is owed, charged reminder fees included (as ``Invoice.open_amount``).
            (d.c.total_minor + d.c.fees_minor - d.c.paid_minor - d.c.credited_minor).label(
                "open_minor"
            ),
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


def _open_payables(conn: Connection, org_id: str) -> list[r.AgingItem]:
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


class Reports(Resource):
    """Reports for the merchant; ``today`` defaults to today at the organization."""

    def _setup(
        self, org: Organization | str, today: dt.date | None
    ) -> tuple[Organization, dt.date]:
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
        return organization, today or self._ctx.today(organization)

    def aging(
        self,
        org: Organization | str,
        *,
        kind: Literal["receivables", "payables"] = "receivables",
        today: dt.date | None = None,
    ) -> r.AgingReport:
        """Open sales invoices (or purchase invoices, ``kind="payables"``) by days overdue:
        not due, 1–30, 31–60, 61–90, over 90."""
        organization, day = self._setup(org, today)
        with self._ctx.store.transaction() as conn:
            items = (
                _open_receivables(conn, organization.id)
                if kind == "receivables"
                else _open_payables(conn, organization.id)
            )
        return r.aging(items, day, currency=organization.currency, kind=kind)

    def dso(
        self, org: Organization | str, *, days: int = 90, today: dt.date | None = None
    ) -> r.DsoReport:
        """Days sales outstanding over the last ``days`` days: open receivables now, divided
        by the invoices issued in the period, times ``days``."""
        organization, day = self._setup(org, today)
        d = s.documents
        with self._ctx.store.transaction() as conn:
            receivables = sum(
                (i.open_amount for i in _open_receivables(conn, organization.id)
                 if i.open_amount.currency == organization.currency),
                Money.zero(organization.currency),
            )  # fmt: skip
            sales_minor = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(d.c.total_minor), 0)).where(
                    d.c.organization_id == organization.id,
                    d.c.kind == "invoice",
                    d.c.currency == organization.currency,
                    d.c.status.in_(("issued", "partially_paid", "paid")),
                    d.c.issue_date > day - dt.timedelta(days=days),
                    d.c.issue_date <= day,
                )
            ).scalar_one()
        sales = Money.from_minor(int(sales_minor), organization.currency)
        return r.dso(receivables, sales, today=day, days=days)

    def cashflow(
        self, org: Organization | str, *, months: int = 12, today: dt.date | None = None
    ) -> r.CashflowReport:
        """Cash in and out per month over the last ``months`` months.

        From the imported bank transactions when there are any (table ``bank_transactions``);
        otherwise cash in is the recorded payments (by date received) and cash out the
        purchase invoices paid or ordered for payment (by due date).
        """
        organization, day = self._setup(org, today)
        first = r._months_back(day, months)[0]
        movements: list[tuple[dt.date, Money]] = []
        source = "payments"
        with self._ctx.store.transaction() as conn:
            bank = s.metadata.tables.get("bank_transactions")
            if bank is not None and sa.inspect(conn).has_table(bank.name):
                rows = conn.execute(
                    sa.select(bank.c.booking_date, bank.c.currency, bank.c.amount_minor).where(
                        bank.c.organization_id == organization.id,
                        bank.c.booking_date >= first,
                        bank.c.booking_date <= day,
                    )
                ).all()
                if rows:
                    source = "bank"
                    movements = [(b, Money.from_minor(int(a), c)) for b, c, a in rows]
            if source == "payments":
                movements = self._payment_movements(conn, organization.id, first, day)
        return r.cashflow(
            movements, today=day, months=months, currency=organization.currency, source=source
        )

    @staticmethod
    def _payment_movements(
        conn: Connection, org_id: str, first: dt.date, last: dt.date
    ) -> list[tuple[dt.date, Money]]:
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

    def customers(
        self,
        org: Organization | str,
        *,
        since: dt.date | None = None,
        today: dt.date | None = None,
    ) -> r.CustomersReport:
        """Revenue (invoices issued since ``since``, default: all) and open balance per
        customer, largest open balance first."""
        organization, day = self._setup(org, today)
        d, c = s.documents, s.customers
        with self._ctx.store.transaction() as conn:
            rows: list[Any] = list(
                conn.execute(
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
                        d.c.organization_id == organization.id,
                        d.c.kind == "invoice",
                        d.c.status.in_(("issued", "partially_paid", "paid")),
                    )
                )
            )
        figures = [
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
        return r.customers(figures, today=day, currency=organization.currency, since=since)
