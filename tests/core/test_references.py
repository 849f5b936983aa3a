from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import ogm_vcs

from paylink import ValidationError, references
from paylink.references import Reference


def test_ogm_from_invoice_number() -> None:
    ref = references.ogm("2026-000123")
    assert ref == Reference("ogm", "202600012320")
    assert str(ref) == "+++202/6000/12320+++"
    assert references.check(str(ref)) == ref


def test_ogm_remainder_zero_gives_97() -> None:
    assert references.ogm("0000000097").value.endswith("97")
    assert references.ogm("0").value == "000000000097"


def test_rf_from_invoice_number() -> None:
    ref = references.rf("2026-000123")
    assert str(ref) == "RF462026000123"
    assert ref.display == "RF46 2026 0001 23"
    assert references.check("rf46 2026 0001 23") == ref


@pytest.mark.parametrize(
    "typed",
    [
        "+++202/6000/12320+++",
        "***202/6000/12320***",
        "202/6000/12320",
        "202600012320",
        " 202 6000 12320 ",
        "+++ 202.6000.12320 +++",
    ],
)
def test_check_normalises_what_people_type(typed: str) -> None:
    assert references.check(typed) == Reference("ogm", "202600012320")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("+++202/6000/12321+++", "check digits"),
        ("+++202/6000/1232+++", "12 digits"),
        ("hello", "structured communication"),
        ("RF47 2026 0001 23", "ISO 11649"),
    ],
)
def test_check_says_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        references.check(value)
    assert info.value.field == "reference"


def test_rf_body_is_limited() -> None:
    with pytest.raises(ValidationError, match="at most 21"):
        references.rf("A" * 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invoice 2026-000123 +++202/6000/12320+++ thanks", ["+++202/6000/12320+++"]),
        ("COMMUNICATION: 202600012320", ["+++202/6000/12320+++"]),
        ("ref 202 6000 12320 for march", ["+++202/6000/12320+++"]),
        ("pay ++202/6000/12320+", ["+++202/6000/12320+++"]),
        (
            "***202/6000/12320*** and +++090/9337/55493+++",
            ["+++202/6000/12320+++", "+++090/9337/55493+++"],
        ),
        ("year 2026 202 6000 12320", ["+++202/6000/12320+++"]),
        ("RF46 2026 0001 23 paid", ["RF462026000123"]),
        ("creditor ref rf462026000123.", ["RF462026000123"]),
        ("same twice 202600012320 202600012320", ["+++202/6000/12320+++"]),
        ("phone 0470123456 and 123456789012 wrong checksum", []),
        ("1234567890123456789", []),
        ("", []),
    ],
)
def test_find_in_noisy_text(text: str, expected: list[str]) -> None:
    assert [str(r) for r in references.find(text)] == expected


@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_ogm_round_trip(base: int) -> None:
    ref = references.ogm(base)
    assert ogm_vcs.is_valid(ref.value)
    assert references.check(str(ref)) == ref
    assert references.find(f"betaling {ref} dank u") == [ref]


@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=21))
def test_rf_round_trip(body: str) -> None:
    ref = references.rf(body)
    assert references.check(ref.display) == ref
    assert references.find(f"paid with {ref.display}") == [ref]


@given(st.from_regex(r"\A[0-9]{12}\Z"))
def test_find_never_reports_a_digit_run_whose_checksum_fails(digits: str) -> None:
    found = references.find(f"ref {digits} end")
    assert found == ([Reference("ogm", digits)] if ogm_vcs.is_valid(digits) else [])


@given(st.text(max_size=200))
def test_find_never_crashes_and_only_returns_valid_references(text: str) -> None:
    for ref in references.find(text):
        assert references.check(str(ref)) == ref


@given(
    st.integers(min_value=0, max_value=9_999_999_999),
    st.none() | st.integers(min_value=0, max_value=99),
)
def test_find_agrees_with_stdnum_on_every_check_digit(base: int, check: int | None) -> None:
    # find() checks the digits itself (it runs over every remittance text): hold it to
    # stdnum's answer, for right (None) and arbitrary check digits alike
    head = f"{base:010d}"
    digits = head + (ogm_vcs.calc_check_digits(head) if check is None else f"{check:02d}")
    expected = [Reference("ogm", digits)] if ogm_vcs.is_valid(digits) else []
    assert references.find(f"betaling {digits[:3]}/{digits[3:7]}/{digits[7:]} dank") == expected


def test_find_ignores_digits_of_other_scripts() -> None:
    arabic = "".join(chr(0x0660 + int(d)) for d in "202600012320")
    assert references.find(f"ref {arabic}") == []
    assert references.find("ref 000000000000") == []
