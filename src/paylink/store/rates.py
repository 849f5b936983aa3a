"""Queries for the reference rates of statutory interest (one table for the database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..exceptions import ValidationError
from ..reminders import ECB_REFERENCE_RATES, ReferenceRate, ReferenceRates
from .schema import reference_rates

__all__ = ["add_rate", "effective_rates", "list_rates"]


def effective_rates(conn: Connection) -> ReferenceRates:
    """The table statutory interest uses: the one paylink ships, with the stored rates over
    it (a stored rate wins for its half-year; a half-year the store lacks keeps the shipped
    rate). Known through the end of the last half-year either has."""
    return ECB_REFERENCE_RATES.extended(list_rates(conn))


def list_rates(conn: Connection) -> list[ReferenceRate]:
    """Every stored rate, oldest first."""
    t = reference_rates
    rows = conn.execute(sa.select(t).order_by(t.c.effective_from)).all()
    return [
        ReferenceRate(
            effective_from=row.effective_from,
            rate=Decimal(row.rate),
            source=row.source,
            added_at=row.added_at,
        )
        for row in rows
    ]


def add_rate(conn: Connection, rate: ReferenceRate, *, now: dt.datetime, replace: bool) -> bool:
    """Store ``rate``; return False when the same rate was already there (nothing changes).

    A different rate for a half-year already stored raises :class:`ValidationError` naming
    ``effective_from`` unless ``replace`` (a correction).
    """
    t = reference_rates
    found = conn.execute(
        sa.select(t.c.rate).where(t.c.effective_from == rate.effective_from).with_for_update()
    ).scalar_one_or_none()
    values = {"rate": str(rate.rate), "source": rate.source, "added_at": now}
    if found is None:
        conn.execute(t.insert().values(effective_from=rate.effective_from, **values))
        return True
    if Decimal(found) == rate.rate:
        return False
    if not replace:
        raise ValidationError(
            f"the rate from {rate.effective_from} is already {Decimal(found)} %, not "
            f"{rate.rate} %; pass replace=True (--replace) to correct it",
            field="effective_from",
        )
    conn.execute(t.update().where(t.c.effective_from == rate.effective_from).values(**values))
    return True
