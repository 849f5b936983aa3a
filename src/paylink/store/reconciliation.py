"""Queries for reconciliation decisions: the recorded matches (applied or waiting for review),
the rejections people made, and the counterparty names they confirmed as a customer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ._bulk import execute_many, insert_many
from .schema import customer_aliases, reconciliation_matches, reconciliation_rejections

__all__ = [
    "add_alias",
    "add_rejection",
    "alias_sources",
    "aliases",
    "applied_match",
    "attach_undo",
    "delete_match",
    "list_matches",
    "pending_match",
    "record_match",
    "record_matches",
    "rejections",
]

# built once: a run records one match per transaction it decides
_FORGET_MATCH = reconciliation_matches.delete().where(
    reconciliation_matches.c.organization_id == sa.bindparam("p_org"),
    reconciliation_matches.c.account == sa.bindparam("p_account"),
    reconciliation_matches.c.transaction_id == sa.bindparam("p_tx"),
)
_RECORD_MATCH = reconciliation_matches.insert()
_FORGET_MATCHES_PG = sa.text(
    "DELETE FROM reconciliation_matches AS m "
    "USING unnest(CAST(:accounts AS text[]), CAST(:ids AS text[])) AS v(account, id) "
    "WHERE m.organization_id = :org AND m.account = v.account AND m.transaction_id = v.id"
)


def record_match(
    conn: Connection,
    *,
    org_id: str,
    account: str,
    transaction_id: str,
    status: str,
    rule: str,
    confidence: float,
    proposal: Mapping[str, Any],
    payment_id: str | None,
    now: dt.datetime,
) -> None:
    """Record the decision on a transaction (``applied`` or ``review``), replacing any
    earlier one."""
    conn.execute(_FORGET_MATCH, {"p_org": org_id, "p_account": account, "p_tx": transaction_id})
    conn.execute(
        _RECORD_MATCH,
        {
            "organization_id": org_id,
            "account": account,
            "transaction_id": transaction_id,
            "status": status,
            "rule": rule,
            "confidence": confidence,
            "proposal": dict(proposal),
            "payment_id": payment_id,
            "created_at": now,
            "decided_at": now if status == "applied" else None,
        },
    )


def record_matches(
    conn: Connection, org_id: str, rows: Sequence[Mapping[str, Any]], now: dt.datetime
) -> None:
    """:func:`record_match` for many transactions: one executemany removes earlier decisions,
    one multi-row insert records the new ones. Each row holds ``account``,
    ``transaction_id``, ``status``, ``rule``, ``confidence``, ``proposal``, ``payment_id``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _FORGET_MATCHES_PG,
            {
                "org": org_id,
                "accounts": [r["account"] for r in rows],
                "ids": [r["transaction_id"] for r in rows],
            },
        )
    else:
        execute_many(
            conn,
            _FORGET_MATCH,
            [
                {"p_org": org_id, "p_account": r["account"], "p_tx": r["transaction_id"]}
                for r in rows
            ],
        )
    insert_many(
        conn,
        _RECORD_MATCH,
        [
            {
                "organization_id": org_id,
                "account": r["account"],
                "transaction_id": r["transaction_id"],
                "status": r["status"],
                "rule": r["rule"],
                "confidence": r["confidence"],
                "proposal": dict(r["proposal"]),
                "payment_id": r["payment_id"],
                "created_at": now,
                "decided_at": now if r["status"] == "applied" else None,
            }
            for r in rows
        ],
    )


def attach_undo(
    conn: Connection, org_id: str, account: str, transaction_id: str, undo: Mapping[str, Any]
) -> None:
    """Keep, with the applied match of a transaction, what an undo puts back."""
    m = reconciliation_matches.c
    where = (m.organization_id == org_id, m.account == account, m.transaction_id == transaction_id)
    proposal = conn.execute(sa.select(m.proposal).where(*where)).scalar_one()
    conn.execute(
        reconciliation_matches.update().where(*where).values(proposal={**proposal, "undo": undo})
    )


def applied_match(conn: Connection, org_id: str, transaction_id: str) -> Any | None:
    """The applied decision on a transaction, or None."""
    return conn.execute(
        sa.select(reconciliation_matches).where(
            reconciliation_matches.c.organization_id == org_id,
            reconciliation_matches.c.transaction_id == transaction_id,
            reconciliation_matches.c.status == "applied",
        )
    ).first()


def delete_match(conn: Connection, org_id: str, account: str, transaction_id: str) -> None:
    """Forget the decision recorded on a transaction."""
    conn.execute(_FORGET_MATCH, {"p_org": org_id, "p_account": account, "p_tx": transaction_id})


def list_matches(conn: Connection, org_id: str, *, status: str | None = None) -> list[Any]:
    """The recorded decisions (rows with ``account``, ``transaction_id``, ``status``,
    ``proposal`` …), oldest first."""
    query = sa.select(reconciliation_matches).where(
        reconciliation_matches.c.organization_id == org_id
    )
    if status:
        query = query.where(reconciliation_matches.c.status == status)
    return list(conn.execute(query.order_by(reconciliation_matches.c.created_at)).all())


def pending_match(conn: Connection, org_id: str, transaction_id: str) -> Any | None:
    """The decision waiting for review on a transaction, or None."""
    return conn.execute(
        sa.select(reconciliation_matches).where(
            reconciliation_matches.c.organization_id == org_id,
            reconciliation_matches.c.transaction_id == transaction_id,
            reconciliation_matches.c.status == "review",
        )
    ).first()


def rejections(conn: Connection, org_id: str) -> set[tuple[str, str, str]]:
    """The refused proposals, as ``(account, transaction id, invoices key)``."""
    return {
        (r.account, r.transaction_id, r.invoices)
        for r in conn.execute(
            sa.select(reconciliation_rejections).where(
                reconciliation_rejections.c.organization_id == org_id
            )
        )
    }


def add_rejection(
    conn: Connection,
    org_id: str,
    account: str,
    transaction_id: str,
    invoices: str,
    now: dt.datetime,
) -> None:
    """Remember that a person refused this proposal for this transaction (once: refusing
    the same pairing again, when it comes back for review, keeps the first refusal)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(reconciliation_rejections)
        .values(
            organization_id=org_id,
            account=account,
            transaction_id=transaction_id,
            invoices=invoices,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )


def aliases(conn: Connection, org_id: str) -> dict[str, str]:
    """The confirmed counterparty names: name key -> customer id."""
    return {
        row.name_key: row.customer_id
        for row in conn.execute(
            sa.select(customer_aliases).where(customer_aliases.c.organization_id == org_id)
        )
    }


def alias_sources(conn: Connection, org_id: str) -> dict[str, tuple[str, str, str]]:
    """The confirmed counterparty names: name key -> (customer id, name as written, the
    decision that taught it)."""
    return {
        row.name_key: (row.customer_id, row.name, row.learned_from)
        for row in conn.execute(
            sa.select(customer_aliases).where(customer_aliases.c.organization_id == org_id)
        )
    }


def add_alias(
    conn: Connection,
    org_id: str,
    customer_id: str,
    name_key: str,
    name: str,
    now: dt.datetime,
    learned_from: str = "",
) -> None:
    """Remember that ``name`` (its key) on a bank line is this customer (once per key), and
    the decision that taught it."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(customer_aliases)
        .values(
            organization_id=org_id,
            customer_id=customer_id,
            name_key=name_key[:200],
            name=name[:200],
            created_at=now,
            learned_from=learned_from[:200],
        )
        .on_conflict_do_nothing(index_elements=["organization_id", "name_key"])
    )
