"""Queries for dunning policies, reminder pauses, reminder records and owner digests.

The heart is :func:`record_due`: for one policy and one day it records, in one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` statement, the latest due step of every invoice
that needs one (status ``pending``) and the earlier steps it never got (``skipped``). The
``SELECT`` reads ``documents`` through an index (the covering partial
``ix_documents_open_due`` on PostgreSQL, ``ix_documents_org_kind_status_due`` on SQLite: a
due-date range), and the primary key ``(invoice_id, step)`` of ``reminders`` makes every step
recorded once, whatever the number of workers running at the same moment.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..money import Money
from ..reminders import ChargedFee
from .documents import open_minor
from .schema import (
    UTCDateTime,
    documents,
    dunning_policies,
    owner_digests,
    reminder_pauses,
    reminders,
)

__all__ = [
    "OPEN_STATUSES",
    "ReminderRecord",
    "charged_fee_lines",
    "claim_pending",
    "delete_policy",
    "digest_settings",
    "due_candidates",
    "fee_lines",
    "get_policy",
    "history",
    "list_policies",
    "mark_digest_sent",
    "pause",
    "paused_until",
    "previous_charges",
    "record_due",
    "resume",
    "row_with",
    "set_digest",
    "set_policy",
    "update_reminder",
]

OPEN_STATUSES = ("issued", "partially_paid")
"""Invoice statuses that can still be reminded."""

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert(conn: Connection, table: sa.Table) -> Any:
    return _INSERT[conn.dialect.name](table)


# --- policies ---------------------------------------------------------------------------------


def set_policy(
    conn: Connection, org_id: str, customer_id: str, policy: dict[str, Any], now: dt.datetime
) -> None:
    """Store (or replace) a policy; ``customer_id`` is ``""`` for the organization's own."""
    stmt = _insert(conn, dunning_policies).values(
        organization_id=org_id, customer_id=customer_id, policy=policy, updated_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["organization_id", "customer_id"],
            set_={"policy": stmt.excluded.policy, "updated_at": stmt.excluded.updated_at},
        )
    )


def get_policy(conn: Connection, org_id: str, customer_id: str = "") -> dict[str, Any] | None:
    """The stored policy, or None."""
    value = conn.execute(
        sa.select(dunning_policies.c.policy).where(
            dunning_policies.c.organization_id == org_id,
            dunning_policies.c.customer_id == customer_id,
        )
    ).scalar()
    return dict(value) if value is not None else None


def delete_policy(conn: Connection, org_id: str, customer_id: str = "") -> bool:
    """Remove a policy; True when there was one."""
    result = conn.execute(
        dunning_policies.delete().where(
            dunning_policies.c.organization_id == org_id,
            dunning_policies.c.customer_id == customer_id,
        )
    )
    return bool(result.rowcount)


def list_policies(conn: Connection, org_id: str | None = None) -> list[tuple[str, str, Any]]:
    """``(organization_id, customer_id, policy)`` rows, the organizations' own first."""
    query = sa.select(
        dunning_policies.c.organization_id,
        dunning_policies.c.customer_id,
        dunning_policies.c.policy,
    ).order_by(dunning_policies.c.organization_id, dunning_policies.c.customer_id)
    if org_id is not None:
        query = query.where(dunning_policies.c.organization_id == org_id)
    return [(r[0], r[1], r[2]) for r in conn.execute(query)]


# --- pauses -----------------------------------------------------------------------------------


def pause(
    conn: Connection, org_id: str, customer_id: str, until: dt.datetime | None, now: dt.datetime
) -> None:
    """Pause a customer's reminders (until ``until``, or until resumed)."""
    stmt = _insert(conn, reminder_pauses).values(
        organization_id=org_id, customer_id=customer_id, until=until, created_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={"until": stmt.excluded.until, "created_at": stmt.excluded.created_at},
        )
    )


def resume(conn: Connection, customer_id: str) -> bool:
    """Lift a pause; True when there was one."""
    result = conn.execute(
        reminder_pauses.delete().where(reminder_pauses.c.customer_id == customer_id)
    )
    return bool(result.rowcount)


