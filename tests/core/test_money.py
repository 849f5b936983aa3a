from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylink import Money, ValidationError
from paylink.money import CURRENCY_EXPONENTS


def test_of_rounds_half_up_to_the_currency_exponent() -> None:
    assert Money.of("12.345", "EUR") == Money(Decimal("12.35"), "EUR")
    assert Money.of("12.5", "JPY").amount == Decimal("13")
    assert Money.of("1.2345", "KWD").amount == Decimal("1.235")
    assert str(Money.of("12.5", "EUR")) == "12.50 EUR"
    assert repr(Money.of("3", "EUR")) == "Money('3.00', 'EUR')"


def test_constructor_refuses_silent_rounding() -> None:
    with pytest.raises(ValidationError, match="more decimals than EUR allows"):
        Money("1.234", "EUR")


@pytest.mark.parametrize("bad", [1.5, 0.1, float("nan")])
def test_floats_are_refused(bad: float) -> None:
    with pytest.raises(ValidationError, match="floats are not exact") as info:
        Money.of(bad, "EUR")  # type: ignore[arg-type]
    assert info.value.field == "amount"


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", True, None, [1]])
def test_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Money.of(bad, "EUR")  # type: ignore[arg-type]


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="ISO 4217") as info:
        Money.of("1", "EURO")
    assert info.value.field == "currency"


def test_exponents() -> None:
    assert CURRENCY_EXPONENTS["EUR"] == 2
    assert CURRENCY_EXPONENTS["JPY"] == 0
    assert CURRENCY_EXPONENTS["KWD"] == 3
    assert Money.of("1", "JPY").minor_units == 1
    assert Money.of("1.005", "KWD").minor_units == 1005
    assert Money.from_minor(12345, "EUR") == Money.of("123.45", "EUR")


def test_arithmetic_within_one_currency() -> None:
    a, b = Money.of("10.10", "EUR"), Money.of("0.20", "EUR")
    assert a + b == Money.of("10.30", "EUR")
    assert a - b == Money.of("9.90", "EUR")
    assert -a == Money.of("-10.10", "EUR")
    assert a * 3 == Money.of("30.30", "EUR")
    assert a * Decimal("0.5") == Money.of("5.05", "EUR")
    assert a > b
    assert b < a
    assert a >= a
    assert b <= b
    assert sum([a, b]) == Money.of("10.30", "EUR")
    assert Money.sum([], "EUR") == Money.zero("EUR")
    assert not Money.zero("EUR")


def test_mixing_currencies_raises() -> None:
    with pytest.raises(ValidationError, match="cannot add EUR and USD"):
        Money.of("1", "EUR") + Money.of("1", "USD")
    with pytest.raises(ValidationError, match="cannot compare"):
        _ = Money.of("1", "EUR") < Money.of("1", "USD")
    assert Money.of("1", "EUR") != Money.of("1", "USD")


def test_division_is_refused_in_favour_of_allocate() -> None:
    with pytest.raises(TypeError, match="allocate"):
        Money.of("10", "EUR") / 3


def test_allocate_example() -> None:
    parts = Money.of("100", "EUR").allocate([1, 1, 1])
    assert parts == [Money.of("33.34", "EUR"), Money.of("33.33", "EUR"), Money.of("33.33", "EUR")]
    assert Money.of("0.05", "EUR").allocate([70, 20, 10]) == [
        Money.of("0.04", "EUR"),
        Money.of("0.01", "EUR"),
        Money.of("0.00", "EUR"),
    ]


@pytest.mark.parametrize("weights", [[], [-1, 2], [0, 0]])
def test_allocate_refuses_bad_weights(weights: list[int]) -> None:
    with pytest.raises(ValidationError):
        Money.of("1", "EUR").allocate(weights)


currencies = st.sampled_from(["EUR", "JPY", "KWD", "USD"])


@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    currency=currencies,
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=20).filter(any),
)
def test_allocate_never_loses_or_creates_a_minor_unit(
    minor: int, currency: str, weights: list[int]
) -> None:
    amount = Money.from_minor(minor, currency)
    parts = amount.allocate(weights)
    assert len(parts) == len(weights)
    assert Money.sum(parts, currency) == amount
    total_w = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Decimal(minor) * w / total_w
        assert abs(Decimal(part.minor_units) - exact) < 1  # each part within one minor unit
        if w == 0:
            assert part.minor_units == 0


@given(a=st.integers(-(10**9), 10**9), b=st.integers(-(10**9), 10**9), currency=currencies)
def test_minor_units_round_trip_and_addition(a: int, b: int, currency: str) -> None:
    ma, mb = Money.from_minor(a, currency), Money.from_minor(b, currency)
    assert (ma + mb).minor_units == a + b
    assert Money.from_minor(ma.minor_units, currency) == ma
