"""Stripe: cards and wallets through Stripe Checkout Sessions.

The customer is redirected to a Checkout Session in ``payment`` mode made for the link's open
amount; the session's ``client_reference_id`` and ``metadata`` tie it to the link and the
paylink account. Stripe reports back through signed webhooks (``Stripe-Signature``: an
HMAC-SHA256 over ``"{timestamp}.{body}"``), and the janitor can ask for a session's state.

Status mapping (the session's ``status`` / ``payment_status``, then the webhook events):

=====================================================  ==============
Stripe                                                 paylink
=====================================================  ==============
``open``                                               ``in_progress``
``complete`` / ``paid``                                ``paid``
``complete`` / ``unpaid`` (a delayed method)           ``in_progress``
``complete`` / ``no_payment_required``                 ``ignored``
``expired``                                            ``interrupted``
``checkout.session.async_payment_succeeded``           ``paid``
``checkout.session.async_payment_failed``              ``interrupted``
``payment_intent.payment_failed``                      ``interrupted``
``charge.refunded``                                    ``refunded``
``payout.paid`` / ``payout.failed``                    ``payout``
=====================================================  ==============

Payouts (``supports_payouts``): ``GET /v1/payouts`` lists them, and
``GET /v1/balance_transactions?payout=po_…&expand[]=data.source`` what each carries: every
balance transaction's gross ``amount``, ``fee`` and ``net``, and its ``source`` (the charge,
refund or dispute, whose ``payment_intent`` is the id paylink recorded the payment under).
A ``payout.paid`` or ``payout.failed`` webhook makes paylink fetch the payout and record it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from paylink.context import Setting
from paylink.exceptions import ProviderUnavailable, ValidationError, WebhookRejected
from paylink.hookspecs import hookimpl
from paylink.money import Money
from paylink.payouts import PayoutItem, PayoutItemKind, PayoutStatus, ProviderPayout
from paylink.ports import (
    Checkout,
    PaymentRequest,
    ProviderEvent,
    ProviderOutcome,
    RefundResult,
    WebhookRequest,
)

from .._base import OnlineProvider, online_settings

__all__ = ["SIGNATURE_TOLERANCE", "Stripe", "sign_payload", "verify_signature"]

SIGNATURE_TOLERANCE = 300
"""How old (in seconds) a signed webhook may be: Stripe's own default."""

