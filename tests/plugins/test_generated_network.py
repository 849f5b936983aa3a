"""A network plugin straight from ``paylink plugin new network`` works inside a running Paylink.

The generated package is imported as it is written (nothing filled in), registered through its
hook, and connected with ``pl.einvoices.connect``; its API is a small HTTP server on loopback
answering the template's documented participant lookup. Connecting builds the class through
the one construction contract (settings checked by name, one context handed in), and
``pl.einvoices.lookup`` goes over real HTTP through the plugin with the account's key.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from paylink import Paylink
from paylink.cli import main
from paylink.exceptions import ValidationError
from paylink.networks import Participant
from paylink.parties import PartyId
from paylink.plugins import get_plugin_manager

from ..conftest import BASE_URL

KEY = "acmenet_key_0123456789"
SECRET = "acmenet_whsec_0123456789"
REACHABLE = "0208:0403170701"


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The module ``paylink plugin new network acmenet`` wrote, imported as a user's code."""
    done = CliRunner().invoke(main, ["plugin", "new", "network", "acmenet", "--dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    monkeypatch.syspath_prepend(str(tmp_path / "paylink-acmenet" / "src"))
    sys.modules.pop("paylink_acmenet", None)
    yield importlib.import_module("paylink_acmenet")
    sys.modules.pop("paylink_acmenet", None)


@pytest.fixture
def api() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The network's API on a loopback port: one participant is on the network."""
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization", "")))
            if self.path == f"/v1/participants/{REACHABLE}":
                status, body = 200, {"name": "Garage Dupont", "document_types": ["invoice"]}
            else:
                status, body = 404, {"error": "unknown participant"}
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_generated_network_is_connected_and_looks_up_over_real_http(
    generated: Any, api: tuple[str, list[tuple[str, str]]], tmp_path: Path
) -> None:
    api_url, seen = api
    pl = Paylink.open(
        f"sqlite:///{tmp_path / 'network.db'}",
        base_url=BASE_URL,
        plugins=get_plugin_manager(plugins=[generated]),
    )
    try:
        org = pl.organizations.create(name="Shop", country="BE", iban="BE71096123456769")

        with pytest.raises(ValidationError) as typo:
            pl.einvoices.connect(org, "acmenet", api_key=KEY, webhook_secret=SECRET, bse_url="x")
        assert "bse_url" in str(typo.value)
        assert pl.einvoices.account(org) is None

        account = pl.einvoices.connect(
            org, "acmenet", api_key=KEY, webhook_secret=SECRET, base_url=api_url
        )
        assert account.network == "acmenet"
        assert KEY not in repr(account) and SECRET not in repr(account)
        assert pl.einvoices.account(org) == account

        found = pl.einvoices.lookup(org, REACHABLE)
        assert found == Participant(
            id=PartyId.parse(REACHABLE), name="Garage Dupont", document_types=("invoice",)
        )
        assert pl.einvoices.lookup(org, "0208:0202239951") is None
        assert seen == [
            (f"/v1/participants/{REACHABLE}", f"Bearer {KEY}"),
            ("/v1/participants/0208:0202239951", f"Bearer {KEY}"),
        ]
    finally:
        pl.close()
