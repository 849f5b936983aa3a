"""The e-invoice.be network plugin over its official SDK: requests and answers in the SDK's
shapes (pytest-httpx), errors mapped, and the conformance kit against a fake on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink.context import PluginContext, build_plugin
from paylink.exceptions import (
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
    ValidationError,
)
from paylink.networks import BIS_BILLING_INVOICE
from paylink.parties import PartyId
from paylink.ports import WebhookRequest
from paylink.testing import FixedClock, NetworkConformance
from paylink_providers.einvoice_be import DEFAULT_BASE_URL, EInvoiceBe

from ._fake_einvoice_be import API_KEY, CREATED, FakeEInvoiceBe, lookup_answer
from ._loopback import serve

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
SENDER = PartyId("0208", "0403170701")
RECEIVER = PartyId("0208", "0202239951")
UBL = (
    b'<?xml version="1.0"?>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
)
API = DEFAULT_BASE_URL


def make(*, delays: list[float] | None = None, **settings: Any) -> EInvoiceBe:
    context = PluginContext(
        name="einvoice_be",
        account_id="nacc_1",
        http=None,
        clock=FixedClock(NOW),
        sleep=(delays.append if delays is not None else lambda _s: None),
        secrets=(API_KEY,),
    )
    plugin: EInvoiceBe = build_plugin(EInvoiceBe, {"api_key": API_KEY, **settings}, context=context)
    return plugin


@pytest.fixture
def network() -> Iterator[EInvoiceBe]:
    plugin = make()
    yield plugin
    plugin.close()


def document(document_id: str, state: str) -> dict[str, Any]:
    return {"id": document_id, "created_at": CREATED, "state": state, "document_type": "INVOICE"}


def test_settings_are_checked_and_the_key_stays_out_of_sight() -> None:
    with pytest.raises(ValidationError, match="api_key"):
        make(api_key="")
    with pytest.raises(ValidationError, match="webhook_secret"):
        make(webhook_secret="x")
    assert API_KEY not in repr(make())


def test_lookup_found(network: EInvoiceBe, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{API}/api/lookup?peppol_id=0208%3A0202239951",
        json=lookup_answer("0208:0202239951", [BIS_BILLING_INVOICE]),
    )
    found = network.lookup("0208", "0202239951")
    assert found is not None
    assert found.id == RECEIVER
    assert found.name == "Brasserie Verte SRL"
    assert found.accepts(BIS_BILLING_INVOICE)
    (request,) = httpx_mock.get_requests()
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"


def test_lookup_not_found(network: EInvoiceBe, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=lookup_answer("0208:0897223670", []))
    assert network.lookup("0208", "0897223670") is None
    httpx_mock.add_response(status_code=404, json={"detail": "Not found"})
    assert network.lookup("0208", "0897223670") is None


def test_send_uploads_the_ubl_then_sends_it_between_the_peppol_ids(
    network: EInvoiceBe, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{API}/api/documents/ubl", json=document("doc_7", "DRAFT")
    )
    httpx_mock.add_response(
        method="POST",
        url=(
            f"{API}/api/documents/doc_7/send?receiver_peppol_id=0202239951"
            "&receiver_peppol_scheme=0208&sender_peppol_id=0403170701&sender_peppol_scheme=0208"
        ),
        json=document("doc_7", "TRANSIT"),
    )
    sent = network.send(UBL, SENDER, RECEIVER, idempotency_key="edl_1")
    assert sent.network_id == "doc_7"
    assert sent.status == "sent"
    upload, send = httpx_mock.get_requests()
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert UBL in upload.content
    assert upload.headers["Idempotency-Key"] == send.headers["Idempotency-Key"] == "edl_1"


def test_a_send_whose_answer_was_lost_is_not_sent_twice(httpx_mock: HTTPXMock) -> None:
    delays: list[float] = []
    plugin = make(delays=delays)
    httpx_mock.add_response(
        method="POST", url=f"{API}/api/documents/ubl", json=document("d", "DRAFT")
    )
    httpx_mock.add_exception(httpx.ReadTimeout("lost"), method="POST")
    httpx_mock.add_response(
        method="GET", url=f"{API}/api/documents/d", json=document("d", "TRANSIT")
    )
    sent = plugin.send(UBL, SENDER, RECEIVER, idempotency_key="edl_2")
    assert sent.network_id == "d"
    assert sent.status == "sent"
    methods = [(r.method, r.url.path) for r in httpx_mock.get_requests()]
    assert methods == [
        ("POST", "/api/documents/ubl"),
        ("POST", "/api/documents/d/send"),
        ("GET", "/api/documents/d"),
    ]
    assert len(delays) == 1


@pytest.mark.parametrize(
    ("status_code", "kind"),
    [(401, ProviderAuthError), (403, ProviderAuthError), (422, ProviderRejected)],
)
def test_4xx_are_mapped_and_not_retried(
    network: EInvoiceBe, httpx_mock: HTTPXMock, status_code: int, kind: type[Exception]
) -> None:
    httpx_mock.add_response(status_code=status_code, json={"detail": f"refused {API_KEY}"})
    with pytest.raises(kind) as caught:
        network.send(UBL, SENDER, RECEIVER, idempotency_key="edl_3")
    assert caught.value.status_code == status_code  # type: ignore[attr-defined]
    assert API_KEY not in str(caught.value)
    assert len(httpx_mock.get_requests()) == 1


def test_5xx_and_timeouts_are_retried_with_the_same_key_then_unavailable(
    httpx_mock: HTTPXMock,
) -> None:
    delays: list[float] = []
    plugin = make(delays=delays)
    httpx_mock.add_response(status_code=503, json={}, headers={"x-request-id": "r1"})
    httpx_mock.add_exception(httpx.ConnectTimeout("slow"))
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    with pytest.raises(ProviderUnavailable):
        plugin.send(UBL, SENDER, RECEIVER, idempotency_key="edl_4")
    assert {r.headers["Idempotency-Key"] for r in httpx_mock.get_requests()} == {"edl_4"}
    assert len(delays) == 2


@pytest.mark.parametrize(
    ("state", "status"),
    [("DRAFT", "queued"), ("TRANSIT", "sent"), ("SENT", "delivered")],
)
def test_states_map_to_paylink_words(
    network: EInvoiceBe, httpx_mock: HTTPXMock, state: str, status: str
) -> None:
    httpx_mock.add_response(url=f"{API}/api/documents/d1", json=document("d1", state))
    report = network.status("d1")
    assert report.status == status
    assert report.network_status == state


def test_a_failed_document_says_why_from_its_timeline(
    network: EInvoiceBe, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{API}/api/documents/d1", json=document("d1", "FAILED"))
    httpx_mock.add_response(
        url=f"{API}/api/documents/d1/timeline",
        json={
            "document_id": "d1",
            "events": [
                {"event_type": "send_attempted", "timestamp": "2026-12-03T09:00:00Z"},
                {
                    "event_type": "send_failed",
                    "timestamp": "2026-12-03T09:01:00Z",
                    "details": {"error": "Receiver access point refused: unknown buyer"},
                },
            ],
        },
    )
    report = network.status("d1")
    assert report.status == "refused"
    assert report.reason == "Receiver access point refused: unknown buyer"
    assert report.at == dt.datetime(2026, 12, 3, 9, 1, tzinfo=dt.UTC)


def test_inbox_lists_received_documents_with_their_ubl(httpx_mock: HTTPXMock) -> None:
    plugin = make()
    httpx_mock.add_response(
        method="GET",
        url=(
            f"{API}/api/inbox/?date_from=2026-11-03&page=1&page_size=100"
            "&sort_by=created_at&sort_order=asc"
        ),
        json={
            "items": [document("in_1", "RECEIVED")],
            "page": 1,
            "page_size": 100,
            "pages": 1,
            "total": 1,
        },
    )
    httpx_mock.add_response(
        url=f"{API}/api/documents/in_1/ubl",
        json={
            "id": "in_1",
            "file_name": "in_1.xml",
            "signed_url": "https://files.e-invoice.example/in_1.xml?sig=abc",
            "sender_peppol_scheme": "0208",
            "sender_peppol_id": "0759529202",
        },
    )
    httpx_mock.add_response(url="https://files.e-invoice.example/in_1.xml?sig=abc", content=UBL)
    [received] = plugin.fetch_inbox()
    assert received.network_id == "in_1"
    assert received.content == UBL
    assert received.sender == PartyId("0208", "0759529202")
    download = httpx_mock.get_requests()[-1]
    assert "Authorization" not in download.headers
    plugin.acknowledge("in_1")  # e-invoice.be has none: nothing is asked


class TestEInvoiceBeConformance(NetworkConformance):
    """The kit, with the SDK talking over loopback to an e-invoice.be fake."""

    network_class = EInvoiceBe
    secrets = (API_KEY,)
    statuses: ClassVar[dict[str, str]] = {
        "DRAFT": "queued",
        "TRANSIT": "sent",
        "SENT": "delivered",
        "FAILED": "refused",
    }

    @pytest.fixture(autouse=True)
    def _server(self) -> Iterator[None]:
        self.fake = FakeEInvoiceBe()
        with serve(self.fake.handle) as url:
            self.fake.base_url = url
            self.url = url
            yield

    def make_network(self) -> Any:
        return make(base_url=self.url)

    def arrange_participant(self, party: PartyId, *, found: bool) -> None:
        if found:
            self.fake.register(str(party))

    def arrange_send(self) -> str:
        self.fake.register("0208:0202239951")
        return "doc_1"

    def sent_idempotency_keys(self) -> list[str]:
        return list(self.fake.received_keys)

    def arrange_status(self, network_id: str, status: str) -> None:
        self.fake.set_state(network_id, status, reason="the buyer's access point refused it")

    def arrange_failure(self, status_code: int) -> None:
        self.fake.register("0208:0202239951")
        self.fake.http_failures = [status_code] * 5

    def make_webhook(self, network_id: str, status: str, *, valid: bool) -> WebhookRequest:
        raise NotImplementedError("e-invoice.be declares no webhooks")

    def arrange_inbox(self, content: bytes) -> str:
        return self.fake.receive(content)


def test_without_the_sdk_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from paylink.exceptions import MissingExtra

    monkeypatch.setitem(sys.modules, "e_invoice_api", None)
    with pytest.raises(MissingExtra, match=r"paylink-invoices\[einvoice_be\]"):
        make()
