"""CSV exports read through a declared CsvMapping."""

from __future__ import annotations

import datetime as dt

import pytest

from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.references import Reference
from paylink.statements import CsvFormat, CsvMapping, parse_bytes, parse_file, sniff

from .conftest import DATA

BANK = CsvMapping(
    date="Datum",
    value_date="Valuta",
    text="Omschrijving",
    counterparty_name="Tegenpartij",
    counterparty_iban="Rekening tegenpartij",
    reference="Mededeling",
    debit="Debet",
    credit="Credit",
    bank_reference="Ref",
    currency="EUR",
    account_iban="BE62510007547061",
    delimiter=";",
    encoding="cp1252",
    date_format="%d/%m/%Y",
    decimal=",",
    thousands=".",
    skip_lines=2,
)


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def test_bank_export_with_debit_and_credit_columns() -> None:
    [statement] = parse_file(DATA / "bank_export.csv", format=CsvFormat(BANK))
    assert statement.format == "csv"
    assert statement.account_iban == "BE62510007547061"
    assert statement.opening_balance is None
    assert statement.closing_balance is None
    first, second, third = statement.transactions
    assert first.id == "CSV-0001"
    assert first.amount == eur("1250.00")  # "1.250,00"
    assert first.booking_date == dt.date(2026, 3, 1)
    assert first.counterparty_iban == "BE71096123456769"
    assert first.structured_reference == Reference("ogm", "202600012320")
    assert first.remittance_text == "Overschrijving"
    assert second.amount == eur("-120.50")
    # An unchecked reference column is kept as text.
    assert second.remittance_text == "Domiciliëring Factuur 7712345"
    assert third.amount == eur("-35.20")
    assert third.value_date == dt.date(2026, 3, 4)
    assert third.remittance_text == "Kaartbetaling; Brussel"  # quoted delimiter
    assert third.id.startswith("csv:")
    assert third.bank_reference is None


def test_signed_amount_column_by_position_without_header() -> None:
    mapping = CsvMapping(date=0, amount=1, currency_column=2, text=(3, 4), header=False)
    data = b"2026-03-01,-1234.5,EUR,Loyer,mars\n2026-03-02,10,EUR,refund,\n\n"
    [statement] = parse_bytes(data, format=CsvFormat(mapping))
    a, b = statement.transactions
    assert a.amount == eur("-1234.50")
    assert a.remittance_text == "Loyer mars"
    assert b.amount == Money.of("10", "EUR")


def test_an_entry_in_another_currency_is_refused_with_its_line() -> None:
    # One statement is one account in one currency: a USD row in a EUR export would escape
    # every balance and sum.
    mapping = CsvMapping(date=0, amount=1, currency_column=2, text=(3, 4), header=False)
    data = b"2026-03-01,-1234.5,EUR,Loyer,mars\n2026-03-02,10,USD,refund,\n"
    with pytest.raises(StatementError, match="line 2: expected every entry in EUR, got USD"):
        parse_bytes(data, format=CsvFormat(mapping), filename="mixed.csv")


def test_csv_hash_ids_are_stable() -> None:
    fmt = CsvFormat(BANK)
    one = parse_file(DATA / "bank_export.csv", format=fmt)[0].transactions[2].id
    two = parse_file(DATA / "bank_export.csv", format=fmt)[0].transactions[2].id
    assert one == two


def test_sniff_needs_a_mapping() -> None:
    head = (DATA / "bank_export.csv").read_bytes()
    assert CsvFormat().sniff(head) is False
    assert CsvFormat(BANK).sniff(head) is True
    assert sniff(head, formats=[CsvFormat(BANK)]).name == "csv"
    with pytest.raises(StatementError, match="tried camt, coda, mt940, csv"):
        sniff(head)


def test_builtin_csv_without_mapping_explains() -> None:
    with pytest.raises(StatementError, match="CsvMapping"):
        parse_bytes(b"a,b\n1,2\n", format="csv")


def test_mapping_invariants() -> None:
    with pytest.raises(ValueError, match="amount column"):
        CsvMapping(date="d", debit="x", currency="EUR")
    with pytest.raises(ValueError, match="exactly one of currency"):
        CsvMapping(date="d", amount="a")
    with pytest.raises(ValueError, match="by position"):
        CsvMapping(date="d", amount="a", currency="EUR", header=False)


def test_missing_column_in_header() -> None:
    mapping = CsvMapping(date="Date", amount="Amount", currency="EUR")
    with pytest.raises(StatementError, match="expected a column 'Amount'") as info:
        parse_bytes(b"Date,Montant\n2026-03-01,1\n", format=CsvFormat(mapping), filename="x.csv")
    assert (info.value.file, info.value.line) == ("x.csv", 1)


def test_bad_amount_and_date_give_the_line() -> None:
    fmt = CsvFormat(CsvMapping(date="Date", amount="Amount", currency="EUR"))
    with pytest.raises(StatementError, match=r"expected an amount like 1234\.56") as info:
        parse_bytes(b"Date,Amount\n2026-03-01,1\n2026-03-02,12abc\n", format=fmt)
    assert info.value.line == 3
    with pytest.raises(StatementError, match="expected the date as %Y-%m-%d") as info:
        parse_bytes(b"Date,Amount\n01/03/2026,1\n", format=fmt)
    assert info.value.line == 2


def test_too_many_decimals_for_the_currency() -> None:
    fmt = CsvFormat(CsvMapping(date="Date", amount="Amount", currency="EUR"))
    with pytest.raises(StatementError, match="more decimals than EUR allows") as info:
        parse_bytes(b"Date,Amount\n2026-03-01,1.005\n", format=fmt)
    assert info.value.line == 2


def test_wrong_encoding() -> None:
    fmt = CsvFormat(CsvMapping(date="Date", amount="Amount", currency="EUR", encoding="utf-8"))
    with pytest.raises(StatementError, match="expected text in utf-8"):
        parse_bytes(b"Date,Amount\n2026-03-01,1\xe9\n", format=fmt)
