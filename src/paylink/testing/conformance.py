"""The conformance kits: the pytest suites a payment provider, a message channel and a bank
feed pass.

Subclass :class:`ProviderConformance` in your plugin's tests (name the subclass ``Test…`` so
pytest collects it), set ``provider_class`` and implement the ``make_…`` and ``arrange_…``
methods: how to build your provider, and how to make its API (usually pytest-httpx) answer.
The suite then checks what paylink relies on: the identity, checkouts, idempotency keys, the
mapping of every status, webhook verification, error kinds, refunds as a declared capability
and credentials kept out of sight. See ``docs/plugins/testing-a-provider.md``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import pytest

from ..exceptions import (
    PaylinkError,
    ProviderAuthError,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    WebhookRejected,
)
from ..feeds import BankFeed, FeedResult, FeedWebhook
from ..money import Money
from ..notify import OutgoingMessage, SendResult
from ..ports import (
    PROVIDER_OUTCOMES,
    ChannelCallback,
    Checkout,
    DeliveryStatus,
    InboundMessage,
    MessageChannel,
    OnlinePaymentProvider,
    PaymentRequest,
    RefundResult,
    WebhookRequest,
)

__all__ = ["ChannelConformance", "FeedConformance", "ProviderConformance"]


class ProviderConformance:
    """Base class of a provider plugin's conformance tests.

    Set :attr:`provider_class`, and implement:

    - :meth:`make_provider`: a configured instance (with a ``sleep`` that does not wait);
    - :meth:`arrange_checkout`: make the API answer ``start_payment(request)``;
    - :meth:`arrange_payment`: make the API answer ``fetch_payment(reference)`` with a payment
      in the provider's ``status`` (one of ``provider_class.statuses``);
    - :meth:`make_webhook`: the webhook the provider sends about that payment, signed as the
      provider signs it, or forged (``valid=False``: a wrong signature, an unknown id);
    - :meth:`sent_idempotency_keys`: the ``Idempotency-Key`` values the API received;
    - :meth:`arrange_failure`: make the next request fail with an HTTP status (for every
      attempt: the client's retries included);
    - :meth:`arrange_refund`: make the API accept a refund (only when ``supports_refunds``);
    - :meth:`arrange_network_error`: make the next request fail to connect;
    - :meth:`make_foreign_webhook`: a correctly signed webhook for another account.

    Register responses as optional (pytest-httpx ``is_optional=True``) where a test may not
    use them.
    """

    provider_class: ClassVar[type[Any]]
    """The provider class under test."""

    secrets: ClassVar[Sequence[str]] = ()
    """Credentials :meth:`make_provider` uses: they must never appear in a repr or an error."""

    # -- what a subclass provides --------------------------------------------------------------
    def make_provider(self) -> Any:
        """A configured instance of :attr:`provider_class`."""
        raise NotImplementedError

    def arrange_checkout(self, request: PaymentRequest) -> None:
        """Make the provider's API answer ``start_payment(request)`` successfully."""

    def arrange_payment(self, reference: str, status: str, request: PaymentRequest) -> None:
        """Make the API answer a fetch of ``reference`` with a payment in ``status``."""

    def make_webhook(
        self, reference: str, status: str, request: PaymentRequest, *, valid: bool
    ) -> WebhookRequest:
        """The webhook about ``reference`` in ``status``; forged when ``valid`` is false."""
        raise NotImplementedError

    def sent_idempotency_keys(self) -> list[str]:
        """The idempotency keys the provider's API received, in order."""
        raise NotImplementedError

    def arrange_failure(self, status_code: int) -> None:
        """Make the next request (and its retries) fail with ``status_code``."""
        raise NotImplementedError

    def arrange_refund(self, reference: str, amount: Money) -> None:
        """Make the API accept a refund of ``amount`` on ``reference``."""

    def arrange_network_error(self) -> None:
        """Make the next request (and its retries) fail to connect (pytest-httpx:
        ``httpx_mock.add_exception(httpx.ConnectError("refused"))`` per attempt). The default
        skips the check that needs it."""
        pytest.skip("arrange_network_error() is not implemented")

    def make_foreign_webhook(
        self, reference: str, status: str, request: PaymentRequest
    ) -> WebhookRequest:
        """A webhook about ``reference``, correctly signed, but for another account of the same
        provider (another merchant's event sent to this endpoint). The default skips the check
        that needs it."""
        pytest.skip("make_foreign_webhook() is not implemented")

    def payment_request(self, key: str = "conformance-key-1") -> PaymentRequest:
        """The request the suite pays with (override for another currency or reference)."""
        return PaymentRequest(
            link_id="lnk_conformance",
            amount=Money.of("12.50", "EUR"),
            description="Invoice 2026-0042",
            reference="+++090/9337/55493+++",
            beneficiary_name="Conformance SRL",
            customer_email="customer@example.be",
            language="en",
            return_url="https://pay.example/pay/tok?attempt=chk_1&checkout=return",
            cancel_url="https://pay.example/pay/tok?attempt=chk_1&checkout=cancel",
            webhook_url="https://pay.example/webhooks/conformance/pacc_1",
            idempotency_key=key,
        )

    # -- helpers -------------------------------------------------------------------------------
    def _start(self, provider: Any, key: str = "conformance-key-1") -> tuple[PaymentRequest, str]:
        request = self.payment_request(key)
        self.arrange_checkout(request)
        checkout = provider.start_payment(request)
        assert isinstance(checkout, Checkout)
        assert checkout.provider_reference, "a checkout must carry the provider's reference"
        return request, checkout.provider_reference

    def _status_with(self, outcome: str) -> str | None:
        return next((s for s, o in self.provider_class.statuses.items() if o == outcome), None)

    # -- the suite -----------------------------------------------------------------------------
    def test_declares_what_paylink_asks(self) -> None:
        cls = self.provider_class
        assert isinstance(cls.name, str)
        assert cls.name.isidentifier()
        assert isinstance(cls.label, str)
        assert cls.label
        assert isinstance(cls.supports_refunds, bool)
        assert isinstance(cls.secret_settings, frozenset)
        provider = self.make_provider()
        try:
            assert isinstance(provider, OnlinePaymentProvider)
            assert provider.methods, "an account offers at least one method"
        finally:
            provider.close()

    def test_every_status_maps_to_a_paylink_outcome(self) -> None:
        statuses = self.provider_class.statuses
        assert statuses, "declare every status the provider documents"
        assert set(statuses.values()) <= PROVIDER_OUTCOMES
        assert "paid" in statuses.values(), "some status must mean paid"
        assert "interrupted" in statuses.values(), "some status must mean failed or cancelled"

    def test_start_payment_returns_a_checkout_for_the_customer(self) -> None:
        provider = self.make_provider()
        try:
            request = self.payment_request()
            self.arrange_checkout(request)
            checkout = provider.start_payment(request)
            assert checkout.provider == self.provider_class.name
            assert checkout.provider_reference
            assert checkout.redirect_url or checkout.qr_payload or checkout.instructions
            if checkout.redirect_url:
                assert checkout.redirect_url.startswith("https://")
        finally:
            provider.close()

    def test_the_idempotency_key_is_sent_on_every_attempt(self) -> None:
        provider = self.make_provider()
        try:
            request = self.payment_request("conformance-retry-key")
            self.arrange_failure(503)
            with contextlib.suppress(ProviderUnavailable):
                provider.start_payment(request)
            self.arrange_checkout(request)
            provider.start_payment(request)
            keys = self.sent_idempotency_keys()
            assert keys, "start_payment must send the request's idempotency key"
            assert set(keys) == {"conformance-retry-key"}
        finally:
            provider.close()

    def test_fetching_a_payment_maps_each_status(self) -> None:
        provider = self.make_provider()
        try:
            for index, (status, outcome) in enumerate(self.provider_class.statuses.items()):
                request, reference = self._start(provider, f"conformance-status-{index}")
                self.arrange_payment(reference, status, request)
                event = provider.fetch_payment(reference)
                assert event.provider == self.provider_class.name
                assert event.outcome == outcome, f"{status!r} should map to {outcome!r}"
                assert event.provider_reference == reference
                assert event.event_id
                if outcome == "paid":
                    assert event.amount == request.amount
                    assert event.payment_reference
        finally:
            provider.close()

    def test_a_verified_webhook_reports_the_payment(self) -> None:
        status = self._status_with("paid")
        assert status is not None
        provider = self.make_provider()
        try:
            request, reference = self._start(provider)
            webhook = self.make_webhook(reference, status, request, valid=True)
            events = provider.parse_webhook(webhook)
            paid = [e for e in events if e.outcome == "paid"]
            assert len(paid) == 1
            assert paid[0].amount == request.amount
            assert paid[0].event_id
            assert paid[0].link_id in (request.link_id, None)
            assert paid[0].provider_reference == reference or paid[0].link_id == request.link_id
        finally:
            provider.close()

    def test_a_forged_webhook_is_rejected_with_a_4xx(self) -> None:
        status = self._status_with("paid")
        assert status is not None
        provider = self.make_provider()
        try:
            request, reference = self._start(provider)
            forged = self.make_webhook(reference, status, request, valid=False)
            with pytest.raises(WebhookRejected) as caught:
                provider.parse_webhook(forged)
            assert 400 <= caught.value.status_code < 500
        finally:
            provider.close()

    def test_failures_are_paylink_provider_errors(self) -> None:
        provider = self.make_provider()
        try:
            kinds: tuple[tuple[int, type[Exception]], ...] = (
                (503, ProviderUnavailable),
                (401, ProviderAuthError),
            )
            for status, kind in kinds:
                self.arrange_failure(status)
                with pytest.raises(kind):
                    provider.start_payment(self.payment_request(f"conformance-fail-{status}"))
            self.arrange_failure(400)
            with pytest.raises(ProviderRejected) as caught:
                provider.start_payment(self.payment_request("conformance-fail-400"))
            assert not isinstance(caught.value, ProviderAuthError)
        finally:
            provider.close()

    def test_refunds_are_a_declared_capability(self) -> None:
        if not self.provider_class.supports_refunds:
            return  # paylink never calls refund() on such a provider
        status = self._status_with("paid")
        assert status is not None
        provider = self.make_provider()
        try:
            request, reference = self._start(provider)
            self.arrange_payment(reference, status, request)
            payment_reference = provider.fetch_payment(reference).payment_reference
            part = Money.of("2.50", request.amount.currency)
            self.arrange_refund(payment_reference, part)
            result = provider.refund(payment_reference, part, idempotency_key="conformance-rf")
            assert isinstance(result, RefundResult)
            assert result.amount == part
            assert result.provider_reference
        finally:
            provider.close()

    def test_credentials_stay_out_of_reprs_and_errors(self) -> None:
        provider = self.make_provider()
        try:
            text = repr(provider)
            for status in (400, 401, 404, 503):
                self.arrange_failure(status)
                try:
                    provider.start_payment(self.payment_request(f"conformance-secret-{status}"))
                except PaylinkError as exc:
                    text += str(exc) + repr(exc) + repr(exc.args)
            for secret in self.secrets:
                assert secret not in text, "a credential appears in a repr or an error"
        finally:
            provider.close()

    def test_only_paylink_errors_escape(self) -> None:
        provider = self.make_provider()
        try:
            self.arrange_network_error()
            raised: BaseException | None = None
            try:
                provider.start_payment(self.payment_request("conformance-network"))
            except Exception as exc:
                raised = exc
            if raised is None:
                pytest.fail("start_payment succeeded without a network")
            kind = f"{type(raised).__module__}.{type(raised).__name__}"
            assert isinstance(raised, ProviderUnavailable), f"a {kind} escaped start_payment"
            for secret in self.secrets:
                assert secret not in str(raised)
        finally:
            provider.close()

    def test_an_event_for_another_account_is_refused(self) -> None:
        status = self._status_with("paid")
        assert status is not None
        provider = self.make_provider()
        try:
            request, reference = self._start(provider)
            foreign = self.make_foreign_webhook(reference, status, request)
            with pytest.raises(WebhookRejected) as caught:
                provider.parse_webhook(foreign)
            assert 400 <= caught.value.status_code < 500
        finally:
            provider.close()


class ChannelConformance:
    """Base class of a message channel plugin's conformance tests.

    Set :attr:`channel_class` and :attr:`secrets`, and implement:

    - :meth:`make_channel`: a configured instance;
    - :meth:`arrange_send`: make the provider accept the next message;
    - :meth:`arrange_failure`: make the next send (and its retries) fail with an HTTP status,
      ``0`` for a connection that fails;
    - for a channel with ``supports_callbacks``: :meth:`make_status_callback` (a delivery
      report about a message, signed as the provider signs it, or forged) and
      :meth:`make_inbound_callback` (a reply from a customer).

    The suite checks what the outbox relies on: the identity, a send that returns the
    provider's id, failures classified as *retry* (:class:`ProviderUnavailable`) or *dead*
    (:class:`ProviderRejected`), never a library's exception, secrets out of reprs and errors,
    callbacks verified before they are read, and a ``STOP`` reply handed over as an
    :class:`~paylink.ports.InboundMessage` (paylink opts the sender out).
    """

    channel_class: ClassVar[type[Any]]
    """The channel class under test."""

    secrets: ClassVar[Sequence[str]] = ()
    """Credentials :meth:`make_channel` uses: never in a repr or an error."""

    sms_recipient: ClassVar[str] = "+32470123456"
    """The address the suite sends its SMS to, and the one replies come from."""

    def make_channel(self) -> Any:
        """A configured instance of :attr:`channel_class`."""
        raise NotImplementedError

    def arrange_send(self) -> None:
        """Make the provider accept the next message."""

    def arrange_failure(self, status_code: int) -> None:
        """Make the next send (and its retries) fail with ``status_code`` (``0``: no
        connection)."""
        raise NotImplementedError

    def make_status_callback(self, provider_message_id: str, *, valid: bool) -> WebhookRequest:
        """The provider's report that ``provider_message_id`` was delivered; forged when
        ``valid`` is false."""
        raise NotImplementedError

    def make_inbound_callback(self, sender: str, text: str) -> WebhookRequest:
        """A correctly signed callback carrying ``text`` sent by ``sender``."""
        raise NotImplementedError

    def message(self, key: str = "msg_conformance") -> OutgoingMessage:
        """The message the suite sends (an SMS, or an e-mail for an e-mail-only channel)."""
        kind: Literal["email", "sms"] = "sms" if "sms" in self.channel_class.kinds else "email"
        return OutgoingMessage(
            id=key,
            organization_id="org_conformance",
            kind="invoice",
            channel_kind=kind,
            channel=self.channel_class.name,
            recipient=self.sms_recipient if kind == "sms" else "customer@example.be",
            subject="Invoice 2026-0042",
            text="Your invoice 2026-0042: https://pay.example/pay/tok",
        )

    def _needs_callbacks(self) -> None:
        if not getattr(self.channel_class, "supports_callbacks", False):
            pytest.skip("the channel takes no callbacks")

    def test_declares_what_paylink_asks(self) -> None:
        cls = self.channel_class
        assert isinstance(cls.name, str)
        assert cls.name.isidentifier()
        assert cls.kinds
        assert set(cls.kinds) <= {"email", "sms"}
        assert isinstance(cls.secret_settings, frozenset)
        assert isinstance(self.make_channel(), MessageChannel)

    def test_send_returns_the_providers_id(self) -> None:
        channel = self.make_channel()
        self.arrange_send()
        result = channel.send(self.message())
        assert isinstance(result, SendResult)
        assert result.provider_message_id, "the id delivery reports will refer to"

    def test_failures_are_classified_retry_or_dead(self) -> None:
        channel = self.make_channel()
        expected: tuple[tuple[int, type[Exception]], ...] = (
            (503, ProviderUnavailable),
            (429, ProviderUnavailable),
            (0, ProviderUnavailable),
            (400, ProviderRejected),
            (401, ProviderAuthError),
        )
        for status, kind in expected:
            self.arrange_failure(status)
            raised: BaseException | None = None
            try:
                channel.send(self.message(f"msg_fail_{status}"))
            except Exception as exc:
                raised = exc
            name = type(raised).__name__
            assert isinstance(raised, kind), f"{status or 'no connection'}: {name}, not {kind}"
            if kind is ProviderRejected:
                assert not isinstance(raised, ProviderUnavailable)

    def test_credentials_stay_out_of_reprs_and_errors(self) -> None:
        channel = self.make_channel()
        text = repr(channel)
        for status in (400, 401, 503, 0):
            self.arrange_failure(status)
            try:
                channel.send(self.message(f"msg_secret_{status}"))
            except PaylinkError as exc:
                text += str(exc) + repr(exc.args)
            except Exception as exc:
                text += str(exc)
        for secret in self.secrets:
            assert secret not in text, "a credential appears in a repr or an error"

    def test_a_delivery_report_is_a_delivery_status(self) -> None:
        self._needs_callbacks()
        channel = self.make_channel()
        self.arrange_send()
        sent = channel.send(self.message())
        callback = channel.parse_callback(
            self.make_status_callback(str(sent.provider_message_id), valid=True)
        )
        assert isinstance(callback, ChannelCallback)
        statuses = [e for e in callback.events if isinstance(e, DeliveryStatus)]
        assert [s.provider_message_id for s in statuses] == [sent.provider_message_id]
        assert statuses[0].status == "delivered"

    def test_a_forged_callback_is_rejected_with_a_4xx(self) -> None:
        self._needs_callbacks()
        channel = self.make_channel()
        with pytest.raises(WebhookRejected) as caught:
            channel.parse_callback(self.make_status_callback("msg_forged", valid=False))
        assert 400 <= caught.value.status_code < 500

    def test_a_stop_reply_is_handed_over_for_the_opt_out(self) -> None:
        self._needs_callbacks()
        channel = self.make_channel()
        callback = channel.parse_callback(self.make_inbound_callback(self.sms_recipient, "STOP"))
        inbound = [e for e in callback.events if isinstance(e, InboundMessage)]
        assert len(inbound) == 1, "a reply is one InboundMessage"
        assert inbound[0].sender == self.sms_recipient
        assert inbound[0].text.strip().upper() == "STOP"


class FeedConformance:
    """Base class of a bank feed plugin's conformance tests.

    Set :attr:`feed_class` and :attr:`secrets`, and implement:

    - :meth:`make_feed`: a configured instance;
    - :meth:`arrange_transactions`: make the bank have ``count`` new transactions; return
      their ids;
    - :meth:`arrange_failure`: make the next sync fail with an HTTP status (``0``: no
      connection);
    - for a feed with webhooks (``parse_callback``): :meth:`make_webhook` (a call saying there
      is something new, signed as the provider signs it, or forged).

    The suite checks what paylink relies on: the first sync brings what the bank has, with a
    JSON state; syncing from that state brings nothing twice (the cursor moves); syncing again
    from an old state brings the same again (safe after a crash: paylink de-duplicates);
    failures are :class:`~paylink.exceptions.ProviderError` and never a library's exception;
    webhooks are verified and say whether to sync (:class:`~paylink.feeds.FeedWebhook`).
    """

    feed_class: ClassVar[type[Any]]
    """The feed class under test."""

    secrets: ClassVar[Sequence[str]] = ()
    """Credentials :meth:`make_feed` uses: never in a repr or an error."""

    def make_feed(self) -> Any:
        """A configured instance of :attr:`feed_class`."""
        raise NotImplementedError

    def arrange_transactions(self, count: int) -> list[str]:
        """Make the bank have ``count`` new transactions; their ids."""
        raise NotImplementedError

    def arrange_failure(self, status_code: int) -> None:
        """Make the next sync (and its retries) fail with ``status_code`` (``0``: no
        connection)."""
        raise NotImplementedError

    def make_webhook(self, *, valid: bool) -> WebhookRequest:
        """The provider's call saying there are new transactions; forged when ``valid`` is
        false."""
        raise NotImplementedError

    def _needs_webhooks(self) -> None:
        if not callable(getattr(self.feed_class, "parse_callback", None)):
            pytest.skip("the feed takes no webhooks")

    def test_declares_what_paylink_asks(self) -> None:
        cls = self.feed_class
        assert isinstance(cls.name, str)
        assert cls.name.isidentifier()
        assert isinstance(cls.secret_settings, frozenset)
        assert isinstance(self.make_feed(), BankFeed)

    def test_the_first_sync_brings_what_the_bank_has_with_a_json_state(self) -> None:
        feed = self.make_feed()
        ids = self.arrange_transactions(2)
        result = feed.sync({})
        assert isinstance(result, FeedResult)
        assert sorted(tx.id for tx in result.transactions) == sorted(ids)
        json.dumps(dict(result.state))  # paylink stores the state as JSON

    def test_the_cursor_moves_nothing_comes_twice(self) -> None:
        feed = self.make_feed()
        first_ids = self.arrange_transactions(2)
        first = feed.sync({})
        later_ids = self.arrange_transactions(1)
        second = feed.sync(json.loads(json.dumps(dict(first.state))))
        assert sorted(tx.id for tx in second.transactions) == sorted(later_ids)
        assert not set(first_ids) & {tx.id for tx in second.transactions}

    def test_a_sync_from_an_old_state_brings_the_same_again(self) -> None:
        feed = self.make_feed()
        self.arrange_transactions(2)
        once = feed.sync({})
        again = feed.sync({})
        assert [tx.id for tx in again.transactions] == [tx.id for tx in once.transactions]
        assert [tx.amount for tx in again.transactions] == [tx.amount for tx in once.transactions]

    def test_failures_are_provider_errors(self) -> None:
        feed = self.make_feed()
        for status in (503, 401, 0):
            self.arrange_failure(status)
            raised: BaseException | None = None
            try:
                feed.sync({})
            except Exception as exc:
                raised = exc
            kind = f"{type(raised).__module__}.{type(raised).__name__}"
            assert isinstance(raised, ProviderError), f"{status or 'no connection'}: {kind}"
            for secret in self.secrets:
                assert secret not in str(raised)
        for secret in self.secrets:
            assert secret not in repr(feed)

    def test_a_verified_webhook_asks_for_a_sync(self) -> None:
        self._needs_webhooks()
        answer = self.make_feed().parse_callback(self.make_webhook(valid=True))
        assert isinstance(answer, FeedWebhook)
        assert answer.sync is True

    def test_a_forged_webhook_is_rejected_with_a_4xx(self) -> None:
        self._needs_webhooks()
        with pytest.raises(WebhookRejected) as caught:
            self.make_feed().parse_callback(self.make_webhook(valid=False))
        assert 400 <= caught.value.status_code < 500
