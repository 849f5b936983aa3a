"""E-invoices over a network (the fake Peppol access point), on SQLite and PostgreSQL: sent
when the buyer is reachable, else by e-mail; statuses by polling and by signed webhooks; the
refusal in the owner's digest; suppliers' documents in once; the participant cache."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from paylink import FixedClock, Line, Paylink, ValidationError, WebhookRejected, hookimpl
from paylink.cli import main
from paylink.demo import run_demo
from paylink.einvoice import to_ubl
from paylink.networks import EInvoiceDelivery
from paylink.parties import Address, Customer, Organization
from paylink.plugins import get_plugin_manager
from paylink.testing import FakePeppol, fake_network_plugin
from paylink.web import create_app

from ..conftest import BASE_URL
from .test_service import _supplier_invoice

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Recorder:
    """Records ``paylink_einvoice_status_changed`` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, str]] = []

    @hookimpl
    def paylink_einvoice_status_changed(
        self, invoice: Any, delivery: EInvoiceDelivery, old_status: str | None, new_status: str
    ) -> None:
        self.calls.append((invoice.number, old_status, new_status))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def pl(db_url: str, recorder: Recorder) -> Iterator[Paylink]:
    FakePeppol.reset()
    pm = get_plugin_manager(plugins=[fake_network_plugin, recorder])
    paylink = Paylink.open(db_url, clock=FixedClock(START), plugins=pm, base_url=BASE_URL)
    yield paylink
    paylink.close()
    FakePeppol.reset()


@pytest.fixture
def org(pl: Paylink) -> Organization:
    return pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        vat_id="BE0403170701",
        email="billing@garage.example",
        address=Address(street="Rue de la Loi 16", postal_code="1000", city="Bruxelles",
                        country="BE"),
    )  # fmt: skip


def _buyer(pl: Paylink, org: Organization, name: str, vat_id: str) -> Customer:
    return pl.customers.create(
        org,
        name=name,
        vat_id=vat_id,
        email=f"ap@{name.split()[0].lower()}.example",
        address=Address(street="Meir 1", postal_code="2000", city="Antwerpen", country="BE"),
    )


def _invoice(pl: Paylink, org: Organization, customer: Customer) -> Any:
    invoice = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Labour", quantity="2", unit_price="64", vat_rate="21")],
    )
    pl.einvoices.set_references(invoice, buyer_reference="PO-77")
    return invoice


def test_sent_over_the_network_then_delivered_by_polling(
    pl: Paylink, org: Organization, recorder: Recorder
) -> None:
    account = pl.einvoices.connect(org, "fake_peppol", api_key="fp_k1", webhook_secret="whs_1")
    assert "fp_k1" not in repr(account) and "whs_1" not in repr(account)
    assert account.public_settings() == {"api_key": "***", "webhook_secret": "***"}
    peppol = FakePeppol.for_key("fp_k1")
    peppol.register("0208:0202239951")
    buyer = _buyer(pl, org, "Janssens NV", "BE0202239951")
    invoice = _invoice(pl, org, buyer)

    delivery = pl.einvoices.send(invoice)
    assert delivery.via == "network"
    assert delivery.status == "sent"
    assert delivery.receiver == "0208:0202239951"
    sent = peppol.documents[delivery.network_id or ""]
    assert sent["receiver"] == "0208:0202239951" and sent["sender"] == "0208:0403170701"
    assert b'<cbc:EndpointID schemeID="0208">0202239951</cbc:EndpointID>' in sent["content"]
    # the idempotency key is the delivery's id: a retry would return the same document
    assert peppol.by_key == {delivery.id: delivery.network_id}

    assert pl.einvoices.refresh_pending(org) == []  # nothing new yet
    peppol.deliver(delivery.network_id or "")
    moved = pl.einvoices.refresh_pending(org)
    assert [d.status for d in moved] == ["delivered"]
    [stored] = pl.einvoices.deliveries(invoice)
    assert stored.status == "delivered"
    assert [status for _at, status, _detail in pl.einvoices.timeline(invoice)] == [
        "queued", "sent", "delivered"
    ]  # fmt: skip
    assert recorder.calls == [
        (invoice.number, None, "queued"),
        (invoice.number, "queued", "sent"),
        (invoice.number, "sent", "delivered"),
    ]
    assert pl.einvoices.refresh_pending(org) == []  # final: not asked again
    assert peppol.calls.count("status") == 2


