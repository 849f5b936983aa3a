"""What the built-in online providers share: declared settings, the plugin context,
credentials kept out of sight, HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import httpx

from paylink.clock import Clock, SystemClock
from paylink.context import PluginContext, Setting
from paylink.exceptions import ValidationError
from paylink.http import ApiClient
from paylink.money import Money
from paylink.ports import ProviderEvent, ProviderOutcome, RefundResult

__all__ = ["METHOD_LABELS", "WALLETS", "OnlineProvider", "online_settings"]

METHOD_LABELS: Mapping[str, str | Mapping[str, str]] = {
    "card": {"en": "Card", "fr": "Carte", "nl": "Kaart", "de": "Karte"},
    "creditcard": {"en": "Card", "fr": "Carte", "nl": "Kaart", "de": "Karte"},
    "bancontact": "Bancontact",
    "ideal": "iDEAL",
    "payconiq": "Payconiq by Bancontact",
    "sepa_debit": {
        "en": "SEPA Direct Debit",
        "fr": "Domiciliation SEPA",
        "nl": "SEPA-domiciliëring",
        "de": "SEPA-Lastschrift",
    },
    "directdebit": {
        "en": "SEPA Direct Debit",
        "fr": "Domiciliation SEPA",
        "nl": "SEPA-domiciliëring",
        "de": "SEPA-Lastschrift",
    },
    "paypal": "PayPal",
    "applepay": "Apple Pay",
    "apple_pay": "Apple Pay",
    "googlepay": "Google Pay",
    "google_pay": "Google Pay",
    "kbc": "KBC/CBC",
    "belfius": "Belfius",
    "eps": "EPS",
    "giropay": "giropay",
    "sofort": "SOFORT",
    "klarna": "Klarna",
}
"""How the built-in card providers name their methods on the pay page, per language."""

WALLETS: Mapping[str, str] = {
    "applepay": "card",
    "apple_pay": "card",
    "googlepay": "card",
    "google_pay": "card",
}
"""Wallets the built-in card providers show under their card button (the checkout offers
them on the card form)."""


_COMMON = ("api_key", "webhook_secret", "base_url", "methods")


def online_settings(**own: Setting) -> dict[str, Setting]:
    """The settings every online provider takes (``api_key``, ``webhook_secret`` — one, or
    several during a rotation —, ``base_url``, ``methods``), plus the provider's ``own``."""
    return {
        "api_key": Setting(secret=True, required=True, help="the account's API key"),
        "webhook_secret": Setting(
            type=(str, list, tuple), secret=True, help="signs the webhooks (a list: rotation)"
        ),
        "base_url": Setting(help="the API host (a sandbox, a mock server)"),
        "methods": Setting(type=(list, tuple), help="the payment methods offered"),
        **own,
    }


class OnlineProvider:
    """Base of the built-in card and wallet providers.

    Subclasses set the class attributes, declare their settings in ``settings_spec``
    (:func:`online_settings` plus their own), and implement the
    :class:`~paylink.ports.OnlinePaymentProvider` methods. paylink builds them like every
    plugin (:func:`~paylink.context.build_plugin`: settings checked, one
    :class:`~paylink.context.PluginContext`); the older keywords (``account_id``, ``http``,
    ``clock``, ``sleep``) still work for code that builds one directly. Unknown settings and
    missing credentials raise :class:`~paylink.exceptions.ValidationError` naming the setting,
    never its value.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    supports_refunds: ClassVar[bool] = False
    method_labels: ClassVar[Mapping[str, str | Mapping[str, str]]] = METHOD_LABELS
    grouped_methods: ClassVar[Mapping[str, str]] = WALLETS
    statuses: ClassVar[Mapping[str, ProviderOutcome]]
    secret_settings: ClassVar[frozenset[str]] = frozenset({"api_key", "webhook_secret"})
    default_base_url: ClassVar[str]
    default_methods: ClassVar[tuple[str, ...]]
    settings_spec: ClassVar[dict[str, Setting]] = online_settings()

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | Sequence[str] | None = None,
        base_url: str | None = None,
        methods: Sequence[str] | None = None,
        account_id: str = "",
        http: httpx.Client | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
        context: PluginContext | None = None,
        **settings: Any,
    ) -> None:
        unknown = sorted(set(settings) - (set(self.settings_spec) - set(_COMMON)))
        if unknown:
            raise ValidationError(
                f"{self.name} does not know the setting(s) {', '.join(unknown)}",
                field=unknown[0],
            )
        given = {"api_key": api_key, "webhook_secret": webhook_secret, **settings}
        for needed in sorted(n for n, s in self.settings_spec.items() if s.required):
            if not given.get(needed):
                raise ValidationError(f"{self.name} needs {needed}", field=needed)
        if context is not None:
            account_id = account_id or context.account_id
            http = http if http is not None else context.http
            clock = clock or context.clock
            sleep = sleep or context.sleep
        self.context = context
        self._api_key = api_key or ""
        if isinstance(webhook_secret, str):
            secrets: tuple[str, ...] = (webhook_secret,) if webhook_secret else ()
        else:
            secrets = tuple(s for s in webhook_secret or () if s)
        self._webhook_secrets = secrets
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._methods = tuple(methods) if methods else self.default_methods
        self.account_id = account_id
        self._clock: Clock = clock or SystemClock()
        self._settings = {k: v for k, v in settings.items() if v is not None}
        self.api = ApiClient(
            provider=self.name,
            base_url=self.base_url,
            headers=self._auth_headers(),
            secrets=self._all_secrets(),
            http=http,
            sleep=sleep,
            request_id_header=self.request_id_header,
            error_message=self._error_message,
        )

    request_id_header: ClassVar[str] = "request-id"

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    def _all_secrets(self) -> Iterable[str]:
        yield self._api_key
        yield from self._webhook_secrets
        for key in self.secret_settings:
            value = self._settings.get(key)
            if isinstance(value, str):
                yield value

    @staticmethod
    def _error_message(body: Any) -> str | None:
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} account={self.account_id or '-'} {self.base_url}>"

    @property
    def methods(self) -> Sequence[str]:
        """The payment methods this account offers."""
        return self._methods

    def close(self) -> None:
        """Release the account's HTTP connections."""
        self.api.close()

    def _now(self) -> dt.datetime:
        return self._clock.now()

    def refund(
        self, payment_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundResult:
        """Refunds are not supported by this provider (``supports_refunds`` is false)."""
        raise NotImplementedError(f"{self.name} does not support refunds")

    def _event(self, **fields: Any) -> ProviderEvent:
        return ProviderEvent(provider=self.name, **fields)
