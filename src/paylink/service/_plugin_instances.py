"""Lower floor: one plugin instance and one HTTP client per account, rebuilt when its settings
change. Payment providers (:mod:`._provider_accounts`) and e-invoice networks
(:mod:`._network_clients`) both keep their accounts' plugins here.
"""

from __future__ import annotations

import builtins
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ..clock import Clock
from ..context import PluginContext, build_plugin, secret_setting_names, secrets_of
from ..exceptions import PaylinkError, PluginError
from ..plugins import Plugins

__all__ = ["AccountPlugins", "PluginInstances", "fingerprint"]

# Settings that are secrets whatever a plugin declares: a plugin that forgets to declare its
# API key still never shows it.
ALWAYS_SECRET = frozenset({"api_key", "webhook_secret"})

log = logging.getLogger("paylink.plugins")


def fingerprint(settings: Mapping[str, Any]) -> str:
    """A stable text of ``settings``: an instance is rebuilt when it changes."""
    return json.dumps(dict(settings), sort_keys=True, default=str)


class PluginInstances:
    """Plugin instances per account, each with the HTTP client paylink owns for it.

    ``transport`` (an ``httpx.BaseTransport``, default ``None``: the network) and ``sleep``
    (called between retries, default :func:`time.sleep`) are what every account's HTTP client
    and context are built with; tests set them to a mock transport and a function that does
    not wait. ``kind`` names the plugins in log lines and errors ("provider", "network").
    """

    def __init__(self, clock: Clock, *, kind: str, timeout: httpx.Timeout) -> None:
        self._clock = clock
        self._kind = kind
        self._timeout = timeout
        self.transport: httpx.BaseTransport | None = None
        self.sleep: Callable[[float], None] = time.sleep
        self._instances: dict[str, tuple[str, Any, httpx.Client]] = {}

    def build(
        self,
        cls: Any,
        settings: Mapping[str, Any],
        account_id: str,
        http: httpx.Client | None,
    ) -> Any:
        """``cls`` built for an account the way every plugin is built
        (:func:`~paylink.context.build_plugin`): with a context when its constructor takes
        one, else with ``account_id``, ``http``, ``clock`` and ``sleep``."""

        def sleep(seconds: float) -> None:
            self.sleep(seconds)

        context = PluginContext(
            name=str(getattr(cls, "name", self._kind)),
            account_id=account_id,
            http=http,
            clock=self._clock,
            sleep=sleep,
            secrets=secrets_of(cls, settings),
        )
        return build_plugin(
            cls,
            settings,
            context=context,
            legacy={"account_id": account_id, "http": http, "clock": self._clock, "sleep": sleep},
        )

    def open(
        self, account_id: str, name: str, cls: Any, settings: Mapping[str, Any], key: str
    ) -> Any:
        """The plugin ``cls`` (called ``name``) built for ``account_id`` with ``settings``;
        the cached instance while ``key`` (the settings' fingerprint) is unchanged."""
        cached = self._instances.get(account_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        self.drop(account_id)
        client = httpx.Client(transport=self.transport, timeout=self._timeout)
        try:
            instance = self.build(cls, settings, account_id, client)
        except PaylinkError:
            client.close()
            raise
        except Exception as exc:
            client.close()
            log.exception("the %s plugin could not be built", name)
            raise PluginError(
                f"the {name} plugin could not be built ({type(exc).__name__})"
            ) from exc
        except BaseException:
            client.close()
            raise
        self._instances[account_id] = (key, instance, client)
        return instance

    def drop(self, account_id: str) -> None:
        """Close and forget the account's instance (its settings changed)."""
        cached = self._instances.pop(account_id, None)
        if cached is not None:
            cached[1].close()
            cached[2].close()

    def close(self) -> None:
        """Close every account's instance and HTTP client."""
        for account_id in builtins.list(self._instances):
            self.drop(account_id)


class AccountPlugins:
    """What the provider and network account registries share: the installed plugins, the
    :class:`PluginInstances` their accounts are built in, and which settings are secrets.

    ``transport`` (an ``httpx.BaseTransport``, default ``None``: the network) and ``sleep``
    (called between retries) are what every account's HTTP client is built with; tests set
    them to a mock transport and a function that does not wait.
    """

    def __init__(
        self,
        plugins: Plugins,
        clock: Clock,
        base_url: str,
        *,
        kind: str,
        timeout: httpx.Timeout,
    ) -> None:
        self._plugins = plugins
        self._base_url = base_url
        self._instances = PluginInstances(clock, kind=kind, timeout=timeout)

    @property
    def transport(self) -> httpx.BaseTransport | None:
        """The transport every account's HTTP client is built with (None: the network)."""
        return self._instances.transport

    @transport.setter
    def transport(self, value: httpx.BaseTransport | None) -> None:
        self._instances.transport = value

    @property
    def sleep(self) -> Callable[[float], None]:
        """What the plugins call to wait between retries."""
        return self._instances.sleep

    @sleep.setter
    def sleep(self, value: Callable[[float], None]) -> None:
        self._instances.sleep = value

    def installed(self) -> Mapping[str, Any]:
        """The installed plugin classes of this kind, by name."""
        raise NotImplementedError

    def secret_of(self, name: str) -> frozenset[str]:
        """The names of the settings of the plugin called ``name`` that are secrets (declared
        in ``secret_settings`` or as secret in ``settings_spec``, and the API key and webhook
        secret whatever it declares)."""
        return secret_setting_names(self.installed().get(name)) | ALWAYS_SECRET

    def drop(self, account_id: str) -> None:
        """Close and forget the account's instance (its settings changed)."""
        self._instances.drop(account_id)

    def close(self) -> None:
        """Close every account's HTTP client."""
        self._instances.close()
