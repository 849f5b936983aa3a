"""Queries for customer credit: the signed ledger of each customer's credit balance."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..money import Money
from ..payments import CreditEntry
from .schema import customer_credit, customers

_INSERT = customer_credit.insert()


def lock_customer(conn: Connection, org_id: str, customer_id: str) -> None:
    """Hold the customer's row (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
    already serializes writers) so two units spending the same credit run one after the
    other and the second sees what the first took."""
    conn.execute(
        sa.select(customers.c.id)
        .where(customers.c.id == customer_id, customers.c.organization_id == org_id)
        .with_for_update()
    ).all()


def insert_entry(conn: Connection, entry: CreditEntry, now: dt.datetime) -> None:
    """Store one movement of a customer's credit."""
    conn.execute(
        _INSERT,
        {
            "id": entry.id,
            "organization_id": entry.organization_id,
            "customer_id": entry.customer_id,
            "currency": entry.amount.currency,
            "amount_minor": entry.amount.minor_units,
            "kind": entry.kind,
            "source_id": entry.source_id,
            "invoice_id": entry.invoice_id,
            "note": entry.note,
            "created_at": entry.created_at or now,
        },
    )


def has_entry(conn: Connection, kind: str, source_id: str) -> bool:
    """Whether an entry of ``kind`` for ``source_id`` is already stored."""
    c = customer_credit.c
    found = conn.execute(
        sa.select(c.id).where(c.kind == kind, c.source_id == source_id).limit(1)
    ).first()
    return found is not None


def balances(conn: Connection, org_id: str, customer_id: str) -> dict[str, Money]:
    """The customer's credit balance per currency (currencies with a zero balance left out)."""
    c = customer_credit.c
    rows = conn.execute(
        sa.select(c.currency, sa.func.sum(c.amount_minor))
        .where(c.organization_id == org_id, c.customer_id == customer_id)
        .group_by(c.currency)
    ).all()
    return {cur: Money.from_minor(int(total), cur) for cur, total in rows if int(total or 0)}


def org_balances(conn: Connection, org_id: str) -> dict[str, dict[str, Money]]:
    """Every customer's credit balance per currency, by customer id (zero balances left out)."""
    c = customer_credit.c
    rows = conn.execute(
        sa.select(c.customer_id, c.currency, sa.func.sum(c.amount_minor))
        .where(c.organization_id == org_id)
        .group_by(c.customer_id, c.currency)
    ).all()
    result: dict[str, dict[str, Money]] = {}
    for customer_id, cur, total in rows:
        if int(total or 0):
            result.setdefault(customer_id, {})[cur] = Money.from_minor(int(total), cur)
    return result


def list_entries(conn: Connection, org_id: str, customer_id: str) -> list[CreditEntry]:
    """The customer's credit movements, oldest first."""
    c = customer_credit.c
    rows = conn.execute(
        sa.select(customer_credit)
        .where(c.organization_id == org_id, c.customer_id == customer_id)
        # at one instant, what was credited comes before what was taken off it
        .order_by(c.created_at, c.amount_minor.desc(), c.id)
    ).all()
    return [
        CreditEntry(
            id=r.id,
            organization_id=r.organization_id,
            customer_id=r.customer_id,
            amount=Money.from_minor(int(r.amount_minor), r.currency),
            kind=r.kind,
            source_id=r.source_id,
            invoice_id=r.invoice_id,
            note=r.note,
            created_at=r.created_at,
        )
        for r in rows
    ]
