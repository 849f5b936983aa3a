"""Lower floor: the e-invoice network plugins instantiated for the organizations' accounts.

One :class:`NetworkClients` per :class:`~paylink.Paylink` keeps one plugin instance and one
HTTP client per account (rebuilt when the account's settings change), as
:class:`._provider_accounts.ProviderClients` does for payment providers.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from ..clock import Clock
from ..networks import NetworkAccount
from ..plugins import Plugins
from ..store import Connection
from ..store import networks as q

__all__ = ["NetworkClients"]

_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class NetworkClients:
    """Network plugin instances per account.

    ``transport`` (an ``httpx.BaseTransport``, default ``None``: the network) and ``sleep``
    (called between retries) are what every account's HTTP client is built with; tests set
    them to a mock transport and a function that does not wait.
    """

    def __init__(self, plugins: Plugins, clock: Clock, base_url: str) -> None:
        self._plugins = plugins
        self._clock = clock
        self._base_url = base_url
        self.transport: httpx.BaseTransport | None = None
        self.sleep: Callable[[float], None] = time.sleep
        self._instances: dict[str, tuple[str, Any, httpx.Client]] = {}

    def network_class(self, network: str) -> Any:
        """The installed network class called ``network`` (PluginError when none is)."""
        return self._plugins.einvoice_network(network)

    def secret_of(self, network: str) -> frozenset[str]:
        """The names of ``network``'s settings that are secrets."""
        cls = self._plugins.einvoice_networks.get(network)
        names: frozenset[str] = getattr(cls, "secret_settings", frozenset())
        return names | {"api_key", "webhook_secret"}

    def account(self, conn: Connection, account_id: str) -> NetworkAccount:
        """The account with this id (active or not); NotFound if none."""
        account = q.get_account(conn, account_id, self._base_url)
        return attrs.evolve(account, secret_settings=self.secret_of(account.network))

    def active(self, conn: Connection, org_id: str) -> NetworkAccount | None:
        """The organization's connected network account, or ``None``."""
        return q.active_account(conn, org_id, self._base_url, self.secret_of)

    def active_all(self, conn: Connection) -> builtins.list[NetworkAccount]:
        """Every connected network account."""
        return q.active_accounts(conn, self._base_url, self.secret_of)

    def probe(self, network: str, settings: dict[str, Any]) -> None:
        """Instantiate ``network`` with ``settings`` once, so it checks them (and close it)."""
        cls = self.network_class(network)
        instance = cls(**settings, http=None, clock=self._clock, sleep=self.sleep)
        instance.close()

    def open(self, account: NetworkAccount) -> Any:
        """The network plugin instantiated for ``account`` (one per account and settings)."""
        key = json.dumps(dict(account.settings), sort_keys=True, default=str)
        cached = self._instances.get(account.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        self.drop(account.id)
        cls = self.network_class(account.network)
        client = httpx.Client(transport=self.transport, timeout=_TIMEOUT)
        try:
            instance = cls(
                **account.settings,
                http=client,
                clock=self._clock,
                sleep=lambda seconds: self.sleep(seconds),
            )
        except BaseException:
            client.close()
            raise
        self._instances[account.id] = (key, instance, client)
        return instance

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
