"""Queries for imported bank statements and their transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..money import Money
from ..references import parse as parse_reference
from ..statements.model import BankTransaction
from .schema import bank_statements, bank_transactions

# RETURNING tells which rows were new: rowcount is not reliable for executemany on every driver.
_INSERT = {
    name: dialect.insert(bank_transactions)
    .on_conflict_do_nothing(index_elements=["organization_id", "account", "id"])
    .returning(bank_transactions.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def transaction_row(
    org_id: str, tx: BankTransaction, statement_row: int | None, now: dt.datetime
) -> dict[str, Any]:
    return {
        "organization_id": org_id,
        "account": tx.account_iban or "",
        "id": tx.id,
        "statement_row": statement_row,
        "booking_date": tx.booking_date,
        "value_date": tx.value_date,
        "currency": tx.amount.currency,
        "amount_minor": tx.amount.minor_units,
        "counterparty_name": tx.counterparty_name,
        "counterparty_iban": tx.counterparty_iban,
        "counterparty_bic": tx.counterparty_bic,
        "structured_reference": tx.structured_reference.value if tx.structured_reference else None,
        "remittance_text": tx.remittance_text,
        "bank_transaction_code": tx.bank_transaction_code,
        "bank_reference": tx.bank_reference,
        "end_to_end_id": tx.end_to_end_id,
        "raw": tx.raw,
        "status": "unmatched",
        "imported_at": now,
    }


def insert_transactions(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert transactions, skipping ones already imported; return how many were new."""
    if not rows:
        return 0
    result = conn.execute(_INSERT[conn.dialect.name], list(rows))
    return len(result.all())


def insert_statement(conn: Connection, values: dict[str, Any]) -> int:
    """Record an imported statement; return its row id."""
    result = conn.execute(bank_statements.insert().returning(bank_statements.c.row_id), values)
    return int(result.scalar_one())


def _tx_from_row(row: Any) -> BankTransaction:
    return BankTransaction(
        id=row.id,
        account_iban=row.account or None,
        booking_date=row.booking_date,
        value_date=row.value_date,
        amount=Money.from_minor(row.amount_minor, row.currency),
        counterparty_name=row.counterparty_name,
        counterparty_iban=row.counterparty_iban,
        counterparty_bic=row.counterparty_bic,
        structured_reference=parse_reference(row.structured_reference),
        remittance_text=row.remittance_text,
        bank_transaction_code=row.bank_transaction_code,
        bank_reference=row.bank_reference,
        end_to_end_id=row.end_to_end_id,
        raw=row.raw,
    )


def list_transactions(
    conn: Connection,
    org_id: str,
    *,
    statuses: Sequence[str] | None = None,
    account: str | None = None,
    since: dt.date | None = None,
) -> list[BankTransaction]:
    query = sa.select(bank_transactions).where(bank_transactions.c.organization_id == org_id)
    if statuses is not None:
        query = query.where(bank_transactions.c.status.in_(list(statuses)))
    if account is not None:
        query = query.where(bank_transactions.c.account == account)
    if since is not None:
        query = query.where(bank_transactions.c.booking_date >= since)
    query = query.order_by(bank_transactions.c.booking_date, bank_transactions.c.imported_at)
    return [_tx_from_row(r) for r in conn.execute(query)]


_SET_STATUS = (  # built once: reconciliation runs it for every transaction it decides
    bank_transactions.update()
    .where(
        bank_transactions.c.organization_id == sa.bindparam("p_org"),
        bank_transactions.c.account == sa.bindparam("p_account"),
        bank_transactions.c.id == sa.bindparam("p_id"),
    )
    .values(status=sa.bindparam("p_status"))
)


def set_status(conn: Connection, org_id: str, account: str, tx_id: str, status: str) -> None:
    conn.execute(
        _SET_STATUS, {"p_org": org_id, "p_account": account, "p_id": tx_id, "p_status": status}
    )


_SET_STATUSES_PG = sa.text(
    "UPDATE bank_transactions AS t SET status = v.status "
    "FROM unnest(CAST(:accounts AS text[]), CAST(:ids AS text[]), CAST(:statuses AS text[])) "
    "AS v(account, id, status) "
    "WHERE t.organization_id = :org AND t.account = v.account AND t.id = v.id"
)


def set_statuses(conn: Connection, org_id: str, changes: Sequence[tuple[str, str, str]]) -> None:
    """Set the status of many transactions at once: ``(account, transaction id, status)``.

    One statement on PostgreSQL (the rows joined from arrays), an executemany on SQLite."""
    if changes and conn.dialect.name == "postgresql":
        accounts, ids, statuses = (list(c) for c in zip(*changes, strict=True))
        conn.execute(
            _SET_STATUSES_PG,
            {"org": org_id, "accounts": accounts, "ids": ids, "statuses": statuses},
        )
    elif changes:
        conn.execute(
            _SET_STATUS,
            [
                {"p_org": org_id, "p_account": account, "p_id": tx_id, "p_status": status}
                for account, tx_id, status in changes
            ],
        )


def statement_seen(conn: Connection, org_id: str, file_hash: str) -> bool:
    return (
        conn.execute(
            sa.select(bank_statements.c.row_id).where(
                bank_statements.c.organization_id == org_id,
                bank_statements.c.file_hash == file_hash,
            )
        ).first()
        is not None
    )
