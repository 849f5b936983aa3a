"""e-invoice.be: a Belgian Peppol access point, through its official Python SDK (``e-invoice-api``).

Install with ``pip install 'paylink-invoices[einvoice_be]'``. The SDK is a thin typed client
over httpx; the plugin hands it the HTTP client paylink owns for the account, turns its own
retries off (paylink's context decides how long to wait, so tests never do) and maps every SDK
and httpx exception to paylink's errors (never with the API key in them).

- **Authentication**: ``Authorization: Bearer <api_key>``. ``base_url`` points the plugin at
  another server (a mock; e-invoice.be's test accounts use the same address with a test key).
- **Lookup**: ``GET /api/lookup?peppol_id=<scheme>:<id>`` walks the Peppol SML and SMP; a
  participant is reachable when the lookup succeeded and its endpoints list document types.
- **Sending**: the UBL is uploaded (``POST /api/documents/ubl``, a draft) and then sent
  (``POST /api/documents/{id}/send`` with the sender's and receiver's Peppol ids). That call
  only sends over Peppol: e-invoice.be has no e-mail or post fall-back on it. e-invoice.be does
  not document an idempotency key, so retries are made safe here: paylink's idempotency key is
  sent as ``Idempotency-Key`` on both calls (for the record), an upload that fails is repeated
  (a lost answer leaves at most an unsent draft behind), and before a send is repeated the
  document is read back: a document already in transit or sent is not sent again.
- **Status** (by polling; e-invoice.be documents no signature for its webhooks, so the plugin
  declares none): the document's ``state`` ``DRAFT`` is queued, ``TRANSIT`` sent, ``SENT``
  delivered (the buyer's access point took it), ``FAILED`` refused, with the reason from the
  document's timeline (its last ``send_failed`` event).
- **Inbox**: ``GET /api/inbox/`` lists received documents page by page, oldest first, from
  ``inbox_days`` days back; each one's UBL is fetched through the signed URL of
  ``GET /api/documents/{id}/ubl``. e-invoice.be has no acknowledgement: paylink records each
  received document once (by its id), so listing it again records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import httpx

from paylink.context import PluginContext, Setting
from paylink.exceptions import (
    ProviderAuthError,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from paylink.extras import require
from paylink.hookspecs import hookimpl
from paylink.http import RETRY_STATUSES, scrub
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

__all__ = ["DEFAULT_BASE_URL", "EInvoiceBe"]

DEFAULT_BASE_URL = "https://api.e-invoice.be"
"""e-invoice.be's API."""

_STATES: Mapping[str, DeliveryState] = {
    "DRAFT": "queued",
    "TRANSIT": "sent",
    "SENT": "delivered",
    "RECEIVED": "delivered",
    "FAILED": "refused",
}
"""e-invoice.be's document states in paylink's words."""

T = TypeVar("T")


def _sdk() -> Any:
    return require("e_invoice_api", extra="einvoice_be", feature="the e-invoice.be network")