def paused_until(
    conn: Connection, customer_id: str, now: dt.datetime
) -> tuple[bool, dt.datetime | None]:
    """``(paused, until)`` for a customer at ``now``."""
    row = conn.execute(
        sa.select(reminder_pauses.c.until).where(reminder_pauses.c.customer_id == customer_id)
    ).first()
    if row is None:
        return False, None
    until = row[0]
    return (until is None or until > now), until


def _not_paused(now: dt.datetime) -> Any:
    p = reminder_pauses
    return ~sa.exists(
        sa.select(sa.literal(1)).where(
            p.c.customer_id == documents.c.customer_id,
            sa.or_(p.c.until.is_(None), p.c.until > sa.literal(now, type_=UTCDateTime)),
        )
    )


# --- due steps --------------------------------------------------------------------------------


def _add_days(conn: Connection, column: Any, days: int) -> Any:
    if conn.dialect.name == "sqlite":
        return sa.func.date(column, f"{days:+d} days", type_=sa.Date)
    return sa.cast(column + sa.literal(days), sa.Date)


def _case(conn: Connection, steps: Sequence[tuple[str, int]], today: dt.date, pick: str) -> Any:
    """CASE over the due date giving, for the latest step due on ``today``, its 1-based
    number (``pick="step"``), its name (``"name"``) or the day it fell due (``"due_on"``)."""
    d = documents
    whens = []
    for number, (name, offset) in reversed(list(enumerate(steps, start=1))):
        value: Any = {
            "step": sa.literal(number, sa.Integer),
            "name": sa.literal(name, sa.String),
            "due_on": _add_days(conn, d.c.due_date, offset),
        }[pick]
        whens.append((d.c.due_date <= today - dt.timedelta(days=offset), value))
    return sa.case(*whens)


def _latest_due(
    conn: Connection,
    *,
    org_id: str,
    steps: Sequence[tuple[str, int]],
    today: dt.date,
    now: dt.datetime,
    only_customers: Sequence[str] | None,
    except_customers: Sequence[str],
) -> tuple[list[Any], Any]:
    """WHERE clauses selecting the open invoices that have a step due on ``today`` and no
    record of their latest due step or a later one, and the CASE giving that step.

    One range of an index (due dates up to today minus the first step's offset): the
    covering ``ix_documents_open_due`` on PostgreSQL, ``ix_documents_org_kind_status_due``
    (one range per open status) on SQLite: never a scan of all invoices."""
    d = documents
    step = _case(conn, steps, today, "step")
    clauses: list[Any] = [
        d.c.organization_id == org_id,
        # Written out (no bound parameters) so that PostgreSQL proves the predicate of the
        # partial index ``ix_documents_open_due`` also in a cached generic plan.
        d.c.kind == sa.literal_column("'invoice'"),
        d.c.status.in_([sa.literal_column(f"'{status}'") for status in OPEN_STATUSES]),
        d.c.due_date <= today - dt.timedelta(days=steps[0][1]),
        ~d.c.disputed,
        open_minor() > 0,
        _not_paused(now),
        ~sa.exists(
            sa.select(sa.literal(1)).where(
                reminders.c.invoice_id == d.c.id, reminders.c.step >= step
            )
        ),
    ]
    if only_customers is not None:
        clauses.append(d.c.customer_id.in_(list(only_customers)))
    elif except_customers:
        clauses.append(d.c.customer_id.not_in(list(except_customers)))
    return clauses, step


_COLUMNS = [
    "invoice_id", "step", "organization_id", "customer_id", "step_name", "due_on",
    "status", "run_id", "currency", "open_minor", "fee_mode", "created_at",
]  # fmt: skip


def _policy_steps(steps: Sequence[tuple[str, int]]) -> Any:
    """The policy's steps as a small table ``(n, name, days)`` (UNION ALL of literals: SQLite
    has no column list on a VALUES alias)."""
    return sa.union_all(
        *(
            sa.select(
                sa.literal(number, sa.Integer).label("n"),
                sa.literal(name, sa.String).label("name"),
                sa.literal(offset, sa.Integer).label("days"),
            )
            for number, (name, offset) in enumerate(steps, start=1)
        )
    ).subquery("policy_steps")


