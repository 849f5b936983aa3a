"""Three plugins written as a third party writes them, from ``paylink plugin new``, end to end.

A SumUp-like provider, a Vonage-like SMS channel with replies and a GoCardless-like bank feed
with webhooks are generated into a temporary folder, filled in with their API's paths, and
installed the way pip leaves a package (a dist-info with the entry point). Their API is a
small HTTP server on loopback; paylink's web app is served by uvicorn on a real port. Each
plugin passes its kit (the generated tests, in a subprocess) and works over real HTTP:
checkout then webhook then paid; an SMS sent, its delivery report and a STOP reply recorded;
a feed webhook that syncs and imports the bank's transactions.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner

from paylink.cli import main

from ..conftest import lines
from ._live import serve

PLUGINS = {
    # name: (kind, label, the template's path constant, the API's own path)
    "sumup": ("provider", "SumUp", 'PAYMENTS = "/v1/payments"', 'PAYMENTS = "/v0.1/checkouts"'),
    "vonage": ("channel", "Vonage", 'MESSAGES = "/v1/messages"', 'MESSAGES = "/sms/json"'),
    "gocardless": (
        "feed",
        "GoCardless",
        'TRANSACTIONS = "/v1/accounts/{account}/transactions"',
        'TRANSACTIONS = "/api/v2/accounts/{account}/transactions/"',
    ),
}
KEY = "third_party_key_0123456789"
SECRET = "third_party_whsec_0123456789"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three packages, generated and filled in, and a site folder registering them."""
    root = tmp_path_factory.mktemp("third_party")
    made = {}
    for name, (kind, label, template_path, api_path) in PLUGINS.items():
        done = CliRunner().invoke(
            main, ["plugin", "new", kind, name, "--dir", str(root), "--label", label]
        )
        assert done.exit_code == 0, done.output
        package = root / f"paylink-{name}"
        module = package / "src" / f"paylink_{name}" / "__init__.py"
        source = module.read_text()
        assert template_path in source
        module.write_text(source.replace(template_path, api_path))
        info = root / "site" / f"paylink_{name}-0.1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: paylink-{name}\n")
        (info / "entry_points.txt").write_text(f"[paylink]\n{name} = paylink_{name}\n")
        made[name] = package
    made["site"] = root / "site"
    return made


@pytest.fixture
def installed(packages: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The three plugin modules, importable and found through the ``paylink`` entry points."""
    for name in PLUGINS:
        monkeypatch.syspath_prepend(str(packages[name] / "src"))
    monkeypatch.syspath_prepend(str(packages["site"]))
    return {name: importlib.import_module(f"paylink_{name}") for name in PLUGINS}


class ThirdPartyApis:
    """The three providers' APIs: what they were asked, and what they hold."""

    def __init__(self, modules: dict[str, Any], now: Callable[[], Any]) -> None:
        self.modules = modules
        self.now = now
        self.ids = itertools.count(1)
        self.checkouts: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.sms: list[dict[str, Any]] = []
        self.booked: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    # -- what the servers answer ----------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {KEY}":
            return 401, {"error": {"message": "unauthorized"}}
        with self.lock:
            if method == "POST" and path == "/v0.1/checkouts":
                key = str(headers.get("Idempotency-Key"))
                if key not in self.by_key:
                    request = json.loads(body)
                    reference = f"chk_{next(self.ids)}"
                    self.checkouts[reference] = {
                        **request,
                        "id": reference,
                        "status": "open",
                        "checkout_url": f"https://checkout.sumup.example/{reference}",
                    }
                    self.by_key[key] = reference
                return 200, self.public(self.checkouts[self.by_key[key]])
            if method == "GET" and path.startswith("/v0.1/checkouts/"):
                found = self.checkouts.get(path.rsplit("/", 1)[1])
                return (200, self.public(found)) if found else (404, {"error": {}})
            if method == "POST" and path == "/sms/json":
                message = {**json.loads(body), "id": f"vm-{next(self.ids)}", "status": "queued"}
                self.sms.append(message)
                return 200, {"id": message["id"], "status": "queued"}
            if method == "GET" and path == "/api/v2/accounts/acc-1/transactions/":
                after = int(query.get("after", "0"))
                return 200, {
                    "iban": "BE71096123456769",
                    "transactions": self.booked[after:],
                    "next": str(len(self.booked)),
                }
        return 404, {"error": {"message": f"no {method} {path}"}}

    @staticmethod
    def public(checkout: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "status", "amount", "currency", "checkout_url", "metadata")
        return {k: checkout[k] for k in keys}

    # -- what the providers' sides do ------------------------------------------------------------
    def signed_post(self, module: str, url: str, body: dict[str, Any]) -> httpx.Response:
        """POST ``body`` to ``url`` signed as the plugin ``module``'s provider signs."""
        raw = json.dumps(body).encode()
        header = self.modules[module].sign(raw, SECRET, int(self.now().timestamp()))
        return httpx.post(
            url, content=raw, headers={"X-Signature": header, "Content-Type": "application/json"}
        )

    def pay(self, reference: str) -> httpx.Response:
        """The customer paid the checkout: SumUp calls the webhook URL paylink gave it."""
        checkout = self.checkouts[reference]
        checkout["status"] = "paid"
        event = {"id": f"evt_{reference}", "type": "payment.updated", "data": self.public(checkout)}
        return self.signed_post("sumup", checkout["webhook_url"], event)

    def book(self, amount: str, remittance: str) -> None:
        """A transfer arrives on the bank account."""
        self.booked.append(
            {
                "id": f"gc-{len(self.booked) + 1}",
                "booking_date": "2026-03-02",
                "value_date": "2026-03-02",
                "amount": amount,
                "currency": "EUR",
                "counterparty_name": "Marie Peeters",
                "counterparty_iban": "BE68539007547034",
                "remittance": remittance,
            }
        )


@pytest.fixture
def apis(installed: dict[str, Any]) -> Iterator[tuple[ThirdPartyApis, str, list[Any]]]:
    """The APIs, served on a loopback port; the clock is set by the test that uses them."""
    clock: list[Any] = []
    state = ThirdPartyApis(installed, lambda: clock[0].now())

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            status, body = state.answer(
                self.command, parts.path, query, self.headers, self.rfile.read(length)
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}", clock
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_each_filled_in_plugin_passes_its_kit(name: str, packages: dict[str, Path]) -> None:
    package = packages[name]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(package / "src"), str(packages["site"])]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" not in done.stdout


