"""The reminder run over a large portfolio, on SQLite and on PostgreSQL.

    python -m benchmarks.reminders [--invoices N] [--engine sqlite|postgres|both]
                                   [--render SAMPLE]

The generator writes ``N`` invoices (default 1,000,000) in bulk for one organization and
10,000 customers: 1 % have a reminder step due at the run (spread over the policy's four
steps), 10 % are long overdue and already got their last step (a ``reminders`` row each),
20 % are paid, the rest are not due yet. Only the due invoices get a line (the run reads the
stored totals; rendering a message loads the invoice with its lines).

Timed:

- **record** (``tick(send=False)``): finding the due steps with the indexed query and
  recording each (invoice, step) once: the bulk ``INSERT … SELECT … ON CONFLICT DO NOTHING``;
- **render**: queueing ``SAMPLE`` of the pending reminders into the outbox (fees, payment
  link, e-mail and SMS rendered), reported per reminder; the whole run's rendering time is
  that rate times the number due. Rendering is spread over workers with ``process()``.

PostgreSQL runs on a throwaway local server (fsync off, like a test server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.parties import Customer
from paylink.reminders import DunningPolicy, Fee, Step
from paylink.store import organizations as org_queries
from paylink.store.schema import document_lines, documents, reminders
from paylink.testing import PostgresServer

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # a Wednesday, 11:00 in Brussels
TODAY = NOW.date()
POLICY = DunningPolicy(
    steps=(
        Step(name="soon", offset_days=-3),
        Step(name="first", offset_days=7, channels=("email", "sms")),
        Step(name="second", offset_days=21, fee=Fee.fixed("10")),
        Step(name="final", offset_days=45, fee=Fee.statutory(), escalate=True),
    )
)
_DUE_OFFSETS = [-3, 7, 21, 45]  # due today at each step: due date = today - offset


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def generate(count: int, org_id: str, customer_ids: list[str], seed: int = 8) -> dict[str, Any]:
    """Rows for ``documents``, ``document_lines`` and ``reminders``: see the module docstring."""
    rng = random.Random(seed)
    docs: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    done: list[tuple[Any, ...]] = []
    created = _naive(NOW - dt.timedelta(days=400))
    due_count = 0
    for i in range(count):
        roll = i % 100
        cid = customer_ids[i % len(customer_ids)]
        total = rng.randrange(5_000, 500_000)
        paid = 0
        status = "issued"
        if roll == 0:  # 1 %: a step is due now
            due = TODAY - dt.timedelta(days=_DUE_OFFSETS[due_count % 4])
            due_count += 1
        elif roll <= 10:  # 10 %: long overdue, the last step already sent
            due = TODAY - dt.timedelta(days=rng.randrange(46, 400))
        elif roll <= 30:  # 20 %: paid
            due = TODAY - dt.timedelta(days=rng.randrange(0, 400))
            status, paid = "paid", total
        else:  # not due yet
            due = TODAY + dt.timedelta(days=rng.randrange(4, 60))
        doc_id = f"inv_b{i:022d}"
        net = total * 100 // 121
        docs.append(
            (doc_id, org_id, "invoice", cid, f"B-{i:07d}", status, "EUR",
             due - dt.timedelta(days=30), due, net, total - net, total, paid, 0, False, "{}",
             created, created)
        )  # fmt: skip
        if roll == 0:
            lines.append(
                (doc_id, 0, "Service", "1", str(Decimal(net).scaleb(-2)), "21", "0", "", net)
            )
        elif 1 <= roll <= 10:
            done.append(
                (doc_id, 4, org_id, cid, "final", due + dt.timedelta(days=45), "sent", "old",
                 "EUR", total, 0, "info", 0, "{}", created)
            )  # fmt: skip
    return {"documents": docs, "lines": lines, "reminders": done, "due": due_count}


_DOC_COLUMNS = (
    "id", "organization_id", "kind", "customer_id", "number", "status", "currency",
    "issue_date", "due_date", "net_minor", "vat_minor", "total_minor", "paid_minor",
    "credited_minor", "disputed", "data", "created_at", "issued_at",
)  # fmt: skip
_LINE_COLUMNS = (
    "document_id", "position", "description", "quantity", "unit_price", "vat_rate",
    "discount", "unit", "net_minor",
)  # fmt: skip
_REMINDER_COLUMNS = (
    "invoice_id", "step", "organization_id", "customer_id", "step_name", "due_on", "status",
    "run_id", "currency", "open_minor", "fee_minor", "fee_mode", "compensation_minor", "data",
    "created_at",
)  # fmt: skip


def _load(pl: Paylink, rows: dict[str, Any]) -> None:
    tables = (
        (documents.name, _DOC_COLUMNS, rows["documents"]),
        (document_lines.name, _LINE_COLUMNS, rows["lines"]),
        (reminders.name, _REMINDER_COLUMNS, rows["reminders"]),
    )
    raw = pl.store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if pl.store.dialect == "sqlite":
            # A bulk load into indexed tables: a cache big enough for the indexes, so pages
            # are not written to the WAL again and again (the default cache is 2 MB).
            cursor.execute("PRAGMA cache_size=-400000")
            cursor.execute("BEGIN")  # paylink's connections run pysqlite in autocommit mode
        for table, columns, data in tables:
            if pl.store.dialect == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(_sqlite(v) for v in row) for row in data],
                )
        raw.commit()
    finally:
        raw.close()
    if pl.store.dialect == "postgresql":
        with pl.store.engine.connect() as conn:
            # What autovacuum does to a table after a bulk load (sets the visibility map and
            # hint bits); without it the first query reading the new rows writes them all.
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with pl.store.transaction() as conn:
            conn.exec_driver_sql("ANALYZE")


def _sqlite(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def run(url: str, count: int, sample: int) -> dict[str, Any]:
    """Build the portfolio at ``url``, then time the run; return the figures."""
    clock = FixedClock(NOW)
    pl = Paylink.open(url, clock=clock, secret="benchmark-url-token-secret-0123456789")
    org = pl.organizations.create(
        name="Bench", country="BE", iban="BE71096123456769", email="bench@example.be"
    )
    customer_ids = []
    with pl.store.transaction() as conn:
        for i in range(10_000):
            customer = Customer.create(
                id=f"cus_b{i:022d}",
                organization=org,
                name=f"Customer {i}",
                email=f"c{i}@example.be",
                phone="+32470123456",
            )
            org_queries.insert_customer(conn, customer, NOW)
            customer_ids.append(customer.id)
    started = time.perf_counter()
    rows = generate(count, org.id, customer_ids)
    _load(pl, rows)
    loaded = time.perf_counter() - started
    print(f"  loaded {count:,} invoices in {loaded:.0f} s", file=sys.stderr, flush=True)
    pl.reminders.set_policy(org, POLICY)
    plan = _explain(pl, org.id)
    started = time.perf_counter()
    report = pl.reminders.tick(NOW, send=False, digests=False)
    record_s = time.perf_counter() - started
    started = time.perf_counter()
    again = pl.reminders.tick(NOW, send=False, digests=False)
    second_s = time.perf_counter() - started
    started = time.perf_counter()
    processed = pl.reminders.process(NOW, limit=sample)
    render_s = time.perf_counter() - started
    rendered = len(processed.sent)
    pl.close()
    return {
        "invoices": count,
        "due": rows["due"],
        "load_s": round(loaded, 1),
        "recorded": report.recorded,
        "skipped": report.skipped,
        "record_s": round(record_s, 3),
        "second_run_recorded": again.recorded,
        "second_run_s": round(second_s, 3),
        "rendered": rendered,
        "messages": len(processed.messages),
        "render_ms_per_reminder": round(render_s * 1000 / max(rendered, 1), 2),
        "render_all_due_s_one_worker": round(render_s / max(rendered, 1) * rows["due"], 1),
        "plan_uses_index": plan,
    }


def _explain(pl: Paylink, org_id: str) -> bool:
    """Whether the planner reads ``documents`` through an index for the run's query:
    ``ix_documents_open_due`` (PostgreSQL, index-only) or ``ix_documents_org_kind_status_due``
    (SQLite)."""
    from paylink.store.reminders import _latest_due

    with pl.store.transaction() as conn:
        clauses, step = _latest_due(
            conn,
            org_id=org_id,
            steps=[(s.name, s.offset_days) for s in POLICY.steps],
            today=TODAY,
            now=NOW,
            only_customers=None,
            except_customers=(),
        )
        query = sa.select(documents.c.id, step).where(*clauses)
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if pl.store.dialect == "sqlite" else "EXPLAIN "
        text = "\n".join(str(r) for r in conn.exec_driver_sql(prefix + str(compiled)))
    return "ix_documents_open_due" in text or "ix_documents_org_kind_status_due" in text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--render", type=int, default=500, help="Reminders rendered (sample).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {cores} cores"
    )
    results = {}
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results["sqlite"] = run(
                f"sqlite:///{Path(tmp) / 'bench.db'}", args.invoices, args.render
            )
    if args.engine in ("postgres", "both"):
        with PostgresServer() as server:
            results["postgresql"] = run(server.create_database(), args.invoices, args.render)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for engine, r in results.items():
        out = io.StringIO()
        out.write(
            f"{engine:10} {r['invoices']:,} invoices, {r['due']:,} due: "
            f"record {r['record_s']:.3f} s ({r['recorded']:,} recorded, {r['skipped']:,} "
            f"skipped); second run {r['second_run_s']:.3f} s ({r['second_run_recorded']} "
            f"recorded); render {r['render_ms_per_reminder']} ms/reminder "
            f"(~{r['render_all_due_s_one_worker']} s for all due, one worker); "
            f"index used: {r['plan_uses_index']}; load {r['load_s']} s"
        )
        print(out.getvalue())


if __name__ == "__main__":
    main()
