"""Statutory late-payment interest (Directive 2011/7/EU): known values and properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from paylink.money import Money
from paylink.reminders import (
    ECB_REFERENCE_RATES,
    Fee,
    ReferenceRates,
    interest_periods,
    statutory_interest,
    statutory_percent_days,
)

DAYS = st.integers(min_value=0, max_value=2000)
START = dt.date(2020, 1, 1)
DUE = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31))
AMOUNTS = st.integers(min_value=0, max_value=10**9).map(lambda m: Money.from_minor(m, "EUR"))


def test_reference_rates_per_half_year() -> None:
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2022, 12, 31)) == Decimal("0.00")
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2023, 1, 1)) == Decimal("2.50")
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2023, 7, 1)) == Decimal("4.00")
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2024, 3, 1)) == Decimal("4.50")
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2024, 12, 31)) == Decimal("4.25")
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2025, 6, 30)) == Decimal("3.15")
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2026, 2, 1)) == Decimal("2.15")
    # After the last known half-year the last rate carries on, marked as not known.
    assert ECB_REFERENCE_RATES.rate_on(dt.date(2027, 1, 1)) == Decimal("2.15")
    assert ECB_REFERENCE_RATES.is_known(dt.date(2026, 6, 30))
    assert not ECB_REFERENCE_RATES.is_known(dt.date(2026, 7, 1))


def test_known_values() -> None:
    # 1000 EUR, 31 days of January 2026 at 2.15 + 8 = 10.15 %: 1000 × 31 × 10.15 / 36500.
    assert statutory_interest(
        Money.of("1000", "EUR"), dt.date(2025, 12, 31), dt.date(2026, 1, 31)
    ) == Money.of("8.62", "EUR")
    # Across a rate change: 10 days at 11.15 % (2025-H1) and 5 days at 10.15 % (2025-H2).
    pd = statutory_percent_days(dt.date(2025, 6, 20), dt.date(2025, 7, 5))
    assert pd == 10 * Decimal("11.15") + 5 * Decimal("10.15")


def test_compensation_only_for_companies_and_once() -> None:
    fee = Fee.statutory()
    args = {
        "open_amount": Money.of("500", "EUR"),
        "due_date": dt.date(2026, 1, 31),
        "on": dt.date(2026, 3, 2),
    }
    company = fee.compute(customer_kind="company", **args)  # type: ignore[arg-type]
    person = fee.compute(customer_kind="person", **args)  # type: ignore[arg-type]
    assert company.compensation == Money.of("40", "EUR")
    assert person.compensation == Money.zero("EUR")
    assert company.total == person.total + Money.of("40", "EUR")
    again = fee.compute(customer_kind="company", compensation_charged=True, **args)  # type: ignore[arg-type]
    assert again.compensation == Money.zero("EUR")
    assert not company.provisional
    later = fee.compute(
        customer_kind="person",
        open_amount=Money.of("500", "EUR"),
        due_date=dt.date(2026, 6, 1),
        on=dt.date(2026, 8, 1),
    )
    assert later.provisional


def test_a_custom_rate_table() -> None:
    rates = ReferenceRates({dt.date(2020, 1, 1): "2"})
    fee = Fee.statutory(rates=rates, compensation=False)
    result = fee.compute(
        open_amount=Money.of("3650", "EUR"),
        due_date=dt.date(2026, 1, 1),
        on=dt.date(2026, 1, 11),
        customer_kind="company",
    )
    assert result.interest == Money.of("10.00", "EUR")  # 3650 × 10 days × 10 % / 365


@given(AMOUNTS, DUE, DAYS)
def test_zero_on_and_before_the_due_date(amount: Money, due: dt.date, days: int) -> None:
    assert statutory_interest(amount, due, due - dt.timedelta(days=days)) == Money.zero("EUR")


@given(AMOUNTS, DUE, DAYS, DAYS)
def test_monotone_in_days(amount: Money, due: dt.date, a: int, b: int) -> None:
    early, late = sorted((a, b))
    assert statutory_interest(amount, due, due + dt.timedelta(days=early)) <= statutory_interest(
        amount, due, due + dt.timedelta(days=late)
    )


@given(AMOUNTS, AMOUNTS, DUE, DAYS)
def test_monotone_in_amount(a: Money, b: Money, due: dt.date, days: int) -> None:
    small, large = sorted((a, b))
    on = due + dt.timedelta(days=days)
    assert statutory_interest(small, due, on) <= statutory_interest(large, due, on)


@given(DUE, DAYS, DAYS)
def test_additive_over_periods(due: dt.date, a: int, b: int) -> None:
    first, second = sorted((a, b))
    middle = due + dt.timedelta(days=first)
    end = due + dt.timedelta(days=second)
    whole = statutory_percent_days(due, end)
    parts = statutory_percent_days(due, middle) + statutory_percent_days(
        due, end, start=middle + dt.timedelta(days=1)
    )
    assert whole == parts


@given(AMOUNTS, DUE, DAYS, DAYS)
def test_charged_in_instalments_adds_up_within_a_cent(
    amount: Money, due: dt.date, a: int, b: int
) -> None:
    # What successive reminders charge (interest from the day after the previous charge) adds
    # up to the interest of the whole period, give or take the rounding of each charge.
    first, second = sorted((a, b))
    fee = Fee.statutory(compensation=False)
    middle = due + dt.timedelta(days=first)
    end = due + dt.timedelta(days=second)
    one = fee.compute(open_amount=amount, due_date=due, on=middle, customer_kind="person")
    two = fee.compute(
        open_amount=amount,
        due_date=due,
        on=end,
        customer_kind="person",
        interest_from=middle + dt.timedelta(days=1),
    )
    whole = fee.compute(open_amount=amount, due_date=due, on=end, customer_kind="person")
    assert abs((one.total + two.total - whole.total).minor_units) <= 1


# --- partial payments: interest accrues each day on what was open that day ----------------------

PAYMENTS = st.lists(
    st.tuples(
        st.integers(min_value=-30, max_value=400),
        st.integers(min_value=1, max_value=10**7).map(lambda m: Money.from_minor(m, "EUR")),
    ),
    max_size=5,
)


def _dated(due: dt.date, payments: list[tuple[int, Money]]) -> list[tuple[dt.date, Money]]:
    return [(due + dt.timedelta(days=offset), amount) for offset, amount in payments]


def test_a_partial_payment_halves_the_base_from_its_day_on() -> None:
    # 1000 EUR due 31 December 2025; 500 paid on 16 January 2026: 15 days on 1000 (1 to 15
    # January), then 16 days on 500 (16 to 31 January), at 10.15 %.
    due, on = dt.date(2025, 12, 31), dt.date(2026, 1, 31)
    paid = [(dt.date(2026, 1, 16), Money.of("500", "EUR"))]
    result = statutory_interest(Money.of("500", "EUR"), due, on, payments=paid)
    expected = (1000 * 15 + 500 * 16) * Decimal("10.15") / 36500
    assert result == Money.of(expected, "EUR")
    periods = interest_periods(Money.of("500", "EUR"), due, on, payments=paid)
    assert [(p.start, p.end, p.base) for p in periods] == [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 15), Money.of("1000", "EUR")),
        (dt.date(2026, 1, 16), dt.date(2026, 1, 31), Money.of("500", "EUR")),
    ]
    fee = Fee.statutory(compensation=False).compute(
        open_amount=Money.of("500", "EUR"), due_date=due, on=on, customer_kind="person",
        payments=paid,
    )  # fmt: skip
    assert fee.interest == result
    assert fee.interest_from == dt.date(2026, 1, 1)
    assert fee.interest_through == on
    assert (
        "15 days from 2026-01-01 to 2026-01-15 at 10.15% (reference 2.15% + 8) on 1000.00 EUR"
        in fee.explanation
    )


def test_payments_must_be_dated_amounts_in_the_currency() -> None:
    import pytest

    from paylink.exceptions import ValidationError

    due, on = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    with pytest.raises(ValidationError) as bad:
        statutory_interest(Money.of("10", "EUR"), due, on, payments=[(on, Money.of("1", "USD"))])
    assert bad.value.field == "payments[0]"
    with pytest.raises(ValidationError) as bad:
        statutory_interest(
            Money.of("10", "EUR"), due, on, payments=[("2026-01-05", Money.of("1", "EUR"))]
        )  # type: ignore[list-item]
    assert bad.value.field == "payments[0]"


@given(AMOUNTS, DUE, DAYS, PAYMENTS)
def test_partial_payments_never_add_interest(
    now_open: Money, due: dt.date, days: int, payments: list[tuple[int, Money]]
) -> None:
    # The same debt, partly paid along the way, earns at most the interest of the debt unpaid.
    on = due + dt.timedelta(days=days)
    dated = _dated(due, payments)
    before = now_open + Money.sum((m for _, m in dated), "EUR")
    assert statutory_interest(now_open, due, on, payments=dated) <= statutory_interest(
        before, due, on
    )
    # ... and at least the interest on what is still open.
    assert statutory_interest(now_open, due, on) <= statutory_interest(
        now_open, due, on, payments=dated
    )


@given(AMOUNTS, DUE, DAYS, st.integers(min_value=1, max_value=400), PAYMENTS)
def test_splitting_the_period_at_a_payment_day_gives_the_same_total(
    now_open: Money, due: dt.date, days: int, cut: int, payments: list[tuple[int, Money]]
) -> None:
    split = due + dt.timedelta(days=cut)
    on = split + dt.timedelta(days=days)
    dated = _dated(due, payments)
    dated.append((split, Money.of("25", "EUR")))
    whole = interest_periods(now_open, due, on, payments=dated)
    first = interest_periods(now_open, due, split - dt.timedelta(days=1), payments=dated)
    second = interest_periods(now_open, due, on, payments=dated, start=split)
    exact = sum((p.percent_days for p in whole), Decimal(0))
    assert exact == sum((p.percent_days for p in first + second), Decimal(0))
    # Rounded to the cent, the two charges add up to the whole within a cent.
    parts = statutory_interest(
        now_open, due, split - dt.timedelta(days=1), payments=dated
    ) + statutory_interest(now_open, due, on, payments=dated, start=split)
    assert abs((parts - statutory_interest(now_open, due, on, payments=dated)).minor_units) <= 1


@given(AMOUNTS, DUE, DAYS, st.integers(min_value=1, max_value=10**7), st.integers(0, 40))
def test_a_payment_on_the_first_day_equals_the_reduced_amount(
    now_open: Money, due: dt.date, days: int, paid_minor: int, early: int
) -> None:
    # Paid on the first day of interest (or earlier): as if the debt had been the reduced
    # amount from the start.
    on = due + dt.timedelta(days=days)
    paid = Money.from_minor(paid_minor, "EUR")
    first_day = due + dt.timedelta(days=1)
    for day in (first_day, first_day - dt.timedelta(days=early)):
        assert statutory_interest(now_open, due, on, payments=[(day, paid)]) == (
            statutory_interest(now_open, due, on)
        )
