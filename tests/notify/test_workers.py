"""Several dispatcher processes on one PostgreSQL database send every message exactly once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from paylink import FixedClock, Line, Paylink
from paylink.hookspecs import hookimpl
from paylink.notify import OutgoingMessage, SendResult
from paylink.plugins import get_plugin_manager
from paylink.testing import PostgresServer

from ..conftest import BASE_URL
from .helpers import with_messaging

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
WORKERS = 4
MESSAGES = 60


class Recorder:
    """A channel that appends each message id it sends to a file (O_APPEND: atomic lines)."""

    name: ClassVar[str] = "recorder"
    kinds: ClassVar[frozenset[str]] = frozenset({"email", "sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, path: str) -> None:
        self.path = path

    def send(self, message: OutgoingMessage) -> SendResult:
        time.sleep(0.005)  # a slow provider: lets the workers overlap
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, f"{message.id} {os.getpid()}\n".encode())
        finally:
            os.close(fd)
        return SendResult(provider_message_id=f"rec-{message.id}")


class RecorderPlugin:
    @hookimpl
    def paylink_register_channels(self, register: Any) -> None:
        register(Recorder)


def _open(url: str) -> Any:
    plugins = get_plugin_manager(plugins=[RecorderPlugin()])
    return with_messaging(
        Paylink.open(url, clock=FixedClock(START), plugins=plugins, base_url=BASE_URL)
    )


def worker(url: str, start: Any, results: Any) -> None:
    pl = _open(url)
    pl.outbox.batch_size = 3
    start.wait()
    sent = 0
    while True:
        report = pl.outbox.dispatch(limit=5)
        sent += len(report.sent)
        if report.attempted == 0:
            break
    pl.close()
    results.put(sent)


@pytest.mark.postgres
@pytest.mark.slow
def test_workers_on_postgresql_send_each_message_once(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    url = pg_server.create_database()
    log = tmp_path / "sent.log"
    pl = _open(url)
    org = pl.organizations.create(name="Acme", country="BE", iban="BE71096123456769")
    pl.channels.configure(org, "recorder", path=str(log))
    customers = [
        pl.customers.create(org, name=f"Customer {i}", email=f"c{i}@example.be") for i in range(6)
    ]
    queued = []
    for i in range(MESSAGES):
        invoice = pl.invoices.issue(
            org,
            customers[i % len(customers)],
            lines=[Line(description="Work", quantity="1", unit_price="10", vat_rate="21")],
        )
        queued.extend(pl.messages.send(invoice, via="email"))
    assert len(queued) == MESSAGES

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    processes = [ctx.Process(target=worker, args=(url, start, results)) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    start.set()
    counts = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    lines = log.read_text().splitlines()
    ids = [line.split()[0] for line in lines]
    assert sorted(ids) == sorted(m.id for m in queued)  # every message, exactly once
    assert sum(counts) == MESSAGES
    assert len({line.split()[1] for line in lines}) > 1, "the work was shared"
    assert {m.status for m in pl.outbox.list(org)} == {"sent"}
    assert {link.status for link in pl.links.list(org)} == {"sent"}
    pl.close()
