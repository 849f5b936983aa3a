"""The cash-flow figures read from the store: one reading shared by ``pl.reports`` and the
desk's home page, so both show the same cash in, cash out and provider fees."""

from __future__ import annotations

import datetime as dt

from .. import reports as r
from ..money import Money
from ..parties import Organization
from ..store import Connection
from ..store import payouts as payout_queries
from ..store import reports as q

__all__ = ["read_cashflow"]


def read_cashflow(
    conn: Connection, organization: Organization, *, today: dt.date, months: int
) -> r.CashflowReport:
    """Cash in and out per month over the last ``months`` months up to ``today``: from the
    bank transactions when there are any, else from the recorded payments and the purchase
    invoices paid or ordered; the providers' payouts give the fees per month and provider."""
    first = r._months_back(today, months)[0]
    movements = q.bank_movements(conn, organization.id, first, today)
    source = "bank" if movements else "payments"
    if not movements:
        movements = q.payment_movements(conn, organization.id, first, today)
    payouts = [
        (
            created,
            provider,
            Money.from_minor(gross, cur),
            Money.from_minor(fee, cur),
            Money.from_minor(net, cur),
        )
        for created, provider, cur, gross, fee, net in payout_queries.fees_by_month(
            conn, organization.id, first, today
        )
    ]
    return r.cashflow(
        movements,
        today=today,
        months=months,
        currency=organization.currency,
        source=source,
        payouts=payouts,
    )
