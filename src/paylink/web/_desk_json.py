"""The desk's read models as JSON (amounts as decimal strings with their currency)."""

from __future__ import annotations

from typing import Any

from ..documents import Invoice
from ..money import Money
from ..service.desk_pages import DeskHome, InvoiceDetail, InvoiceRow, ReviewPage

__all__ = ["home_json", "invoice_json", "money_json", "review_json"]


def money_json(money: Money | None) -> dict[str, str] | None:
    """``{"amount": "12.50", "currency": "EUR"}`` (None stays None)."""
    if money is None:
        return None
    return {"amount": str(money.amount), "currency": money.currency}


def home_json(home: DeskHome) -> dict[str, Any]:
    """The home page's figures."""
    return {
        "organization": home.organization.id,
        "today": home.today.isoformat(),
        "banks": [
            {
                "account": b.account,
                "balance": money_json(b.balance),
                "on": b.on.isoformat() if b.on else None,
            }
            for b in home.banks
        ],
        "receivables": money_json(home.receivables),
        "overdue": money_json(home.overdue),
        "overdue_count": home.overdue_count,
        "payables": money_json(home.payables),
        "payables_overdue": money_json(home.payables_overdue),
        "cash_in": money_json(home.cash_in),
        "cash_out": money_json(home.cash_out),
        "fees": money_json(home.fees),
        "review_count": home.review_count,
        "unmatched_count": home.unmatched_count,
        "opened_not_paid": home.opened_not_paid,
        "quotes_waiting": home.quotes_waiting,
    }


def invoice_json(
    invoice: Invoice, link_state: str, row: InvoiceRow | InvoiceDetail
) -> dict[str, Any]:
    """An invoice with its link state and whether it is overdue."""
    return {
        "id": invoice.id,
        "number": invoice.number,
        "customer_id": invoice.customer_id,
        "status": invoice.status,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "total": money_json(invoice.total),
        "open": money_json(invoice.open_amount),
        "link_state": link_state,
        "overdue": row.overdue,
    }


def review_json(page: ReviewPage) -> dict[str, Any]:
    """The proposals waiting and the unmatched transactions."""
    return {
        "proposals": [
            {
                "transaction_id": item.transaction.id,
                "amount": money_json(item.transaction.amount),
                "counterparty": item.transaction.counterparty_name,
                "invoices": [a.number for a in item.proposal.allocations],
                "rule": item.proposal.rule,
                "confidence": item.proposal.confidence,
                "explanation": item.proposal.explanation,
            }
            for item in page.items
        ],
        "unmatched": [
            {
                "transaction_id": tx.id,
                "amount": money_json(tx.amount),
                "counterparty": tx.counterparty_name,
                "booked": tx.booking_date.isoformat(),
                "candidates": [
                    {
                        "id": row.invoice.id,
                        "number": row.invoice.number,
                        "customer": row.customer_name,
                        "open": money_json(row.invoice.open_amount),
                    }
                    for row in page.candidates.get(tx.id, ())
                ],
            }
            for tx in page.unmatched
        ],
        "more_unmatched": page.more_unmatched,
    }
