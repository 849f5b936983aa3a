"""The Billit network plugin: its requests and answers in Billit's documented shapes
(pytest-httpx), and the conformance kit against a Billit fake served on loopback."""

from __future__ import annotations

import base64
import datetime as dt
import json
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
    WebhookRejected,
)
from paylink.networks import BIS_BILLING_CREDIT_NOTE, BIS_BILLING_INVOICE
from paylink.parties import PartyId
from paylink.ports import WebhookRequest
from paylink.testing import FixedClock, NetworkConformance
from paylink_providers.billit import SANDBOX_URL, Billit, billit_signature

from ._fake_billit import API_KEY, PARTY_ID, WEBHOOK_SECRET, FakeBillit
from ._loopback import serve

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
SENDER = PartyId("0208", "0403170701")
RECEIVER = PartyId("0208", "0202239951")
UBL = (
    b'<?xml version="1.0"?>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
)


def make(
    *, http: httpx.Client | None = None, delays: list[float] | None = None, **settings: Any
) -> Billit:
    values = {
        "api_key": API_KEY,
        "party_id": PARTY_ID,
        "webhook_secret": WEBHOOK_SECRET,
        "sandbox": True,
        **settings,
    }
    context = PluginContext(
        name="billit",
        account_id="nacc_1",
        http=http,
        clock=FixedClock(NOW),
        sleep=(delays.append if delays is not None else lambda _s: None),
        secrets=(API_KEY, WEBHOOK_SECRET),
    )
    plugin: Billit = build_plugin(Billit, values, context=context)
    return plugin


@pytest.fixture
def billit() -> Iterator[Billit]:
    plugin = make()
    yield plugin
    plugin.close()


def test_settings_are_checked_and_secrets_stay_out_of_sight() -> None:
    with pytest.raises(ValidationError, match="party_id"):
        make(party_id=None)
    with pytest.raises(ValidationError, match="apikey"):
        make(apikey="x")
    plugin = make()
    assert API_KEY not in repr(plugin)
    assert plugin.base_url == SANDBOX_URL
    assert make(sandbox=False).base_url == "https://api.billit.be"
    assert make(base_url="http://127.0.0.1:9/").base_url == "http://127.0.0.1:9"


def test_lookup_found_sends_the_api_key_and_party_id(billit: Billit, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{SANDBOX_URL}/v1/peppol/participantInformation/0208:0202239951",
        json={
            "Registered": True,
            "Identifier": "0208:0202239951",
            "DocumentTypes": [BIS_BILLING_INVOICE, BIS_BILLING_CREDIT_NOTE],
        },
    )
    found = billit.lookup("0208", "0202239951")
    assert found is not None
    assert found.id == RECEIVER
    assert found.accepts(BIS_BILLING_INVOICE)
    assert found.accepts(BIS_BILLING_CREDIT_NOTE)
    (request,) = httpx_mock.get_requests()
    assert request.headers["ApiKey"] == API_KEY
    assert request.headers["PartyID"] == PARTY_ID


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 200, "json": {"Registered": False, "DocumentTypes": []}},
        {"status_code": 404, "json": {"errors": [{"Code": "NotFound"}]}},
    ],
)
def test_lookup_not_found(billit: Billit, httpx_mock: HTTPXMock, answer: dict[str, Any]) -> None:
    httpx_mock.add_response(
        url=f"{SANDBOX_URL}/v1/peppol/participantInformation/0208:0897223670", **answer
    )
    assert billit.lookup("0208", "0897223670") is None


def test_lookup_keeps_only_invoices_and_credit_notes(billit: Billit, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        json={"Registered": True, "DocumentTypes": ["InvoiceResponse", "Invoice"]}
    )
    found = billit.lookup("0208", "0202239951")
    assert found is not None
    assert found.document_types == (BIS_BILLING_INVOICE,)


