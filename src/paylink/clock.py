"""Time, passed in: the service owns a clock; the domain core only receives times.

Inject a clock to make behaviour that depends on time (due dates, reminders, expiry)
reproducible: ``Paylink.open(url, clock=FixedClock(...))``.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """Anything with a ``now()`` that returns a timezone-aware datetime."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> dt.datetime:
        """The current UTC time."""
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until moved: for tests, demos and simulations.

    >>> clock = FixedClock(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))
    >>> clock.advance(days=1).date()
    datetime.date(2026, 3, 2)
    """

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = at

    def now(self) -> dt.datetime:
        """The time the clock was set to."""
        return self._now

    def set(self, at: dt.datetime) -> None:
        """Move the clock to ``at``."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = at

    def advance(self, **delta: float) -> dt.datetime:
        """Move the clock forward by ``datetime.timedelta(**delta)``; return the new time."""
        self._now += dt.timedelta(**delta)
        return self._now

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"
