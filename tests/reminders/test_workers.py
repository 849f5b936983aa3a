"""Eight worker processes run the reminders at the same moment against one PostgreSQL: every
step is recorded once and its messages queued once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.store.schema import messages, reminders
from paylink.testing import PostgresServer

from ..conftest import BASE_URL
from .helpers import issue, standard_policy

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


def _tick(url: str, start_at: float) -> tuple[int, int]:
    pl = Paylink.open(url, clock=FixedClock(NOW), base_url=BASE_URL)
    while time.time() < start_at:  # start together, to collide for real
        time.sleep(0.001)
    report = pl.reminders.tick(NOW)
    pl.close()
    return report.recorded, len(report.sent)


@pytest.mark.slow
@pytest.mark.postgres
def test_eight_workers_enqueue_each_step_once(pg_server: PostgresServer) -> None:
    url = pg_server.create_database()
    pl = Paylink.open(
        url, clock=FixedClock(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)), base_url=BASE_URL
    )
    org = pl.organizations.create(name="Busy", country="BE", iban="BE71096123456769")
    customers = [
        pl.customers.create(org, name=f"C{i}", email=f"c{i}@example.be", phone="+32470123456")
        for i in range(40)
    ]
    expected = 0
    for i in range(240):
        # Due dates spread so that every step of the policy is the latest due for some.
        due = NOW.date() - dt.timedelta(days=i % 60 - 5)
        issue(pl, org, customers[i % len(customers)], due.isoformat())
        expected += 1 if (NOW.date() - due).days >= -3 else 0
    pl.reminders.set_policy(org, standard_policy())
    pl.close()

    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 3
    with ctx.Pool(8) as pool:
        results = pool.starmap(_tick, [(url, start_at)] * 8)

    assert sum(recorded for recorded, _ in results) == expected
    assert sum(sent for _, sent in results) == expected
    check = Paylink.open(url, base_url=BASE_URL)
    with check.store.transaction() as conn:
        sent = conn.execute(
            sa.select(reminders.c.invoice_id).where(reminders.c.status == "sent")
        ).all()
        per_document = Counter(
            (row.document_id, row.channel_kind)
            for row in conn.execute(
                sa.select(messages.c.document_id, messages.c.channel_kind).where(
                    messages.c.kind == "reminder"
                )
            )
        )
    check.close()
    assert len(sent) == expected
    assert len({row.invoice_id for row in sent}) == expected  # one step per invoice this run
    assert per_document  # messages were queued ...
    assert max(per_document.values()) == 1  # ... once per invoice and channel