def test_send_is_strict_peppol_with_the_idempotency_key(
    billit: Billit, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{SANDBOX_URL}/v1/peppol/sendXML", json={"OrderID": 569728}
    )
    sent = billit.send(UBL, SENDER, RECEIVER, idempotency_key="edl_1")
    assert sent.network_id == "569728"
    assert sent.status == "queued"
    (request,) = httpx_mock.get_requests()
    assert request.headers["StrictTransportType"] == "true"
    assert request.headers["Idempotency-Key"] == "edl_1"
    assert json.loads(request.content) == {"XML": UBL.decode()}


def test_a_lost_answer_is_retried_with_the_same_key_and_a_409_means_already_sent(
    httpx_mock: HTTPXMock,
) -> None:
    delays: list[float] = []
    plugin = make(delays=delays)
    httpx_mock.add_exception(httpx.ReadTimeout("lost"), url=f"{SANDBOX_URL}/v1/peppol/sendXML")
    httpx_mock.add_response(
        url=f"{SANDBOX_URL}/v1/peppol/sendXML",
        status_code=409,
        json={"errors": [{"Code": "Idempotent token already exists"}]},
    )
    sent = plugin.send(UBL, SENDER, RECEIVER, idempotency_key="edl_2")
    assert sent.network_id == "key:edl_2"
    assert sent.status == "sent"
    keys = [r.headers["Idempotency-Key"] for r in httpx_mock.get_requests()]
    assert keys == ["edl_2", "edl_2"]
    assert len(delays) == 1
    assert plugin.status("key:edl_2").status == "sent"


@pytest.mark.parametrize(
    ("status_code", "kind"),
    [(400, ProviderRejected), (401, ProviderAuthError), (403, ProviderAuthError)],
)
def test_4xx_are_not_retried(
    billit: Billit, httpx_mock: HTTPXMock, status_code: int, kind: type[Exception]
) -> None:
    httpx_mock.add_response(
        status_code=status_code,
        json={
            "errors": [{"Code": "X", "Description": f"The receiver {RECEIVER} is not registered"}]
        },
    )
    with pytest.raises(kind) as caught:
        billit.send(UBL, SENDER, RECEIVER, idempotency_key="edl_3")
    assert len(httpx_mock.get_requests()) == 1
    assert API_KEY not in str(caught.value)
    if status_code == 400:
        assert "not registered" in str(caught.value)


def test_5xx_and_timeouts_are_retried_then_unavailable(httpx_mock: HTTPXMock) -> None:
    delays: list[float] = []
    plugin = make(delays=delays)
    httpx_mock.add_response(status_code=503, json={})
    httpx_mock.add_exception(httpx.ConnectTimeout("slow"))
    httpx_mock.add_response(status_code=502, json={}, headers={"x-request-id": "req-9"})
    with pytest.raises(ProviderUnavailable) as caught:
        plugin.send(UBL, SENDER, RECEIVER, idempotency_key="edl_4")
    assert caught.value.request_id == "req-9"
    assert {r.headers["Idempotency-Key"] for r in httpx_mock.get_requests()} == {"edl_4"}
    assert len(delays) == 2


@pytest.mark.parametrize(
    ("details", "status", "reason"),
    [
        ({"IsDocumentDelivered": False, "DocumentDeliveryStatus": "Pending"}, "queued", None),
        ({"IsDocumentDelivered": False, "DocumentDeliveryStatus": "Sent"}, "sent", None),
        (
            {
                "IsDocumentDelivered": True,
                "DocumentDeliveryStatus": "Delivered",
                "DocumentDeliveryDate": "2025-04-23T12:57:23.23",
            },
            "delivered",
            None,
        ),
        (
            {
                "IsDocumentDelivered": False,
                "DocumentDeliveryStatus": "Error",
                "DocumentRefusedDate": "2025-03-26T14:30:48.11",
                "DocumentRefusedInfo": "The buyer does not know this order reference",
            },
            "refused",
            "The buyer does not know this order reference",
        ),
        (
            {
                "IsDocumentDelivered": False,
                "DocumentDeliveryStatus": "Error",
                "DocumentRefusedReasonTC": "Rejected",
            },
            "refused",
            "Rejected",
        ),
    ],
)
def test_status_words_map_to_paylink_words(
    billit: Billit,
    httpx_mock: HTTPXMock,
    details: dict[str, Any],
    status: str,
    reason: str | None,
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{SANDBOX_URL}/v1/orders/569728",
        json={"OrderID": 569728, "CurrentDocumentDeliveryDetails": details},
    )
    report = billit.status("569728")
    assert report.network_id == "569728"
    assert report.status == status
    assert report.reason == reason
    assert report.network_status == details["DocumentDeliveryStatus"]


