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


def test_the_fixture_s_links_have_an_explicit_base_url(paylink: Paylink) -> None:
    # A Paylink has no default base URL; the users' fixture names one, so their tests send.
    from paylink import Line

    assert paylink.base_url == "https://pay.example.com"
    org = paylink.organizations.create(name="Shop", country="BE", iban="BE71096123456769")
    customer = paylink.customers.create(org, name="Marie", email="marie@example.be")
    line = Line(description="Work", quantity="1", unit_price="100", vat_rate="21")
    (message,) = paylink.messages.send(paylink.invoices.issue(org, customer, lines=[line]))
    assert "https://pay.example.com/pay/" in message.text
