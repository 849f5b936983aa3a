"""Billit: a Belgian Peppol access point, over its REST API (plain HTTP, :mod:`paylink.http`).

- **Authentication**: every request carries the ``ApiKey`` header (the key made under the
  profile in MyBillit) and the ``PartyID`` header (the company the request acts for). The
  sandbox (``https://api.sandbox.billit.be``, on the Peppol test network) and production
  (``https://api.billit.be``) are separate worlds: ``sandbox=True`` picks the first, a
  ``base_url`` (a mock server) overrides both.
- **Lookup**: ``GET /v1/peppol/participantInformation/{scheme}:{id}`` answers ``Registered``
  and the ``DocumentTypes`` the participant takes.
- **Sending**: ``POST /v1/peppol/sendXML`` with the UBL in the ``XML`` field. That endpoint only
  delivers over Peppol; the ``StrictTransportType: true`` header is sent as well, so Billit never
  falls back to e-mail or post when the receiver is not reachable (it answers with a validation
  error instead, which becomes a refusal). The answer is Billit's ``OrderID``.
- **Idempotency**: Billit documents an ``Idempotency-Key`` header, stored once the action has
  succeeded; a second request with the same key answers ``409`` ("Idempotent token already
  exists") instead of sending again. The plugin sends paylink's delivery id as that key on every
  attempt, retries timeouts, connection errors, 408, 429 and 5xx with the same key, and reads a
  409 on that key as "already sent": Billit does not repeat the first ``OrderID`` then, so the
  delivery is reported ``sent`` under the id ``key:<idempotency key>`` (polling such an id says
  it is sent; the status then comes by webhook or stays as it is).
- **Status**: ``GET /v1/orders/{OrderID}``; its ``CurrentDocumentDeliveryDetails`` say
  ``Pending`` (queued), ``Sent`` (sent), ``Delivered`` (delivered) or ``Error``/``Refused``
  (refused, with ``DocumentRefusedInfo`` or ``DocumentRefusedReasonTC`` as the reason).
- **Webhooks**: Billit signs each call with a ``Billit-Signature`` header ``t=<unix>,s=<hex>``,
  the hex HMAC-SHA256, keyed with the webhook's secret, of ``"<t>.<raw body>"``; calls older
  than five minutes are refused. The body is the order, as the status answer.
- **Inbox**: ``GET /v1/peppol/inbox`` lists received files (the ten oldest not confirmed);
  invoices and credit notes are fetched with ``GET /v1/files/{PeppolFileID}`` (base64
  ``FileContent``) and confirmed with ``POST /v1/peppol/inbox/{InboxItemID}/confirm``, after
  which Billit stops listing them. Invoice responses (IMR, MLR) are feedback on the
  organization's own sales invoices, not documents to record. Billit lists only the ten oldest
  unconfirmed items, so responses left there would hide the invoices behind them: they are
  confirmed as they are listed (``confirm_responses``, default on; turn it off when another
  program reads them, and confirm them there).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from paylink.context import PluginContext, Setting
from paylink.exceptions import ProviderRejected, ProviderUnavailable, WebhookRejected
from paylink.hookspecs import hookimpl
from paylink.networks import (
    BIS_BILLING_CREDIT_NOTE,
    BIS_BILLING_INVOICE,
    DeliveryReport,
    DeliveryState,
    InboxDocument,
    Participant,
    SentDocument,
)
from paylink.parties import PartyId
from paylink.ports import WebhookRequest

__all__ = ["PRODUCTION_URL", "SANDBOX_URL", "Billit", "billit_signature", "report_from_api"]

PRODUCTION_URL = "https://api.billit.be"
"""Billit's production API (the Peppol production network)."""

SANDBOX_URL = "https://api.sandbox.billit.be"
"""Billit's sandbox API (the Peppol test network)."""

_TOLERANCE = 300  # seconds a webhook signature stays valid
_DUPLICATE = "idempotent token already exists"

_STATUSES: Mapping[str, DeliveryState] = {
    "pending": "queued",
    "created": "queued",
    "tobesent": "queued",
    "sent": "sent",
    "sending": "sent",
    "delivered": "delivered",
    "received": "delivered",
    "approved": "delivered",
    "accepted": "delivered",
    "paid": "delivered",
    "error": "refused",
    "refused": "refused",
    "rejected": "refused",
    "failed": "refused",
}
"""Billit's delivery words (``DocumentDeliveryStatus``), lower-cased, in paylink's words."""