def test_a_buyer_not_on_peppol_gets_an_email_with_the_pdf(pl: Paylink, org: Organization) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k2")
    buyer = _buyer(pl, org, "Peeters BV", "BE0897223670")
    invoice = _invoice(pl, org, buyer)
    delivery = pl.einvoices.send(invoice)
    assert delivery.via == "email" and delivery.status == "sent"
    [message] = pl.outbox.list(org)
    assert message.id == delivery.message_id
    assert message.recipient == "ap@peeters.example"
    assert message.metadata.get("attach") == "invoice"
    assert FakePeppol.for_key("fp_k2").documents == {}


def test_without_a_network_it_goes_by_email(pl: Paylink, org: Organization) -> None:
    buyer = _buyer(pl, org, "Janssens NV", "BE0202239951")
    assert pl.einvoices.send(_invoice(pl, org, buyer)).via == "email"


def test_a_refused_delivery_keeps_the_reason_and_reaches_the_digest(
    pl: Paylink, org: Organization, recorder: Recorder
) -> None:
    account = pl.einvoices.connect(org, "fake_peppol", api_key="fp_k3", webhook_secret="whs_3")
    peppol = FakePeppol.for_key("fp_k3")
    peppol.register("0208:0202239951")
    invoice = _invoice(pl, org, _buyer(pl, org, "Janssens NV", "BE0202239951"))
    delivery = pl.einvoices.send(invoice)
    peppol.refuse(delivery.network_id or "", "unknown buyer reference PO-77")

    # the network calls back, signed; a forged call is refused and applies nothing
    request = peppol.webhook(
        delivery.network_id or "", secret="whs_3", url=account.webhook_url, at=pl.clock.now()
    )
    forged = peppol.webhook(
        delivery.network_id or "", secret="wrong", url=account.webhook_url, at=pl.clock.now()
    )
    with pytest.raises(WebhookRejected):
        pl.einvoices.handle_webhook("fake_peppol", account.id, forged)
    with pytest.raises(WebhookRejected):
        pl.einvoices.handle_webhook("fake_peppol", "nacc_unknown", request)
    assert pl.einvoices.deliveries(invoice)[0].status == "sent"
    [refused] = pl.einvoices.handle_webhook("fake_peppol", account.id, request)
    assert refused.status == "refused"
    assert refused.reason == "unknown buyer reference PO-77"
    # redelivered: applied once
    pl.einvoices.handle_webhook("fake_peppol", account.id, request)
    assert [c[2] for c in recorder.calls].count("refused") == 1

    content = pl.reminders.digest_content(org)
    assert [(n, d.id) for n, d in content["einvoices_refused"]] == [(invoice.number, delivery.id)]
    message_id = pl.reminders.send_digest(org)
    [message] = [m for m in pl.outbox.list(org) if m.id == message_id]
    assert invoice.number in message.text
    assert "unknown buyer reference PO-77" in message.text


def test_an_unavailable_network_leaves_it_queued_and_the_janitor_sends_it_once(
    pl: Paylink, org: Organization
) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k4")
    peppol = FakePeppol.for_key("fp_k4")
    peppol.register("0208:0202239951")
    invoice = _invoice(pl, org, _buyer(pl, org, "Janssens NV", "BE0202239951"))
    pl.einvoices.lookup(org, "0208:0202239951")  # cached: the send asks the network no more
    peppol.fail(503)
    delivery = pl.einvoices.send(invoice)
    assert delivery.status == "queued" and delivery.network_id is None
    [moved] = pl.einvoices.refresh_pending(org)
    assert moved.status == "sent" and moved.network_id
    assert list(peppol.by_key) == [delivery.id]
    assert len(peppol.documents) == 1


def test_a_document_the_network_refuses_outright_is_refused(pl: Paylink, org: Organization) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k5")
    peppol = FakePeppol.for_key("fp_k5")
    peppol.register("0208:0202239951")
    invoice = _invoice(pl, org, _buyer(pl, org, "Janssens NV", "BE0202239951"))
    pl.einvoices.lookup(org, "0208:0202239951")
    peppol.fail(422)
    delivery = pl.einvoices.send(invoice)
    assert delivery.status == "refused" and "refused" in (delivery.reason or "")


