"""Queries for imported bank statements and their transactions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..money import CURRENCY_EXPONENTS, Money
from ..references import parse as parse_reference
from ..statements.model import BankTransaction
from ._bulk import execute_many
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


_COLUMNS = (
    "organization_id", "account", "id", "statement_row", "booking_date", "value_date",
    "currency", "amount_minor", "counterparty_name", "counterparty_iban", "counterparty_bic",
    "structured_reference", "remittance_text", "bank_transaction_code", "bank_reference",
    "end_to_end_id", "raw", "status", "imported_at",
)  # fmt: skip
"""The order of the values :class:`TransactionInserter` hands to SQLite."""
_COMPILED_SQLITE = (
    sqlite.insert(bank_transactions)
    .on_conflict_do_nothing(index_elements=["organization_id", "account", "id"])
    .compile(dialect=sqlite.dialect(), column_keys=list(_COLUMNS))
)
assert tuple(_COMPILED_SQLITE.positiontup or ()) == _COLUMNS
_INSERT_SQLITE = _COMPILED_SQLITE.string


class TransactionInserter:
    """Inserts the transactions of an import, many at a time, skipping those already stored.

    On SQLite the rows go to the driver as plain tuples, the dates already in the form
    SQLAlchemy stores them, through one prepared statement (``executemany``), and the new
    rows are counted from the changes it made: an import of a million entries otherwise
    spends more time in SQLAlchemy's per-row parameter handling than in SQLite. On
    PostgreSQL they go through :func:`insert_transactions` (multi-row ``INSERT … RETURNING``).
    """

    def __init__(self, conn: Connection, org_id: str, now: dt.datetime) -> None:
        self.conn = conn
        self.org_id = org_id
        self.now = now
        self.sqlite = conn.dialect.name == "sqlite"
        self._rows: list[Any] = []
        if self.sqlite:
            date = bank_transactions.c.booking_date.type._cached_bind_processor(conn.dialect)
            stamp = bank_transactions.c.imported_at.type._cached_bind_processor(conn.dialect)
            assert date is not None
            assert stamp is not None
            sample = dt.date(2026, 1, 2)
            # SQLAlchemy stores a date on SQLite as its ISO form: the C method is much cheaper.
            self._date = dt.date.isoformat if date(sample) == sample.isoformat() else date
            self._now = stamp(now)

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, tx: BankTransaction) -> None:
        """Queue ``tx``; :meth:`flush` writes what is queued."""
        if not self.sqlite:
            self._rows.append(transaction_row(self.org_id, tx, None, self.now))
            return
        date = self._date
        reference = tx.structured_reference
        amount = tx.amount
        exponent = CURRENCY_EXPONENTS.get(amount.currency)
        self._rows.append(
            (
                self.org_id,
                tx.account_iban or "",
                tx.id,
                None,
                date(tx.booking_date),
                None if tx.value_date is None else date(tx.value_date),
                amount.currency,
                # Money.minor_units, without its checks: the amount is Money, so exact.
                amount.minor_units if exponent is None else int(amount.amount.scaleb(exponent)),
                tx.counterparty_name,
                tx.counterparty_iban,
                tx.counterparty_bic,
                reference.value if reference else None,
                tx.remittance_text,
                tx.bank_transaction_code,
                tx.bank_reference,
                tx.end_to_end_id,
                tx.raw,
                "unmatched",
                self._now,
            )
        )

    def flush(self) -> int:
        """Write the queued transactions; return how many were new."""
        rows, self._rows = self._rows, []
        if not rows:
            return 0
        if not self.sqlite:
            return insert_transactions(self.conn, rows)
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(_INSERT_SQLITE, rows)
            # sqlite3 sums the rows each execution changed; a skipped duplicate changes none.
            return int(cursor.rowcount)
        finally:
            cursor.close()


def insert_statement(conn: Connection, values: dict[str, Any]) -> int:
    """Record an imported statement; return its row id."""
    result = conn.execute(bank_statements.insert().returning(bank_statements.c.row_id), values)
    return int(result.scalar_one())


def _tx_from_row(row: Any) -> BankTransaction:
    r = row._mapping  # by key: a Row's attribute access costs eight times as much
    return BankTransaction(
        id=r["id"],
        account_iban=r["account"] or None,
        booking_date=r["booking_date"],
        value_date=r["value_date"],
        amount=Money.from_minor(r["amount_minor"], r["currency"]),
        counterparty_name=r["counterparty_name"],
        counterparty_iban=r["counterparty_iban"],
        counterparty_bic=r["counterparty_bic"],
        structured_reference=parse_reference(r["structured_reference"]),
        remittance_text=r["remittance_text"],
        bank_transaction_code=r["bank_transaction_code"],
        bank_reference=r["bank_reference"],
        end_to_end_id=r["end_to_end_id"],
        raw=r["raw"],
    )


def list_transactions(
    conn: Connection,
    org_id: str,
    *,
    statuses: Sequence[str] | None = None,
    account: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[BankTransaction]:
    """The organization's transactions, oldest booked first (the first ``limit`` of them)."""
    query = sa.select(bank_transactions).where(bank_transactions.c.organization_id == org_id)
    if statuses is not None:
        query = query.where(bank_transactions.c.status.in_(list(statuses)))
    if account is not None:
        query = query.where(bank_transactions.c.account == account)
    if since is not None:
        query = query.where(bank_transactions.c.booking_date >= since)
    query = query.order_by(
        bank_transactions.c.booking_date, bank_transactions.c.imported_at, bank_transactions.c.id
    )
    if limit is not None:
        query = query.limit(limit)
    return [_tx_from_row(r) for r in conn.execute(query)]


def count_transactions(conn: Connection, org_id: str, *, statuses: Sequence[str]) -> int:
    """How many of the organization's transactions have one of these statuses."""
    t = bank_transactions.c
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                t.organization_id == org_id, t.status.in_(list(statuses))
            )
        ).scalar_one()
    )


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
        execute_many(
            conn,
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