@pytest.mark.slow
def test_the_three_work_end_to_end_over_real_http(
    tmp_path: Path, apis: tuple[ThirdPartyApis, str, list[Any]]
) -> None:
    api, api_url, clock = apis
    with serve(tmp_path) as (pl, base):
        clock.append(pl.clock)
        assert {"sumup", "vonage", "gocardless"} <= {p.name for p in pl.plugins.describe()}
        assert pl.plugins.broken() == []
        org = pl.organizations.create(
            name="Garage Dupont SRL", country="BE", iban="BE71096123456769"
        )
        pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
        customer = pl.customers.create(
            org, name="Marie Peeters", email="marie@example.be", phone="+32470123456"
        )

        # The provider: the pay page offers it, the checkout goes to SumUp, the webhook pays.
        account = pl.providers.connect(
            org, "sumup", api_key=KEY, webhook_secret=SECRET, base_url=api_url
        )
        assert account.webhook_url == f"{base}/webhooks/providers/sumup/{account.id}"
        invoice = pl.invoices.issue(org, customer, lines=lines())
        link = pl.links.create(invoice)
        page = httpx.get(link.url, headers=BROWSER)
        form = re.search(
            r'<form method="post" action="([^"]+/checkout/sumup)">\s*'
            r'<input type="hidden" name="csrf" value="([0-9a-f]+)">\s*'
            r"<button[^>]*>([^<]+)</button>",
            page.text,
        )
        assert form is not None, "the pay page offers SumUp"
        assert "SumUp" in form.group(3)
        chosen = httpx.post(form.group(1), data={"csrf": form.group(2)}, headers=BROWSER)
        assert chosen.status_code == 303
        [reference] = api.checkouts
        assert chosen.headers["location"] == f"https://checkout.sumup.example/{reference}"
        assert api.checkouts[reference]["amount"] == invoice.total.minor_units
        assert pl.links.get(link.organization_id, link.id).status == "in_progress"
        assert api.pay(reference).status_code == 200
        assert pl.links.get(link.organization_id, link.id).status == "paid"
        assert pl.invoices.get(invoice.organization_id, invoice.id).status == "paid"

        # The channel: an SMS through Vonage, its delivery report, then a STOP reply.
        pl.channels.configure(
            org, "vonage", api_key=KEY, webhook_secret=SECRET, sender="Garage", base_url=api_url
        )
        second = pl.invoices.issue(org, customer, lines=lines())
        (message,) = pl.messages.send(second, via="sms")
        assert message.channel == "vonage"
        assert message.id in pl.outbox.dispatch().sent
        [sms] = api.sms
        assert sms["to"] == "+32470123456"
        assert sms["from"] == "Garage"
        callbacks = f"{base}/webhooks/channels/vonage/{org.id}"
        report = {"type": "status", "message_id": sms["id"], "status": "delivered"}
        assert api.signed_post("vonage", callbacks, report).status_code == 204
        assert pl.outbox.get(message.organization_id, message.id).status == "delivered"
        reply = {"type": "inbound", "id": "in-1", "from": "+32470123456", "text": "STOP"}
        assert api.signed_post("vonage", callbacks, reply).status_code == 204
        assert api.signed_post("vonage", callbacks, reply).status_code == 204  # redelivered
        [recorded] = pl.messages.inbound(org)
        assert recorded["text"] == "STOP"
        assert pl.messages.is_opted_out(customer, "sms")
        forged = httpx.post(callbacks, content=json.dumps(reply).encode())
        assert forged.status_code == 401

        # The feed: a webhook says there is news; paylink syncs and imports the transactions.
        feed = pl.feeds.connect(
            org,
            "gocardless",
            api_key=KEY,
            webhook_secret=SECRET,
            account="acc-1",
            base_url=api_url,
        )
        assert second.reference is not None
        api.book(str(second.total.amount), str(second.reference))
        api.book("10.00", "thank you")
        hook = f"{base}/webhooks/feeds/gocardless/{feed.id}"
        news = {"id": "evt-1", "type": "transactions.created", "account": "acc-1"}
        answer = api.signed_post("gocardless", hook, news)
        assert answer.status_code == 200, answer.text
        assert answer.json()["new_transactions"] == 2
        assert api.signed_post("gocardless", hook, news).json()["new_transactions"] == 0
        imported = pl.statements.transactions(org)
        assert sorted(tx.id for tx in imported) == ["gc-1", "gc-2"]