def test_an_incomplete_invoice_is_not_sent(pl: Paylink, org: Organization) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k6")
    FakePeppol.for_key("fp_k6").register("0208:0202239951")
    buyer = _buyer(pl, org, "Janssens NV", "BE0202239951")
    invoice = pl.invoices.issue(
        org, buyer, lines=[Line(description="Work", quantity="1", unit_price="10", vat_rate="21")]
    )
    with pytest.raises(ValidationError, match="buyer_reference"):
        pl.einvoices.send(invoice)
    assert pl.einvoices.deliveries(invoice) == []


def test_lookups_are_cached_with_an_expiry(pl: Paylink, org: Organization) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k7")
    peppol = FakePeppol.for_key("fp_k7")
    peppol.register("0208:0202239951")
    janssens = _buyer(pl, org, "Janssens NV", "BE0202239951")
    peeters = _buyer(pl, org, "Peeters BV", "BE0897223670")
    for _ in range(50):
        pl.einvoices.send(_invoice(pl, org, janssens))
        pl.einvoices.send(_invoice(pl, org, peeters))
    # Janssens found by enterprise number; Peeters asked by 0208 and by 9925 VAT: once each
    assert peppol.calls.count("lookup") == 3
    assert peppol.calls.count("send") == 50
    assert pl.einvoices.lookup(org, "0208:0897223670") is None
    assert peppol.calls.count("lookup") == 3
    # a negative answer holds an hour, a positive one a day
    peppol.register("0208:0897223670")
    assert isinstance(pl.clock, FixedClock)
    pl.clock.advance(hours=1, seconds=1)
    assert pl.einvoices.lookup(org, "0208:0897223670") is not None
    assert pl.einvoices.lookup(org, "0208:0202239951") is not None
    assert peppol.calls.count("lookup") == 4
    pl.clock.advance(hours=24)
    pl.einvoices.lookup(org, "0208:0202239951")
    assert peppol.calls.count("lookup") == 5


def test_a_supplier_invoice_arrives_once_even_when_delivered_twice(
    pl: Paylink, org: Organization
) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k8")
    peppol = FakePeppol.for_key("fp_k8")
    data = to_ubl(_supplier_invoice(org))
    first = peppol.receive(data, sender="0208:0897223670")
    run = pl.einvoices.inbox(org)
    assert [p.supplier_reference for p in run.recorded] == ["F-2026-0889"]
    assert peppol.acknowledged == [first]
    # the network delivers it again (its acknowledgement was lost): recorded once
    peppol.receive(data, sender="0208:0897223670")
    again = pl.einvoices.inbox(org)
    assert again.recorded == () and again.already_recorded == (first,)
    assert len(pl.purchases.list(org)) == 1
    # a document paylink cannot read is recorded once as refused, with why, and acknowledged
    bad = peppol.receive(b"<Invoice/>")
    broken = pl.einvoices.inbox(org)
    assert [network_id for network_id, _why in broken.problems] == [bad]
    assert broken.recorded == ()
    assert bad not in peppol.inbox
    assert peppol.acknowledged[-1] == bad
    [refused] = pl.einvoices.received(org, refused=True)
    assert refused.network_id == bad
    assert refused.network == "fake_peppol"
    assert refused.status == "refused"
    assert refused.error == broken.problems[0][1]
    assert sorted(r.status for r in pl.einvoices.received(org)) == ["recorded", "refused"]
    # the next run does not report it again, even when the network offers it once more
    assert pl.einvoices.inbox(org).problems == ()
    peppol.receive(b"<Invoice/>")
    again = pl.einvoices.inbox(org)
    assert again.problems == ()
    assert again.already_recorded == (bad,)
    assert len(pl.einvoices.received(org, refused=True)) == 1
    # the owner hears of it in the digest, in the organization's language
    pl.organizations.update(org, email="owner@garage.example")
    message_id = pl.reminders.send_digest(org)
    [message] = [m for m in pl.outbox.list(org) if m.id == message_id]
    assert "Factures électroniques reçues illisibles" in message.text
    assert bad in message.text


def test_pl_send_uses_the_network_when_the_organization_asks(
    pl: Paylink, org: Organization
) -> None:
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_k9", send_invoices=True)
    peppol = FakePeppol.for_key("fp_k9")
    peppol.register("0208:0202239951")
    invoice = _invoice(pl, org, _buyer(pl, org, "Janssens NV", "BE0202239951"))
    assert pl.messages.send(invoice) == []
    assert pl.einvoices.deliveries(invoice)[0].via == "network"
    assert len(peppol.documents) == 1


