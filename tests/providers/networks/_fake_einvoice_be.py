"""e-invoice.be's API in memory, in the shapes its official SDK (``e-invoice-api``) parses:
lookup, UBL upload, send, document, timeline, inbox pages and signed file URLs. Served over
loopback by :mod:`._loopback`."""

from __future__ import annotations

from typing import Any

from paylink.networks import BIS_BILLING_CREDIT_NOTE, BIS_BILLING_INVOICE

from ._loopback import Answer, Request

API_KEY = "ei_live_key_0123456789abcdef"
CREATED = "2026-12-03T09:00:00Z"


def lookup_answer(peppol_id: str, document_types: list[str]) -> dict[str, Any]:
    """The shape of ``GET /api/lookup`` (``LookupRetrieveResponse``)."""
    scheme, _, value = peppol_id.partition(":")
    found = bool(document_types)
    return {
        "businessCard": {
            "entities": [{"name": "Brasserie Verte SRL", "countryCode": "BE"}] if found else [],
            "queryTimeMs": 12.0,
            "status": "success" if found else "error",
        },
        "certificates": [],
        "dnsInfo": {
            "dnsRecords": [{"ip": "192.0.2.10"}] if found else [],
            "smlHostname": "edelivery.tech.ec.europa.eu",
            "status": "success" if found else "error",
        },
        "errors": [] if found else ["participant not found in the SML"],
        "executionTimeMs": 40.0,
        "queryMetadata": {
            "identifierScheme": "iso6523-actorid-upis",
            "identifierValue": f"{scheme}:{value}",
            "smlDomain": "edelivery.tech.ec.europa.eu",
            "timestamp": CREATED,
            "version": "1.0",
        },
        "serviceMetadata": {
            "endpoints": [
                {
                    "documentTypes": [
                        {"scheme": "busdox-docid-qns", "value": t} for t in document_types
                    ],
                    "status": "success",
                    "url": "https://smp.example/iso6523-actorid-upis::" + peppol_id,
                    "transportProfile": "peppol-transport-as4-v2_0",
                }
            ]
            if found
            else [],
            "queryTimeMs": 20.0,
            "status": "success" if found else "error",
        },
        "status": "success" if found else "error",
    }


class FakeEInvoiceBe:
    """One e-invoice.be account: participants, documents, the inbox."""

    def __init__(self) -> None:
        self.base_url = ""
        self.participants: dict[str, list[str]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, str] = {}
        self.inbox: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.received_keys: list[str] = []
        self.sends: list[str] = []
        self.http_failures: list[int] = []
        self.requests: list[Request] = []
        self._next = 1

    def register(self, participant: str) -> None:
        self.participants[participant] = [BIS_BILLING_INVOICE, BIS_BILLING_CREDIT_NOTE]

    def set_state(self, document_id: str, state: str, *, reason: str | None = None) -> None:
        self.documents.setdefault(document_id, {"id": document_id, "created_at": CREATED})
        self.documents[document_id]["state"] = state
        if reason:
            self.failures[document_id] = reason

    def receive(self, content: bytes, *, sender: str = "0208:0759529202") -> str:
        document_id = f"doc_in_{self._next}"
        self._next += 1
        self.files[document_id] = content
        self.inbox.append(
            {
                "id": document_id,
                "created_at": CREATED,
                "direction": "INBOUND",
                "document_type": "INVOICE",
                "state": "RECEIVED",
                "vendor_name": "Fournisseur SA",
                "_sender": sender,
            }
        )
        return document_id

    def handle(self, request: Request) -> Answer:
        self.requests.append(request)
        path = request.path
        if path.startswith("/files/"):
            return 200, self.files[path.rsplit("/", 1)[1]]
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return 401, {"detail": "Invalid API key"}
        if request.method == "POST":
            self.received_keys.append(request.headers.get("idempotency-key", ""))
        if self.http_failures:
            status = self.http_failures.pop(0)
            return status, {"detail": f"failure {status}"}
        if path == "/api/lookup":
            who = request.query["peppol_id"][0]
            return 200, lookup_answer(who, self.participants.get(who, []))
        if path == "/api/documents/ubl" and request.method == "POST":
            document_id = f"doc_{self._next}"
            self._next += 1
            self.documents[document_id] = {
                "id": document_id,
                "created_at": CREATED,
                "state": "DRAFT",
                "direction": "OUTBOUND",
                "document_type": "INVOICE",
                "_upload": request.body,
            }
            return 200, self._public(document_id)
        if path.startswith("/api/documents/") and path.endswith("/send"):
            document_id = path.split("/")[3]
            receiver = ":".join(
                [request.query["receiver_peppol_scheme"][0], request.query["receiver_peppol_id"][0]]
            )
            if receiver not in self.participants:
                return 422, {"detail": f"receiver {receiver} is not reachable on Peppol"}
            self.sends.append(document_id)
            self.documents[document_id]["state"] = "TRANSIT"
            return 200, self._public(document_id)
        if path.startswith("/api/documents/") and path.endswith("/timeline"):
            document_id = path.split("/")[3]
            events = [{"event_type": "document_created", "timestamp": CREATED}]
            if document_id in self.failures:
                events.append(
                    {
                        "event_type": "send_failed",
                        "timestamp": "2026-12-03T09:05:00Z",
                        "details": {"error": self.failures[document_id]},
                    }
                )
            return 200, {"document_id": document_id, "events": events}
        if path.startswith("/api/documents/") and path.endswith("/ubl"):
            document_id = path.split("/")[3]
            item = next(i for i in self.inbox if i["id"] == document_id)
            scheme, _, value = item["_sender"].partition(":")
            return 200, {
                "id": document_id,
                "file_name": "invoice.xml",
                "signed_url": f"{self.base_url}/files/{document_id}",
                "sender_peppol_scheme": scheme,
                "sender_peppol_id": value,
            }
        if path.startswith("/api/documents/"):
            document_id = path.split("/")[3]
            if document_id not in self.documents:
                return 404, {"detail": "Document not found"}
            return 200, self._public(document_id)
        if path == "/api/inbox/":
            page = int(request.query.get("page", ["1"])[0])
            size = int(request.query.get("page_size", ["20"])[0])
            items = [{k: v for k, v in i.items() if not k.startswith("_")} for i in self.inbox]
            pages = max(1, -(-len(items) // size))
            return 200, {
                "items": items[(page - 1) * size : page * size],
                "page": page,
                "page_size": size,
                "pages": pages,
                "total": len(items),
                "has_next_page": page < pages,
            }
        return 404, {"detail": f"no route {path}"}

    def _public(self, document_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.documents[document_id].items() if not k.startswith("_")}
