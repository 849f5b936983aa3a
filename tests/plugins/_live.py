"""A live web app over real HTTP, with the plugins a test passes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from paylink import Paylink
from paylink.clock import FixedClock
from paylink.plugins import get_plugin_manager
from paylink.web import create_app

from ..web.conftest import START, _free_port


@contextmanager
def serve(tmp_path: Path, *plugins: object) -> Iterator[tuple[Paylink, str]]:
    """A Paylink with ``plugins`` on a SQLite file, its app served on a free local port."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    pl = Paylink.open(
        f"sqlite:///{tmp_path / 'web.db'}",
        clock=FixedClock(START),
        base_url=base,
        plugins=get_plugin_manager(plugins=plugins),
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(pl, secret="s"),
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
        time.sleep(0.02)
    try:
        yield pl, base
    finally:
        server.should_exit = True
        thread.join(5)
        pl.close()
