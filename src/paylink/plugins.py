"""The plugin manager, and the one typed facade through which the core calls hooks.

Plugins are found through the ``paylink`` entry-point group; paylink's own formats, rules and
providers come the same way (the built-in providers are entry points of the paylink
distribution), so the plugin API is the one our own plugins use.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .exceptions import PluginError

__all__ = ["BrokenPlugin", "PluginInfo", "PluginManager", "Plugins", "get_plugin_manager"]

log = logging.getLogger("paylink.plugins")

# Parts of the core that are plugins themselves (statement formats, match rules). Modules that
# are not there (yet) are skipped.
_INTERNAL = ("paylink.statements._plugin", "paylink.reconcile._plugin")


@attrs.frozen
class BrokenPlugin:
    """A plugin that could not be loaded or used, and why.

    ``name`` is its entry point name (or its plugin name when a registration hook failed);
    ``reason`` says what went wrong in one line (the exception's type and message). A broken
    plugin is left out; every other plugin keeps working.
    """

    name: str
    distribution: str
    version: str
    reason: str


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


class PluginManager(pluggy.PluginManager):
    """paylink's plugin manager: pluggy's, plus the plugins that could not be loaded.

    ``broken`` lists each entry point that failed to import or to register (an import error,
    a missing extra, a hook with a misspelt name); those plugins are left out and the others
    are loaded as usual.
    """

    def __init__(self) -> None:
        super().__init__("paylink")
        self.broken: list[BrokenPlugin] = []

    def load_entry_points(self, group: str = "paylink") -> None:
        """Load every entry point of ``group``, one by one; a failing one is recorded in
        :attr:`broken` (by name, with the reason) instead of stopping the others."""
        seen: set[str] = set()
        for dist in importlib.metadata.distributions():
            dist_name = str(dist.metadata["name"] or "?")
            for ep in dist.entry_points:
                if ep.group != group or ep.name in seen:
                    continue
                seen.add(ep.name)
                if self.get_plugin(ep.name) is not None or self.is_blocked(ep.name):
                    continue
                try:
                    self.load_setuptools_entrypoints(group, name=ep.name)
                    plugin = self.get_plugin(ep.name)
                    unknown = sorted(
                        caller.name
                        for caller in (self.get_hookcallers(plugin) or [])
                        if caller.spec is None
                    )
                    if unknown:
                        raise PluginError(f"unknown hook(s) {', '.join(unknown)}")
                except Exception as exc:
                    log.warning("plugin %r (%s) could not be loaded: %s", ep.name, dist_name, exc)
                    plugin = self.get_plugin(ep.name)
                    if plugin is not None:
                        self.unregister(plugin)
                    self.broken.append(
                        BrokenPlugin(ep.name, dist_name, str(dist.version), _reason(exc))
                    )


def get_plugin_manager(
    *, entry_points: bool = True, plugins: Iterable[object] = ()
) -> PluginManager:
    """Build a new plugin manager: the core's own plugins, then entry points, then ``plugins``.

    Pass ``entry_points=False`` and your own ``plugins`` to test a plugin in isolation. An
    installed plugin that cannot be loaded is left out and listed in the manager's ``broken``
    (see :class:`PluginManager`); a plugin passed in ``plugins`` with a misspelt hook raises
    :class:`pluggy.PluginValidationError`.
    """
    pm = PluginManager()
    pm.add_hookspecs(hookspecs)
    for name in _INTERNAL:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if not (name == missing or name.startswith(missing + ".")):
                raise  # the module is there but one of its own imports is missing
            continue
        pm.register(module, name=name)
    if entry_points:
        pm.load_entry_points("paylink")
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


@attrs.frozen
class PluginInfo:
    """One loaded plugin: its name, where it comes from, its version and the hooks it has."""

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]


def _registry(
    pm: pluggy.PluginManager,
    hook: str,
    kind: str,
    name_of: Callable[[Any], str],
    broken: list[BrokenPlugin] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    owners: dict[str, str] = {}
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    for impl in getattr(pm.hook, hook).get_hookimpls():

        def register(item: Any, *_args: Any, _plugin: str = impl.plugin_name, **_kw: Any) -> None:
            key = name_of(item)
            if key in found:
                raise PluginError(
                    f"{kind} {key!r} is registered by both {owners[key]!r} and {_plugin!r}"
                )
            found[key] = (item, _kw) if _kw else item
            owners[key] = _plugin

        before = dict(found)
        try:
            impl.function(register=register)
        except PluginError:
            raise  # two plugins claim one name: the installation must be fixed
        except Exception as exc:
            # One plugin's registration failing leaves that plugin out, never the others.
            log.warning("plugin %r failed in %s: %s", impl.plugin_name, hook, exc)
            for key in set(found) - set(before):
                found.pop(key)
                owners.pop(key)
            if broken is not None:
                dist = dists.get(id(impl.plugin))
                broken.append(
                    BrokenPlugin(
                        impl.plugin_name,
                        dist.project_name if dist else "-",
                        dist.version if dist else "-",
                        _reason(exc),
                    )
                )
    return found


_REGISTRIES = (
    ("paylink_register_payment_providers", "payment provider"),
    ("paylink_register_channels", "message channel"),
    ("paylink_register_bank_feeds", "bank feed"),
    ("paylink_register_statement_formats", "statement format"),
)


class Plugins:
    """What the plugins provide, and the event hooks, behind typed methods.

    Built once per :class:`~paylink.Paylink`; registries are read lazily, on first use.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self._pm = pm or get_plugin_manager()
        self._cache: dict[str, dict[str, Any]] = {}
        self._broken: list[BrokenPlugin] = []

    @property
    def pm(self) -> pluggy.PluginManager:
        """The pluggy plugin manager underneath (read only): to register a plugin object in
        a test (``pl.plugins.pm.register(...)``) or to inspect hooks; the core itself calls
        hooks only through this class's typed methods."""
        return self._pm

    def _get(self, hook: str, kind: str) -> dict[str, Any]:
        if hook not in self._cache:
            self._cache[hook] = _registry(
                self._pm, hook, kind, lambda item: str(item.name), self._broken
            )
        return self._cache[hook]

    def broken(self) -> list[BrokenPlugin]:
        """The plugins that could not be loaded, or whose registration hook failed, with the
        reason; they are left out and every other plugin works."""
        for hook, kind in _REGISTRIES:
            self._get(hook, kind)
        loaded: list[BrokenPlugin] = list(getattr(self._pm, "broken", []))
        return loaded + self._broken

    @property
    def payment_providers(self) -> dict[str, Any]:
        """Payment provider classes by name."""
        return self._get("paylink_register_payment_providers", "payment provider")

    @property
    def channels(self) -> dict[str, Any]:
        """Message channel classes by name."""
        return self._get("paylink_register_channels", "message channel")

    @property
    def bank_feeds(self) -> dict[str, Any]:
        """Bank feed classes by name."""
        return self._get("paylink_register_bank_feeds", "bank feed")

    @property
    def einvoice_networks(self) -> dict[str, Any]:
        """E-invoice network classes (Peppol access points) by name."""
        return self._get("paylink_register_einvoice_networks", "e-invoice network")

    def einvoice_network(self, name: str) -> Any:
        """The e-invoice network class called ``name``, or PluginError listing the known ones."""
        try:
            return self.einvoice_networks[name]
        except KeyError:
            known = ", ".join(sorted(self.einvoice_networks)) or "none"
            raise PluginError(
                f"no e-invoice network {name!r} is installed (known: {known})"
            ) from None

    @property
    def statement_formats(self) -> dict[str, Any]:
        """Statement format objects by name."""
        return self._get("paylink_register_statement_formats", "statement format")

    def match_rules(self) -> list[Any]:
        """The registered match rules as :class:`paylink.reconcile.Rule` objects, lowest
        priority first (a plain function registered without one gets 100: after the built-ins).
        """
        from .reconcile._plugin import collect_rules

        return collect_rules(self._pm.hook)

    def payment_provider(self, name: str) -> Any:
        """The provider class called ``name``, or PluginError listing the known ones."""
        try:
            return self.payment_providers[name]
        except KeyError:
            known = ", ".join(sorted(self.payment_providers)) or "none"
            raise PluginError(
                f"no payment provider {name!r} is installed (known: {known})"
            ) from None

    # -- events --------------------------------------------------------------------------------
    def fire(self, event: str, **kwargs: Any) -> None:
        """Call every implementation of ``paylink_<event>``; one failing plugin is logged and
        does not stop the others (the work that caused the event is already committed)."""
        hook = getattr(self._pm.hook, f"paylink_{event}")
        for impl in reversed(hook.get_hookimpls()):
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception:
                log.exception("plugin %r failed in paylink_%s", impl.plugin_name, event)

    # -- introspection -------------------------------------------------------------------------
    def describe(self) -> list[PluginInfo]:
        """Every loaded plugin with its distribution, version and hooks."""
        dists = {id(plugin): dist for plugin, dist in self._pm.list_plugin_distinfo()}
        paylink_version = importlib.metadata.version("paylink-invoices")
        result = []
        for name, plugin in sorted(self._pm.list_name_plugin(), key=lambda p: str(p[0])):
            if plugin is None:
                continue
            dist = dists.get(id(plugin))
            hooks = tuple(sorted(h.name for h in self._pm.get_hookcallers(plugin) or []))
            result.append(
                PluginInfo(
                    name=str(name),
                    distribution=dist.project_name if dist else "paylink",
                    version=dist.version if dist else paylink_version,
                    hooks=hooks,
                )
            )
        return result
