"""Old names kept importable for one release, with a :class:`DeprecationWarning`."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["renamed"]


def renamed(
    module: str, namespace: Mapping[str, Any], names: Mapping[str, str]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) that answers each old name in ``names`` with the
    object now called by the new name, and warns that the old name will go."""

    def __getattr__(name: str) -> Any:
        new = names.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} is now called {new}; the old name will be removed in the next "
            "release",
            DeprecationWarning,
            stacklevel=2,
        )
        return namespace[new]

    return __getattr__
