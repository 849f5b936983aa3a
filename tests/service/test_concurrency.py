"""Invoice numbers stay unique and gapless when several processes issue at the same time."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from paylink import Line, Paylink
from paylink.testing import PostgresServer

from ..conftest import BASE_URL


def _issue_many(url: str, org_id: str, customer_id: str, count: int, start_at: float) -> list[str]:
    pl = Paylink.open(url, base_url=BASE_URL)
    line = Line(description="Service", quantity="1", unit_price="10.00", vat_rate="21")
    while time.time() < start_at:  # start together, to collide for real
        time.sleep(0.001)
    numbers = [pl.invoices.issue(org_id, customer_id, lines=[line]).number for _ in range(count)]
    pl.close()
    return [n for n in numbers if n]


def _run(url: str, processes: int, per_process: int) -> list[str]:
    pl = Paylink.open(url, base_url=BASE_URL)
    org = pl.organizations.create(name="Busy", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Customer")
    pl.close()
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 3
    with ctx.Pool(processes) as pool:
        results = pool.starmap(
            _issue_many,
            [(url, org.id, customer.id, per_process, start_at)] * processes,
        )
    return [n for chunk in results for n in chunk]


def _assert_gapless(numbers: list[str], total: int) -> None:
    assert len(numbers) == total
    assert len(set(numbers)) == total
    seqs = sorted(int(n.split("-")[1]) for n in numbers)
    assert seqs == list(range(1, total + 1))


@pytest.mark.slow
@pytest.mark.postgres
def test_eight_processes_on_postgresql(pg_server: PostgresServer) -> None:
    url = pg_server.create_database()
    _assert_gapless(_run(url, processes=8, per_process=100), 800)


@pytest.mark.slow
def test_four_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    # Any "database is locked" would surface here as an exception from the pool.
    _assert_gapless(_run(url, processes=4, per_process=100), 400)
