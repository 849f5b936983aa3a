"""A simulated year of daily reminder runs over a portfolio, with a frozen clock: exactly the
expected reminders go out, on the expected days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from paylink import FixedClock, Paylink
from paylink.parties import Organization

from .helpers import EscalationSpy, at, issue, standard_policy

# invoice -> [(step, day it went out)]; see the stories in test_a_year_of_daily_runs.
EXPECTED_SENT = {
    "A": [(1, "2026-01-30"), (2, "2026-02-09"), (3, "2026-02-23"), (4, "2026-03-19")],
    "B": [(1, "2026-01-30"), (2, "2026-02-09")],
    "C": [(1, "2026-02-27"), (3, "2026-04-01"), (4, "2026-04-16")],
    "D": [(1, "2026-05-06"), (2, "2026-05-18"), (3, "2026-06-01"), (4, "2026-06-23")],
    "E": [(1, "2026-04-21"), (2, "2026-05-04"), (3, "2026-05-15")],
    "F": [(3, "2026-08-17"), (4, "2026-08-20")],
    "H": [(1, "2026-09-25"), (3, "2026-11-02"), (4, "2026-11-12")],
}
EXPECTED_SKIPPED = {"C": [2], "F": [1, 2], "H": [2]}


def test_a_year_of_daily_runs(pl: Paylink, org: Organization, clock: FixedClock) -> None:
    spy = EscalationSpy()
    pl.plugins.pm.register(spy)
    clock.set(at("2026-01-05"))
    regular = pl.customers.create(org, name="Regular", email="r@example.be", phone="+32470123456")
    paused = pl.customers.create(org, name="Paused", email="p@example.be")
    invoices = {
        "A": issue(pl, org, regular, "2026-02-02"),  # never paid: every step
        "B": issue(pl, org, regular, "2026-02-02"),  # paid on 12 Feb: stops after "first"
        "C": issue(pl, org, regular, "2026-03-02"),  # disputed 5 Mar - 1 Apr: resumes
        "D": issue(pl, org, regular, "2026-05-09"),  # steps on Saturdays wait for Monday
        "E": issue(pl, org, regular, "2026-04-24"),  # "first" on 1 May, a holiday; paid 20 May
        "F": issue(pl, org, paused, "2026-07-06"),  # customer paused 1 Jul - 15 Aug
        "H": issue(pl, org, regular, "2026-09-28"),  # the system is down in October
    }
    names = {inv.id: name for name, inv in invoices.items()}
    pl.reminders.set_policy(
        org,
        standard_policy(holidays=["2026-05-01", "2026-12-25"], quiet_hours=("21:00", "08:00")),
    )
    events = {
        "2026-02-12": lambda: pl.payments.record(invoices["B"], received_on=dt.date(2026, 2, 12)),
        "2026-03-05": lambda: pl.invoices.set_disputed(invoices["C"], True),
        "2026-04-01": lambda: pl.invoices.set_disputed(invoices["C"], False),
        "2026-05-20": lambda: pl.payments.record(invoices["E"], received_on=dt.date(2026, 5, 20)),
        "2026-07-01": lambda: pl.reminders.pause(paused, until=at("2026-08-15", 10)),
    }
    sent: dict[str, list[tuple[int, str]]] = defaultdict(list)
    night_runs_sent = 0
    day = dt.date(2026, 1, 5)
    while day <= dt.date(2026, 12, 31):
        iso = day.isoformat()
        down = dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 31)
        clock.set(at(iso, 4))
        if iso in events:
            events[iso]()
        if not down:
            # 05:00 or 06:00 in Brussels: inside the quiet hours, nothing goes out.
            night = pl.reminders.tick(at(iso, 5))
            night_runs_sent += len(night.sent)
            report = pl.reminders.tick(at(iso, 9))
            for record in report.sent:
                sent[names[record.invoice_id]].append((record.step, iso))
                assert day.weekday() < 5
        day += dt.timedelta(days=1)

    assert night_runs_sent == 0
    assert dict(sent) == EXPECTED_SENT
    for name, inv in invoices.items():
        history = pl.reminders.history(inv)
        assert [h.step for h in history if h.status == "skipped"] == EXPECTED_SKIPPED.get(name, [])
        assert {h.step for h in history if h.status == "sent"} == {
            s for s, _ in EXPECTED_SENT[name]
        }
    # The formal notice escalated once per invoice that reached it.
    escalated = sorted(names[invoice_id] for invoice_id, step, _ in spy.calls)
    assert escalated == ["A", "C", "D", "F", "H"]
    assert all(step == "final" for _, step, _ in spy.calls)
