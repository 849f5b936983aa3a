"""Lower floor: the provider plugins instantiated for the organizations' accounts.

One :class:`ProviderClients` per :class:`~paylink.Paylink` keeps one plugin instance and one
HTTP client per account (rebuilt when the account's settings change). Every use case that talks
to a provider (checkout, webhook, the janitor, refunds) opens the account here, whichever
namespace it lives in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from ..clock import Clock
from ..exceptions import PaylinkError, PluginError, ProviderUnavailable
from ..money import Money
from ..plugins import Plugins
from ..providers import ProviderAccount
from ..store import Connection
from ..store import providers as q
from ._plugin_instances import AccountPlugins, fingerprint

__all__ = ["ProviderClients", "plugin_call"]

log = logging.getLogger("paylink.providers")

_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

T = TypeVar("T")


def plugin_call(provider: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, a call into ``provider``'s plugin, contained.

    paylink's own errors pass as they are; anything else a plugin raises (a bug, a library's
    exception it let escape) is logged with its traceback and raised as
    :class:`~paylink.exceptions.ProviderUnavailable` naming the plugin, so one broken plugin
    fails its own payment method and never the pay page or the other providers.
    """
    try:
        return fn(*args, **kwargs)
    except PaylinkError:
        raise
    except Exception as exc:
        log.exception("the %s plugin failed in %s", provider, getattr(fn, "__name__", "a call"))
        raise ProviderUnavailable(
            f"the plugin failed ({type(exc).__name__})", provider=provider
        ) from exc


class ProviderClients(AccountPlugins):
    """Provider plugin instances per account (see :class:`._plugin_instances.AccountPlugins`
    for the ``transport`` and ``sleep`` they are built with)."""

    def __init__(self, plugins: Plugins, clock: Clock, base_url: str) -> None:
        super().__init__(plugins, clock, base_url, kind="provider", timeout=_TIMEOUT)

    def installed(self) -> Mapping[str, Any]:
        """The installed payment provider classes, by name."""
        return self._plugins.payment_providers

    def provider_class(self, provider: str) -> Any:
        """The installed provider class that takes accounts (it has webhooks)."""
        cls = self._plugins.payment_provider(provider)
        if not callable(getattr(cls, "parse_webhook", None)):
            raise PluginError(
                f"payment provider {provider!r} takes no account (it has no webhooks)"
            )
        return cls

    def account(self, conn: Connection, account_id: str) -> ProviderAccount:
        """The account with this id (active or not); NotFound if none."""
        account = q.get_account(conn, account_id, self._base_url)
        return attrs.evolve(account, secret_settings=self.secret_of(account.provider))

    def open(self, account: ProviderAccount) -> Any:
        """The provider plugin instantiated for ``account`` (one per account and settings)."""
        settings = _with_methods(account.settings, account.methods)
        key = fingerprint({**account.settings, "methods": list(account.methods)})
        return self._instances.open(
            account.id,
            account.provider,
            self.provider_class(account.provider),
            settings,
            key,
        )

    def invoice_qrs(
        self, conn: Connection, org_id: str, amount: Money, description: str, reference: str
    ) -> dict[str, str]:
        """The static QR payloads the organization's active provider accounts offer for paying
        ``amount`` (a provider whose plugin has ``invoice_qr``, such as Payconiq's Invoice
        product), by provider name. A plugin that is not installed or fails is left out (and
        logged): the document is drawn without its QR."""
        found: dict[str, str] = {}
        for account in q.list_accounts(conn, org_id, self._base_url, self.secret_of):
            cls = self._plugins.payment_providers.get(account.provider)
            if not callable(getattr(cls, "invoice_qr", None)):
                continue
            try:
                payload = plugin_call(
                    account.provider,
                    self.open(account).invoice_qr,
                    amount,
                    description,
                    reference,
                )
            except PaylinkError as exc:
                log.warning("no %s QR on the invoice: %s", account.provider, exc)
                continue
            if isinstance(payload, str) and payload:
                found[account.provider] = payload
        return found

    def build(
        self,
        cls: Any,
        settings: Mapping[str, Any],
        methods: Any,
        account_id: str,
        http: httpx.Client | None,
    ) -> Any:
        """The provider ``cls`` built for an account, the way every plugin is built
        (:func:`~paylink.context.build_plugin`): with a context when its constructor takes
        one, else with ``account_id``, ``http``, ``clock`` and ``sleep``."""
        return self._instances.build(cls, _with_methods(settings, methods), account_id, http)


def _with_methods(settings: Mapping[str, Any], methods: Any) -> dict[str, Any]:
    return {**settings, **({"methods": methods} if methods else {})}
