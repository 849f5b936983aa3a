"""MT940/MT942: German ?-sub-fields, SEPA tags, Dutch slash form, wrappers, and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.references import Reference
from paylink.statements import check_balance, parse_bytes, parse_file

from .conftest import DATA


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def test_german_statement_header_and_balances() -> None:
    [statement] = parse_file(DATA / "mt940_de_subfields.sta")
    assert statement.format == "mt940"
    assert statement.account_iban == "10020030/1234567890"  # BLZ/account, not an IBAN
    assert statement.id == "10020030/1234567890/2026-02-27/00042/001"
    assert statement.opening_balance == eur("12345.67")
    assert statement.closing_balance == eur("13547.87")
    assert statement.closing_date == dt.date(2026, 3, 3)
    assert statement.extra["reference"] == "STARTUMSE"
    assert check_balance(statement).ok is True


def test_german_subfields_and_sepa_tags() -> None:
    [statement] = parse_file(DATA / "mt940_de_subfields.sta")
    credit, debit, reversal, interest = statement.transactions
    assert credit.id == credit.bank_reference == "0000000012345678"
    assert credit.amount == eur("1500.00")
    assert credit.value_date == credit.booking_date == dt.date(2026, 3, 2)
    assert credit.counterparty_name == "Müller Maschinenbau GmbH"  # cp1252 ü
    assert credit.counterparty_iban == "DE89370400440532013000"
    assert credit.counterparty_bic == "COBADEFFXXX"
    assert credit.end_to_end_id == "RE-2026-0042"
    # ?21 is a full 27-character sub-field, so ?22 continues it without a space.
    assert credit.remittance_text == "Rechnung RF88 2026 0042 vom 01.03.2026"
    assert credit.structured_reference == Reference("rf", "RF8820260042")
    assert credit.bank_transaction_code == "166"
    # Direct debit: no ?32 name, ABWA+ (ultimate party) stands in.
    assert debit.amount == eur("-89.90")
    assert debit.counterparty_name == "Stadtwerke Muster"
    assert debit.end_to_end_id == "4711-2026-03"
    assert debit.remittance_text == "Strom März 2026 Kundennr 4711"
    assert debit.counterparty_bic == "GENODEF1S04"
    # RC: a reversed credit takes money out.
    assert reversal.amount == eur("-250.00")
    assert reversal.remittance_text == "Ruecklastschrift Konto erloschen"
    assert reversal.counterparty_name == "Hans Beispiel"
    # No bank reference: a content hash.
    assert interest.bank_reference is None
    assert interest.id.startswith("mt940:")
    assert interest.amount == eur("42.10")
    assert interest.remittance_text == "Zinsen Q1 2026"


def test_wrapped_messages_with_sepa_tags_and_slash_form() -> None:
    first, second = parse_file(DATA / "mt940_sepa_tags.sta")
    assert first.account_iban == second.account_iban == "BE62510007547061"
    assert (first.id, second.id) == (
        "BE62510007547061/2026-03-02/61/1",
        "BE62510007547061/2026-03-03/62/1",
    )
    tx = first.transactions[0]
    assert tx.id == "KB26030300017"
    assert tx.end_to_end_id == "INV-2026-0017"
    assert tx.counterparty_iban == "BE71096123456769"
    assert tx.counterparty_bic == "GKCCBEBB"
    assert tx.counterparty_name == "Dupont Garage SPRL"
    assert tx.structured_reference == Reference("ogm", "202600013128")
    assert first.transactions[1].remittance_text == "Frais de gestion mars"
    assert first.transactions[1].amount == eur("-45.00")
    dutch = second.transactions[0]
    assert dutch.amount == eur("1000.00")  # "1000," has no decimals
    assert dutch.counterparty_name == "Immo Claes BV"
    assert dutch.counterparty_iban == "NL91ABNA0417164300"
    assert dutch.counterparty_bic == "ABNANL2A"
    assert dutch.remittance_text == "Huurwaarborg maart 2026"
    assert dutch.end_to_end_id is None
    assert [check_balance(s).ok for s in (first, second)] == [True, True]


MT942 = b"""ABNANL2A
942
ABNANL2A
:20:MT942-0305
:25:NL91ABNA0417164300
:28C:64/1
:34F:EURD0,
:13D:2603051200+0100
:61:2603050305C15,50NTRFNONREF
:86:/EREF/E-1//NAME/Klant Een/REMI/USTD//RF18 5390 0754 7034/
:61:2512310101D1,00NCHGNONREF//B1
:86:Kosten
:90D:1EUR1,00
:90C:1EUR15,50
-
"""


def test_mt942_without_balances_with_preamble() -> None:
    [report] = parse_bytes(MT942)
    assert report.currency == "EUR"
    assert report.opening_balance is None
    assert report.closing_balance is None
    assert report.account_iban == "NL91ABNA0417164300"
    first, second = report.transactions
    assert first.structured_reference == Reference("rf", "RF18539007547034")
    assert first.end_to_end_id == "E-1"
    assert first.counterparty_name == "Klant Een"
    # Entry date 0101 after value date 251231: the entry falls in the next year.
    assert second.value_date == dt.date(2025, 12, 31)
    assert second.booking_date == dt.date(2026, 1, 1)
    assert second.id == "B1"


def test_duplicate_entries_without_bank_reference_get_distinct_stable_ids() -> None:
    body = b":61:260303C10,00NTRFNONREF\n:86:Fooien\n"
    data = (
        b":20:X\n:25:BE62510007547061\n:28C:1\n:60F:C260302EUR0,00\n"
        + body * 2
        + b":62F:C260303EUR20,00\n-\n"
    )
    [statement] = parse_bytes(data)
    a, b = statement.transactions
    assert b.id == a.id + "-2"
    assert [tx.id for tx in parse_bytes(data)[0].transactions] == [a.id, b.id]


# --- errors -----------------------------------------------------------------------------------


def test_bad_statement_line_names_the_line() -> None:
    data = (DATA / "mt940_de_subfields.sta").read_bytes().replace(b"DR89,90NDDT", b"X89,90NDDT")
    with pytest.raises(StatementError) as info:
        parse_bytes(data, filename="konto.sta")
    assert info.value.file == "konto.sta"
    assert info.value.line == 10
    assert "expected :61: as value date YYMMDD" in str(info.value)


def test_bad_opening_balance() -> None:
    data = (
        (DATA / "mt940_de_subfields.sta").read_bytes().replace(b":60F:C260227EUR", b":60F:C2602EUR")
    )
    with pytest.raises(StatementError, match=r"expected :60F: as C\|D") as info:
        parse_bytes(data)
    assert info.value.line == 4


def test_field_before_20_is_refused() -> None:
    with pytest.raises(StatementError, match="start with :20:, got :25:") as info:
        parse_bytes(b":25:BE62510007547061\n:20:X\n", format="mt940")
    assert info.value.line == 1


def test_statement_line_without_currency() -> None:
    with pytest.raises(StatementError, match="opening balance") as info:
        parse_bytes(b":20:X\n:25:123\n:61:260303C10,00NTRFNONREF\n-\n", format="mt940")
    assert info.value.line == 3


def test_no_message_at_all() -> None:
    with pytest.raises(StatementError, match="starting with :20:"):
        parse_bytes(b"hello\nworld\n", format="mt940")
