"""Dunning policies: validation names the offending step; storage round-trips."""

from __future__ import annotations

import datetime as dt

import pytest

from paylink import Paylink, ValidationError
from paylink.parties import Customer, Organization
from paylink.reminders import DunningPolicy, Fee, Step, is_business_day, next_business_day

from .helpers import standard_policy


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ((), "steps"),
        ((Step(name="a", offset_days=5), Step(name="b", offset_days=5)), "steps[1].offset_days"),
        ((Step(name="a", offset_days=5), Step(name="b", offset_days=2)), "steps[1].offset_days"),
        (
            (
                Step(name="a", offset_days=0),
                Step(name="b", offset_days=7),
                Step(name="c", offset_days=14, fee=Fee.fixed("-5")),
            ),
            "steps[2].fee",
        ),
        ((Step(name="a", offset_days=0, fee=Fee.percent("120")),), "steps[0].fee"),
        ((Step(name="a", offset_days=0, channels=("email", "fax")),), "steps[0].channels[1]"),
        ((Step(name="a", offset_days=0, channels=()),), "steps[0].channels"),
        ((Step(name="a", offset_days=0, template="nonsense"),), "steps[0].template"),
        ((Step(name="", offset_days=0),), "steps[0].name"),
        ((Step(name="a", offset_days=0), Step(name="a", offset_days=3)), "steps[1].name"),
        ((Step(name="a", offset_days="3"),), "steps[0].offset_days"),  # type: ignore[arg-type]
    ],
)
def test_bad_policies_are_refused_naming_the_step(steps: tuple[Step, ...], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        DunningPolicy(steps=steps).validate()
    assert info.value.field == field


def test_saving_a_bad_policy_is_refused(pl: Paylink, org: Organization) -> None:
    bad = DunningPolicy(
        steps=(
            Step(name="a", offset_days=0),
            Step(name="b", offset_days=7),
            Step(name="c", offset_days=14, fee=Fee.fixed("-1")),
        )
    )
    with pytest.raises(ValidationError) as info:
        pl.reminders.set_policy(org, bad)
    assert info.value.field == "steps[2].fee"
    assert pl.reminders.policy(org) is None


def test_bad_fee_mode_and_quiet_hours() -> None:
    with pytest.raises(ValidationError) as info:
        standard_policy(fee_mode="sometimes").validate()  # type: ignore[arg-type]
    assert info.value.field == "fee_mode"
    with pytest.raises(ValidationError) as info:
        standard_policy(quiet_hours=("25:00", "08:00")).validate()
    assert info.value.field == "quiet_hours"


def test_policy_round_trips_through_the_store(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    policy = standard_policy(consolidate=True, fee_mode="charge", holidays=["2026-12-25"])
    pl.reminders.set_policy(org, policy)
    assert pl.reminders.policy(org) == policy
    override = DunningPolicy(steps=(Step(name="only", offset_days=30),))
    pl.reminders.set_policy(org, override, customer=customer)
    assert pl.reminders.policy(org, customer=customer) == override
    assert pl.reminders.policy(org) == policy
    assert pl.reminders.remove_policy(org, customer=customer)
    assert pl.reminders.policy(org, customer=customer) == policy


def test_policy_from_dict_validates() -> None:
    data = standard_policy().to_dict()
    data["steps"][1]["channels"] = ["pigeon"]
    with pytest.raises(ValidationError) as info:
        DunningPolicy.from_dict(data)
    assert info.value.field == "steps[1].channels[0]"
    data["steps"][1]["channels"] = ["sms"]
    data["steps"][2]["fee"] = {"kind": "bribe"}
    with pytest.raises(ValidationError) as info:
        DunningPolicy.from_dict(data)
    assert info.value.field == "steps[2].fee"


def test_latest_due_step() -> None:
    policy = standard_policy()
    due = dt.date(2026, 3, 2)
    assert policy.latest_due_step(due, dt.date(2026, 2, 26)) is None
    assert policy.latest_due_step(due, dt.date(2026, 2, 27)).name == "soon"  # type: ignore[union-attr]
    assert policy.latest_due_step(due, dt.date(2026, 3, 30)).name == "second"  # type: ignore[union-attr]
    assert policy.latest_due_step(due, dt.date(2027, 1, 1)).name == "final"  # type: ignore[union-attr]


def test_business_days() -> None:
    holidays = {dt.date(2026, 5, 1)}
    assert not is_business_day(dt.date(2026, 5, 2))  # Saturday
    assert not is_business_day(dt.date(2026, 5, 1), holidays)
    assert next_business_day(dt.date(2026, 5, 1), holidays) == dt.date(2026, 5, 4)
    assert next_business_day(dt.date(2026, 5, 5)) == dt.date(2026, 5, 5)
    assert DunningPolicy(steps=(), business_days_only=False).is_business_day(dt.date(2026, 5, 2))
