"""Mollie: Bancontact, cards, iDEAL and more through the Payments API v2.

The customer is redirected to Mollie's hosted checkout (``_links.checkout``). Mollie's classic
webhooks are not signed and carry only the payment's ``id``: nothing is believed from them,
the payment is always fetched back with the account's API key before anything changes (a
payment of another Mollie account cannot be fetched, and one of another paylink account is
refused by its metadata).

Status mapping:

=================  ===============
Mollie             paylink
=================  ===============
``open``           ``in_progress``
``pending``        ``in_progress``
``authorized``     ``in_progress``
``paid``           ``paid``
``canceled``       ``interrupted``
``expired``        ``interrupted``
``failed``         ``interrupted``
=================  ===============

A paid payment with an ``amountRefunded`` also reports ``refunded`` (the total so far).

Settlements (``supports_payouts``): ``GET /v2/settlements`` lists them (``open`` -> ``pending``,
``pending`` -> ``in_transit``, ``paidout`` -> ``paid``, ``failed`` -> ``failed``), and
``/v2/settlements/{id}/payments``, ``/refunds``, ``/chargebacks`` and ``/captures`` what each
carries, by their ``settlementAmount``. Mollie's fees are the ``costs`` of the settlement's
``periods`` (one ``fee`` line each, by method); the bank line carries the settlement's
``reference`` (such as ``1234567.2212.03``). Mollie sends no webhook for a settlement: the
janitor job ``pl.payouts.poll()`` asks. Mollie gives no arrival date: a settlement is expected
two days after it was settled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from paylink.exceptions import (
    ProviderRejected,
    ProviderUnavailable,
    ValidationError,
    WebhookRejected,
)
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

from .._base import OnlineProvider

__all__ = ["Mollie", "amount_to_api"]

_LOCALES = {"en": "en_US", "nl": "nl_BE", "fr": "fr_BE", "de": "de_DE"}


def amount_to_api(money: Money) -> dict[str, str]:
    """Mollie's amount object: the currency and the value as a decimal string (``"10.00"``)."""
    return {"currency": money.currency, "value": f"{money.amount:.{money.exponent}f}"}


def _amount_from_api(value: Any) -> Money | None:
    if isinstance(value, Mapping) and value.get("value") and value.get("currency"):
        return Money.of(str(value["value"]), str(value["currency"]))
    return None


_SETTLEMENT_STATUSES: Mapping[str, PayoutStatus] = {
    "open": "pending",
    "pending": "in_transit",
    "paidout": "paid",
    "failed": "failed",
}

# What a settlement's sub-list is, and the kind of its lines.
_SETTLEMENT_PARTS: tuple[tuple[str, PayoutItemKind], ...] = (
    ("payments", "payment"),
    ("refunds", "refund"),
    ("chargebacks", "chargeback"),
    ("captures", "capture"),
)

_SETTLEMENT_ARRIVAL = dt.timedelta(days=2)


def _date_of(value: Any) -> dt.date | None:
    if isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value).date()
    return None


