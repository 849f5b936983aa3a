from __future__ import annotations

import inspect
import re
from typing import Any

import pluggy
import pytest

from paylink import PluginError, hookimpl, hookspecs
from paylink.plugins import Plugins, get_plugin_manager
from paylink_providers.bank_transfer import BankTransfer

HOOKS = [
    (name, fn)
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("paylink_")
]


def test_there_are_hooks_and_all_are_prefixed() -> None:
    names = {name for name, _ in HOOKS}
    assert {
        "paylink_register_payment_providers",
        "paylink_register_channels",
        "paylink_register_bank_feeds",
        "paylink_register_statement_formats",
        "paylink_register_match_rules",
        "paylink_invoice_issued",
        "paylink_link_status_changed",
        "paylink_payment_recorded",
        "paylink_invoice_paid",
        "paylink_reminder_escalated",
    } <= names


@pytest.mark.parametrize(("name", "fn"), HOOKS, ids=[n for n, _ in HOOKS])
def test_every_hook_and_argument_is_documented(name: str, fn: Any) -> None:
    doc = inspect.getdoc(fn) or ""
    assert len(doc.split()) >= 12, f"{name} needs a docstring that says when it is called"
    for arg in inspect.signature(fn).parameters:
        assert re.search(rf":param {arg}:", doc), f"{name}: argument {arg!r} is undocumented"


def test_the_builtin_provider_comes_through_the_entry_point_group() -> None:
    pm = get_plugin_manager()
    dists = {dist.project_name for _, dist in pm.list_plugin_distinfo()}
    assert "paylink-invoices" in dists
    assert Plugins(pm).payment_providers["bank_transfer"] is BankTransfer


def test_without_entry_points_only_the_core_is_there() -> None:
    plugins = Plugins(get_plugin_manager(entry_points=False))
    assert plugins.payment_providers == {}
    with pytest.raises(PluginError, match="no payment provider 'stripe'"):
        plugins.payment_provider("stripe")


class AcmePay:
    name = "acmepay"
    label = "Acme Pay"
    supports_refunds = True


class ThirdParty:
    """A plugin as a third party would write it."""

    @hookimpl
    def paylink_register_payment_providers(self, register: Any) -> None:
        register(AcmePay)


def test_a_third_party_plugin_registers_like_ours() -> None:
    plugins = Plugins(get_plugin_manager(plugins=[ThirdParty()]))
    assert set(plugins.payment_providers) == {
        "bank_transfer",
        "stripe",
        "mollie",
        "payconiq",
        "acmepay",
    }
    info = {p.name: p for p in plugins.describe()}
    assert "paylink_register_payment_providers" in info["bank_transfer"].hooks


def test_two_plugins_registering_one_name_is_an_error() -> None:
    class Clash:
        @hookimpl
        def paylink_register_payment_providers(self, register: Any) -> None:
            register(BankTransfer)

    plugins = Plugins(get_plugin_manager(plugins=[Clash()]))
    with pytest.raises(PluginError, match="'bank_transfer' is registered by both"):
        _ = plugins.payment_providers


def test_a_misspelt_hook_is_refused() -> None:
    class Typo:
        @hookimpl
        def paylink_invoice_isued(self) -> None: ...

    with pytest.raises(pluggy.PluginValidationError):
        get_plugin_manager(plugins=[Typo()])