def billit_signature(body: bytes, secret: str, timestamp: int) -> str:
    """The ``Billit-Signature`` header Billit sends with ``body`` at ``timestamp``."""
    payload = f"{timestamp}.".encode() + body
    mac = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},s={mac}"


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def report_from_api(order: Mapping[str, Any]) -> DeliveryReport:
    """Billit's order (from ``GET /v1/orders/{id}`` or a webhook) as a delivery report."""
    order_id = order.get("OrderID")
    if order_id is None:
        raise ValueError("the order has no OrderID")
    details = order.get("CurrentDocumentDeliveryDetails") or {}
    word = str(details.get("DocumentDeliveryStatus") or "Pending")
    status: DeliveryState = _STATUSES.get(word.replace(" ", "").lower(), "queued")
    if details.get("IsDocumentDelivered") is True:
        status = "delivered"
    reason = None
    at = _datetime(details.get("DocumentDeliveryDate"))
    if status == "refused":
        reason = (
            details.get("DocumentRefusedInfo")
            or details.get("DocumentRefusedReasonTC")
            or f"Billit reports {word}"
        )
        at = _datetime(details.get("DocumentRefusedDate")) or at
    return DeliveryReport(
        network_id=str(order_id),
        status=status,
        network_status=word,
        reason=str(reason) if reason else None,
        at=at,
    )


def _document_type(word: str) -> str | None:
    """Billit's ``PeppolDocumentType`` (a full Peppol identifier or a short word) as a BIS
    Billing document type; ``None`` for what is not an invoice or a credit note (IMR, MLR)."""
    compact = word.replace(" ", "")
    if compact in (BIS_BILLING_INVOICE, BIS_BILLING_CREDIT_NOTE):
        return compact
    lowered = compact.lower()
    if "creditnote" in lowered:
        return BIS_BILLING_CREDIT_NOTE
    if "invoice" in lowered and "response" not in lowered:
        return BIS_BILLING_INVOICE
    return None


def _error_message(body: Any) -> str | None:
    """Billit's errors: ``{"errors": [{"Code": ..., "Description": ...}]}`` (or ``Message``)."""
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors") or body.get("Errors")
    if isinstance(errors, list) and errors:
        parts = []
        for error in errors:
            if isinstance(error, Mapping):
                parts.append(str(error.get("Description") or error.get("Code") or ""))
        text = "; ".join(p for p in parts if p)
        if text:
            return text
    message = body.get("Message") or body.get("message")
    return str(message) if message else None