class EInvoiceBe:
    """e-invoice.be's Peppol access point for one organization (see the module documentation).

    Settings: ``api_key`` (secret), ``base_url``, ``inbox_days`` (how far back the inbox is
    listed, default 30).
    """

    name: ClassVar[str] = "einvoice_be"
    label: ClassVar[str] = "e-invoice.be"
    secret_settings: ClassVar[frozenset[str]] = frozenset({"api_key"})
    supports_webhooks: ClassVar[bool] = False
    supports_inbox: ClassVar[bool] = True
    settings_spec: ClassVar[Mapping[str, Setting]] = {
        "api_key": Setting(secret=True, required=True, help="the API key from e-invoice.be"),
        "base_url": Setting(default=DEFAULT_BASE_URL, help="another API address (a mock)"),
        "inbox_days": Setting(type=int, default=30, help="how many days back the inbox looks"),
    }
    max_retries: ClassVar[int] = 2

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        inbox_days: int = 30,
        context: PluginContext,
    ) -> None:
        sdk = _sdk()
        self.base_url = base_url.rstrip("/")
        self._secrets = (api_key,)
        self._sleep = context.sleep
        self._clock = context.clock
        self._inbox_days = inbox_days
        self._own_http = context.http is None
        self._http = context.http if context.http is not None else httpx.Client()
        self._errors = sdk
        self._client = sdk.EInvoice(
            api_key=api_key, base_url=self.base_url, http_client=self._http, max_retries=0
        )

    def __repr__(self) -> str:
        return f"<EInvoiceBe {self.base_url}>"

    def close(self) -> None:
        """Release the account's HTTP connections (paylink closes the client it owns)."""
        if self._own_http:
            self._http.close()

    # -- errors and retries --------------------------------------------------------------------
    def _error(self, exc: Exception) -> ProviderError:
        """An SDK or httpx exception as paylink's error (the message scrubbed of secrets)."""
        sdk = self._errors
        if isinstance(exc, sdk.APIStatusError):
            status = int(exc.status_code)
            request_id = exc.response.headers.get("x-request-id")
            detail = _detail(exc.body) or "the request was refused"
            text = scrub(detail, self._secrets)[:500]
            if status in (401, 403):
                return ProviderAuthError(
                    text, provider=self.name, request_id=request_id, status_code=status
                )
            if status < 500 and status not in RETRY_STATUSES:
                return ProviderRejected(
                    text, provider=self.name, request_id=request_id, status_code=status
                )
            return ProviderUnavailable(
                "e-invoice.be is unavailable",
                provider=self.name,
                request_id=request_id,
                status_code=status,
            )
        if isinstance(exc, sdk.APITimeoutError | httpx.TimeoutException):
            return ProviderUnavailable("the request timed out", provider=self.name)
        if isinstance(exc, sdk.APIConnectionError | httpx.TransportError):
            return ProviderUnavailable("could not connect", provider=self.name)
        return ProviderUnavailable(
            f"e-invoice.be answered something unexpected ({type(exc).__name__})",
            provider=self.name,
        )

    def _call(self, fn: Callable[[], T], *, retry: bool = True) -> T:
        """``fn()`` (one SDK call), repeated on what may pass on a second try, errors mapped."""
        attempt = 0
        while True:
            try:
                return fn()
            except (self._errors.EInvoiceError, httpx.HTTPError, ValueError) as exc:
                error = self._error(exc)
                if not (retry and isinstance(error, ProviderUnavailable)):
                    raise error from exc
                if attempt >= self.max_retries:
                    raise error from exc
            self._sleep(min(8.0, 0.5 * (2**attempt)))
            attempt += 1

    # -- the network port -----------------------------------------------------------------------
    def lookup(self, scheme: str, identifier: str) -> Participant | None:
        """Look the participant up in the Peppol SML/SMP through e-invoice.be."""
        party = PartyId(scheme, identifier)
        try:
            answer = self._call(lambda: self._client.lookup.retrieve(peppol_id=str(party)))
        except ProviderRejected as exc:
            if exc.status_code == 404:
                return None
            raise
        if answer.status != "success" or answer.service_metadata.status != "success":
            return None
        types = [
            str(kind.value)
            for endpoint in answer.service_metadata.endpoints
            for kind in endpoint.document_types
        ]
        if not types:
            return None
        names = [e.name for e in answer.business_card.entities if e.name]
        return Participant(
            id=party, name=names[0] if names else None, document_types=tuple(dict.fromkeys(types))
        )

    def send(
        self, document: bytes, sender: PartyId, receiver: PartyId, *, idempotency_key: str
    ) -> SentDocument:
        """Upload the UBL as a draft, then send it over Peppol from ``sender`` to
        ``receiver`` (a repeated send first checks the document did not leave already)."""
        headers = {"Idempotency-Key": idempotency_key}
        draft = self._call(
            lambda: self._client.documents.ubl.create_from_ubl(
                file=("invoice.xml", document, "application/xml"), extra_headers=headers
            )
        )
        document_id = str(draft.id)
        attempt = 0
        while True:
            try:
                sent = self._call(
                    lambda: self._client.documents.send(
                        document_id,
                        sender_peppol_scheme=sender.scheme,
                        sender_peppol_id=sender.value,
                        receiver_peppol_scheme=receiver.scheme,
                        receiver_peppol_id=receiver.value,
                        extra_headers=headers,
                    ),
                    retry=False,
                )
                return SentDocument(
                    network_id=document_id, status=_STATES.get(str(sent.state), "queued")
                )
            except ProviderUnavailable:
                if attempt >= self.max_retries:
                    raise
                self._sleep(min(8.0, 0.5 * (2**attempt)))
                attempt += 1
                current = self._call(lambda: self._client.documents.retrieve(document_id))
                if str(current.state) in ("TRANSIT", "SENT"):
                    return SentDocument(network_id=document_id, status=_STATES[current.state])

    def status(self, network_id: str) -> DeliveryReport:
        """The document's state; a failed one with the reason from its timeline."""
        current = self._call(lambda: self._client.documents.retrieve(network_id))
        word = str(current.state or "DRAFT")
        status = _STATES.get(word, "queued")
        reason = None
        at = None
        if status == "refused":
            timeline = self._call(lambda: self._client.documents.retrieve_timeline(network_id))
            failures = [e for e in timeline.events if e.event_type == "send_failed"]
            if failures:
                at = failures[-1].timestamp
                reason = _detail(failures[-1].details)
            reason = reason or "e-invoice.be could not deliver the document"
        return DeliveryReport(
            network_id=network_id, status=status, network_status=word, reason=reason, at=at
        )

    def fetch_inbox(self) -> Sequence[InboxDocument]:
        """The documents received in the last ``inbox_days`` days, oldest first, with their
        UBL."""
        since = (self._clock.now() - dt.timedelta(days=self._inbox_days)).date().isoformat()
        documents: list[InboxDocument] = []
        page = 1
        while True:
            listed = self._call(
                lambda page=page: self._client.inbox.list(  # type: ignore[misc]
                    page=page,
                    page_size=100,
                    sort_by="created_at",
                    sort_order="asc",
                    date_from=since,
                )
            )
            for item in listed.items:
                documents.append(self._received(item))
            if listed.next_page_info() is None or not listed.items:
                return documents
            page += 1

    def _received(self, item: Any) -> InboxDocument:
        document_id = str(item.id)
        ubl = self._call(lambda: self._client.documents.ubl.get(document_id))
        if not ubl.signed_url:
            raise ProviderUnavailable(
                f"e-invoice.be gave no file for received document {document_id}",
                provider=self.name,
            )
        answer = self._call(lambda: self._download(str(ubl.signed_url)))
        sender = None
        if ubl.sender_peppol_scheme and ubl.sender_peppol_id:
            sender = PartyId(str(ubl.sender_peppol_scheme), str(ubl.sender_peppol_id))
        kind = BIS_BILLING_CREDIT_NOTE if item.document_type == "CREDIT_NOTE" else None
        return InboxDocument(
            network_id=document_id,
            content=answer,
            sender=sender,
            document_type=kind or BIS_BILLING_INVOICE,
            received_at=item.created_at,
        )

    def _download(self, url: str) -> bytes:
        """The file behind a signed URL (no credentials: the URL carries its own)."""
        response = self._http.get(url)
        if response.status_code >= 400:
            raise ProviderUnavailable(
                "the signed file URL did not answer", provider=self.name, status_code=None
            )
        return response.content

    def acknowledge(self, network_id: str) -> None:
        """e-invoice.be keeps received documents and has no acknowledgement; paylink records
        each one once, so there is nothing to tell it."""


def _detail(body: object) -> str | None:
    """A readable message from an error body or an event's details."""
    if isinstance(body, Mapping):
        for key in ("detail", "message", "error", "reason"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value:
                return "; ".join(
                    str(v.get("msg", v)) if isinstance(v, dict) else str(v) for v in value
                )
    if isinstance(body, str) and body:
        return body
    return None


@hookimpl
def paylink_register_einvoice_networks(register: Callable[[Any], None]) -> None:
    """Register :class:`EInvoiceBe`."""
    register(EInvoiceBe)