def record_due(
    conn: Connection,
    *,
    org_id: str,
    steps: Sequence[tuple[str, int]],
    today: dt.date,
    now: dt.datetime,
    run_id: str,
    fee_mode: str,
    only_customers: Sequence[str] | None = None,
    except_customers: Sequence[str] = (),
) -> tuple[int, int]:
    """Record the latest due step of every invoice that needs one; return ``(pending,
    skipped)`` counts. ``steps`` are ``(name, offset_days)`` in policy order.

    One statement whatever the portfolio's size: an ``INSERT … SELECT`` of each due
    invoice's latest step as ``pending`` and of the earlier steps it never got as
    ``skipped`` (never sent: no burst of stale reminders after downtime), the invoices
    joined to the policy's steps up to their latest. ``ON CONFLICT DO NOTHING`` keeps the
    earlier steps that were recorded (sent) before."""
    d = documents
    if conn.dialect.name == "postgresql":
        # Workers recording the same organization queue here for the few milliseconds the
        # bulk statement takes: ON CONFLICT already makes each step recorded once, the lock
        # keeps concurrent bulk inserts from deadlocking on each other's rows.
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"paylink-reminders:{org_id}"},
        )
    clauses, step = _latest_due(
        conn,
        org_id=org_id,
        steps=steps,
        today=today,
        now=now,
        only_customers=only_customers,
        except_customers=except_customers,
    )
    found = sa.select(
        d.c.id,
        d.c.organization_id,
        d.c.customer_id,
        d.c.due_date,
        d.c.currency,
        open_minor().label("open_minor"),
        step.label("latest"),
    ).where(*clauses)
    due: Any
    if conn.dialect.name == "sqlite":
        # Computed once: left to itself, SQLite's planner puts the few policy steps outside
        # and scans the due invoices once per step. (MATERIALIZED is SQLite 3.35's; an older
        # one gets the plain CTE: the same rows, more slowly.)
        due = found.cte("due")
        if sqlite3.sqlite_version_info >= (3, 35):
            due = due.prefix_with("MATERIALIZED")
    else:
        due = found.subquery("due")
    table = _policy_steps(steps)
    step_on: Any
    if conn.dialect.name == "sqlite":
        step_on = sa.func.date(
            due.c.due_date, sa.cast(table.c.days, sa.String) + " days", type_=sa.Date
        )
    else:
        step_on = sa.cast(due.c.due_date + table.c.days, sa.Date)
    select = sa.select(
        due.c.id,
        table.c.n,
        due.c.organization_id,
        due.c.customer_id,
        table.c.name,
        step_on,
        sa.case((table.c.n == due.c.latest, "pending"), else_="skipped"),
        sa.literal(run_id, sa.String),
        due.c.currency,
        due.c.open_minor,
        sa.literal(fee_mode, sa.String),
        sa.literal(now, UTCDateTime),
    ).select_from(due.join(table, table.c.n <= due.c.latest))
    stmt = (
        _insert(conn, reminders)
        .from_select(_COLUMNS, select)
        .on_conflict_do_nothing(index_elements=["invoice_id", "step"])
        .returning(reminders.c.status)
    )
    # RETURNING counts the rows inserted on every driver (rowcount is -1 on some).
    statuses = [row[0] for row in conn.execute(stmt)]
    pending = statuses.count("pending")
    return pending, len(statuses) - pending


def due_candidates(
    conn: Connection,
    *,
    org_id: str,
    steps: Sequence[tuple[str, int]],
    today: dt.date,
    now: dt.datetime,
    only_customers: Sequence[str] | None = None,
    except_customers: Sequence[str] = (),
) -> list[tuple[str, int]]:
    """What :func:`record_due` would record as pending: ``(invoice_id, step)``, read only."""
    clauses, step = _latest_due(
        conn,
        org_id=org_id,
        steps=steps,
        today=today,
        now=now,
        only_customers=only_customers,
        except_customers=except_customers,
    )
    query = sa.select(documents.c.id, step).where(*clauses).order_by(documents.c.due_date)
    return [(row[0], int(row[1])) for row in conn.execute(query)]


