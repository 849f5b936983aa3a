"""The pytest plugin paylink registers (entry point ``pytest11`` -> ``paylink.testing.plugin``)."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import entry_points

from paylink import FixedClock, Paylink


def test_the_entry_point_names_the_plugin_module() -> None:
    (found,) = [e for e in entry_points(group="pytest11") if e.name == "paylink"]
    assert found.value == "paylink.testing.plugin"


def test_the_fixtures_give_a_paylink_on_a_fixed_clock(
    paylink: Paylink, paylink_clock: FixedClock
) -> None:
    assert paylink_clock.now() == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    org = paylink.organizations.create(name="Shop", country="BE", iban="BE71096123456769")
    paylink_clock.advance(days=31)
    assert paylink.clock.now() == dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
    assert paylink.today(org) == dt.date(2026, 4, 2)
    assert [o.id for o in paylink.organizations.list()] == [org.id]
