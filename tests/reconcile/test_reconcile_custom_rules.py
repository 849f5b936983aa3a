"""Custom rules: the decorator, Reconciler(rules=[...]), and the pluggy hook."""

from __future__ import annotations

import pluggy
import pytest
from reconcile_builders import STRANGER_IBAN, make_item, make_tx

from paylink import hookspecs
from paylink.exceptions import ValidationError
from paylink.reconcile import (
    BUILTIN_RULES,
    Candidate,
    Reconciler,
    Rule,
    _plugin,
    reconcile,
    rule,
)


@rule(priority=45, name="unique_amount")
def unique_amount(tx, index):  # type: ignore[no-untyped-def]
    """The only open invoice of exactly this amount."""
    items = index.by_amount(tx.amount) if tx.is_credit else []
    if len(items) == 1:
        return [Candidate.full(items[0], index, 0.96, "the only open invoice of this amount")]
    return []


def test_decorator_makes_a_named_rule() -> None:
    assert isinstance(unique_amount, Rule)
    assert (unique_amount.name, unique_amount.priority) == ("unique_amount", 45)
    assert unique_amount.description == "The only open invoice of exactly this amount."


def test_custom_rule_extends_the_builtins() -> None:
    items = [make_item("2026-0001", "12.34", reference=None, ibans=())]
    tx = make_tx("12.34", iban=STRANGER_IBAN, name="someone")
    assert reconcile([tx], items).proposals == ()
    result = reconcile([tx], items, rules=[*BUILTIN_RULES, unique_amount])
    (p,) = result.proposals
    assert (p.rule, p.auto, p.invoice_numbers) == ("unique_amount", True, ("2026-0001",))
    assert "unique_amount (priority 45)" in result.explain(tx.id)


def test_reconciler_rule_decorator_and_plain_functions() -> None:
    reconciler = Reconciler()

    @reconciler.rule(priority=5, name="always_first")
    def always_first(tx, index):  # type: ignore[no-untyped-def]
        return []

    def plain(tx, index):  # type: ignore[no-untyped-def]
        return []

    reconciler.add_rule(plain)
    names = [r.name for r in reconciler.rules]
    assert names[0] == "always_first"
    assert names[-1] == "plain"
    with pytest.raises(ValidationError, match="already"):
        reconciler.add_rule(plain)


def test_a_rule_cannot_allocate_more_than_is_open_or_paid() -> None:
    @rule(name="greedy")
    def greedy(tx, index):  # type: ignore[no-untyped-def]
        item = index.items[0]
        return [Candidate(((item, item.open_amount + item.open_amount),), 1.0, "all of it")]

    @rule(name="too_much")
    def too_much(tx, index):  # type: ignore[no-untyped-def]
        return [Candidate.full(index.items[0], index, 1.0, "more than paid")]

    items = [make_item("2026-0002", "50.00")]
    result = reconcile([make_tx("10.00", id="T")], items, rules=[greedy, too_much])
    assert result.proposals == ()
    assert "dropped 1 invalid candidate" in result.explain("T")


def test_builtins_are_registered_through_the_hook() -> None:
    pm = pluggy.PluginManager("paylink")
    pm.add_hookspecs(hookspecs)
    pm.register(_plugin)

    class ThirdParty:
        @hookspecs.hookimpl
        def paylink_register_match_rules(self, register):  # type: ignore[no-untyped-def]
            register(unique_amount, priority=45)

    pm.register(ThirdParty())
    rules = _plugin.collect_rules(pm.hook)
    assert [r.name for r in rules] == [
        *(r.name for r in BUILTIN_RULES[:4]),
        "unique_amount",
        *(r.name for r in BUILTIN_RULES[4:]),
    ]
    items = [make_item("2026-0003", "7.00", reference=None, ibans=())]
    (p,) = Reconciler(rules).reconcile([make_tx("7.00")], items).proposals
    assert p.rule == "unique_amount"
