"""The app's reconciliation: a statement imported, then ``pl.reconciliation.run(org)`` applying it.

    python benchmarks/reconcile/service.py [--invoices N] [--engine sqlite|postgres|both]
                                           [--repeat 3]

N invoices are issued to 200 customers, each with its payment link; a camt.053 statement pays
every one of them by its structured reference (so every match is confident and applied). The
figures are the run: the engine, then a payment per match with its allocation, the invoice
paid, its link closed, the match recorded, the events and the paid messages. Each run is made
twice on the same data, matches applied set-wise (the default) and one unit per match (the
path the set-wise one falls back to), best of ``--repeat``, wall and CPU time of the process.
The data is made once per engine and copied for each run (a file copy; PostgreSQL's
``CREATE DATABASE … TEMPLATE``). PostgreSQL runs on a throwaway local server (fsync off).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from paylink import FixedClock, Line, Paylink
from paylink.money import Money
from paylink.service import reconciliation
from paylink.statements.writer import StatementLine, camt053
from paylink.testing import PostgresServer

ACCOUNT = "BE71096123456769"
BASE = "https://pay.example"
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))


def prepare(url: str, count: int, seed: int = 7, *, messages: bool = False) -> None:
    """Issue ``count`` invoices at ``url`` with their links, and import the statement that
    pays them. With ``messages`` the customers and the organization have e-mail addresses,
    so every invoice paid queues a receipt and a notice."""
    rng = random.Random(seed)
    pl = Paylink.open(
        url, clock=CLOCK, base_url=BASE, secret="benchmark-url-token-secret-0123456789"
    )
    email = {"email": "billing@bench.example"} if messages else {}
    org = pl.organizations.create(name="Bench", country="BE", iban=ACCOUNT, **email)
    customers = [
        pl.customers.create(
            org, name=f"Customer {i:03d}", **({"email": f"c{i}@bench.example"} if messages else {})
        )
        for i in range(200)
    ]
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
    pl.statements.import_bytes(org, data, filename="bench.xml")
    pl.close()


def reconcile(url: str, count: int, *, setwise: bool) -> tuple[float, float, float, float]:
    """``pl.reconciliation.run(org)`` on a copy of the prepared data: wall and CPU seconds of
    the whole run (reading the open items, the engine, applying), then of applying the matches
    alone."""
    pl = Paylink.open(
        url, clock=CLOCK, base_url=BASE, secret="benchmark-url-token-secret-0123456789"
    )
    org = pl.organizations.list()[0]
    saved = reconciliation.applies_setwise
    if not setwise:
        reconciliation.applies_setwise = lambda tx, proposal: False  # type: ignore[assignment]
    spent = [0.0, 0.0]
    cls = reconciliation.Reconciliation
    originals = {name: getattr(cls, name) for name in ("_apply_batch", "_apply_one")}

    def timed(original: Callable[..., None]) -> Callable[..., None]:
        def run(*args: object, **kwargs: object) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            original(*args, **kwargs)
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu

        return run

    for name, original in originals.items():
        setattr(cls, name, timed(original))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        result = pl.reconciliation.run(org)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        reconciliation.applies_setwise = saved  # type: ignore[assignment]
        for name, original in originals.items():
            setattr(cls, name, original)
    assert len(result.applied) == count, (len(result.applied), len(result.review))
    pl.close()
    return wall, cpu, spent[0], spent[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--messages",
        action="store_true",
        help="customers with e-mail addresses: each invoice paid queues a receipt and a notice",
    )
    args = parser.parse_args()
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus, "
        f"load average {os.getloadavg()[0]:.2f} at start"
        + (", with receipts and notices" if args.messages else "")
    )

    def measure(engine: str, fresh: Callable[[], str]) -> None:
        best: dict[str, tuple[float, ...]] = {}
        for _ in range(args.repeat):
            for path in ("set-wise", "one by one"):
                row = reconcile(fresh(), args.invoices, setwise=path == "set-wise")
                seen = best.get(path)
                best[path] = tuple(map(min, row, seen)) if seen else row
        n = args.invoices
        for path, (wall, cpu, apply_wall, apply_cpu) in best.items():
            print(
                f"{engine:<11} {path:<10} {n:>7,} matches: run wall {wall:6.2f}s "
                f"({n / wall:,.0f}/s) CPU {cpu:6.2f}s ({n / cpu:,.0f}/s); applying alone: "
                f"wall {apply_wall:6.2f}s ({n / apply_wall:,.0f}/s) CPU {apply_cpu:6.2f}s "
                f"({n / apply_cpu:,.0f}/s); load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        ratio = best["one by one"][0] / best["set-wise"][0]
        applying = best["one by one"][2] / best["set-wise"][2]
        print(
            f"{engine:<11} set-wise is {ratio:.1f}x the one-by-one path (run wall), "
            f"{applying:.1f}x (applying, wall)",
            flush=True,
        )

    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            template = Path(tmp) / "template.db"
            prepare(f"sqlite:///{template}", args.invoices, messages=args.messages)
            copies = itertools.count()

            def sqlite_copy() -> str:
                target = Path(tmp) / f"run-{next(copies)}.db"
                shutil.copyfile(template, target)
                return f"sqlite:///{target}"

            measure("sqlite", sqlite_copy)
    if args.engine in ("postgres", "both"):
        import psycopg

        with PostgresServer() as server:
            template = server.create_database("bench_template")
            prepare(template, args.invoices, messages=args.messages)

            def postgres_copy() -> str:
                name = f"run_{next(copies)}"
                with psycopg.connect(server.url, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "bench_template"')
                return template.replace("bench_template", name)

            copies = itertools.count()
            measure("postgresql", postgres_copy)


if __name__ == "__main__":
    main()
