from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylink import Invoice, Line, Money, ValidationError
from paylink.documents import Quote, compute_totals
from paylink.exceptions import StateError
from paylink.numbering import check_pattern, format_number, series_key


def test_line_net_and_discount() -> None:
    line = Line(description="Labour", quantity="1.5", unit_price="60", vat_rate="21", discount="10")
    assert line.net("EUR") == Money.of("81.00", "EUR")
    assert line.vat_rate == Decimal("21")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("quantity", {"quantity": "-1"}),
        ("unit_price", {"unit_price": 9.99}),
        ("vat_rate", {"vat_rate": "121"}),
        ("discount", {"discount": "-5"}),
        ("description", {"description": "  "}),
        ("quantity", {"quantity": "two"}),
    ],
)
def test_line_validation_names_the_field(field: str, kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {
        "description": "x",
        "quantity": "1",
        "unit_price": "1",
        "vat_rate": "21",
    }
    values.update(kwargs)
    with pytest.raises(ValidationError) as info:
        Line(**values)  # type: ignore[arg-type]
    assert info.value.field == field


def test_en16931_vat_is_computed_once_per_rate() -> None:
    # Three lines of 0.33 at 21 %: per-line VAT would give 3 x 0.07 = 0.21; EN 16931 computes
    # 21 % of the 0.99 base once: 0.2079 -> 0.21; and 0.10 x 3 at 21 %: 0.063 -> 0.06, not 0.09.
    lines = [
        Line(description=f"l{i}", quantity="1", unit_price="0.10", vat_rate="21") for i in range(3)
    ]
    totals = compute_totals(lines, "EUR")
    assert totals.net == Money.of("0.30", "EUR")
    assert totals.vat == Money.of("0.06", "EUR")
    assert totals.total == Money.of("0.36", "EUR")


def test_breakdown_groups_rates_and_sorts_them() -> None:
    lines = [
        Line(description="a", quantity="2", unit_price="45.00", vat_rate="21"),
        Line(description="b", quantity="1", unit_price="35.00", vat_rate="6"),
        Line(description="c", quantity="1", unit_price="10.00", vat_rate="21.00"),
        Line(description="d", quantity="3", unit_price="1.333", vat_rate="0"),
    ]
    totals = compute_totals(lines, "EUR")
    assert [(str(v.rate), str(v.base), str(v.vat)) for v in totals.breakdown] == [
        ("0", "4.00 EUR", "0.00 EUR"),
        ("6", "35.00 EUR", "2.10 EUR"),
        ("21", "100.00 EUR", "21.00 EUR"),
    ]
    assert totals.total == Money.of("162.10", "EUR")


amounts = st.decimals(
    min_value=0, max_value=10_000, places=3, allow_nan=False, allow_infinity=False
)
line_strategy = st.builds(
    Line,
    description=st.just("item"),
    quantity=st.decimals(min_value=0, max_value=1000, places=2).map(str),
    unit_price=amounts.map(str),
    vat_rate=st.sampled_from(["0", "6", "12", "21", "5.5"]),
    discount=st.sampled_from(["0", "10", "33.33"]),
)


@given(st.lists(line_strategy, min_size=1, max_size=25))
def test_totals_are_sums_of_rounded_parts(lines: list[Line]) -> None:
    totals = compute_totals(lines, "EUR")
    assert totals.net == Money.sum((line.net("EUR") for line in lines), "EUR")
    assert totals.vat == Money.sum((v.vat for v in totals.breakdown), "EUR")
    assert totals.total == totals.net + totals.vat
    for vat in totals.breakdown:
        assert vat.vat == Money.of(vat.base.amount * vat.rate / 100, "EUR")


def _invoice(**kw: object) -> Invoice:
    values: dict[str, object] = {
        "id": "inv_1",
        "organization_id": "org_1",
        "customer_id": "cus_1",
        "currency": "EUR",
        "lines": [Line(description="x", quantity="1", unit_price="100", vat_rate="21")],
        "status": "issued",
        "due_date": dt.date(2026, 3, 31),
    }
    values.update(kw)
    return Invoice(**values)  # type: ignore[arg-type]


def test_open_amount_and_overdue_are_derived() -> None:
    inv = _invoice(paid_amount=Money.of("21", "EUR"))
    assert inv.open_amount == Money.of("100", "EUR")
    assert not inv.is_overdue(dt.date(2026, 3, 31))
    assert inv.is_overdue(dt.date(2026, 4, 1))
    assert inv.days_overdue(dt.date(2026, 4, 10)) == 10
    assert inv.status_after_settlement() == "partially_paid"
    paid = _invoice(paid_amount=Money.of("121", "EUR"))
    assert paid.status_after_settlement() == "paid"
    assert _invoice(status="cancelled").open_amount == Money.zero("EUR")


def test_quote_transitions() -> None:
    quote = Quote(
        id="q",
        organization_id="o",
        customer_id="c",
        currency="EUR",
        lines=[Line(description="x", quantity="1", unit_price="1", vat_rate="0")],
    )
    assert quote.can("sent")
    assert not quote.can("approved")
    with pytest.raises(StateError, match="draft; it cannot become approved"):
        quote.require("approved")


def test_numbering_patterns() -> None:
    day = dt.date(2026, 11, 24)
    assert format_number("{year}-{seq:06d}", 123, day) == "2026-000123"
    assert series_key("invoice", "{year}-{seq:06d}", day) == "invoice:2026"
    assert series_key("invoice", "F{year}{month:02d}-{seq}", day) == "invoice:2026-11"
    assert series_key("invoice", "INV{seq:05d}", day) == "invoice"
    for bad in ("{year}", "{seq}{nope}", "{seq", "{0}"):
        with pytest.raises(ValidationError):
            check_pattern(bad)
