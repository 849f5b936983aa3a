"""The README's demo, served afterwards: ``paylink demo`` then the ``paylink serve`` command it
prints give a newcomer an invoice to pay, a quote to approve and a portal with something open,
over real HTTP, whatever today's date (the demo's story runs on a simulated clock)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from paylink.demo import run_demo
from tests.web.conftest import _free_port

pytestmark = pytest.mark.slow


def test_the_demo_leaves_pages_to_open_and_prints_how_to_serve_them(tmp_path: Path) -> None:
    printed: list[str] = []
    run_demo(printed.append, directory=tmp_path / "demo").close()
    out = "\n".join(printed)
    [pay] = re.findall(r"pay invoice \S+ \(121\.00 EUR\): (\S+/pay/\S+)", out)
    [quote] = re.findall(r"approve quote \S+ \(508\.20 EUR\): (\S+/quote/\S+)", out)
    [portal] = re.findall(r"portal: (\S+/portal/\S+)\n   serve them with", out)
    [command] = re.findall(r"serve them with: (paylink serve .*)", out)
    assert command.split()[2:] == [
        "--db", f"sqlite:///{tmp_path / 'demo' / 'paylink.db'}",
        "--secret-file", str(tmp_path / "demo" / "secret"),
    ]  # fmt: skip
    # The database alone gives no URL away (not even the outbox's messages): the tokens are
    # derived from the secret in the file.
    stored = (tmp_path / "demo" / "paylink.db").read_bytes().decode("latin-1")
    assert not re.findall(r"/(?:pay|quote|portal)/[A-Za-z0-9_-]{32}", stored)
    assert "/pay/{token:" in stored

    # The printed command, on a free port, without any secret in the environment.
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINK_SECRET")}
    script = Path(sys.executable).parent / "paylink"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(script), *command.split()[1:], "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        f"paylink serve did not start: {(tmp_path / 'serve.log').read_text()}"
                    )
                time.sleep(0.2)
            on_port = [u.replace("http://127.0.0.1:8000", base) for u in (pay, quote, portal)]
            pay_page, quote_page, portal_page = (client.get(u) for u in on_port)
            assert [p.status_code for p in (pay_page, quote_page, portal_page)] == [200] * 3
            # The invoice is payable: its amount and the bank transfer with its EPC QR.
            assert 'data-testid="amount"' in pay_page.text and "121" in pay_page.text
            assert 'data-testid="epc-qr"' in pay_page.text
            assert client.get(f"{on_port[0]}/qr.png").headers["content-type"] == "image/png"
            assert 'data-testid="approve"' in quote_page.text
            assert 'data-testid="pay-one"' in portal_page.text
            # Approving works too: the app can make the invoice's link (it has the secret).
            csrf = re.search(r'name="csrf" value="([^"]+)"', quote_page.text)
            assert csrf is not None
            approved = client.post(
                f"{on_port[1]}/approve", data={"csrf": csrf.group(1)}, follow_redirects=True
            )
            assert approved.status_code == 200, approved.text[:500]
            assert "/pay/" in approved.text
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