def claim_pending(conn: Connection, org_id: str, *, customers: int = 100) -> list[Any]:
    """Pending reminder rows of up to ``customers`` customers (all of each customer's, so a
    consolidated message lists them all), locked with ``SKIP LOCKED`` on PostgreSQL."""
    r = reminders
    chosen = (
        sa.select(r.c.customer_id)
        .where(r.c.organization_id == org_id, r.c.status == "pending")
        .distinct()
        .order_by(r.c.customer_id)
        .limit(customers)
    )
    if conn.dialect.name == "postgresql":
        # Lock the first pending row of each chosen customer first, so concurrent workers
        # pick different customers, then every pending row of those customers.
        first = (
            sa.select(r.c.customer_id)
            .where(r.c.organization_id == org_id, r.c.status == "pending")
            .order_by(r.c.customer_id)
            .limit(customers * 4)
            .with_for_update(skip_locked=True)
        )
        ids = list(dict.fromkeys(row[0] for row in conn.execute(first)))[:customers]
        if not ids:
            return []
        query = (
            sa.select(r)
            .where(r.c.organization_id == org_id, r.c.status == "pending", r.c.customer_id.in_(ids))
            .order_by(r.c.customer_id, r.c.due_on, r.c.invoice_id)
            .with_for_update(skip_locked=True)
        )
    else:
        query = (
            sa.select(r)
            .where(
                r.c.organization_id == org_id,
                r.c.status == "pending",
                r.c.customer_id.in_(chosen.scalar_subquery()),
            )
            .order_by(r.c.customer_id, r.c.due_on, r.c.invoice_id)
        )
    return list(conn.execute(query))


def update_reminder(conn: Connection, invoice_id: str, step: int, **values: Any) -> None:
    """Write fields of one reminder record."""
    conn.execute(
        reminders.update()
        .where(reminders.c.invoice_id == invoice_id, reminders.c.step == step)
        .values(**values)
    )


def previous_charges(
    conn: Connection, invoice_ids: Sequence[str]
) -> dict[str, tuple[dt.date | None, bool]]:
    """For each invoice's sent, charged reminders: ``(last day of interest charged,
    compensation charged)``; invoices without any are left out. (What they charged in all is
    the invoice's ``fees_minor``.)"""
    if not invoice_ids:
        return {}
    r = reminders
    rows = conn.execute(
        sa.select(
            r.c.invoice_id,
            sa.func.max(r.c.interest_through),
            sa.func.coalesce(sa.func.sum(r.c.compensation_minor), 0),
        )
        .where(
            r.c.invoice_id.in_(list(invoice_ids)), r.c.status == "sent", r.c.fee_mode == "charge"
        )
        .group_by(r.c.invoice_id)
    )
    return {row[0]: (row[1], int(row[2]) > 0) for row in rows}


def fee_lines(conn: Connection, invoice_ids: Sequence[str]) -> list[Any]:
    """The charged fee lines of the invoices (sent reminders of ``fee_mode`` charge with a
    fee), by invoice and step."""
    if not invoice_ids:
        return []
    r = reminders
    return list(
        conn.execute(
            sa.select(
                r.c.invoice_id, r.c.step, r.c.step_name, r.c.due_on, r.c.processed_at,
                r.c.currency, r.c.fee_minor, r.c.data,
            )
            .where(
                r.c.invoice_id.in_(list(invoice_ids)),
                r.c.status == "sent",
                r.c.fee_mode == "charge",
                r.c.fee_minor > 0,
            )
            .order_by(r.c.invoice_id, r.c.step)
        )
    )  # fmt: skip


def history(conn: Connection, invoice_id: str) -> list[Any]:
    """Every reminder record of an invoice, by step."""
    return list(
        conn.execute(
            sa.select(reminders)
            .where(reminders.c.invoice_id == invoice_id)
            .order_by(reminders.c.step)
        )
    )


# --- owner digests ----------------------------------------------------------------------------


def set_digest(conn: Connection, org_id: str, *, enabled: bool, send_at: str) -> None:
    """Switch the daily owner digest on or off, sent from ``send_at`` (``"HH:MM"``)."""
    stmt = _insert(conn, owner_digests).values(
        organization_id=org_id, enabled=enabled, send_at=send_at
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["organization_id"],
            set_={"enabled": stmt.excluded.enabled, "send_at": stmt.excluded.send_at},
        )
    )