def _webhook(body: bytes, secret: str = WEBHOOK_SECRET, at: dt.datetime = NOW) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://pay.example/webhooks/einvoice/billit/nacc_1",
        headers={"billit-signature": billit_signature(body, secret, int(at.timestamp()))},
        body=body,
    )


ORDER = json.dumps(
    {
        "OrderID": 569728,
        "EntityType": "Order",
        "CurrentDocumentDeliveryDetails": {
            "IsDocumentDelivered": True,
            "DocumentDeliveryStatus": "Delivered",
        },
    }
).encode()


def test_a_signed_webhook_is_read(billit: Billit) -> None:
    [report] = billit.parse_webhook(_webhook(ORDER))
    assert report.network_id == "569728"
    assert report.status == "delivered"


@pytest.mark.parametrize(
    "request_",
    [
        _webhook(ORDER, secret="forged-secret-123456"),
        _webhook(ORDER, at=NOW - dt.timedelta(minutes=6)),
        WebhookRequest(method="POST", url="https://x", headers={}, body=ORDER),
        WebhookRequest(
            method="POST",
            url="https://x",
            headers={"billit-signature": "t=abc,s=00"},
            body=ORDER,
        ),
    ],
    ids=["forged", "stale", "unsigned", "malformed"],
)
def test_a_forged_stale_or_unsigned_webhook_is_refused(
    billit: Billit, request_: WebhookRequest
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        billit.parse_webhook(request_)
    assert caught.value.status_code == 401


def test_a_signed_body_that_is_no_order_is_refused(billit: Billit) -> None:
    with pytest.raises(WebhookRejected) as caught:
        billit.parse_webhook(_webhook(b"[1, 2]"))
    assert caught.value.status_code == 400


def test_inbox_fetches_invoices_with_their_files_and_confirms(
    billit: Billit, httpx_mock: HTTPXMock
) -> None:
    content = b"<Invoice>supplier</Invoice>"
    httpx_mock.add_response(
        method="GET",
        url=f"{SANDBOX_URL}/v1/peppol/inbox",
        json={
            "InboxItems": [
                {
                    "InboxItemID": 69848,
                    "SenderPeppolID": "0208:0759529202",
                    "PeppolDocumentType": "IMR",
                    "CreationDate": "2025-04-07T13:31:32.1327398",
                    "PeppolFileID": "cc41ebf6-974c-4f32-8ef2-04d78836d999",
                },
                {
                    "InboxItemID": 69791,
                    "SenderPeppolID": "0208:0759529202",
                    "PeppolDocumentType": BIS_BILLING_INVOICE,
                    "ReceiverPeppolID": "9925:BE0437295999",
                    "ReceiverCompanyID": "BE0437295999",
                    "CreationDate": "2025-04-07T13:30:32.1327398",
                    "PeppolFileID": "b155ec2e-a74c-4972-928b-f87d6056f999",
                },
            ]
        },
    )
    httpx_mock.add_response(
        method="GET",
        url=f"{SANDBOX_URL}/v1/files/b155ec2e-a74c-4972-928b-f87d6056f999",
        json={
            "FileID": "b155ec2e-a74c-4972-928b-f87d6056f999",
            "FileName": "invoice.xml",
            "MimeType": "text/xml",
            "FileContent": base64.b64encode(content).decode(),
        },
    )
    httpx_mock.add_response(
        method="POST", url=f"{SANDBOX_URL}/v1/peppol/inbox/69848/confirm", json={}
    )
    httpx_mock.add_response(
        method="POST", url=f"{SANDBOX_URL}/v1/peppol/inbox/69791/confirm", json={}
    )
    [document] = billit.fetch_inbox()
    # the invoice response is confirmed as it is listed, so it cannot hide invoices behind it
    assert [r.url.path for r in httpx_mock.get_requests() if r.method == "POST"] == [
        "/v1/peppol/inbox/69848/confirm"
    ]
    assert document.network_id == "69791"
    assert document.content == content
    assert document.sender == PartyId("0208", "0759529202")
    assert document.document_type == BIS_BILLING_INVOICE
    billit.acknowledge("69791")
    assert [r.url.path for r in httpx_mock.get_requests()][-1] == "/v1/peppol/inbox/69791/confirm"


def test_an_unreadable_file_is_an_error_not_a_crash(billit: Billit, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{SANDBOX_URL}/v1/peppol/inbox",
        json={
            "InboxItems": [{"InboxItemID": 1, "PeppolDocumentType": "Invoice", "PeppolFileID": "f"}]
        },
    )
    httpx_mock.add_response(url=f"{SANDBOX_URL}/v1/files/f", json={"FileContent": "***"})
    with pytest.raises(ProviderUnavailable, match="unreadable"):
        billit.fetch_inbox()


class TestBillitConformance(NetworkConformance):
    """The kit, with the plugin talking over loopback to a Billit fake in Billit's shapes."""

    network_class = Billit
    secrets = (API_KEY, WEBHOOK_SECRET)
    statuses: ClassVar[dict[str, str]] = {
        "Pending": "queued",
        "Sent": "sent",
        "Delivered": "delivered",
        "Error": "refused",
    }

    @pytest.fixture(autouse=True)
    def _server(self) -> Iterator[None]:
        self.fake = FakeBillit()
        with serve(self.fake.handle) as url:
            self.url = url
            yield

    def make_network(self) -> Any:
        return make(base_url=self.url)

    def arrange_participant(self, party: PartyId, *, found: bool) -> None:
        if found:
            self.fake.register(str(party))

    def arrange_send(self) -> str:
        self.fake.accept_all = True
        return "569728"

    def sent_idempotency_keys(self) -> list[str]:
        return list(self.fake.received_keys)

    def arrange_status(self, network_id: str, status: str) -> None:
        self.fake.orders[network_id] = {"OrderID": network_id}
        self.fake.set_status(network_id, status)

    def arrange_failure(self, status_code: int) -> None:
        self.fake.failures = [status_code] * 5

    def make_webhook(self, network_id: str, status: str, *, valid: bool) -> WebhookRequest:
        body = json.dumps(
            {
                "OrderID": network_id,
                "EntityType": "Order",
                "CurrentDocumentDeliveryDetails": {"DocumentDeliveryStatus": status.title()},
            }
        ).encode()
        return _webhook(body, secret=WEBHOOK_SECRET if valid else "forged-secret-0000")

    def arrange_inbox(self, content: bytes) -> str:
        return str(self.fake.receive(content))


def test_invoice_responses_can_be_left_for_another_reader(httpx_mock: HTTPXMock) -> None:
    plugin = make(confirm_responses=False)
    httpx_mock.add_response(
        url=f"{SANDBOX_URL}/v1/peppol/inbox",
        json={"InboxItems": [{"InboxItemID": 7, "PeppolDocumentType": "MLR", "PeppolFileID": "f"}]},
    )
    assert plugin.fetch_inbox() == []
    assert [r.method for r in httpx_mock.get_requests()] == ["GET"]
