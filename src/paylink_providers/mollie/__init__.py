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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from paylink.exceptions import ProviderRejected, ValidationError, WebhookRejected
from paylink.hookspecs import hookimpl
from paylink.money import Money
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


@hookimpl
def paylink_register_payment_providers(register: Callable[[Any], None]) -> None:
    """Register :class:`Mollie`."""
    register(Mollie)
