"""Queries for the customer pages' read models (:class:`paylink.service.pages.Pages`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ..money import Money
from ..reminders import ChargedFee
from . import reminders as reminder_queries

__all__ = ["charged_fee_lines"]


def charged_fee_lines(conn: Connection, invoice_ids: Sequence[str]) -> dict[str, list[ChargedFee]]:
    """The fee lines charged on each invoice (sent reminder steps that charged a fee), by
    step: invoice id -> its lines; an invoice without fees is left out."""
    result: dict[str, list[ChargedFee]] = {}
    for row in reminder_queries.fee_lines(conn, invoice_ids):
        data = row.data or {}
        # A step recorded before fees were broken down holds only its total.
        fees = data.get("fees") or {
            "total": str(Money.from_minor(row.fee_minor, row.currency).amount)
        }
        charged_on = row.processed_at.date() if row.processed_at else row.due_on
        result.setdefault(row.invoice_id, []).append(
            ChargedFee.from_breakdown(row.step, row.step_name, charged_on, fees, row.currency)
        )
    return result
