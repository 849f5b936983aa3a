"""Billit's API in memory, in the shapes of its published documentation (docs.billit.be):
participant information, sendXML with Idempotency-Key, orders with their delivery details, the
Peppol inbox, files and confirmation. Served over loopback by :mod:`._loopback`."""

from __future__ import annotations

import base64
from typing import Any

from paylink.networks import BIS_BILLING_CREDIT_NOTE, BIS_BILLING_INVOICE

from ._loopback import Answer, Request

API_KEY = "billit-api-key-0123456789abcdef"
PARTY_ID = "588708"
WEBHOOK_SECRET = "billit-webhook-secret-abcdef012345"


class FakeBillit:
    """One Billit company: who is on Peppol, the orders sent, the inbox."""

    def __init__(self) -> None:
        self.participants: dict[str, list[str]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.received_keys: list[str] = []
        self.inbox: dict[int, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.confirmed: list[int] = []
        self.failures: list[int] = []
        self.accept_all = False
        self.refuse: dict[str, str] = {}
        self.requests: list[Request] = []
        self._next_order = 569728
        self._next_item = 69791

    def register(self, participant: str) -> None:
        self.participants[participant] = [BIS_BILLING_INVOICE, BIS_BILLING_CREDIT_NOTE]

    def set_status(self, order_id: str, word: str, *, reason: str | None = None) -> None:
        details: dict[str, Any] = {"DocumentDeliveryStatus": word, "IsDocumentDelivered": False}
        if word == "Delivered":
            details.update(IsDocumentDelivered=True, DocumentDeliveryDate="2026-12-03T10:00:00")
        if word == "Error":
            details.update(
                DocumentRefusedDate="2026-12-03T10:05:00",
                DocumentRefusedInfo=reason or "The receiver refused the invoice",
            )
        self.orders.setdefault(order_id, {"OrderID": int(order_id) if order_id.isdigit() else 0})
        self.orders[order_id]["CurrentDocumentDeliveryDetails"] = details

    def receive(self, content: bytes, *, sender: str = "0208:0759529202", kind: str = "") -> int:
        item_id = self._next_item
        self._next_item += 1
        file_id = f"b155ec2e-a74c-4972-928b-{item_id:012d}"
        self.files[file_id] = content
        self.inbox[item_id] = {
            "InboxItemID": item_id,
            "SenderPeppolID": sender,
            "PeppolDocumentType": kind or BIS_BILLING_INVOICE,
            "ReceiverPeppolID": "0208:0403170701",
            "ReceiverCompanyID": "BE0403170701",
            "CreationDate": f"2026-12-03T09:{item_id % 60:02d}:00.1327398",
            "PeppolFileID": file_id,
        }
        return item_id

    def order(self, order_id: str) -> dict[str, Any]:
        return self.orders[order_id]

    def handle(self, request: Request) -> Answer:
        self.requests.append(request)
        if request.headers.get("apikey") != API_KEY or request.headers.get("partyid") != PARTY_ID:
            return 401, {"errors": [{"Code": "Unauthorized", "Description": "Invalid API key"}]}
        if request.method == "POST" and request.path.lower() == "/v1/peppol/sendxml":
            self.received_keys.append(request.headers.get("idempotency-key", ""))
        if self.failures:
            status = self.failures.pop(0)
            return status, {"errors": [{"Code": "Failure", "Description": f"failure {status}"}]}
        path = request.path
        if request.method == "GET" and path.startswith("/v1/peppol/participantInformation/"):
            who = path.rsplit("/", 1)[1]
            types = self.participants.get(who)
            if types is None:
                return 200, {"Registered": False, "Identifier": who, "DocumentTypes": []}
            return 200, {"Registered": True, "Identifier": who, "DocumentTypes": types}
        if request.method == "POST" and path.lower() == "/v1/peppol/sendxml":
            return self._send(request)
        if request.method == "GET" and path.startswith("/v1/orders/"):
            order = self.orders.get(path.rsplit("/", 1)[1])
            if order is None:
                return 404, {"errors": [{"Code": "NotFound", "Description": "no such order"}]}
            return 200, order
        if request.method == "GET" and path == "/v1/peppol/inbox":
            items = sorted(self.inbox.values(), key=lambda i: i["InboxItemID"])[:10]
            return 200, {"InboxItems": items}
        if request.method == "GET" and path.startswith("/v1/files/"):
            content = self.files[path.rsplit("/", 1)[1]]
            return 200, {
                "FileID": path.rsplit("/", 1)[1],
                "FileName": "invoice.xml",
                "MimeType": "text/xml",
                "FileContent": base64.b64encode(content).decode(),
            }
        if request.method == "POST" and path.startswith("/v1/peppol/inbox/"):
            item_id = int(path.split("/")[4])
            self.inbox.pop(item_id, None)
            self.confirmed.append(item_id)
            return 200, {}
        return 404, {"errors": [{"Code": "NotFound", "Description": path}]}

    def _send(self, request: Request) -> Answer:
        if request.headers.get("stricttransporttype") != "true":
            return 400, {"errors": [{"Code": "NotStrict", "Description": "would fall back"}]}
        key = request.headers.get("idempotency-key", "")
        if key and key in self.keys:
            return 409, {"errors": [{"Code": "Idempotent token already exists"}]}
        xml = request.json()["XML"]
        receiver = _receiver(xml)
        if receiver not in self.participants and not self.accept_all:
            return 400, {
                "errors": [
                    {
                        "Code": "ReceiverNotRegistered",
                        "Description": f"The receiver {receiver} is not registered on Peppol",
                    }
                ]
            }
        if receiver in self.refuse:
            return 400, {"errors": [{"Code": "Refused", "Description": self.refuse[receiver]}]}
        order_id = str(self._next_order)
        self._next_order += 1
        self.orders[order_id] = {
            "OrderID": int(order_id),
            "XML": xml,
            "CurrentDocumentDeliveryDetails": {
                "IsDocumentDelivered": False,
                "DocumentDeliveryStatus": "Pending",
            },
        }
        if key:
            self.keys[key] = order_id
        return 200, {"OrderID": int(order_id)}


def _receiver(xml: str) -> str:
    """The buyer's endpoint in a UBL invoice (``scheme:value``), read plainly."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(xml.encode())
    cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    endpoint = root.find(f"{{{cac}}}AccountingCustomerParty/{{{cac}}}Party/{{{cbc}}}EndpointID")
    if endpoint is None:
        return ""
    return f"{endpoint.get('schemeID')}:{(endpoint.text or '').strip()}"
