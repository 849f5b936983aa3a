"""A live server: the ASGI app served by uvicorn on a free loopback port, in a thread."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import uvicorn

from paylink import FixedClock, Paylink
from paylink.web import create_app
from tests.conftest import START


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@attrs.define
class Live:
    pl: Paylink
    base: str
    clock: FixedClock


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    clock = FixedClock(START)
    pl = Paylink.open(f"sqlite:///{tmp_path / 'web.db'}", clock=clock, base_url=base)
    app = create_app(pl, secret="test-secret")
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield Live(pl, base, clock)
    server.should_exit = True
    thread.join(timeout=10)
    pl.close()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        if os.environ.get("PAYLINK_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (apt-get install chromium) but was not found")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe-core's ``axe.min.js``, installed from npm once into a cache (see
    :func:`tests.web.walk.install_axe`)."""
    from tests.web.walk import install_axe

    return install_axe()


@contextlib.contextmanager
def serving(pl: Paylink, port: int, **options: Any) -> Iterator[None]:
    """``pl``'s web app served by uvicorn on ``port`` (loopback) in a thread, until the end
    of the ``with`` block."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(pl, **options),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
