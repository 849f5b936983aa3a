"""Lower floor: the e-invoice network plugins instantiated for the organizations' accounts.

One :class:`NetworkClients` per :class:`~paylink.Paylink` keeps one plugin instance and one
HTTP client per account (rebuilt when the account's settings change) in the same
:class:`._plugin_instances.PluginInstances` that payment providers use, and builds each plugin
through the one construction contract (:func:`~paylink.context.build_plugin`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

from ..clock import Clock
from ..networks import NetworkAccount
from ..plugins import Plugins
from ..store import Connection
from ..store import networks as q
from ._plugin_instances import PluginInstances, fingerprint

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
        self._base_url = base_url
        self._instances = PluginInstances(clock, kind="network", timeout=_TIMEOUT)

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

    def network_class(self, network: str) -> Any:
        """The installed network class called ``network`` (PluginError when none is)."""
        return self._plugins.einvoice_network(network)

    def secret_of(self, network: str) -> frozenset[str]:
        """The names of ``network``'s settings that are secrets (declared in
        ``secret_settings`` or as secret in ``settings_spec``)."""
        cls = self._plugins.einvoice_networks.get(network)
        names: frozenset[str] = getattr(cls, "secret_settings", frozenset())
        spec: Mapping[str, Any] = getattr(cls, "settings_spec", None) or {}
        declared = frozenset(k for k, s in spec.items() if getattr(s, "secret", False))
        return names | declared | {"api_key", "webhook_secret"}

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
        """Build ``network`` with ``settings`` once, without an HTTP client, so its
        settings are checked (and close it)."""
        instance = self._instances.build(self.network_class(network), settings, "", None)
        instance.close()

    def open(self, account: NetworkAccount) -> Any:
        """The network plugin built for ``account`` (one per account and settings)."""
        return self._instances.open(
            account.id,
            account.network,
            self.network_class(account.network),
            account.settings,
            fingerprint(account.settings),
        )

    def drop(self, account_id: str) -> None:
        """Close and forget the account's instance (its settings changed)."""
        self._instances.drop(account_id)

    def close(self) -> None:
        """Close every account's HTTP client."""
        self._instances.close()
