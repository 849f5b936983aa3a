"""The shortcuts of the set-wise paths write and read exactly what the plain ones do: rows
bound through the driver's executemany (SQLite) or joined from arrays and one JSON array
(PostgreSQL), invoices read again with the lines of an earlier read, and an invoice settled
without ``attrs.evolve``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from paylink import Line, Money, Paylink
from paylink.documents import Invoice
from paylink.parties import Customer, Organization
from paylink.store import documents as doc_queries
from paylink.store._bulk import execute_many, insert_many
from paylink.store.schema import documents, reconciliation_matches

from ..conftest import lines

BRUSSELS = dt.timezone(dt.timedelta(hours=1))
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _rows(org_id: str, account: str) -> list[dict[str, Any]]:
    documents_ = [
        {"text": 'a "quoted" word, a back\\slash and a {brace}', "n": [1, 2.5, None]},
        {"nested": {"é": "ünïcode ✓", "empty": ""}, "list": []},
        [],
        "just a string",
        {"null": None, "true": True},
    ]
    return [
        {
            "organization_id": org_id,
            "account": account,
            "transaction_id": f"T{i}",
            "status": "applied" if i % 2 else "review",
            "rule": ["exact_reference", 'with "quotes"', "with spaces", "", "NULL"][i],
            "confidence": [1.0, 0.5, 0.333, 0.0, 0.96][i],
            "proposal": document,
            "payment_id": None if i % 2 else f"pay_{i}",
            # the same instant in two zones, another one, and none
            "created_at": [AT, AT.astimezone(BRUSSELS), AT + dt.timedelta(seconds=1), AT, AT][i],
            "decided_at": None if i == 3 else AT,
        }
        for i, document in enumerate(documents_)
    ]


def _read(conn: sa.Connection, account: str) -> list[tuple[Any, ...]]:
    m = reconciliation_matches.c
    found = conn.execute(
        sa.select(reconciliation_matches).where(m.account == account).order_by(m.transaction_id)
    )
    return [tuple((k, repr(v)) for k, v in r._mapping.items() if k != "account") for r in found]


def test_bulk_inserts_and_updates_store_what_sqlalchemy_stores(
    pl: Paylink, org: Organization
) -> None:
    update = (
        reconciliation_matches.update()
        .where(
            reconciliation_matches.c.account == sa.bindparam("p_account"),
            reconciliation_matches.c.transaction_id == sa.bindparam("p_tx"),
        )
        .values(status=sa.bindparam("p_status"), decided_at=sa.bindparam("p_at"))
    )
    with pl.store.transaction() as conn:
        insert_many(conn, reconciliation_matches.insert(), _rows(org.id, "BULK"))
        conn.execute(reconciliation_matches.insert(), _rows(org.id, "PLAIN"))
        changes = [
            {"p_tx": "T1", "p_status": "rejected", "p_at": AT.astimezone(BRUSSELS)},
            {"p_tx": "T3", "p_status": "applied", "p_at": None},
        ]
        execute_many(conn, update, [{**c, "p_account": "BULK"} for c in changes])
        conn.execute(update, [{**c, "p_account": "PLAIN"} for c in changes])
    with pl.store.transaction() as conn:
        bulk, plain = _read(conn, "BULK"), _read(conn, "PLAIN")
    assert len(bulk) == 5
    assert bulk == plain


def test_one_row_and_no_row(pl: Paylink, org: Organization) -> None:
    with pl.store.transaction() as conn:
        insert_many(conn, reconciliation_matches.insert(), [])
        execute_many(conn, reconciliation_matches.insert(), [])
        insert_many(conn, reconciliation_matches.insert(), _rows(org.id, "BULK")[:1])
        conn.execute(reconciliation_matches.insert(), _rows(org.id, "PLAIN")[:1])
    with pl.store.transaction() as conn:
        assert _read(conn, "BULK") == _read(conn, "PLAIN")
        assert len(_read(conn, "BULK")) == 1


def test_an_invoice_read_again_keeps_the_lines_of_the_first_read_only_while_issued(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    issued = pl.invoices.issue(org, customer, lines=lines())
    draft = pl.invoices.create_draft(org, customer, lines=lines())
    with pl.store.transaction() as conn:
        first = {d.id: d for d in doc_queries.find_documents(conn, [issued.id, draft.id])}
        assert first[issued.id].total == issued.total  # totals computed, as a run does
        # what a payment made meanwhile changes: the row, never the lines
        conn.execute(
            documents.update()
            .where(documents.c.id == issued.id)
            .values(status="partially_paid", paid_minor=1000)
        )
        again = {
            d.id: d for d in doc_queries.find_documents(conn, [issued.id, draft.id], known=first)
        }
        plain = {d.id: d for d in doc_queries.find_documents(conn, [issued.id, draft.id])}
    assert again == plain
    invoice = again[issued.id]
    assert isinstance(invoice, Invoice)
    assert invoice.status == "partially_paid"
    assert invoice.paid == Money.of("10.00", invoice.currency)
    assert invoice.lines is first[issued.id].lines
    assert invoice.__dict__["_totals"] is first[issued.id].__dict__["_totals"]
    assert invoice.open_amount == issued.total - Money.of("10.00", invoice.currency)
    # a draft's lines may still change: read again from the store
    assert again[draft.id].lines is not first[draft.id].lines
    assert again[draft.id].lines == first[draft.id].lines


@pytest.mark.parametrize("paid", ["10.00", "145.10", "0.00"])
def test_settled_is_the_invoice_evolved(paid: str) -> None:
    invoice = Invoice(
        id="inv_1",
        organization_id="org_1",
        customer_id="cus_1",
        currency="EUR",
        lines=(Line(description="Work", quantity="1", unit_price="119.92", vat_rate="21"),),
        status="partially_paid",
        number="2026-0001",
        paid_amount=Money.of("5.00", "EUR"),
    )
    assert invoice.total == Money.of("145.10", "EUR")
    at = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.UTC)
    amount = Money.of(paid, "EUR")
    settled = invoice.settled(amount, at)
    evolved = attrs.evolve(invoice, paid_amount=amount)
    status = evolved.status_after_settlement()
    expected = attrs.evolve(evolved, status=status, paid_at=at if status == "paid" else None)
    assert settled == expected
    assert settled.status == {"10.00": "partially_paid", "145.10": "paid", "0.00": "issued"}[paid]
    assert settled.open_amount == expected.open_amount
    assert invoice.paid == Money.of("5.00", "EUR")  # the original is unchanged
    assert settled.__dict__["_totals"] is invoice.__dict__["_totals"]