class Billit:
    """Billit's Peppol access point for one company (see the module documentation).

    Settings: ``api_key`` (secret), ``party_id`` (the company's Billit party id),
    ``webhook_secret`` (secret; the one Billit returned when the webhook was made),
    ``sandbox`` (``True``: the sandbox API), ``base_url`` (overrides both),
    ``confirm_responses`` (confirm invoice responses as they are listed; default ``True``).
    """

    name: ClassVar[str] = "billit"
    label: ClassVar[str] = "Billit"
    secret_settings: ClassVar[frozenset[str]] = frozenset({"api_key", "webhook_secret"})
    supports_webhooks: ClassVar[bool] = True
    supports_inbox: ClassVar[bool] = True
    settings_spec: ClassVar[Mapping[str, Setting]] = {
        "api_key": Setting(secret=True, required=True, help="the API key from MyBillit"),
        "party_id": Setting(type=(str, int), required=True, help="the company's PartyID"),
        "webhook_secret": Setting(secret=True, help="the secret of the Billit webhook"),
        "sandbox": Setting(type=bool, default=False, help="use the sandbox (Peppol test)"),
        "confirm_responses": Setting(
            type=bool, default=True, help="confirm invoice responses (IMR, MLR) as listed"
        ),
        "base_url": Setting(help="another API address (a mock server)"),
    }

    def __init__(
        self,
        *,
        api_key: str,
        party_id: str | int,
        webhook_secret: str | None = None,
        sandbox: bool = False,
        confirm_responses: bool = True,
        base_url: str | None = None,
        context: PluginContext,
    ) -> None:
        self.base_url = (base_url or (SANDBOX_URL if sandbox else PRODUCTION_URL)).rstrip("/")
        self._webhook_secret = webhook_secret or ""
        self._confirm_responses = confirm_responses
        self._clock = context.clock
        self._log = context.log
        self.api = context.api(
            base_url=self.base_url,
            headers={"ApiKey": api_key, "PartyID": str(party_id), "Accept": "application/json"},
            request_id_header="x-request-id",
            error_message=_error_message,
            # a 409 on a repeated Idempotency-Key means "already sent": an answer, not a retry
            retry_statuses=frozenset({408, 429}),
        )

    def __repr__(self) -> str:
        return f"<Billit {self.base_url}>"

    def close(self) -> None:
        """Release the account's HTTP connections."""
        self.api.close()

    def lookup(self, scheme: str, identifier: str) -> Participant | None:
        """Ask Billit whether ``scheme:identifier`` is registered on Peppol."""
        party = PartyId(scheme, identifier)
        try:
            answer = self.api.json("GET", f"/v1/peppol/participantInformation/{party}")
        except ProviderRejected as exc:
            if exc.status_code == 404:
                return None
            raise
        if not isinstance(answer, Mapping) or not answer.get("Registered"):
            return None
        kinds = [_document_type(str(t)) for t in answer.get("DocumentTypes") or ()]
        return Participant(
            id=party,
            name=answer.get("Name") or None,
            document_types=tuple(dict.fromkeys(k for k in kinds if k is not None)),
        )

    def send(
        self, document: bytes, sender: PartyId, receiver: PartyId, *, idempotency_key: str
    ) -> SentDocument:
        """Send the UBL ``document`` over Peppol only (``StrictTransportType``), with
        ``idempotency_key`` as Billit's ``Idempotency-Key`` on every attempt."""
        try:
            xml = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProviderRejected(
                "the document is not UTF-8 XML", provider=self.name, status_code=None
            ) from exc
        try:
            answer = self.api.json(
                "POST",
                "/v1/peppol/sendXML",
                json={"XML": xml},
                idempotency_key=idempotency_key,
                headers={"StrictTransportType": "true", "TransportType": "Peppol"},
            )
        except ProviderRejected as exc:
            if exc.status_code == 409 and _DUPLICATE in str(exc).lower():
                self._log.info("billit already took the document %s", idempotency_key)
                return SentDocument(network_id=f"key:{idempotency_key}", status="sent")
            raise
        order_id = answer.get("OrderID") if isinstance(answer, Mapping) else answer
        if not isinstance(order_id, (int, str)) or not str(order_id):
            raise ProviderUnavailable(
                "Billit took the document without an OrderID", provider=self.name
            )
        return SentDocument(network_id=str(order_id), status="queued")

    def status(self, network_id: str) -> DeliveryReport:
        """The order's delivery details from ``GET /v1/orders/{OrderID}``."""
        if network_id.startswith("key:"):
            return DeliveryReport(network_id=network_id, status="sent", network_status="Sent")
        order = self.api.json("GET", f"/v1/orders/{network_id}")
        try:
            report = report_from_api(order)
        except (ValueError, AttributeError) as exc:
            raise ProviderUnavailable(
                f"Billit answered an order without an OrderID for {network_id}",
                provider=self.name,
            ) from exc
        return DeliveryReport(
            network_id=network_id,
            status=report.status,
            network_status=report.network_status,
            reason=report.reason,
            at=report.at,
        )

    def parse_webhook(self, request: WebhookRequest) -> Sequence[DeliveryReport]:
        """Verify the ``Billit-Signature`` header, then read the order it carries."""
        if request.method.upper() != "POST":
            raise WebhookRejected("expected a POST", status_code=405)
        if not self._webhook_secret:
            raise WebhookRejected("this account has no webhook secret", status_code=401)
        header = request.headers.get("billit-signature", "")
        parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise WebhookRejected("missing or malformed signature", status_code=401) from None
        expected = billit_signature(request.body, self._webhook_secret, timestamp)
        given = f"t={timestamp},s={parts.get('s', '')}"
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise WebhookRejected("bad signature", status_code=401)
        if abs(self._clock.now().timestamp() - timestamp) > _TOLERANCE:
            raise WebhookRejected("stale signature", status_code=401)
        try:
            body = json.loads(request.body)
            if not isinstance(body, Mapping):
                raise ValueError("not an object")
            if body.get("EntityType", "Order") != "Order":
                return []
            return [report_from_api(body)]
        except (ValueError, TypeError) as exc:
            raise WebhookRejected("not an order", status_code=400) from exc

    def fetch_inbox(self) -> Sequence[InboxDocument]:
        """The invoices and credit notes in Billit's Peppol inbox, with their files."""
        answer = self.api.json("GET", "/v1/peppol/inbox")
        items = answer.get("InboxItems") if isinstance(answer, Mapping) else None
        documents: list[InboxDocument] = []
        for item in items or ():
            kind = _document_type(str(item.get("PeppolDocumentType") or ""))
            if kind is None:
                if self._confirm_responses and item.get("InboxItemID") is not None:
                    self.acknowledge(str(item["InboxItemID"]))
                continue
            file_id = item.get("PeppolFileID")
            if not file_id:
                raise ProviderUnavailable(
                    f"inbox item {item.get('InboxItemID')} has no file", provider=self.name
                )
            file = self.api.json("GET", f"/v1/files/{file_id}")
            try:
                content = base64.b64decode(str(file["FileContent"]), validate=True)
            except (KeyError, TypeError, binascii.Error) as exc:
                raise ProviderUnavailable(
                    f"the file of inbox item {item.get('InboxItemID')} is unreadable",
                    provider=self.name,
                ) from exc
            sender = item.get("SenderPeppolID")
            try:
                sender_id = PartyId.parse(str(sender)) if sender else None
            except ValueError:
                sender_id = None
            documents.append(
                InboxDocument(
                    network_id=str(item["InboxItemID"]),
                    content=content,
                    sender=sender_id,
                    document_type=kind,
                    received_at=_datetime(item.get("CreationDate")),
                )
            )
        documents.sort(key=lambda d: d.received_at or dt.datetime.min.replace(tzinfo=dt.UTC))
        return documents

    def acknowledge(self, network_id: str) -> None:
        """Confirm the inbox item: Billit stops listing it."""
        self.api.request("POST", f"/v1/peppol/inbox/{network_id}/confirm")


@hookimpl
def paylink_register_einvoice_networks(register: Callable[[Any], None]) -> None:
    """Register :class:`Billit`."""
    register(Billit)
