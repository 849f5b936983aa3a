"""Invoices issued per second, one transaction each, on SQLite and on PostgreSQL.

    python -m benchmarks.issuing [--count N] [--engine sqlite|postgres|both]

Each invoice has 1 to 5 lines with mixed VAT rates, drawn by a seeded generator; every invoice
is a full use case (customer lookup, number from the series, reference, totals, lines, the
``invoice_issued`` event). PostgreSQL runs on a throwaway local server (fsync off, like a test
server; a production server with fsync on is bounded by its disk's commit latency).
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


def run(url: str, count: int) -> float:
    """Issue ``count`` invoices on a new database at ``url``; return invoices per second."""
    clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    pl = Paylink.open(url, clock=clock)
    org = pl.organizations.create(name="Bench", country="BE", iban="BE71096123456769")
    customers = [pl.customers.create(org, name=f"Customer {i}") for i in range(50)]
    stream = generate_lines()
    batches = [next(stream) for _ in range(count)]
    start = time.perf_counter()
    for i, lines in enumerate(batches):
        pl.invoices.issue(org, customers[i % len(customers)], lines=lines)
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
        with tempfile.TemporaryDirectory() as tmp:
            rate = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.count)
        print(f"sqlite (file, WAL):   {rate:8.0f} invoices/s  ({args.count} invoices)")
    if args.engine in ("postgres", "both"):
        with PostgresServer() as server:
            rate = run(server.create_database(), args.count)
        print(f"postgresql (local):   {rate:8.0f} invoices/s  ({args.count} invoices)")


def count_cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
