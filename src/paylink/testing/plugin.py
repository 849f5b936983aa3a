"""The pytest plugin paylink registers (entry point ``pytest11``): fixtures for users' tests.

- ``paylink_clock``: a :class:`~paylink.clock.FixedClock` at Monday 2 March 2026, 09:00 UTC;
- ``paylink``: a :class:`~paylink.Paylink` on a fresh in-memory SQLite database, with that clock
  and the base URL ``https://pay.example.com`` (links it sends point there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from ..clock import FixedClock

if TYPE_CHECKING:
    from ..service import Paylink

__all__ = ["paylink", "paylink_clock"]


@pytest.fixture
def paylink_clock() -> FixedClock:
    """A :class:`FixedClock` at Monday 2 March 2026, 09:00 UTC."""
    return FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def paylink(paylink_clock: FixedClock) -> Iterator[Paylink]:
    """A :class:`~paylink.Paylink` on a fresh in-memory SQLite database, its links at
    ``https://pay.example.com`` (a Paylink has no default base URL)."""
    from ..service import Paylink

    pl = Paylink.open("sqlite://", clock=paylink_clock, base_url="https://pay.example.com")
    yield pl
    pl.close()
