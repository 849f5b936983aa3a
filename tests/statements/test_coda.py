"""Belgian CODA v2: two statements, globalisation, OGM, cp1252, and errors with line numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.references import Reference
from paylink.statements import check_balance, parse_bytes, parse_file

from .conftest import DATA

SAMPLE = DATA / "coda_two_statements.cod"


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def lines() -> list[bytes]:
    return SAMPLE.read_bytes().split(b"\r\n")


def join(records: list[bytes]) -> bytes:
    return b"\r\n".join(records)


def test_two_statements_with_balances() -> None:
    first, second = parse_file(SAMPLE)
    assert first.format == "coda"
    assert first.id == "BE62510007547061/2026-041"
    assert first.account_iban == "BE62510007547061"
    assert first.currency == "EUR"
    assert first.opening_balance == eur("1500.00")
    assert first.opening_date == dt.date(2026, 2, 27)
    assert first.closing_balance == eur("1525.00")
    assert first.closing_date == dt.date(2026, 3, 2)
    assert first.extra["account_holder"] == "ATELIER VERBRUGGEN BV"
    assert second.id == "BE62510007547061/2026-042"
    assert second.opening_balance == eur("1525.00")
    assert second.closing_balance == eur("-375.01")  # sign 1: debit balance
    assert [check_balance(s).ok for s in (first, second)] == [True, True]


def test_movement_with_ogm_and_counterparty() -> None:
    [first, _] = parse_file(SAMPLE)
    tx = first.transactions[0]
    assert tx.id == "BE62510007547061/2026-041/0001-0000"
    assert tx.amount == eur("250.00")
    assert tx.structured_reference == Reference("ogm", "202600012522")
    assert tx.remittance_text is None
    assert tx.counterparty_name == "DUPONT GARAGE SPRL"
    assert tx.counterparty_iban == "BE71096123456769"
    assert tx.counterparty_bic == "GKCCBEBB"
    assert tx.end_to_end_id == "E2E-DUPONT-0302"
    assert tx.bank_reference == "0301A1B2C3D4E5F6G7H8I"
    assert tx.bank_transaction_code == "00150000"
    assert tx.booking_date == tx.value_date == dt.date(2026, 3, 2)
    assert tx.raw is not None
    assert tx.raw.count("\n") == 2  # records 21, 22, 23


def test_globalisation_emits_the_details_not_the_total() -> None:
    [first, _] = parse_file(SAMPLE)
    ids = [tx.id for tx in first.transactions]
    assert ids == [
        "BE62510007547061/2026-041/0001-0000",
        "BE62510007547061/2026-041/0002-0001",
        "BE62510007547061/2026-041/0002-0002",
        "BE62510007547061/2026-041/0003-0000",
    ]
    details = first.transactions[1:3]
    assert [tx.amount for tx in details] == [eur("-100.00"), eur("-200.00")]
    assert [tx.counterparty_name for tx in details] == ["PEETERS AN", "CAFÉ ZOË VOF"]
    assert details[1].remittance_text == "Loon maart Café Zoë"  # cp1252 decoded
    assert [tx.end_to_end_id for tx in details] == ["SAL-2026-03-001", "SAL-2026-03-002"]


def test_total_without_details_is_emitted() -> None:
    records = lines()
    # Drop the two detail movements (records 21/22/23 of 0002/0001 and 0002/0002).
    kept = [
        r
        for r in records
        if not (r[:2] in (b"21", b"22", b"23") and r[2:10] in (b"00020001", b"00020002"))
    ]
    first, _ = parse_bytes(join(kept))
    total = first.transactions[1]
    assert total.id == "BE62510007547061/2026-041/0002-0000"
    assert total.amount == eur("-300.00")
    assert total.remittance_text == "BATCH SALAIRES MARS"
    assert check_balance(first).ok is True


def test_information_record_gives_the_name() -> None:
    [first, _] = parse_file(SAMPLE)
    tx = first.transactions[3]
    assert tx.counterparty_name == "JANSSENS JAN"
    assert tx.remittance_text == "factuur 2026/0007 dank u"
    assert tx.value_date == dt.date(2026, 3, 1)
    assert tx.booking_date == dt.date(2026, 3, 2)


def test_reference_found_in_free_communication() -> None:
    [_, second] = parse_file(SAMPLE)
    assert second.transactions[0].structured_reference == Reference("ogm", "202600013027")
    assert second.transactions[1].counterparty_iban == "DE89370400440532013000"


def test_short_lines_without_trailing_spaces_and_lf_endings() -> None:
    data = b"\n".join(r.rstrip(b" ") for r in lines())
    assert [len(s.transactions) for s in parse_bytes(data)] == [4, 2]


def test_ids_are_stable_across_imports() -> None:
    a = [tx.id for s in parse_file(SAMPLE) for tx in s.transactions]
    b = [tx.id for s in parse_bytes(SAMPLE.read_bytes()) for tx in s.transactions]
    assert a == b
    assert len(set(a)) == 6


# --- errors -----------------------------------------------------------------------------------


def test_bad_amount_names_the_line_and_positions() -> None:
    records = lines()
    records[2] = records[2][:32] + b"00000000002500X0" + records[2][48:]
    with pytest.raises(StatementError) as info:
        parse_bytes(join(records), filename="march.cod")
    assert info.value.file == "march.cod"
    assert info.value.line == 3
    assert "positions 33-47" in str(info.value)


def test_bad_date() -> None:
    records = lines()
    records[1] = records[1][:58] + b"310226" + records[1][64:]
    with pytest.raises(StatementError, match="DDMMYY") as info:
        parse_bytes(join(records))
    assert info.value.line == 2


def test_missing_new_balance() -> None:
    records = [r for r in lines() if not r.startswith(b"8")]
    with pytest.raises(StatementError, match=r"new balance record \(8\)") as info:
        parse_bytes(join(records))
    assert info.value.line == 16


def test_unknown_record_type() -> None:
    records = lines()
    records[3] = b"7" + records[3][1:]
    with pytest.raises(StatementError, match="expected a record of type 0, 1, 21") as info:
        parse_bytes(join(records), format="coda")
    assert info.value.line == 4


def test_record_too_long() -> None:
    records = lines()
    records[5] = records[5] + b"XX"
    with pytest.raises(StatementError, match="128 characters, got 130") as info:
        parse_bytes(join(records))
    assert info.value.line == 6


def test_orphan_continuation_record() -> None:
    records = lines()
    del records[2]  # the 21 record of movement 0001
    with pytest.raises(StatementError, match="to follow record 21") as info:
        parse_bytes(join(records))
    assert info.value.line == 3


def test_version_1_is_refused() -> None:
    records = lines()
    records[0] = records[0][:127] + b"1"
    with pytest.raises(StatementError, match="version 2"):
        parse_bytes(join(records), format="coda")


def test_total_at_the_end_of_a_statement_stays_in_that_statement() -> None:
    records = lines()
    # Movement 0003 (the last of statement 1) becomes a total, with no details after it.
    records[11] = records[11][:53] + b"1" + records[11][54:]
    first, second = parse_bytes(join(records))
    assert first.transactions[-1].id == "BE62510007547061/2026-041/0003-0000"
    assert first.transactions[-1].amount == eur("75.00")
    assert check_balance(first).ok is True
    assert len(second.transactions) == 2