def digest_settings(conn: Connection, org_id: str | None = None) -> list[Any]:
    """Rows of ``owner_digests`` (one organization's, or every enabled one)."""
    query = sa.select(owner_digests)
    if org_id is not None:
        query = query.where(owner_digests.c.organization_id == org_id)
    else:
        query = query.where(owner_digests.c.enabled == sa.true())
    return list(conn.execute(query))


def mark_digest_sent(
    conn: Connection, org_id: str, *, now: dt.datetime, day_start: dt.datetime
) -> dt.datetime | bool | None:
    """Claim today's digest: set ``last_sent_at`` to ``now`` unless it is already on or after
    ``day_start``. Returns the previous ``last_sent_at`` (None for the first digest) when this
    caller won the claim, False when another run already sent today's."""
    d = owner_digests
    previous = conn.execute(
        sa.select(d.c.last_sent_at).where(d.c.organization_id == org_id)
    ).scalar()
    result = conn.execute(
        d.update()
        .where(
            d.c.organization_id == org_id,
            sa.or_(d.c.last_sent_at.is_(None), d.c.last_sent_at < day_start),
        )
        .values(last_sent_at=now)
    )
    if not result.rowcount:
        return False
    return previous


def charged_fee_lines(conn: Connection, invoice_ids: Sequence[str]) -> dict[str, list[ChargedFee]]:
    """The charged fee lines of the invoices (sent reminder steps that charged a fee), by
    invoice, each as a :class:`~paylink.reminders.ChargedFee`."""
    result: dict[str, list[ChargedFee]] = {}
    for row in fee_lines(conn, invoice_ids):
        data = row.data or {}
        fees = data.get("fees") or {
            "total": str(Money.from_minor(row.fee_minor, row.currency).amount)
        }
        charged_on = row.processed_at.date() if row.processed_at else row.due_on
        result.setdefault(row.invoice_id, []).append(
            ChargedFee.from_breakdown(row.step, row.step_name, charged_on, fees, row.currency)
        )
    return result


_SKIPPED = "a later step was already due when the run happened: never sent"


@attrs.frozen(kw_only=True)
class ReminderRecord:
    """One (invoice, step) as recorded: what went out, when, through which channels, and the
    fee with its explanation.

    ``status`` is ``pending`` (recorded, messages not yet queued), ``sent``, ``skipped`` (a
    step missed while the run did not happen; never sent) or ``cancelled`` (the invoice was
    paid, disputed or its customer paused before the messages were queued).
    """

    invoice_id: str
    step: int
    step_name: str
    due_on: dt.date
    status: str
    fee: Money
    fee_mode: str
    channels: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    reason: str = ""
    created_at: dt.datetime | None = None
    processed_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> ReminderRecord:
        """Build it from a ``reminders`` row."""
        data = row.data or {}
        return cls(
            invoice_id=row.invoice_id,
            step=row.step,
            step_name=row.step_name,
            due_on=row.due_on,
            status=row.status,
            fee=Money.from_minor(int(row.fee_minor or 0), row.currency),
            fee_mode=row.fee_mode,
            channels=tuple(data.get("channels", ())),
            message_ids=tuple(data.get("message_ids", ())),
            explanation=tuple(data.get("explanation", ())),
            reason=data.get("reason") or (_SKIPPED if row.status == "skipped" else ""),
            created_at=row.created_at,
            processed_at=row.processed_at,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "invoice_id": self.invoice_id,
            "step": self.step,
            "step_name": self.step_name,
            "due_on": self.due_on.isoformat(),
            "status": self.status,
            "fee": str(self.fee.amount),
            "currency": self.fee.currency,
            "fee_mode": self.fee_mode,
            "channels": list(self.channels),
            "message_ids": list(self.message_ids),
            "explanation": list(self.explanation),
            "reason": self.reason,
        }


class _Row:
    """A reminders row with some fields replaced (for the records a run returns)."""

    def __init__(self, row: Any, **changes: Any) -> None:
        self._values = dict(row._mapping)
        self._values.update(changes)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def row_with(row: Any, **changes: Any) -> Any:
    """A ``reminders`` row with some fields replaced (for the records a run returns)."""
    return _Row(row, **changes)
