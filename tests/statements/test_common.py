"""The fast helpers the readers use agree with the slower, general ones they stand in for."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.references import parse, rf
from paylink.statements._common import (
    decoded_lines,
    first_reference,
    make_money,
    ogm_reference,
    reference_of,
)

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@settings(max_examples=200)
@given(body=st.text(ALNUM, min_size=1, max_size=21), valid=st.booleans(), spaced=st.booleans())
def test_fast_rf_check_agrees_with_references_parse(body: str, valid: bool, spaced: bool) -> None:
    value = str(rf(body)) if valid else f"RF{sum(map(ord, body)) % 90 + 10}{body}"
    if spaced:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    assert reference_of(value) == parse(value)


@settings(max_examples=200)
@given(digits=st.text("0123456789", min_size=12, max_size=12), framed=st.booleans())
def test_fast_ogm_check_agrees_with_references_parse(digits: str, framed: bool) -> None:
    value = f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++" if framed else digits
    assert reference_of(value) == parse(value)
    assert ogm_reference(digits) == parse(digits)


def test_first_reference_prefers_a_whole_value_then_searches_text() -> None:
    assert str(first_reference("RF18 5390 0754 7034", "x")) == "RF18539007547034"
    assert str(first_reference(None, "betaling 202/6000/12320 dank")) == "+++202/6000/12320+++"
    assert first_reference("Factuur 2026-0000123", None) is None


def test_make_money_fast_path_is_exact_money() -> None:
    money = make_money(Decimal("12.340"), "EUR", file="f")
    assert money == Money.of("12.34", "EUR")
    assert str(money.amount) == "12.34"
    assert make_money(Decimal("5"), "JPY", file="f") == Money.of("5", "JPY")
    with pytest.raises(StatementError, match="more decimals than EUR allows"):
        make_money(Decimal("1.005"), "EUR", file="f", line=3)
    with pytest.raises(StatementError, match="ISO 4217"):
        make_money(Decimal("1"), "EURO", file="f")


def test_decoded_lines_chunks_and_encodings() -> None:
    data = "été\r\nb\nlast".encode("cp1252")
    assert list(decoded_lines(io.BytesIO(data), chunk_size=3)) == ["été", "b", "last"]
    assert list(decoded_lines(io.BytesIO("ü\n".encode()))) == ["ü"]
    assert list(decoded_lines(io.BytesIO(b"\x81x\n"))) == ["\x81x"]  # latin-1 fallback
