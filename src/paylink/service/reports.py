"""``pl.reports``: aging, days sales outstanding, cash per month and customers, from the store.

Each method reads the few columns it needs (no invoice lines, :mod:`paylink.store.reports`) and
hands them to the pure functions of :mod:`paylink.reports`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from .. import reports as r
from ..money import Money
from ..parties import Organization
from ..store import credit as credit_queries
from ..store import organizations as org_queries
from ..store import reports as q
from ._base import Resource
from ._cashflow import read_cashflow

__all__ = ["Reports"]


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
                q.open_receivables(conn, organization.id)
                if kind == "receivables"
                else q.open_payables(conn, organization.id)
            )
        return r.aging(items, day, currency=organization.currency, kind=kind)

    def dso(
        self, org: Organization | str, *, days: int = 90, today: dt.date | None = None
    ) -> r.DsoReport:
        """Days sales outstanding over the last ``days`` days: open receivables now, divided
        by the invoices issued in the period, times ``days``."""
        organization, day = self._setup(org, today)
        with self._ctx.store.transaction() as conn:
            receivables = sum(
                (i.open_amount for i in q.open_receivables(conn, organization.id)
                 if i.open_amount.currency == organization.currency),
                Money.zero(organization.currency),
            )  # fmt: skip
            sales_minor = q.sales_minor(
                conn, organization.id, organization.currency, day - dt.timedelta(days=days), day
            )
        sales = Money.from_minor(sales_minor, organization.currency)
        return r.dso(receivables, sales, today=day, days=days)

    def cashflow(
        self, org: Organization | str, *, months: int = 12, today: dt.date | None = None
    ) -> r.CashflowReport:
        """Cash in and out per month over the last ``months`` months.

        From the imported bank transactions when there are any (table ``bank_transactions``);
        otherwise cash in is the recorded payments (by date received) and cash out the
        purchase invoices paid or ordered for payment (by due date). The payment providers'
        payouts give the fees per month and provider (``fees``, ``provider_fees`` per month):
        gross revenue through the provider against the net that reached the bank.
        """
        organization, day = self._setup(org, today)
        with self._ctx.store.transaction() as conn:
            return read_cashflow(conn, organization, today=day, months=months)

    def customers(
        self,
        org: Organization | str,
        *,
        since: dt.date | None = None,
        today: dt.date | None = None,
    ) -> r.CustomersReport:
        """Revenue (invoices issued since ``since``, default: all), open balance and credit
        per customer, largest open balance first."""
        organization, day = self._setup(org, today)
        cur = organization.currency
        with self._ctx.store.transaction() as conn:
            figures = q.invoice_figures(conn, organization.id)
            balances = credit_queries.org_balances(conn, organization.id)
            names = {
                c.id: c.name
                for c in org_queries.list_customers(conn, organization.id)
                if c.id in balances
            }
        credit = {
            cid: (names.get(cid, cid), amounts[cur])
            for cid, amounts in balances.items()
            if cur in amounts
        }
        return r.customers(figures, today=day, currency=cur, since=since, credit=credit)
