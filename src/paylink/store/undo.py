"""What a reconciliation match changed, captured before it and put back by an undo.

:func:`capture` reads, before a match is applied, every row the match may change: the
invoices or purchase invoices it pays, their allocations, payment links and link history, the
messages about them, the bank transaction and its recorded decision, and what the match may
teach or credit (the customer's IBANs, payer names and credit ledger). :func:`restore` puts
exactly those rows back: rows others point to are updated in place, the others are replaced,
and the payment the match recorded is deleted. Messages the match queued that have gone out
since are kept (a sent e-mail cannot be unsent; its record stays true).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s

__all__ = ["capture", "changed_since", "restore"]

# Rows other tables point to: written back in place. The others: deleted and inserted again.
_IN_PLACE = ("documents", "purchase_invoices", "payment_links", "bank_transactions", "customers")
_REPLACED = (
    "allocations",
    "link_events",
    "messages",
    "reconciliation_matches",
    "customer_ibans",
    "customer_aliases",
    "customer_credit",
)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
    return value


def _where(table: sa.Table, scope: dict[str, Any]) -> sa.ColumnElement[bool]:
    c = table.c
    inv = scope["invoice_ids"]
    match table.name:
        case "documents":
            return c.id.in_(inv)
        case "purchase_invoices":
            return c.id.in_(scope["purchase_ids"])
        case "allocations":
            return c.invoice_id.in_(inv)
        case "payment_links" | "link_events":
            links = s.payment_links.c
            chosen = sa.select(links.id).where(
                sa.or_(
                    links.invoice_id.in_(inv),
                    links.id.in_(scope["link_ids"]),
                    sa.and_(links.invoice_id.is_(None), links.customer_id == scope["customer_id"]),
                )
            )
            return (c.id if table.name == "payment_links" else c.link_id).in_(chosen)
        case "messages":
            return c.document_id.in_(inv)
        case "bank_transactions":
            return sa.and_(
                c.organization_id == scope["org_id"],
                c.account == scope["account"],
                c.id == scope["transaction_id"],
            )
        case "reconciliation_matches":
            return sa.and_(
                c.organization_id == scope["org_id"],
                c.account == scope["account"],
                c.transaction_id == scope["transaction_id"],
            )
        case "customers":
            return c.id == str(scope["customer_id"])
        case "customer_ibans":
            return c.customer_id == str(scope["customer_id"])
        case "customer_aliases" | "customer_credit":
            return sa.and_(
                c.organization_id == scope["org_id"], c.customer_id == scope["customer_id"]
            )
    raise AssertionError(table.name)  # pragma: no cover - every table above is handled


def capture(
    conn: Connection,
    *,
    org_id: str,
    account: str,
    transaction_id: str,
    invoice_ids: Sequence[str] = (),
    purchase_ids: Sequence[str] = (),
    link_ids: Sequence[str] = (),
    customer_id: str | None = None,
) -> dict[str, Any]:
    """The rows a match of ``transaction_id`` to these invoices may change, as JSON."""
    scope = {
        "org_id": org_id,
        "account": account,
        "transaction_id": transaction_id,
        "invoice_ids": list(invoice_ids),
        "purchase_ids": list(purchase_ids),
        "link_ids": list(link_ids),
        "customer_id": customer_id,
    }
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in (*_IN_PLACE, *_REPLACED):
        table = s.metadata.tables[name]
        found = conn.execute(sa.select(table).where(_where(table, scope))).mappings().all()
        rows[name] = [{k: _encode(v) for k, v in row.items()} for row in found]
    return {"scope": scope, "rows": rows}


def restore(conn: Connection, captured: dict[str, Any], *, payment_id: str | None) -> None:
    """Put back the rows :func:`capture` read, and delete the payment ``payment_id``."""
    scope, rows = captured["scope"], captured["rows"]
    for name in _REPLACED:
        table = s.metadata.tables[name]
        where = _where(table, scope)
        if name == "messages":
            kept = [r["id"] for r in rows[name]]
            where = sa.and_(where, sa.or_(table.c.id.in_(kept), table.c.status == "queued"))
        conn.execute(table.delete().where(where))
        if rows[name]:
            conn.execute(
                table.insert(), [{k: _decode(v) for k, v in row.items()} for row in rows[name]]
            )
    if payment_id is not None:
        conn.execute(s.payments.delete().where(s.payments.c.id == payment_id))
    for name in _IN_PLACE:
        table = s.metadata.tables[name]
        keys = [col.name for col in table.primary_key.columns]
        for row in rows[name]:
            values = {k: _decode(v) for k, v in row.items()}
            conn.execute(
                table.update()
                .where(*(table.c[k] == values[k] for k in keys))
                .values({k: v for k, v in values.items() if k not in keys})
            )


# Columns of an invoice a match never changes: a difference is someone else's change, which
# putting the captured row back would silently erase.
_OTHERS = {
    "credited_minor": "was credited",
    "fees_minor": "was charged a reminder fee",
    "disputed": "was marked disputed or undisputed",
}


def changed_since(conn: Connection, captured: dict[str, Any], since: dt.datetime) -> list[str]:
    """What happened to the captured invoices since ``since`` that a match does not do
    (credit notes, reminder fees, disputes), in words, one item per invoice."""
    before = {row["id"]: row for row in captured["rows"]["documents"]}
    if not before:
        return []
    d = s.documents.c
    now = conn.execute(
        sa.select(d.id, d.number, *(d[name] for name in _OTHERS)).where(d.id.in_(list(before)))
    ).mappings()
    changed: list[str] = []
    for row in now:
        what = [words for name, words in _OTHERS.items() if row[name] != before[row["id"]][name]]
        if not what:
            continue
        item = f"invoice {row['number'] or row['id']} " + " and ".join(what)
        if row["credited_minor"] != before[row["id"]]["credited_minor"]:
            notes = conn.execute(
                sa.select(d.number)
                .where(d.kind == "credit_note", d.related_id == row["id"], d.created_at >= since)
                .order_by(d.created_at, d.number)
            ).scalars()
            item += f" (credit note {', '.join(n for n in notes if n)})"
        changed.append(item)
    return changed


def payments_on(conn: Connection, invoice_ids: Sequence[str]) -> set[str]:
    """The ids of the payments allocated to these invoices."""
    a = s.allocations.c
    return {
        row.payment_id
        for row in conn.execute(sa.select(a.payment_id).where(a.invoice_id.in_(list(invoice_ids))))
    }
