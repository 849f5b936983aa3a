"""Invoices issued, and payments recorded, per second, on SQLite and on PostgreSQL.

    python -m benchmarks.issuing [--count N] [--engine sqlite|postgres|both]

Each invoice has 1 to 5 lines with mixed VAT rates, drawn by a seeded generator; every invoice
is a full use case (customer lookup, number from the series, reference, totals, lines, the
``invoice_issued`` event). PostgreSQL runs on a throwaway local server (fsync off, like a test
server; a production server with fsync on is bounded by its disk's commit latency). Payments
are then recorded on the invoices, one transaction each (``pl.payments.record``: the allocation,
the invoice's new status and amounts, its payment link closed, the ``payment_recorded`` and
``invoice_paid`` events).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from paylink import FixedClock, Line, Paylink
from paylink.parties import Customer, Organization
from paylink.testing import PostgresServer


def generate_lines(seed: int = 7) -> Iterator[list[Line]]:
    """An endless, reproducible stream of invoice line sets."""
    rng = random.Random(seed)
    rates = ["21", "21", "6", "12", "0"]
    while True:
        yield [
            Line(
                description=f"Item {rng.randrange(10_000)}",
                quantity=str(rng.randrange(1, 20)),
                unit_price=f"{rng.randrange(100, 100_000) / 100:.2f}",
                vat_rate=rng.choice(rates),
            )
            for _ in range(rng.randrange(1, 6))
        ]


def _bench_organization(url: str) -> tuple[Paylink, Organization, list[Customer]]:
    """A new database at ``url`` with one organization and its 50 customers."""
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    pl = Paylink.open(url, clock=clock, secret="benchmark-url-token-secret-0123456789")
    org = pl.organizations.create(name="Bench", country="BE", iban="BE71096123456769")
    return pl, org, [pl.customers.create(org, name=f"Customer {i}") for i in range(50)]


def run(url: str, count: int, *, batch: int = 0) -> float:
    """Issue ``count`` invoices on a new database at ``url``; return invoices per second.

    With ``batch``, invoices are issued ``batch`` at a time with ``issue_many`` (one
    transaction per batch) instead of one transaction each.
    """
    pl, org, customers = _bench_organization(url)
    stream = generate_lines()
    batches = [next(stream) for _ in range(count)]
    start = time.perf_counter()
    if batch:
        for offset in range(0, count, batch):
            chunk = batches[offset : offset + batch]
            pl.invoices.issue_many(
                org, [(customers[(offset + i) % len(customers)], ls) for i, ls in enumerate(chunk)]
            )
    else:
        for i, lines in enumerate(batches):
            pl.invoices.issue(org, customers[i % len(customers)], lines=lines)
    elapsed = time.perf_counter() - start
    pl.close()
    return count / elapsed


def run_payments(url: str, count: int) -> float:
    """Issue ``count`` invoices on a new database at ``url``, each with its payment link, then
    pay each in full, one transaction each (which also closes its link); return payments per
    second."""
    pl, org, customers = _bench_organization(url)
    stream = generate_lines()
    invoices = pl.invoices.issue_many(
        org, [(customers[i % len(customers)], next(stream)) for i in range(count)]
    )
    for invoice in invoices:
        pl.links.create(invoice)
    start = time.perf_counter()
    for invoice in invoices:
        pl.payments.record(invoice)
    elapsed = time.perf_counter() - start
    pl.close()
    return count / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {count_cpus()} cores"
    )
    if args.engine in ("sqlite", "both"):
        for batch in (0, 100):
            with tempfile.TemporaryDirectory() as tmp:
                rate = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.count, batch=batch)
            how = f"issue_many x{batch}" if batch else "issue, one tx each"
            print(f"sqlite (file, WAL)  {how:<20} {rate:8.0f} invoices/s ({args.count})")
        with tempfile.TemporaryDirectory() as tmp:
            rate = run_payments(f"sqlite:///{Path(tmp) / 'bench.db'}", args.count)
        print(f"sqlite (file, WAL)  {'payments.record':<20} {rate:8.0f} payments/s ({args.count})")
    if args.engine in ("postgres", "both"):
        with PostgresServer() as server:
            for batch in (0, 100):
                rate = run(server.create_database(), args.count, batch=batch)
                how = f"issue_many x{batch}" if batch else "issue, one tx each"
                print(f"postgresql (local)  {how:<20} {rate:8.0f} invoices/s ({args.count})")
            rate = run_payments(server.create_database(), args.count)
            print(
                f"postgresql (local)  {'payments.record':<20} {rate:8.0f} payments/s ({args.count})"
            )


def count_cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
