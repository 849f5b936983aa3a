"""The app's reconciliation: a bank statement imported, then ``pl.reconciliation.run(org)`` applying it.

    python benchmarks/reconcile/service.py [--invoices N] [--engine sqlite|postgres|both]

N invoices are issued to 200 customers, each with its payment link; a camt.053 statement pays
every one of them by its structured reference (so every match is confident and applied). The
figures are the import, and the run: the engine, then a payment per match with its allocation,
the invoice paid, its link closed, the match recorded, the events and the paid messages.
PostgreSQL runs on a throwaway local server (fsync off).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from paylink import FixedClock, Line, Paylink
from paylink.money import Money
from paylink.statements.writer import StatementLine, camt053
from paylink.testing import PostgresServer

ACCOUNT = "BE71096123456769"


def run(url: str, count: int, seed: int = 7) -> dict[str, float]:
    """Issue ``count`` invoices at ``url``, import the statement that pays them, reconcile."""
    rng = random.Random(seed)
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    pl = Paylink.open(url, clock=clock)
    org = pl.organizations.create(name="Bench", country="BE", iban=ACCOUNT)
    customers = [pl.customers.create(org, name=f"Customer {i:03d}") for i in range(200)]
    batch = [
        (
            customers[i % len(customers)],
            [
                Line(
                    description="Work",
                    quantity="1",
                    unit_price=f"{rng.randrange(1000, 90000) / 100:.2f}",
                    vat_rate="21",
                )
            ],
        )
        for i in range(count)
    ]
    invoices = pl.invoices.issue_many(org, batch)
    for invoice in invoices:
        pl.links.create(invoice)
    lines = [
        StatementLine(
            amount=inv.open_amount,
            booking_date=dt.date(2026, 3, 5),
            bank_reference=f"B{i:07d}",
            counterparty_name=f"Customer {i % len(customers):03d}",
            reference=inv.reference,
        )
        for i, inv in enumerate(invoices)
    ]
    data = camt053(
        account_iban=ACCOUNT,
        statement_id="BENCH-1",
        opening=Money.of("0", "EUR"),
        lines=lines,
        created_at=dt.datetime(2026, 3, 6, 6, 0, tzinfo=dt.UTC),
    )
    start = time.perf_counter()
    pl.statements.import_bytes(org, data, filename="bench.xml")
    imported = time.perf_counter() - start
    start = time.perf_counter()
    result = pl.reconciliation.run(org)
    reconciled = time.perf_counter() - start
    assert len(result.applied) == count, (len(result.applied), len(result.review))
    pl.close()
    return {"import_s": imported, "reconcile_s": reconciled, "per_s": count / reconciled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus, "
        f"load average {load:.2f} at start"
    )

    def show(engine: str, row: dict[str, float]) -> None:
        print(
            f"{engine:<11} {args.invoices:>7,} invoices: import {row['import_s']:6.2f}s  "
            f"reconcile and apply {row['reconcile_s']:6.2f}s ({row['per_s']:.0f} matches/s)",
            flush=True,
        )

    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            show("sqlite", run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.invoices))
    if args.engine in ("postgres", "both"):
        with PostgresServer() as server:
            show("postgresql", run(server.create_database(), args.invoices))


if __name__ == "__main__":
    main()
