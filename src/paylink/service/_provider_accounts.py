"""Lower floor: the provider plugins instantiated for the organizations' accounts.

One :class:`ProviderClients` per :class:`~paylink.Paylink` keeps one plugin instance and one
HTTP client per account (rebuilt when the account's settings change). Every use case that talks
to a provider (checkout, webhook, the janitor, refunds) opens the account here, whichever
namespace it lives in.
"""

from __future__ import annotations

import builtins
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from ..clock import Clock
from ..context import PluginContext, build_plugin, secrets_of
from ..exceptions import PaylinkError, PluginError, ProviderUnavailable
from ..plugins import Plugins
from ..providers import ProviderAccount
from ..store import Connection
from ..store import providers as q

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


def _fingerprint(settings: dict[str, Any]) -> str:
    return json.dumps(settings, sort_keys=True, default=str)


class ProviderClients:
    """Provider plugin instances per account.

    ``transport`` (an ``httpx.BaseTransport``, default ``None``: the network) and ``sleep``
    (called between retries, default :func:`time.sleep`) are what every account's HTTP client
    is built with; tests set them to a mock transport and a function that does not wait.
    """

    def __init__(self, plugins: Plugins, clock: Clock, base_url: str) -> None:
        self._plugins = plugins
        self._clock = clock
        self._base_url = base_url
        self.transport: httpx.BaseTransport | None = None
        self.sleep: Callable[[float], None] = time.sleep
        self._instances: dict[str, tuple[str, Any, httpx.Client]] = {}

    def provider_class(self, provider: str) -> Any:
        """The installed provider class that takes accounts (it has webhooks)."""
        cls = self._plugins.payment_provider(provider)
        if not callable(getattr(cls, "parse_webhook", None)):
            raise PluginError(
                f"payment provider {provider!r} takes no account (it has no webhooks)"
            )
        return cls

    def secret_of(self, provider: str) -> frozenset[str]:
        """The names of ``provider``'s settings that are secrets."""
        cls = self._plugins.payment_providers.get(provider)
        names: frozenset[str] = getattr(cls, "secret_settings", frozenset())
        return names | {"api_key", "webhook_secret"}

    def account(self, conn: Connection, account_id: str) -> ProviderAccount:
        """The account with this id (active or not); NotFound if none."""
        account = q.get_account(conn, account_id, self._base_url)
        return attrs.evolve(account, secret_settings=self.secret_of(account.provider))

    def open(self, account: ProviderAccount) -> Any:
        """The provider plugin instantiated for ``account`` (one per account and settings)."""
        key = _fingerprint({**account.settings, "methods": list(account.methods)})
        cached = self._instances.get(account.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        self.drop(account.id)
        cls = self.provider_class(account.provider)
        client = httpx.Client(transport=self.transport, timeout=_TIMEOUT)
        try:
            instance = self.build(cls, account.settings, account.methods, account.id, client)
        except PaylinkError:
            client.close()
            raise
        except Exception as exc:
            client.close()
            log.exception("the %s plugin could not be built", account.provider)
            raise PluginError(
                f"the {account.provider} plugin could not be built ({type(exc).__name__})"
            ) from exc
        except BaseException:
            client.close()
            raise
        self._instances[account.id] = (key, instance, client)
        return instance

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

        def sleep(seconds: float) -> None:
            self.sleep(seconds)

        context = PluginContext(
            name=str(cls.name),
            account_id=account_id,
            http=http,
            clock=self._clock,
            sleep=sleep,
            secrets=secrets_of(cls, settings),
        )
        return build_plugin(
            cls,
            {**settings, **({"methods": methods} if methods else {})},
            context=context,
            legacy={"account_id": account_id, "http": http, "clock": self._clock, "sleep": sleep},
        )

    def drop(self, account_id: str) -> None:
        """Close and forget the account's instance (its settings changed)."""
        cached = self._instances.pop(account_id, None)
        if cached is not None:
            cached[1].close()
            cached[2].close()

    def close(self) -> None:
        """Close every account's HTTP client."""
        for account_id in builtins.list(self._instances):
            self.drop(account_id)
