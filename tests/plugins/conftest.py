"""The planted-fault harness the kit tests share: run a whole kit against one plugin class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import attrs
import pytest
from _pytest.outcomes import OutcomeException, Skipped


@attrs.frozen
class KitRun:
    """Which checks of a kit passed and which failed, by name."""

    passed: list[str]
    failed: list[str]


class RunKit(Protocol):
    """``run_kit(kit, plugin_attribute, plugin_class, before=None)``."""

    def __call__(
        self,
        kit: type[Any],
        attribute: str,
        plugin: type[Any],
        *,
        before: Callable[[], None] | None = None,
    ) -> KitRun: ...


def _run_kit(
    kit: type[Any],
    attribute: str,
    plugin: type[Any],
    *,
    before: Callable[[], None] | None = None,
) -> KitRun:
    """Run every ``test_…`` check of ``kit`` (a kit subclass with a ``setup()`` that stands
    in for its pytest fixtures) with ``plugin`` as its ``attribute`` (``provider_class`` …).

    Each check gets a fresh kit instance, after ``before()``. A skipped check fails the run:
    the samples implement every hook, so every check must run.
    """
    passed, failed = [], []
    for name in sorted(n for n in dir(kit) if n.startswith("test_")):
        if before is not None:
            before()
        instance = type("Kit", (kit,), {attribute: plugin})()
        instance.setup()
        try:
            getattr(instance, name)()
        except Skipped:
            raise AssertionError(f"{name} was skipped: the sample implements every hook") from None
        except (Exception, OutcomeException):
            failed.append(name)
        else:
            passed.append(name)
    return KitRun(passed, failed)


@pytest.fixture
def run_kit() -> RunKit:
    """The harness: run a kit's checks against a sample plugin, or one with a planted fault."""
    return _run_kit
