"""Fakes for tests: a payment provider, a message channel and a bank feed, in memory.

Each fake is a real plugin (registered through its ``fake_*_plugin`` object) whose other side
(the provider's server, the mailbox, the bank) is an object a test drives and inspects.

**Payment provider.**
:class:`FakeProvider` behaves like a hosted-checkout provider (Stripe, Mollie): it creates
payments, honours idempotency keys, maps its statuses, signs its webhooks (HMAC-SHA256 over
``"{timestamp}.{body}"`` in a ``Fake-Signature`` header, 300 s tolerance), refunds, and fails
on demand. Its server side is a :class:`FakeBackend`, one per API key, that a test drives::

    pm = get_plugin_manager(plugins=[fake_provider_plugin])
    pl = Paylink.open("sqlite://", plugins=pm, base_url="https://pay.example.com")
    account = pl.providers.connect(org, "fake", api_key="fk_test", webhook_secret="fk_whsec")
    checkout = pl.providers.checkout(link, "fake")
    backend = FakeBackend.for_key("fk_test")
    backend.set_status(checkout.provider_reference, "paid")
    pl.providers.handle_webhook("fake", account.id, backend.webhook(
        checkout.provider_reference, secret="fk_whsec", url=account.webhook_url, at=pl.clock.now()))

It also pays out (``supports_payouts``): :meth:`FakeBackend.pay_out` bundles the paid payments,
refunds and chargebacks not yet paid out into a payout, net of a fee per payment (25 cents plus
1.4 %), which ``pl.payouts.sync`` then records::

    payout = backend.pay_out(on=dt.date(2026, 3, 5))   # arrives two days later
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ..clock import Clock, SystemClock
from ..exceptions import (
    ProviderAuthError,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    ValidationError,
    WebhookRejected,
)
from ..feeds import FeedFile, FeedResult
from ..hookspecs import hookimpl
from ..money import Money
from ..notify import OutgoingMessage, SendResult
from ..payouts import PayoutItem, PayoutItemKind, ProviderPayout
from ..ports import (
    Checkout,
    PaymentRequest,
    ProviderEvent,
    ProviderOutcome,
    RefundResult,
    WebhookRequest,
)
from ..statements.model import BankTransaction

__all__ = [
    "FakeBackend",
    "FakeBank",
    "FakeChannel",
    "FakeFeed",
    "FakeMailbox",
    "FakeProvider",
    "fake_channel_plugin",
    "fake_feed_plugin",
    "fake_provider_plugin",
    "fake_signature",
]

FAKE_TOLERANCE = 300


def fake_signature(body: bytes, secret: str, timestamp: int) -> str:
    """The ``Fake-Signature`` header value for ``body``: ``t=<time>,v1=<hex hmac>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class FakeBackend:
    """The fake provider's server side for one API key: payments, refunds, requests seen."""

    _registry: ClassVar[dict[str, FakeBackend]] = {}

    def __init__(self) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.idempotency_keys: list[str] = []
        self.refunds: list[dict[str, Any]] = []
        self.chargebacks: list[dict[str, Any]] = []
        self.payouts: dict[str, dict[str, Any]] = {}
        self._paid_out: set[str] = set()
        self._failures: list[int] = []

    @classmethod
    def for_key(cls, api_key: str) -> FakeBackend:
        """The backend of ``api_key`` (made on first use; shared by every instance)."""
        return cls._registry.setdefault(hashlib.sha256(api_key.encode()).hexdigest(), cls())

    @classmethod
    def reset(cls) -> None:
        """Forget every backend (between tests)."""
        cls._registry.clear()

    def fail(self, status_code: int) -> None:
        """Make the next request fail as the provider would with ``status_code`` (``0``: the
        connection fails)."""
        self._failures.append(status_code)

    def _check(self) -> None:
        if not self._failures:
            return
        status = self._failures.pop(0)
        if status == 0:
            raise ProviderUnavailable("could not connect (ConnectError)", provider="fake")
        if status in (401, 403):
            raise ProviderAuthError("bad credentials", provider="fake", status_code=status)
        if status < 500 and status not in (408, 409, 429):
            raise ProviderRejected("refused", provider="fake", status_code=status)
        raise ProviderUnavailable("unavailable", provider="fake", status_code=status)

    @staticmethod
    def fee_of(amount_minor: int) -> int:
        """The fake provider's fee on a payment of ``amount_minor``: 25 plus 1.4 %, rounded."""
        return 25 + (amount_minor * 14 + 500) // 1000

    def chargeback(self, payment_id: str) -> str:
        """The customer's bank takes the paid payment ``payment_id`` back (a chargeback); the
        next payout deducts it. Returns the chargeback's id."""
        payment = self.payments[payment_id]
        chargeback_id = f"fcb_{secrets.token_hex(8)}"
        self.chargebacks.append(
            {"id": chargeback_id, "payment": payment_id, "amount": int(payment["amount"])}
        )
        return chargeback_id

    def pay_out(
        self,
        *,
        on: dt.date,
        arrival_days: int = 2,
        currency: str = "EUR",
        status: str = "paid",
    ) -> dict[str, Any]:
        """Pay out what is paid and not yet paid out: each paid payment less its fee
        (:meth:`fee_of`), less the refunds and chargebacks made since the last payout.
        Returns the payout as the fake API reports it (``id`` ``fpo_000001`` …, ``net`` in minor
        units, ``reference``). Raises :class:`ValidationError` when there is nothing to pay
        out."""
        lines: list[dict[str, Any]] = []
        for payment in self.payments.values():
            key = f"payment:{payment['id']}"
            if payment["status"] == "paid" and key not in self._paid_out:
                if payment["currency"] != currency:
                    continue
                self._paid_out.add(key)
                amount = int(payment["amount"])
                fee = self.fee_of(amount)
                lines.append(
                    {"kind": "payment", "source": payment["id"], "payment": payment["id"],
                     "gross": amount, "fee": fee}
                )  # fmt: skip
            refunded = int(payment["refunded"])
            done = sum(
                -int(line["gross"])
                for p in self.payouts.values()
                for line in p["lines"]
                if line["kind"] == "refund" and line["payment"] == payment["id"]
            )
            if refunded > done and payment["currency"] == currency:
                lines.append(
                    {"kind": "refund", "source": f"fr_{payment['id']}_{refunded}",
                     "payment": payment["id"], "gross": -(refunded - done), "fee": 0}
                )  # fmt: skip
        for chargeback in self.chargebacks:
            key = f"chargeback:{chargeback['id']}"
            if key not in self._paid_out:
                self._paid_out.add(key)
                lines.append(
                    {"kind": "chargeback", "source": chargeback["id"],
                     "payment": chargeback["payment"], "gross": -int(chargeback["amount"]),
                     "fee": 0}
                )  # fmt: skip
        if not lines:
            raise ValidationError("the fake provider has nothing to pay out", field="on")
        # numbered, not random: a demo told twice prints the same ids
        payout_id = f"fpo_{len(self.payouts) + 1:06d}"
        gross = sum(int(line["gross"]) for line in lines)
        fee = sum(int(line["fee"]) for line in lines)
        payout = {
            "id": payout_id,
            "status": status,
            "currency": currency,
            "gross": gross,
            "fee": fee,
            "net": gross - fee,
            "created": on.isoformat(),
            "arrival": (on + dt.timedelta(days=arrival_days)).isoformat(),
            "reference": f"FAKE PAYOUT {payout_id[4:]}",
            "lines": lines,
        }
        self.payouts[payout_id] = payout
        return payout

    def set_status(self, payment_id: str, status: str) -> None:
        """Move the payment ``payment_id`` to ``status`` (as the customer's actions would)."""
        if status not in FakeProvider.statuses:
            raise ValidationError(f"the fake provider has no status {status!r}", field="status")
        self.payments[payment_id]["status"] = status

    def pay(
        self,
        payment_id: str,
        *,
        secret: str,
        url: str,
        at: dt.datetime,
        event_id: str | None = None,
    ) -> WebhookRequest:
        """The customer pays ``payment_id``: its status becomes ``paid``, and the signed
        webhook the fake provider then sends is returned (deliver it with
        ``pl.providers.handle_webhook``)."""
        self.set_status(payment_id, "paid")
        return self.webhook(payment_id, secret=secret, url=url, at=at, event_id=event_id)

    def webhook(
        self,
        payment_id: str,
        *,
        secret: str,
        url: str,
        at: dt.datetime,
        event_id: str | None = None,
    ) -> WebhookRequest:
        """The signed webhook the fake provider sends about ``payment_id``'s current state."""
        body = json.dumps(
            {"id": event_id or f"evt_{secrets.token_hex(8)}", "payment": self.payments[payment_id]}
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


class FakeProvider:
    """A hosted-checkout payment provider that lives in memory (see :class:`FakeBackend`).

    Settings: ``api_key`` (selects the backend), ``webhook_secret`` (one or several),
    ``base_url`` (ignored), ``methods`` (default ``["card"]``).
    """

    name: ClassVar[str] = "fake"
    label: ClassVar[str] = "Fake card"
    supports_refunds: ClassVar[bool] = True
    supports_payouts: ClassVar[bool] = True
    secret_settings: ClassVar[frozenset[str]] = frozenset({"api_key", "webhook_secret"})
    statuses: ClassVar[Mapping[str, ProviderOutcome]] = {
        "open": "in_progress",
        "paid": "paid",
        "failed": "interrupted",
        "canceled": "interrupted",
        "expired": "interrupted",
    }

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | Sequence[str] | None = None,
        base_url: str | None = None,
        methods: Sequence[str] | None = None,
        account_id: str = "",
        http: Any = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not api_key:
            raise ValidationError("fake needs api_key", field="api_key")
        self._backend = FakeBackend.for_key(api_key)
        self._secrets = (
            (webhook_secret,) if isinstance(webhook_secret, str) else tuple(webhook_secret or ())
        )
        self._methods = tuple(methods or ("card",))
        self.account_id = account_id
        self._clock: Clock = clock or SystemClock()

    def __repr__(self) -> str:
        return f"<FakeProvider account={self.account_id or '-'}>"

    @property
    def methods(self) -> Sequence[str]:
        """The methods this account offers."""
        return self._methods

    def close(self) -> None:
        """Nothing to release."""

    def start_payment(self, request: PaymentRequest) -> Checkout:
        """Create (or, for a known idempotency key, return) a payment in the backend."""
        self._backend._check()
        self._backend.idempotency_keys.append(request.idempotency_key)
        payment_id = self._backend.by_key.get(request.idempotency_key)
        if payment_id is None:
            payment_id = f"fp_{secrets.token_hex(8)}"
            self._backend.payments[payment_id] = {
                "id": payment_id,
                "status": "open",
                "amount": request.amount.minor_units,
                "currency": request.amount.currency,
                "link": request.link_id,
                "account": self.account_id,
                "refunded": 0,
            }
            if request.idempotency_key:
                self._backend.by_key[request.idempotency_key] = payment_id
        return Checkout(
            provider=self.name,
            method=self._methods[0],
            provider_reference=payment_id,
            redirect_url=f"https://fake-provider.invalid/checkout/{payment_id}",
        )

    def _from_api(self, payment: Mapping[str, Any], event_id: str) -> ProviderEvent:
        status = str(payment.get("status"))
        return ProviderEvent(
            provider=self.name,
            event_id=event_id,
            outcome=self.statuses.get(status, "ignored"),
            provider_status=status,
            provider_reference=str(payment["id"]),
            payment_reference=str(payment["id"]),
            link_id=payment.get("link"),
            account_id=payment.get("account") or None,
            amount=Money.from_minor(int(payment["amount"]), str(payment["currency"])),
            method=self._methods[0],
        )

    def fetch_payment(self, provider_reference: str) -> ProviderEvent:
        """The payment's current state in the backend."""
        self._backend._check()
        payment = self._backend.payments.get(provider_reference)
        if payment is None:
            raise ProviderRejected("no such payment", provider=self.name, status_code=404)
        return self._from_api(payment, f"poll:{provider_reference}:{payment['status']}")

    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        """Verify the ``Fake-Signature`` (service clock, 300 s), then read the payment."""
        header = request.headers.get("fake-signature", "")
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(fields.get("t", ""))
        except ValueError:
            raise WebhookRejected("fake: no signature timestamp", status_code=400) from None
        expected = [fake_signature(request.body, s, timestamp) for s in self._secrets]
        if not any(hmac.compare_digest(e, header) for e in expected):
            raise WebhookRejected("fake: the signature does not match", status_code=401)
        if timestamp < self._clock.now().timestamp() - FAKE_TOLERANCE:
            raise WebhookRejected("fake: the signature is too old", status_code=400)
        try:
            body = json.loads(request.body)
            payment, event_id = body["payment"], str(body["id"])
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("fake: the body is not an event", status_code=400) from None
        if payment.get("account") and self.account_id and payment["account"] != self.account_id:
            raise WebhookRejected("fake: the event is for another account", status_code=403)
        events = [self._from_api(payment, event_id)]
        if payment.get("refunded"):
            events.append(
                ProviderEvent(
                    provider=self.name,
                    event_id=f"{event_id}:refunded",
                    outcome="refunded",
                    provider_status="refunded",
                    provider_reference=str(payment["id"]),
                    payment_reference=str(payment["id"]),
                    link_id=payment.get("link"),
                    amount=Money.from_minor(int(payment["refunded"]), str(payment["currency"])),
                )
            )
        return events

    def refund(
        self, payment_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundResult:
        """Refund part or all of a paid payment in the backend."""
        self._backend._check()
        payment = self._backend.payments.get(payment_reference)
        if payment is None or payment["status"] != "paid":
            raise ProviderRejected("the payment is not paid", provider=self.name, status_code=400)
        for refund in self._backend.refunds:
            if refund["key"] == idempotency_key:
                return RefundResult(
                    provider=self.name,
                    provider_reference=refund["id"],
                    amount=amount,
                    status="refunded",
                )
        refund_id = f"fr_{secrets.token_hex(8)}"
        self._backend.refunds.append({"id": refund_id, "key": idempotency_key})
        payment["refunded"] = int(payment["refunded"]) + amount.minor_units
        return RefundResult(
            provider=self.name, provider_reference=refund_id, amount=amount, status="refunded"
        )

    def _payout_from_api(self, payout: Mapping[str, Any]) -> ProviderPayout:
        currency = str(payout["currency"])

        def money(minor: int) -> Money:
            return Money.from_minor(minor, currency)

        items = []
        for line in payout["lines"]:
            kind: PayoutItemKind = line["kind"]
            gross, fee = int(line["gross"]), int(line["fee"])
            items.append(
                PayoutItem(
                    kind=kind,
                    source_id=str(line["source"]),
                    gross=money(gross),
                    fee=money(fee),
                    net=money(gross - fee),
                    payment_reference=str(line["payment"]),
                )
            )
        return ProviderPayout(
            provider=self.name,
            payout_id=str(payout["id"]),
            status=payout["status"],
            gross=money(int(payout["gross"])),
            fee=money(int(payout["fee"])),
            net=money(int(payout["net"])),
            created_on=dt.date.fromisoformat(payout["created"]),
            expected_on=dt.date.fromisoformat(payout["arrival"]),
            reference=str(payout["reference"]),
            items=tuple(items),
        )

    def list_payouts(self, since: dt.date | None) -> Sequence[ProviderPayout]:
        """The backend's payouts created on or after ``since``."""
        self._backend._check()
        return [
            self._payout_from_api(p)
            for p in self._backend.payouts.values()
            if since is None or dt.date.fromisoformat(p["created"]) >= since
        ]

    def fetch_payout(self, payout_id: str) -> ProviderPayout:
        """One payout of the backend."""
        self._backend._check()
        payout = self._backend.payouts.get(payout_id)
        if payout is None:
            raise ProviderRejected("no such payout", provider=self.name, status_code=404)
        return self._payout_from_api(payout)


class _FakePlugin:
    """Registers :class:`FakeProvider` (pass it to ``get_plugin_manager(plugins=[...])``)."""

    @hookimpl
    def paylink_register_payment_providers(self, register: Callable[[Any], None]) -> None:
        """Register :class:`FakeProvider`."""
        register(FakeProvider)


fake_provider_plugin = _FakePlugin()
"""The plugin object that registers :class:`FakeProvider`."""


class FakeMailbox:
    """The fake channel's other side, one per ``mailbox`` setting: what was sent, failures to
    come. ``FakeMailbox.for_name("m1").sent`` lists the delivered messages, oldest first."""

    _registry: ClassVar[dict[str, FakeMailbox]] = {}

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self._failures: list[ProviderError] = []

    @classmethod
    def for_name(cls, name: str) -> FakeMailbox:
        """The mailbox called ``name`` (made on first use)."""
        return cls._registry.setdefault(name, cls())

    @classmethod
    def reset(cls) -> None:
        """Forget every mailbox (call between tests)."""
        cls._registry.clear()

    def fail_next(self, *errors: ProviderError) -> None:
        """Raise these errors on the next sends, one per send, before delivering again
        (:class:`~paylink.exceptions.ProviderUnavailable` is retried by the outbox,
        :class:`~paylink.exceptions.ProviderRejected` is not)."""
        self._failures.extend(errors)

    def deliver(self, message: OutgoingMessage) -> SendResult:
        """Take ``message`` (or raise the next failure)."""
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(message)
        return SendResult(
            provider_message_id=f"fake-{len(self.sent)}", status="delivered", delivered=True
        )


class FakeChannel:
    """A message channel for e-mail and SMS that delivers into a :class:`FakeMailbox`.

    Settings: ``mailbox`` (its name, default ``"default"``) and ``token`` (a secret, never
    shown back: it lets a test check that secrets stay hidden).
    """

    name: ClassVar[str] = "fake"
    kinds: ClassVar[frozenset[str]] = frozenset({"email", "sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset({"token"})

    def __init__(self, *, mailbox: str = "default", token: str | None = None) -> None:
        self._mailbox = FakeMailbox.for_name(mailbox)
        self._token = token

    def __repr__(self) -> str:
        return "<FakeChannel>"

    def send(self, message: OutgoingMessage) -> SendResult:
        """Deliver ``message`` into the mailbox, or raise the failure the test asked for."""
        return self._mailbox.deliver(message)


class FakeBank:
    """The fake feed's bank, one per ``bank`` setting: transactions and statement files that
    the next sync brings, and the files the feed has set aside (``imported``, ``rejected``)."""

    _registry: ClassVar[dict[str, FakeBank]] = {}

    def __init__(self) -> None:
        self.transactions: list[BankTransaction] = []
        self.files: dict[str, bytes] = {}
        self.imported: list[str] = []
        self.rejected: dict[str, str] = {}
        self._failures: list[Exception] = []

    @classmethod
    def for_name(cls, name: str) -> FakeBank:
        """The bank called ``name`` (made on first use)."""
        return cls._registry.setdefault(name, cls())

    @classmethod
    def reset(cls) -> None:
        """Forget every bank (call between tests)."""
        cls._registry.clear()

    def book(self, *transactions: BankTransaction) -> None:
        """Add transactions: the next sync brings the ones it has not brought yet."""
        self.transactions.extend(transactions)

    def deliver_file(self, name: str, data: bytes) -> None:
        """Drop a statement file: each sync offers it until the import is done with it."""
        self.files[name] = data

    def fail_next(self, error: Exception) -> None:
        """Make the next sync raise ``error`` (a :class:`~paylink.exceptions.ProviderError`
        or :class:`~paylink.exceptions.StatementError`, as a real feed would)."""
        self._failures.append(error)

    def _file_done(self, name: str, ok: bool, reason: str) -> None:
        self.files.pop(name, None)
        if ok:
            self.imported.append(name)
        else:
            self.rejected[name] = reason


class FakeFeed:
    """A bank feed over a :class:`FakeBank`: its state is a cursor into the bank's
    transactions, so a failed import (state not stored) brings the same ones again.

    Settings: ``bank`` (its name, default ``"default"``) and ``token`` (a secret).
    """

    name: ClassVar[str] = "fake"
    secret_settings: ClassVar[frozenset[str]] = frozenset({"token"})

    def __init__(
        self,
        *,
        bank: str = "default",
        token: str | None = None,
        http: Any = None,
        clock: Clock | None = None,
    ) -> None:
        self._bank = FakeBank.for_name(bank)
        self._token = token

    def __repr__(self) -> str:
        return "<FakeFeed>"

    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        """What the bank has that ``state``'s cursor has not seen, and the moved cursor."""
        bank = self._bank
        if bank._failures:
            raise bank._failures.pop(0)
        cursor = int(state.get("cursor", 0))
        files = [
            FeedFile(name, data, functools.partial(bank._file_done, name))
            for name, data in sorted(bank.files.items())
        ]
        return FeedResult(
            files=files,
            transactions=tuple(bank.transactions[cursor:]),
            state={"cursor": len(bank.transactions)},
        )


class _FakeChannelPlugin:
    """Registers :class:`FakeChannel`."""

    @hookimpl
    def paylink_register_channels(self, register: Callable[[Any], None]) -> None:
        """Register :class:`FakeChannel`."""
        register(FakeChannel)


class _FakeFeedPlugin:
    """Registers :class:`FakeFeed`."""

    @hookimpl
    def paylink_register_bank_feeds(self, register: Callable[[Any], None]) -> None:
        """Register :class:`FakeFeed`."""
        register(FakeFeed)


fake_channel_plugin = _FakeChannelPlugin()
"""The plugin object that registers :class:`FakeChannel` (channel ``"fake"``)."""

fake_feed_plugin = _FakeFeedPlugin()
"""The plugin object that registers :class:`FakeFeed` (bank feed ``"fake"``)."""
