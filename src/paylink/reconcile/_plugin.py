"""paylink's built-in match rules, registered through the same hook a plugin uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hookspecs import hookimpl
from .rules import BUILTIN_RULES, Rule, as_rule

__all__ = ["collect_rules", "paylink_register_match_rules"]


@hookimpl
def paylink_register_match_rules(register: Callable[..., None]) -> None:
    """Register the built-in rules with their priorities (10 to 90)."""
    for rule in BUILTIN_RULES:
        register(rule, priority=rule.priority)


def collect_rules(hook: Any) -> list[Rule]:
    """Call ``hook.paylink_register_match_rules`` (a pluggy hook relay, ``pm.hook``) and return
    the registered rules as :class:`Rule` objects, in priority order.

    A plain function registered by a plugin becomes a rule named after the function. Two rules
    with one name are refused by :class:`~paylink.reconcile.Reconciler`.
    """
    rules: list[Rule] = []

    def register(rule: Any, priority: int | None = None) -> None:
        rules.append(as_rule(rule, priority))

    hook.paylink_register_match_rules(register=register)
    return sorted(rules, key=lambda r: r.priority)