_LOCALES = frozenset({"en", "fr", "nl", "de", "es", "it", "pt", "pl", "sv", "da", "fi", "nb"})


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``v1`` signature Stripe puts on ``payload`` at ``timestamp`` with ``secret``.

    Used to verify, and by tests and the conformance kit to make signed webhooks.
    """
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_signature(
    payload: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    now: float,
    tolerance: int = SIGNATURE_TOLERANCE,
) -> int:
    """Check a ``Stripe-Signature`` header against ``payload``; return its timestamp.

    The header is ``t=<unix time>,v1=<hex>[,v1=<hex>…]``: any ``v1`` signature made with any of
    ``secrets`` (several during a secret's rotation) is accepted, compared in constant time.
    Raises :class:`~paylink.exceptions.WebhookRejected` when the header is missing or
    malformed, no signature matches, or the timestamp is older than ``tolerance`` seconds
    before ``now``.
    """
    if not header:
        raise WebhookRejected("stripe: the Stripe-Signature header is missing", status_code=400)
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                timestamp = None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookRejected(
            "stripe: the Stripe-Signature header has no timestamp or no v1 signature",
            status_code=400,
        )
    if not secrets:
        raise WebhookRejected("stripe: no webhook secret is configured", status_code=401)
    matched = any(
        hmac.compare_digest(sign_payload(payload, secret, timestamp), signature)
        for secret in secrets
        for signature in signatures
    )
    if not matched:
        raise WebhookRejected(
            "stripe: no signature matches the payload for the configured secret(s)",
            status_code=401,
        )
    if timestamp < now - tolerance:
        raise WebhookRejected(
            f"stripe: the signature's timestamp is more than {tolerance}s old", status_code=400
        )
    return timestamp


def _form(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Stripe's form encoding: ``a[b][0][c]=v`` for nested mappings and lists."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _form(item, f"{prefix}[{key}]" if prefix else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _form(item, f"{prefix}[{index}]")
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is not None:
        yield prefix, str(value)


def _money(minor: Any, currency: Any) -> Money | None:
    if isinstance(minor, int) and isinstance(currency, str) and currency:
        return Money.from_minor(minor, currency.upper())
    return None


# Balance transaction types -> what the line is in a payout; a dispute is an ``adjustment``
# whose source is a dispute (a chargeback). Unknown types are adjustments.
_LINE_KINDS: Mapping[str, PayoutItemKind] = {
    "charge": "payment",
    "payment": "payment",
    "refund": "refund",
    "payment_refund": "refund",
    "payment_failure_refund": "refund",
    "stripe_fee": "fee",
    "application_fee": "fee",
    "tax": "fee",
}

_PAYOUT_STATUSES: Mapping[str, PayoutStatus] = {
    "pending": "pending",
    "in_transit": "in_transit",
    "paid": "paid",
    "failed": "failed",
    "canceled": "canceled",
}


def _day(value: Any) -> dt.date | None:
    if isinstance(value, int):
        return dt.datetime.fromtimestamp(value, dt.UTC).date()
    return None


def _metadata(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


class Stripe(OnlineProvider):
    """Cards and wallets through Stripe Checkout.

    Settings: ``api_key`` (a secret key ``sk_…`` or restricted key ``rk_…``),
    ``webhook_secret`` (the endpoint's ``whsec_…``; a list during rotation), ``base_url``
    (default ``https://api.stripe.com``), ``methods`` (Checkout's ``payment_method_types``,
    default ``["card"]``; ``apple_pay`` and ``google_pay`` are accepted to say the wallets are
    enabled in the dashboard: they name the pay page's button, and travel as ``card``) and
    ``api_version`` (the ``Stripe-Version`` sent, default pinned).
    """

    name: ClassVar[str] = "stripe"
    label: ClassVar[str] = "Card"
    supports_refunds: ClassVar[bool] = True
    supports_payouts: ClassVar[bool] = True
    payout_webhooks: ClassVar[bool] = True
    """Stripe announces payouts by webhook (``payout.paid``): the janitor need not poll."""
    default_base_url: ClassVar[str] = "https://api.stripe.com"
    default_methods: ClassVar[tuple[str, ...]] = ("card",)
    settings_spec: ClassVar[dict[str, Setting]] = online_settings(
        api_version=Setting(help="the Stripe-Version sent (default: the pinned one)")
    )
    request_id_header: ClassVar[str] = "request-id"
    api_version: ClassVar[str] = "2024-06-20"
    statuses: ClassVar[Mapping[str, ProviderOutcome]] = {
        "open": "in_progress",
        "complete/paid": "paid",
        "complete/unpaid": "in_progress",
        "complete/no_payment_required": "ignored",
        "expired": "interrupted",
    }
    events: ClassVar[Mapping[str, ProviderOutcome]] = {
        "checkout.session.completed": "paid",  # or in_progress while a delayed method settles
        "checkout.session.async_payment_succeeded": "paid",
        "checkout.session.async_payment_failed": "interrupted",
        "checkout.session.expired": "interrupted",
        "payment_intent.payment_failed": "interrupted",
        "charge.refunded": "refunded",
        "payout.paid": "payout",
        "payout.failed": "payout",
    }
    """The webhook events this provider acts on (subscribe the endpoint to these)."""

    def _auth_headers(self) -> dict[str, str]:
        version = self._settings.get("api_version") or self.api_version
        return {"Authorization": f"Bearer {self._api_key}", "Stripe-Version": str(version)}

    @staticmethod
    def _error_message(body: Any) -> str | None:
        error = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(error, Mapping):
            parts = [str(error.get(k)) for k in ("type", "code", "message") if error.get(k)]
            return ": ".join(parts) or None
        return None

    # -- checkout ------------------------------------------------------------------------------
    def _checkout_types(self) -> list[str]:
        """Checkout's ``payment_method_types``: the account's methods, wallets as ``card``.

        Stripe Checkout offers Apple Pay and Google Pay on its card form (when enabled in the
        dashboard and the device supports them); they are not payment method types of their
        own, and Stripe refuses a session that names them.
        """
        return list(dict.fromkeys(self.grouped_methods.get(m, m) for m in self.methods))

    def start_payment(self, request: PaymentRequest) -> Checkout:
        """Create a Checkout Session for ``request`` and return its URL to redirect to."""
        metadata = {"paylink_link": request.link_id, "paylink_account": self.account_id}
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": request.link_id,
            "success_url": request.return_url,
            "cancel_url": request.cancel_url,
            "payment_method_types": self._checkout_types(),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": request.amount.minor_units,
                        "product_data": {"name": request.description[:250] or "Payment"},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {
                "description": request.description[:1000],
                "metadata": metadata,
            },
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        if request.language in _LOCALES:
            params["locale"] = request.language
        session = self.api.json(
            "POST",
            "/v1/checkout/sessions",
            data=dict(_form(params)),
            idempotency_key=request.idempotency_key or None,
        )
        return self._checkout_from_api(session)

    def _checkout_from_api(self, session: Mapping[str, Any]) -> Checkout:
        import datetime as dt

        expires = session.get("expires_at")
        return Checkout(
            provider=self.name,
            method=self._method_of(session),
            provider_reference=str(session["id"]),
            redirect_url=str(session["url"]) if session.get("url") else None,
            expires_at=dt.datetime.fromtimestamp(expires, dt.UTC)
            if isinstance(expires, int)
            else None,
        )

    def _method_of(self, obj: Mapping[str, Any]) -> str:
        types = obj.get("payment_method_types")
        if isinstance(types, list) and len(types) == 1:
            return str(types[0])
        return "card"

    # -- reading Stripe's objects --------------------------------------------------------------
    def _from_session(
        self, session: Mapping[str, Any], event_id: str, outcome: str
    ) -> ProviderEvent:
        meta = _metadata(session)
        intent = session.get("payment_intent")
        if isinstance(intent, Mapping):
            intent = intent.get("id")
        return self._event(
            event_id=event_id,
            outcome=outcome,
            provider_status=f"{session.get('status')}/{session.get('payment_status')}",
            provider_reference=str(session.get("id")),
            payment_reference=str(intent) if intent else str(session.get("id")),
            link_id=meta.get("paylink_link") or session.get("client_reference_id"),
            account_id=meta.get("paylink_account"),
            amount=_money(session.get("amount_total"), session.get("currency")),
            method=self._method_of(session),
        )

    def _session_outcome(self, session: Mapping[str, Any]) -> ProviderOutcome:
        status = session.get("status")
        key = f"{status}/{session.get('payment_status')}" if status == "complete" else status
        return self.statuses.get(str(key), "ignored")

    def fetch_payment(self, provider_reference: str) -> ProviderEvent:
        """Read the Checkout Session ``provider_reference`` back from Stripe."""
        session = self.api.json("GET", f"/v1/checkout/sessions/{provider_reference}")
        outcome = self._session_outcome(session)
        state = f"{session.get('status')}/{session.get('payment_status')}"
        return self._from_session(session, f"poll:{provider_reference}:{state}", outcome)

    # -- webhooks ------------------------------------------------------------------------------
    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        """Verify the ``Stripe-Signature`` (with the service clock), then read the event."""
        verify_signature(
            request.body,
            request.headers.get("stripe-signature"),
            self._webhook_secrets,
            now=self._now().timestamp(),
        )
        try:
            event = json.loads(request.body)
        except ValueError as exc:
            raise WebhookRejected("stripe: the body is not JSON", status_code=400) from exc
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            raise WebhookRejected("stripe: the body is not a Stripe event", status_code=400)
        data = event.get("data")
        obj = data.get("object") if isinstance(data, Mapping) else None
        if not isinstance(obj, Mapping) or not isinstance(event.get("id"), str):
            raise WebhookRejected("stripe: the event has no id or data.object", status_code=400)
        kind: str = event["type"]
        if kind not in self.events:
            return ()
        account = _metadata(obj).get("paylink_account")
        if account and self.account_id and account != self.account_id:
            raise WebhookRejected(
                "stripe: the event belongs to another paylink account", status_code=403
            )
        event_id: str = event["id"]
        if kind.startswith("payout."):
            return (
                self._event(
                    event_id=event_id,
                    outcome="payout",
                    provider_status=str(obj.get("status") or kind[7:]),
                    provider_reference=str(obj.get("id")),
                    amount=_money(obj.get("amount"), obj.get("currency")),
                ),
            )
        if kind.startswith("checkout.session."):
            outcome: ProviderOutcome = self.events[kind]
            if kind == "checkout.session.completed":
                outcome = self._session_outcome(obj)
            return (self._from_session(obj, event_id, outcome),)
        if kind == "payment_intent.payment_failed":
            meta = _metadata(obj)
            error = obj.get("last_payment_error")
            return (
                self._event(
                    event_id=event_id,
                    outcome="interrupted",
                    provider_status=str(error.get("code") or "payment_failed")
                    if isinstance(error, Mapping)
                    else "payment_failed",
                    provider_reference=None,
                    payment_reference=str(obj.get("id")),
                    link_id=meta.get("paylink_link"),
                    account_id=meta.get("paylink_account"),
                    amount=_money(obj.get("amount"), obj.get("currency")),
                ),
            )
        # charge.refunded: the total refunded so far, against the payment intent.
        meta = _metadata(obj)
        intent = obj.get("payment_intent")
        return (
            self._event(
                event_id=event_id,
                outcome="refunded",
                provider_status="refunded" if obj.get("refunded") else "partially_refunded",
                provider_reference=str(obj.get("id")),
                payment_reference=str(intent) if intent else None,
                link_id=meta.get("paylink_link"),
                account_id=meta.get("paylink_account"),
                amount=_money(obj.get("amount_refunded"), obj.get("currency")),
            ),
        )

    # -- refunds -------------------------------------------------------------------------------
    def refund(
        self, payment_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundResult:
        """Refund ``amount`` of the payment intent ``payment_reference`` (``POST /v1/refunds``)."""
        body = self.api.json(
            "POST",
            "/v1/refunds",
            data={"payment_intent": payment_reference, "amount": str(amount.minor_units)},
            idempotency_key=idempotency_key,
        )
        status = str(body.get("status") or "pending")
        return RefundResult(
            provider=self.name,
            provider_reference=str(body["id"]),
            amount=_money(body.get("amount"), body.get("currency")) or amount,
            status="refunded" if status == "succeeded" else status,
        )

    # -- payouts -------------------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
        """Every object of a Stripe list, page after page (``has_more``/``starting_after``)."""
        query = {"limit": "100", **params}
        while True:
            page = self.api.json("GET", path, params=query)
            objects = page.get("data") if isinstance(page, Mapping) else None
            if not isinstance(objects, list):
                return
            for obj in objects:
                if isinstance(obj, Mapping):
                    yield obj
            if not page.get("has_more") or not objects:
                return
            query = {**query, "starting_after": str(objects[-1].get("id"))}

    def list_payouts(self, since: dt.date | None) -> Sequence[ProviderPayout]:
        """``GET /v1/payouts`` (created on or after ``since``), each with its balance
        transactions."""
        params: dict[str, str] = {}
        if since is not None:
            start = dt.datetime.combine(since, dt.time(), dt.UTC)
            params["created[gte]"] = str(int(start.timestamp()))
        return [self._payout_from_api(p) for p in self._pages("/v1/payouts", params)]

    def fetch_payout(self, payout_id: str) -> ProviderPayout:
        """``GET /v1/payouts/{id}`` and its balance transactions."""
        if not payout_id.startswith("po_") or not payout_id[3:].isalnum():
            raise ValidationError(f"not a Stripe payout id: {payout_id[:40]!r}", field="id")
        return self._payout_from_api(self.api.json("GET", f"/v1/payouts/{payout_id}"))

    def _payout_from_api(self, payout: Mapping[str, Any]) -> ProviderPayout:
        payout_id = str(payout.get("id"))
        currency = str(payout.get("currency") or "").upper()
        net = _money(payout.get("amount"), currency)
        created = _day(payout.get("created"))
        if net is None or created is None:
            raise ProviderUnavailable(
                "stripe: a payout without amount, currency or creation date", provider=self.name
            )
        items: list[PayoutItem] = []
        if payout.get("automatic", True):
            # Only an automatic payout knows its balance transactions (Stripe's own rule).
            params = {"payout": payout_id, "expand[]": "data.source"}
            for line in self._pages("/v1/balance_transactions", params):
                item = self._line_from_api(line)
                if item is not None:
                    items.append(item)
        zero = Money.zero(currency)
        gross = Money.sum((i.gross for i in items), currency) if items else net
        fee = Money.sum((i.fee for i in items), currency) if items else zero
        if gross - fee != net:
            # What the lines do not explain (a reserve, a rounding) stays visible as one line.
            diff = net - (gross - fee)
            items.append(
                PayoutItem(
                    kind="adjustment",
                    source_id=payout_id,
                    gross=diff,
                    fee=zero,
                    net=diff,
                    description="not explained by the balance transactions",
                )
            )
            gross = gross + diff
        status = _PAYOUT_STATUSES.get(str(payout.get("status")), "pending")
        return ProviderPayout(
            provider=self.name,
            payout_id=payout_id,
            status=status,
            gross=gross,
            fee=fee,
            net=net,
            created_on=created,
            expected_on=_day(payout.get("arrival_date")),
            reference=str(payout.get("statement_descriptor") or ""),
            items=tuple(items),
        )

    def _line_from_api(self, line: Mapping[str, Any]) -> PayoutItem | None:
        kind_name = str(line.get("type"))
        if kind_name == "payout":
            return None  # the payout itself, the total of the others
        currency = str(line.get("currency") or "").upper()
        gross = _money(line.get("amount"), currency)
        fee = _money(line.get("fee"), currency)
        net = _money(line.get("net"), currency)
        if gross is None or fee is None or net is None:
            return None
        source = line.get("source")
        source_id = source.get("id") if isinstance(source, Mapping) else source
        intent: Any = None
        kind: PayoutItemKind = _LINE_KINDS.get(kind_name, "adjustment")
        if isinstance(source, Mapping):
            intent = source.get("payment_intent")
            if isinstance(intent, Mapping):
                intent = intent.get("id")
            if source.get("object") == "dispute":
                kind = "chargeback"
        elif isinstance(source, str) and source.startswith(("dp_", "du_")):
            kind = "chargeback"
        return PayoutItem(
            kind=kind,
            source_id=str(source_id or line.get("id")),
            gross=gross,
            fee=fee,
            net=net,
            payment_reference=str(intent) if intent else None,
            description=str(line.get("description") or ""),
        )


@hookimpl
def paylink_register_payment_providers(register: Callable[[Any], None]) -> None:
    """Register :class:`Stripe`."""
    register(Stripe)
