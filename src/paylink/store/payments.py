"""Queries for payments and their allocations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..exceptions import NotFound
from ..money import Money
from ..payments import Allocation, Payment
from ._bulk import insert_many
from .schema import allocations, payments, refunds

_INSERT_PAYMENT = payments.insert()  # built once: only its parameters change
_INSERT_ALLOCATIONS = allocations.insert()


def insert_payment(conn: Connection, payment: Payment, now: dt.datetime) -> None:
    conn.execute(
        _INSERT_PAYMENT,
        {
            "id": payment.id,
            "organization_id": payment.organization_id,
            "customer_id": payment.customer_id,
            "currency": payment.amount.currency,
            "amount_minor": payment.amount.minor_units,
            "received_on": payment.received_on,
            "method": payment.method,
            "provider": payment.provider,
            "provider_reference": payment.provider_reference,
            "note": payment.note,
            "created_at": payment.created_at or now,
        },
    )
    if payment.allocations:
        conn.execute(
            _INSERT_ALLOCATIONS,
            [
                {
                    "payment_id": payment.id,
                    "invoice_id": a.invoice_id,
                    "amount_minor": a.amount.minor_units,
                    "position": i,
                }
                for i, a in enumerate(payment.allocations)
            ],
        )


def insert_payments(conn: Connection, found: Sequence[Payment], now: dt.datetime) -> None:
    """Store many payments and their allocations: one multi-row insert per table."""
    if not found:
        return
    insert_many(
        conn,
        _INSERT_PAYMENT,
        [
            {
                "id": p.id,
                "organization_id": p.organization_id,
                "customer_id": p.customer_id,
                "currency": p.amount.currency,
                "amount_minor": p.amount.minor_units,
                "received_on": p.received_on,
                "method": p.method,
                "provider": p.provider,
                "provider_reference": p.provider_reference,
                "note": p.note,
                "created_at": p.created_at or now,
            }
            for p in found
        ],
    )
    rows = [
        {
            "payment_id": p.id,
            "invoice_id": a.invoice_id,
            "amount_minor": a.amount.minor_units,
            "position": i,
        }
        for p in found
        for i, a in enumerate(p.allocations)
    ]
    insert_many(conn, _INSERT_ALLOCATIONS, rows)


def find_by_provider_references(
    conn: Connection, org_id: str, provider: str, references: Sequence[str]
) -> dict[str, Payment]:
    """The payments a provider already reported under any of ``references``, by reference."""
    if not references:
        return {}
    found = _load(
        conn,
        sa.select(payments).where(
            payments.c.organization_id == org_id,
            payments.c.provider == provider,
            payments.c.provider_reference.in_(sorted(set(references))),
        ),
    )
    return {p.provider_reference: p for p in found if p.provider_reference}


def find_by_provider_reference(
    conn: Connection, org_id: str, provider: str, reference: str
) -> Payment | None:
    """The payment a provider already reported under ``reference``, if any."""
    found = _load(
        conn,
        sa.select(payments).where(
            payments.c.organization_id == org_id,
            payments.c.provider == provider,
            payments.c.provider_reference == reference,
        ),
    )
    return found[0] if found else None


def _load(conn: Connection, query: sa.Select[Any]) -> list[Payment]:
    rows = conn.execute(query).all()
    ids = [r.id for r in rows]
    allocs: dict[str, list[Allocation]] = {i: [] for i in ids}
    currency = {r.id: r.currency for r in rows}
    if ids:
        for a in conn.execute(
            sa.select(allocations)
            .where(allocations.c.payment_id.in_(ids))
            .order_by(allocations.c.payment_id, allocations.c.position)
        ):
            allocs[a.payment_id].append(
                Allocation(a.invoice_id, Money.from_minor(a.amount_minor, currency[a.payment_id]))
            )
    return [
        Payment(
            id=r.id,
            organization_id=r.organization_id,
            customer_id=r.customer_id,
            amount=Money.from_minor(r.amount_minor, r.currency),
            received_on=r.received_on,
            method=r.method,
            provider=r.provider,
            provider_reference=r.provider_reference,
            note=r.note,
            allocations=tuple(allocs[r.id]),
            created_at=r.created_at,
        )
        for r in rows
    ]


def get_payment(conn: Connection, org_id: str, payment_id: str) -> Payment:
    found = _load(
        conn,
        sa.select(payments).where(
            payments.c.id == payment_id, payments.c.organization_id == org_id
        ),
    )
    if not found:
        raise NotFound(f"no payment {payment_id!r}")
    return found[0]


def list_payments(conn: Connection, org_id: str, *, invoice_id: str | None = None) -> list[Payment]:
    query = sa.select(payments).where(payments.c.organization_id == org_id)
    if invoice_id is not None:
        query = query.where(
            payments.c.id.in_(
                sa.select(allocations.c.payment_id).where(allocations.c.invoice_id == invoice_id)
            )
        )
    return _load(conn, query.order_by(payments.c.received_on, payments.c.created_at))


def dated_allocations(
    conn: Connection, invoice_ids: list[str], timezone: dt.tzinfo = dt.UTC
) -> dict[str, list[tuple[dt.date, int]]]:
    """For each invoice, what each payment allocated to it (minor units) and the day it was
    received, and what each refund took back from it (negative, on the day the refund was
    recorded in ``timezone``: the organization's), in date order; invoices without payments
    are left out."""
    if not invoice_ids:
        return {}
    a, p = allocations, payments
    rows = conn.execute(
        sa.select(a.c.invoice_id, a.c.payment_id, p.c.received_on, a.c.amount_minor)
        .join(p, p.c.id == a.c.payment_id)
        .where(a.c.invoice_id.in_(invoice_ids))
        .order_by(a.c.invoice_id, p.c.received_on, p.c.created_at)
    ).all()
    result: dict[str, list[tuple[dt.date, int]]] = {}
    for row in rows:
        result.setdefault(row.invoice_id, []).append((row.received_on, int(row.amount_minor)))
    wanted = set(invoice_ids)
    refunded = conn.execute(
        sa.select(refunds.c.created_at, refunds.c.allocations).where(
            refunds.c.payment_id.in_({row.payment_id for row in rows})
        )
    )
    for created_at, parts in refunded:
        for invoice_id, minor in parts:
            if invoice_id in wanted:
                day = created_at.astimezone(timezone).date()
                result[invoice_id].append((day, -int(minor)))
    for entries in result.values():
        entries.sort(key=lambda entry: entry[0])
    return result
