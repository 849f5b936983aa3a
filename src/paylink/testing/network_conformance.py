"""The conformance kit for e-invoice network plugins: one pytest suite every network passes.

Subclass :class:`NetworkConformance` in your plugin's tests (name the subclass ``Test…`` so
pytest collects it), set ``network_class`` and implement the ``make_…`` and ``arrange_…``
methods: how to build your network, and how to make its API (usually pytest-httpx, or the fake
network's other side) answer. The suite checks what paylink relies on: the identity and the
declared capabilities, lookups (found and not found), sending with one idempotency key reused
on retries, delivery reports in paylink's words, error kinds, webhook verification and the
inbox (when declared), and credentials kept out of sight.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pytest

from ..exceptions import (
    PaylinkError,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
    WebhookRejected,
)
from ..networks import DELIVERY_STATUSES, DeliveryReport, InboxDocument, Participant, SentDocument
from ..parties import PartyId
from ..ports import EInvoiceNetwork, WebhookRequest

__all__ = ["NetworkConformance"]

SENDER = PartyId("0208", "0403170701")
RECEIVER = PartyId("0208", "0202239951")
DOCUMENT = (
    b'<?xml version="1.0"?>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
)


class NetworkConformance:
    """Base class of a network plugin's conformance tests.

    Set :attr:`network_class`, and implement:

    - :meth:`make_network`: a configured instance (with a ``sleep`` that does not wait);
    - :meth:`arrange_participant`: make the API answer a lookup of ``party`` (found or not);
    - :meth:`arrange_send`: make the API accept a document; return the network id it gives;
    - :meth:`sent_idempotency_keys`: the idempotency keys the API received, in order;
    - :meth:`arrange_status`: make the API report ``network_id`` in the network's own
      ``status`` word; :attr:`statuses` maps each such word to paylink's status;
    - :meth:`arrange_failure`: make the next requests fail with an HTTP status (every attempt);
    - :meth:`make_webhook` (``supports_webhooks``): a report signed as the network signs it,
      or forged (``valid=False``);
    - :meth:`arrange_inbox` (``supports_inbox``): make the API offer one received document and
      accept its acknowledgement; return its network id.
    """

    network_class: ClassVar[type[Any]]
    """The network class under test."""

    secrets: ClassVar[Sequence[str]] = ()
    """Credentials :meth:`make_network` uses: they must never appear in a repr or an error."""

    statuses: ClassVar[dict[str, str]] = {}
    """The network's status words to try, each with the paylink status it must map to."""

    def make_network(self) -> Any:
        """A configured instance of :attr:`network_class`."""
        raise NotImplementedError

    def arrange_participant(self, party: PartyId, *, found: bool) -> None:
        """Make the API answer a lookup of ``party``."""

    def arrange_send(self) -> str:
        """Make the API accept one document; the network id it answers with."""
        raise NotImplementedError

    def sent_idempotency_keys(self) -> list[str]:
        """The idempotency keys the API received, in order."""
        raise NotImplementedError

    def arrange_status(self, network_id: str, status: str) -> None:
        """Make the API report ``network_id`` in the network's own ``status``."""

    def arrange_failure(self, status_code: int) -> None:
        """Make the next requests (every retry included) fail with ``status_code``."""

    def make_webhook(self, network_id: str, status: str, *, valid: bool) -> WebhookRequest:
        """The network's call about ``network_id`` in ``status``; forged unless ``valid``."""
        raise NotImplementedError

    def arrange_inbox(self, content: bytes) -> str:
        """Make the API offer ``content`` as a received document; its network id."""
        raise NotImplementedError

    # -- the suite -----------------------------------------------------------------------------
    def test_identity_and_capabilities(self) -> None:
        cls = self.network_class
        assert isinstance(cls.name, str)
        assert cls.name.isidentifier()
        assert isinstance(cls.secret_settings, frozenset)
        assert isinstance(cls.supports_webhooks, bool)
        assert isinstance(cls.supports_inbox, bool)
        network = self.make_network()
        try:
            assert isinstance(network, EInvoiceNetwork)
            if cls.supports_webhooks:
                assert callable(getattr(network, "parse_webhook", None))
            if cls.supports_inbox:
                assert callable(getattr(network, "fetch_inbox", None))
                assert callable(getattr(network, "acknowledge", None))
        finally:
            network.close()

    def test_secrets_stay_out_of_the_repr(self) -> None:
        network = self.make_network()
        try:
            for secret in self.secrets:
                assert secret not in repr(network)
        finally:
            network.close()

    def test_lookup_found_and_not_found(self) -> None:
        self.arrange_participant(RECEIVER, found=True)
        network = self.make_network()
        try:
            found = network.lookup(RECEIVER.scheme, RECEIVER.value)
            assert isinstance(found, Participant)
            assert found.id == RECEIVER
            assert found.document_types, "a participant lists the document types it takes"
            stranger = PartyId("0208", "0897223670")
            self.arrange_participant(stranger, found=False)
            assert network.lookup(stranger.scheme, stranger.value) is None
        finally:
            network.close()

    def test_send_returns_the_network_id_and_sends_the_key(self) -> None:
        expected = self.arrange_send()
        network = self.make_network()
        try:
            sent = network.send(DOCUMENT, SENDER, RECEIVER, idempotency_key="edl_conformance1")
        finally:
            network.close()
        assert isinstance(sent, SentDocument)
        assert sent.network_id == expected
        assert sent.status in DELIVERY_STATUSES
        assert self.sent_idempotency_keys()[-1:] == ["edl_conformance1"]

    def test_retries_reuse_the_idempotency_key(self) -> None:
        self.arrange_failure(503)
        network = self.make_network()
        try:
            with pytest.raises(ProviderUnavailable):
                network.send(DOCUMENT, SENDER, RECEIVER, idempotency_key="edl_conformance2")
        finally:
            network.close()
        keys = self.sent_idempotency_keys()
        assert keys
        assert set(keys) == {"edl_conformance2"}

    @pytest.mark.parametrize(
        ("status_code", "kind"),
        [(401, ProviderAuthError), (422, ProviderRejected), (503, ProviderUnavailable)],
    )
    def test_errors_have_their_kind(self, status_code: int, kind: type[Exception]) -> None:
        self.arrange_failure(status_code)
        network = self.make_network()
        try:
            with pytest.raises(kind) as caught:
                network.send(DOCUMENT, SENDER, RECEIVER, idempotency_key="edl_conformance3")
        finally:
            network.close()
        for secret in self.secrets:
            assert secret not in str(caught.value)

    def test_statuses_map_to_paylink_words(self) -> None:
        network = self.make_network()
        try:
            for word, meaning in self.statuses.items():
                self.arrange_status("doc-1", word)
                report = network.status("doc-1")
                assert isinstance(report, DeliveryReport)
                assert report.network_id == "doc-1"
                assert report.status == meaning, word
                if meaning == "refused":
                    assert report.reason, "a refusal says why"
        finally:
            network.close()

    def test_webhooks_are_verified_before_they_are_read(self) -> None:
        if not self.network_class.supports_webhooks:
            pytest.skip("the network declares no webhooks")
        network = self.make_network()
        try:
            with pytest.raises(WebhookRejected) as caught:
                network.parse_webhook(self.make_webhook("doc-1", "delivered", valid=False))
            assert 400 <= caught.value.status_code < 500
            reports = network.parse_webhook(self.make_webhook("doc-1", "delivered", valid=True))
            assert all(isinstance(r, DeliveryReport) for r in reports)
            assert [r.network_id for r in reports] == ["doc-1"]
        finally:
            network.close()

    def test_inbox_offers_documents_and_takes_acknowledgements(self) -> None:
        if not self.network_class.supports_inbox:
            pytest.skip("the network declares no inbox")
        network_id = self.arrange_inbox(DOCUMENT)
        network = self.make_network()
        try:
            documents = network.fetch_inbox()
            assert all(isinstance(d, InboxDocument) for d in documents)
            [document] = [d for d in documents if d.network_id == network_id]
            assert document.content == DOCUMENT
            try:
                network.acknowledge(network_id)
            except PaylinkError as exc:  # pragma: no cover - reported as the failure it is
                pytest.fail(f"acknowledging a received document failed: {exc}")
        finally:
            network.close()
