"""Lower floor: the e-invoice network plugins instantiated for the organizations' accounts.

One :class:`NetworkClients` per :class:`~paylink.Paylink` keeps one plugin instance and one
HTTP client per account (rebuilt when the account's settings change) in the same
:class:`._plugin_instances.PluginInstances` that payment providers use, and builds each plugin
through the one construction contract (:func:`~paylink.context.build_plugin`).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from ..clock import Clock
from ..networks import NetworkAccount
from ..plugins import Plugins
from ..store import Connection
from ..store import networks as q
from ._plugin_instances import AccountPlugins, fingerprint

__all__ = ["NetworkClients"]

_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class NetworkClients(AccountPlugins):
    """Network plugin instances per account (see :class:`._plugin_instances.AccountPlugins`
    for the ``transport`` and ``sleep`` they are built with)."""

    def __init__(self, plugins: Plugins, clock: Clock, base_url: str) -> None:
        super().__init__(plugins, clock, base_url, kind="network", timeout=_TIMEOUT)

    def installed(self) -> Mapping[str, Any]:
        """The installed e-invoice network classes, by name."""
        return self._plugins.einvoice_networks

    def network_class(self, network: str) -> Any:
        """The installed network class called ``network`` (PluginError when none is)."""
        return self._plugins.einvoice_network(network)

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