class Mollie(OnlineProvider):
    """Payments through Mollie's hosted checkout.

    Settings: ``api_key`` (``live_…`` or ``test_…``), ``base_url`` (default
    ``https://api.mollie.com``) and ``methods`` (Mollie method ids such as ``"bancontact"``,
    ``"creditcard"``, ``"ideal"``; default Bancontact and cards). There is no webhook secret:
    every webhook is fetched back.
    """

    name: ClassVar[str] = "mollie"
    label: ClassVar[str] = "Mollie"
    supports_refunds: ClassVar[bool] = True
    supports_payouts: ClassVar[bool] = True
    default_base_url: ClassVar[str] = "https://api.mollie.com"
    default_methods: ClassVar[tuple[str, ...]] = ("bancontact", "creditcard")
    # Mollie's cards are "creditcard"; its wallets are methods of their own in the request, and
    # share the card's button on the pay page.
    grouped_methods: ClassVar[Mapping[str, str]] = {
        "applepay": "creditcard",
        "googlepay": "creditcard",
    }
    statuses: ClassVar[Mapping[str, ProviderOutcome]] = {
        "open": "in_progress",
        "pending": "in_progress",
        "authorized": "in_progress",
        "paid": "paid",
        "canceled": "interrupted",
        "expired": "interrupted",
        "failed": "interrupted",
    }

    @staticmethod
    def _error_message(body: Any) -> str | None:
        if isinstance(body, Mapping):
            parts = [str(body[k]) for k in ("title", "detail", "field") if body.get(k)]
            return ": ".join(parts) or None
        return None

    def start_payment(self, request: PaymentRequest) -> Checkout:
        """Create a Mollie payment for ``request`` and return its hosted checkout URL."""
        body: dict[str, Any] = {
            "amount": amount_to_api(request.amount),
            "description": request.description[:255] or "Payment",
            "redirectUrl": request.return_url,
            "cancelUrl": request.cancel_url,
            "webhookUrl": request.webhook_url,
            "metadata": {"paylink_link": request.link_id, "paylink_account": self.account_id},
            "method": list(self.methods),
        }
        if request.language in _LOCALES:
            body["locale"] = _LOCALES[request.language]
        payment = self.api.json(
            "POST",
            "/v2/payments",
            json=body,
            idempotency_key=request.idempotency_key or None,
        )
        links = payment.get("_links") or {}
        checkout = links.get("checkout") if isinstance(links, Mapping) else None
        expires = payment.get("expiresAt")
        return Checkout(
            provider=self.name,
            method=str(payment.get("method") or "mollie"),
            provider_reference=str(payment["id"]),
            redirect_url=str(checkout["href"]) if isinstance(checkout, Mapping) else None,
            expires_at=dt.datetime.fromisoformat(expires) if isinstance(expires, str) else None,
        )

    def _from_api(self, payment: Mapping[str, Any]) -> ProviderEvent:
        status = str(payment.get("status"))
        meta = payment.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        return self._event(
            event_id=f"{payment.get('id')}:{status}",
            outcome=self.statuses.get(status, "ignored"),
            provider_status=status,
            provider_reference=str(payment.get("id")),
            payment_reference=str(payment.get("id")),
            link_id=meta.get("paylink_link"),
            account_id=meta.get("paylink_account"),
            amount=_amount_from_api(payment.get("amount")),
            method=str(payment.get("method") or "mollie"),
        )

    def fetch_payment(self, provider_reference: str) -> ProviderEvent:
        """``GET /v2/payments/{id}`` and map its status."""
        return self._from_api(self._get(provider_reference))

    def _get(self, payment_id: str) -> Any:
        if not payment_id.startswith("tr_") or not payment_id[3:].isalnum():
            raise ValidationError(f"not a Mollie payment id: {payment_id[:40]!r}", field="id")
        return self.api.json("GET", f"/v2/payments/{payment_id}")

    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        """Read the payment id from the form body and fetch the payment back from Mollie."""
        payment_id = request.form.get("id", "")
        if not payment_id:
            raise WebhookRejected("mollie: the webhook carries no payment id", status_code=400)
        try:
            payment = self._get(payment_id)
        except ValidationError as exc:
            raise WebhookRejected(f"mollie: {exc}", status_code=400) from exc
        except ProviderRejected as exc:
            # Not a payment of this Mollie account: nothing to believe, nothing to apply.
            raise WebhookRejected(
                "mollie: the account has no such payment", status_code=404
            ) from exc
        event = self._from_api(payment)
        if event.account_id and self.account_id and event.account_id != self.account_id:
            raise WebhookRejected(
                "mollie: the payment belongs to another paylink account", status_code=403
            )
        events = [event]
        refunded = _amount_from_api(payment.get("amountRefunded"))
        if refunded is not None and refunded.amount > 0:
            events.append(
                self._event(
                    event_id=f"{payment_id}:refunded:{refunded.amount}",
                    outcome="refunded",
                    provider_status="refunded",
                    provider_reference=payment_id,
                    payment_reference=payment_id,
                    link_id=event.link_id,
                    account_id=event.account_id,
                    amount=refunded,
                )
            )
        return events

    def refund(
        self, payment_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundResult:
        """``POST /v2/payments/{id}/refunds`` for ``amount``."""
        body = self.api.json(
            "POST",
            f"/v2/payments/{payment_reference}/refunds",
            json={"amount": amount_to_api(amount)},
            idempotency_key=idempotency_key,
        )
        return RefundResult(
            provider=self.name,
            provider_reference=str(body["id"]),
            amount=_amount_from_api(body.get("amount")) or amount,
            status=str(body.get("status") or "pending"),
        )

    # -- settlements ---------------------------------------------------------------------------
    def _pages(self, path: str, key: str) -> Iterator[Mapping[str, Any]]:
        """Every object of a Mollie list, following ``_links.next``."""
        url: str | None = path
        params: Mapping[str, str] | None = {"limit": "250"}
        while url:
            page = self.api.json("GET", url, params=params)
            embedded = page.get("_embedded") if isinstance(page, Mapping) else None
            objects = embedded.get(key) if isinstance(embedded, Mapping) else None
            for obj in objects if isinstance(objects, list) else ():
                if isinstance(obj, Mapping):
                    yield obj
            links = page.get("_links") if isinstance(page, Mapping) else None
            following = links.get("next") if isinstance(links, Mapping) else None
            url = str(following["href"]) if isinstance(following, Mapping) else None
            params = None  # the next link carries its own query

    def list_payouts(self, since: dt.date | None) -> Sequence[ProviderPayout]:
        """``GET /v2/settlements`` (newest first) down to those created before ``since``,
        each with its payments, refunds, chargebacks and captures."""
        found: list[ProviderPayout] = []
        for settlement in self._pages("/v2/settlements", "settlements"):
            created = _date_of(settlement.get("createdAt"))
            if since is not None and created is not None and created < since:
                break
            found.append(self._settlement_from_api(settlement))
        return found

    def fetch_payout(self, payout_id: str) -> ProviderPayout:
        """``GET /v2/settlements/{id}`` and what it carries."""
        if not payout_id.startswith("stl_") or not payout_id[4:].isalnum():
            raise ValidationError(f"not a Mollie settlement id: {payout_id[:40]!r}", field="id")
        return self._settlement_from_api(self.api.json("GET", f"/v2/settlements/{payout_id}"))

    def _settlement_from_api(self, settlement: Mapping[str, Any]) -> ProviderPayout:
        settlement_id = str(settlement.get("id"))
        net = _amount_from_api(settlement.get("amount"))
        created = _date_of(settlement.get("createdAt"))
        if net is None or created is None:
            raise ProviderUnavailable(
                "mollie: a settlement without amount or creation date", provider=self.name
            )
        currency = net.currency
        zero = Money.zero(currency)
        items: list[PayoutItem] = []
        for part, kind in _SETTLEMENT_PARTS:
            for obj in self._pages(f"/v2/settlements/{settlement_id}/{part}", part):
                amount = _amount_from_api(obj.get("settlementAmount"))
                if amount is None or amount.currency != currency:
                    amount = _amount_from_api(obj.get("amount"))
                    if amount is None or amount.currency != currency:
                        continue
                    if kind in ("refund", "chargeback") and amount.amount > 0:
                        amount = -amount
                payment = obj.get("paymentId") if kind != "payment" else obj.get("id")
                items.append(
                    PayoutItem(
                        kind=kind,
                        source_id=str(obj.get("id")),
                        gross=amount,
                        fee=zero,
                        net=amount,
                        payment_reference=str(payment) if payment else None,
                        description=str(obj.get("description") or ""),
                    )
                )
        for method, cost in self._costs(settlement, currency):
            items.append(
                PayoutItem(
                    kind="fee",
                    source_id=f"{settlement_id}:costs:{method}",
                    gross=zero,
                    fee=cost,
                    net=-cost,
                    description=f"Mollie fees ({method})",
                )
            )
        gross = Money.sum((i.gross for i in items), currency)
        fee = Money.sum((i.fee for i in items), currency)
        if gross - fee != net:
            # A rolling reserve, a correction, an invoice paid from the balance: the rest.
            diff = net - (gross - fee)
            items.append(
                PayoutItem(
                    kind="adjustment",
                    source_id=f"{settlement_id}:other",
                    gross=diff,
                    fee=zero,
                    net=diff,
                    description="other balance movements",
                )
            )
            gross = gross + diff
        settled = _date_of(settlement.get("settledAt"))
        return ProviderPayout(
            provider=self.name,
            payout_id=settlement_id,
            status=_SETTLEMENT_STATUSES.get(str(settlement.get("status")), "pending"),
            gross=gross,
            fee=fee,
            net=net,
            created_on=created,
            expected_on=settled + _SETTLEMENT_ARRIVAL if settled else None,
            reference=str(settlement.get("reference") or ""),
            items=tuple(items),
        )

    @staticmethod
    def _costs(settlement: Mapping[str, Any], currency: str) -> list[tuple[str, Money]]:
        """The settlement's costs (gross, VAT included) per method, over all its periods."""
        totals: dict[str, Money] = {}
        periods = settlement.get("periods")
        for months in periods.values() if isinstance(periods, Mapping) else ():
            for period in months.values() if isinstance(months, Mapping) else ():
                costs = period.get("costs") if isinstance(period, Mapping) else None
                for cost in costs if isinstance(costs, list) else ():
                    amount = _amount_from_api(cost.get("amountGross"))
                    if amount is None or amount.currency != currency:
                        continue
                    method = str(cost.get("method") or cost.get("description") or "other")
                    totals[method] = totals.get(method, Money.zero(currency)) + amount
        return sorted(totals.items())


@hookimpl
def paylink_register_payment_providers(register: Callable[[Any], None]) -> None:
    """Register :class:`Mollie`."""
    register(Mollie)