def test_an_unknown_network_is_named(pl: Paylink, org: Organization) -> None:
    with pytest.raises(Exception, match="no e-invoice network 'nope'"):
        pl.einvoices.connect(org, "nope", api_key="x")
    with pytest.raises(ValidationError, match="api_key"):
        pl.einvoices.connect(org, "fake_peppol")


@contextlib.contextmanager
def _served(pl: Paylink) -> Iterator[httpx.Client]:
    """The web app over real HTTP on a loopback port, and a client for it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(pl, secret="test-secret"),
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
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_web_app_takes_the_network_s_signed_reports(pl: Paylink, org: Organization) -> None:
    account = pl.einvoices.connect(org, "fake_peppol", api_key="fp_kw", webhook_secret="whs_w")
    peppol = FakePeppol.for_key("fp_kw")
    peppol.register("0208:0202239951")
    invoice = _invoice(pl, org, _buyer(pl, org, "Janssens NV", "BE0202239951"))
    delivery = pl.einvoices.send(invoice)
    peppol.deliver(delivery.network_id or "")
    call = peppol.webhook(
        delivery.network_id or "", secret="whs_w", url=account.webhook_url, at=pl.clock.now()
    )
    path = f"/webhooks/einvoice/fake_peppol/{account.id}"
    assert account.webhook_url.endswith(path)
    with _served(pl) as client:
        bad = client.post(path, content=call.body, headers={"fake-signature": "t=1,v1=00"})
        assert bad.status_code == 401
        good = client.post(path, content=call.body, headers=dict(call.headers))
        assert good.status_code == 200
        assert good.json()["deliveries"] == [{"id": delivery.id, "status": "delivered"}]
        unknown = client.post(
            "/webhooks/einvoice/fake_peppol/nacc_x", content=call.body, headers=dict(call.headers)
        )
        assert unknown.status_code == 404
    assert pl.einvoices.deliveries(invoice)[0].status == "delivered"


def test_cli_send_lookup_and_inbox_without_a_network(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line loads the installed plugins only: without a connected network the
    # invoice goes by e-mail, and lookup and inbox say what is missing. The e-mail carries the
    # pay link, so the public base URL is set (the environment is one of its three ways).
    monkeypatch.setenv("PAYLINK_BASE_URL", BASE_URL)
    pl = Paylink.open(db_url, clock=FixedClock(START), base_url=BASE_URL)
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71096123456769", vat_id="BE0403170701"
    )
    invoice = _invoice(pl, org, _buyer(pl, org, "Janssens NV", "BE0202239951"))
    pl.close()
    runner = CliRunner()
    base = ["--db", db_url, "--org", org.id]
    result = runner.invoke(main, ["einvoice", "send", invoice.number or "", *base, "--json"])
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["via"] == "email" and sent["receiver"] == "ap@janssens.example"
    result = runner.invoke(main, ["einvoice", "send", invoice.number or "", *base])
    assert "by e-mail with the PDF to ap@janssens.example (sent)" in result.output
    result = runner.invoke(main, ["einvoice", "lookup", "0208:0202239951", *base])
    assert result.exit_code == 1 and "connected to no e-invoice network" in result.output
    result = runner.invoke(main, ["einvoice", "lookup", "0202239951", *base])
    assert result.exit_code == 1 and "scheme:identifier" in result.output
    result = runner.invoke(main, ["einvoice", "inbox", *base, "--json"])
    assert result.exit_code == 1 and "connect one with pl.einvoices.connect" in result.output


def test_the_demo_tells_the_peppol_story(tmp_path: Path) -> None:
    lines: list[str] = []
    run_demo(lines.append, directory=tmp_path).close()
    told = "\n".join(lines)
    assert "via network to 0208:0202239951 (sent)" in told
    assert "timeline queued -> sent -> delivered" in told
    assert "(not on Peppol): via email to boekhouding@peeters.example" in told
    assert "signed webhook says refused: Buyer reference PO-2026-118 is closed" in told
    assert "owner's digest lists:" in told
    assert "inbox: Pneus Van Damme BV VD-2026-0477" in told
    assert "delivered again: 0 new, already recorded True" in told
    assert "demo-peppol-api-key" not in told
