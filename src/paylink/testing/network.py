"""A fake e-invoice network (a Peppol access point in memory) for tests and the demo.

:class:`FakeNetwork` is a real network plugin (registered by :data:`fake_network_plugin`) whose
other side, a :class:`FakePeppol` per API key, a test drives: who is registered, what became of
a sent document, what suppliers sent, failures to come::

    pm = get_plugin_manager(plugins=[fake_network_plugin])
    pl = Paylink.open("sqlite://", plugins=pm, base_url="https://pay.example.com")
    pl.einvoices.connect(org, "fake_peppol", api_key="fp_test", webhook_secret="fp_whsec")
    peppol = FakePeppol.for_key("fp_test")
    peppol.register("0208:0202239951")
    delivery = pl.einvoices.send(invoice)          # goes over the network
    peppol.deliver(delivery.network_id)            # the buyer's access point acknowledged it
    pl.einvoices.refresh_pending(org)              # polled: now "delivered"

Its webhooks are signed like the fake provider's (HMAC-SHA256 over ``"{timestamp}.{body}"``
in a ``Fake-Signature`` header, 300 s tolerance).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import httpx

from ..clock import Clock, SystemClock
from ..exceptions import (
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
    ValidationError,
    WebhookRejected,
)
from ..hookspecs import hookimpl
from ..networks import (
    BIS_BILLING_CREDIT_NOTE,
    BIS_BILLING_INVOICE,
    DELIVERY_STATUSES,
    DeliveryReport,
    InboxDocument,
    Participant,
    SentDocument,
)
from ..parties import PartyId
from ..ports import WebhookRequest
from .fakes import fake_signature

__all__ = ["FakeNetwork", "FakePeppol", "fake_network_plugin"]

_TOLERANCE = 300


class FakePeppol:
    """The fake network's server side for one API key: participants, documents, inbox."""

    _registry: ClassVar[dict[str, FakePeppol]] = {}

    def __init__(self) -> None:
        self.participants: dict[str, tuple[str, ...]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.inbox: dict[str, InboxDocument] = {}
        self.acknowledged: list[str] = []
        self.idempotency_keys: list[str] = []
        self.calls: list[str] = []
        self._failures: list[int] = []

    @classmethod
    def for_key(cls, api_key: str) -> FakePeppol:
        """The network side of ``api_key`` (made on first use; shared by every instance)."""
        return cls._registry.setdefault(hashlib.sha256(api_key.encode()).hexdigest(), cls())

    @classmethod
    def reset(cls) -> None:
        """Forget every network side (between tests)."""
        cls._registry.clear()

    def register(
        self,
        participant: str,
        document_types: Sequence[str] = (BIS_BILLING_INVOICE, BIS_BILLING_CREDIT_NOTE),
    ) -> None:
        """Make ``participant`` (``"0208:0202239951"``) reachable, taking ``document_types``."""
        self.participants[str(PartyId.parse(participant))] = tuple(document_types)

    def fail(self, status_code: int) -> None:
        """Make the next call fail as an access point would with ``status_code``."""
        self._failures.append(status_code)

    def check(self, call: str) -> None:
        """Count the call ``call`` and raise the next queued failure, if any."""
        self.calls.append(call)
        if not self._failures:
            return
        status = self._failures.pop(0)
        if status in (401, 403):
            raise ProviderAuthError("bad credentials", provider="fake_peppol", status_code=status)
        if status < 500 and status not in (408, 409, 429):
            raise ProviderRejected("refused", provider="fake_peppol", status_code=status)
        raise ProviderUnavailable("unavailable", provider="fake_peppol", status_code=status)

    def deliver(self, network_id: str) -> None:
        """The buyer's access point acknowledged the document."""
        self.documents[network_id].update(status="delivered", reason=None)

    def refuse(self, network_id: str, reason: str) -> None:
        """The buyer's access point refused the document, saying ``reason``."""
        self.documents[network_id].update(status="refused", reason=reason)

    def receive(self, content: bytes, *, sender: str | None = None) -> str:
        """A supplier sent ``content`` to the organization; return the network's id of it."""
        network_id = f"in_{hashlib.sha256(content).hexdigest()[:16]}"
        self.inbox[network_id] = InboxDocument(
            network_id=network_id,
            content=content,
            sender=PartyId.parse(sender) if sender else None,
        )
        return network_id

    def webhook(self, network_id: str, *, secret: str, url: str, at: dt.datetime) -> WebhookRequest:
        """The signed call the network makes about ``network_id``'s current state."""
        doc = self.documents[network_id]
        body = json.dumps(
            {"id": network_id, "status": doc["status"], "reason": doc.get("reason")}
        ).encode()
        return WebhookRequest(
            method="POST",
            url=url,
            headers={
                "content-type": "application/json",
                "fake-signature": fake_signature(body, secret, int(at.timestamp())),
            },
            body=body,
        )


class FakeNetwork:
    """An e-invoice network that lives in memory (see :class:`FakePeppol`).

    Settings: ``api_key`` (selects the network side), ``webhook_secret``, ``base_url``
    (ignored). It has webhooks and an inbox.
    """

    name: ClassVar[str] = "fake_peppol"
    label: ClassVar[str] = "Fake Peppol access point"
    secret_settings: ClassVar[frozenset[str]] = frozenset({"api_key", "webhook_secret"})
    supports_webhooks: ClassVar[bool] = True
    supports_inbox: ClassVar[bool] = True

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        base_url: str | None = None,
        http: httpx.Client | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ValidationError("the fake network needs an api_key", field="api_key")
        self._peppol = FakePeppol.for_key(api_key)
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._clock = clock or SystemClock()

    def __repr__(self) -> str:
        return "<FakeNetwork>"

    def lookup(self, scheme: str, identifier: str) -> Participant | None:
        """The participant, if registered at the fake network."""
        self._peppol.check("lookup")
        key = str(PartyId(scheme, identifier))
        types = self._peppol.participants.get(key)
        if types is None:
            return None
        return Participant(id=PartyId(scheme, identifier), document_types=types)

    def send(
        self, document: bytes, sender: PartyId, receiver: PartyId, *, idempotency_key: str
    ) -> SentDocument:
        """Take ``document``; the same ``idempotency_key`` returns the first document."""
        self._peppol.idempotency_keys.append(idempotency_key)
        self._peppol.check("send")
        if not idempotency_key:
            raise ProviderRejected("an idempotency key is required", provider=self.name)
        known = self._peppol.by_key.get(idempotency_key)
        if known is not None:
            return SentDocument(network_id=known, status="queued")
        if str(receiver) not in self._peppol.participants:
            raise ProviderRejected(f"receiver {receiver} is not registered", provider=self.name)
        network_id = f"doc_{secrets.token_hex(8)}"
        self._peppol.documents[network_id] = {
            "status": "sent",
            "reason": None,
            "content": document,
            "sender": str(sender),
            "receiver": str(receiver),
        }
        self._peppol.by_key[idempotency_key] = network_id
        return SentDocument(network_id=network_id, status="sent")

    def status(self, network_id: str) -> DeliveryReport:
        """The document's current state."""
        self._peppol.check("status")
        doc = self._peppol.documents.get(network_id)
        if doc is None:
            raise ProviderRejected(f"no document {network_id}", provider=self.name)
        return DeliveryReport(
            network_id=network_id,
            status=doc["status"],
            network_status=doc["status"],
            reason=doc["reason"],
        )

    def parse_webhook(self, request: WebhookRequest) -> Sequence[DeliveryReport]:
        """Verify the ``Fake-Signature`` header, then read the report."""
        if request.method.upper() != "POST":
            raise WebhookRejected("expected a POST", status_code=405)
        if not self._webhook_secret:
            raise WebhookRejected("this account has no webhook secret", status_code=401)
        header = request.headers.get("fake-signature", "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise WebhookRejected("missing or malformed signature", status_code=401) from None
        expected = fake_signature(request.body, self._webhook_secret, timestamp)
        if not hmac.compare_digest(expected.encode(), header.encode()):
            raise WebhookRejected("bad signature", status_code=401)
        if abs(self._clock.now().timestamp() - timestamp) > _TOLERANCE:
            raise WebhookRejected("stale signature", status_code=401)
        try:
            data = json.loads(request.body)
            if data["status"] not in DELIVERY_STATUSES:
                raise ValueError(data["status"])
            report = DeliveryReport(
                network_id=str(data["id"]),
                status=data["status"],
                network_status=str(data["status"]),
                reason=data.get("reason"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("not a delivery report", status_code=400) from exc
        return [report]

    def fetch_inbox(self) -> Sequence[InboxDocument]:
        """The received documents not yet acknowledged."""
        self._peppol.check("inbox")
        return list(self._peppol.inbox.values())

    def acknowledge(self, network_id: str) -> None:
        """Stop offering ``network_id``."""
        self._peppol.check("acknowledge")
        self._peppol.inbox.pop(network_id, None)
        self._peppol.acknowledged.append(network_id)

    def close(self) -> None:
        """Nothing to release."""


class _FakeNetworkPlugin:
    """Registers :class:`FakeNetwork` (pass it to ``get_plugin_manager(plugins=[...])``)."""

    @hookimpl
    def paylink_register_einvoice_networks(self, register: Callable[[Any], None]) -> None:
        """Register :class:`FakeNetwork`."""
        register(FakeNetwork)


fake_network_plugin = _FakeNetworkPlugin()
"""The plugin object that registers :class:`FakeNetwork`."""
