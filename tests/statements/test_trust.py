"""Files banks really write are read; files that cannot be trusted are refused.

Dialects of MT940/MT942 that banks produce, the controls each format carries (balances,
CAMT ``TxsSummry``, CODA trailer, MT942 ``:90D:``/``:90C:``), and hostile or broken input:
XML entity attacks in every encoding, truncated files, foreign-currency entries.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.statements import CsvFormat, CsvMapping, parse_bytes, parse_file, sniff

from .conftest import DATA


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


# --- MT940 / MT942 dialects ---------------------------------------------------------------------


def test_mt940_dialects_banks_write() -> None:
    [statement] = parse_file(DATA / "mt940_dialects.sta")
    funds, dutch, spaced_type, mt942_type = statement.transactions
    # 30 February (30/360 interest dating) is the last day of February; D then funds code F.
    assert funds.value_date == dt.date(2026, 2, 28)
    assert funds.amount == eur("-125.50")
    assert funds.bank_reference == "FUNDS-F-1"
    # C then funds code R; the old Dutch layout: zero-padded amount, type N044, the counter
    # account and name in the customer reference.
    assert dutch.amount == eur("250.00")
    assert (dutch.bank_transaction_code, dutch.counterparty_name) == ("N044", "W.P. Jansen")
    assert dutch.counterparty_iban == "0121470966"
    assert spaced_type.bank_transaction_code == "S"
    assert mt942_type.bank_transaction_code == "MCI0"
    assert statement.balanced is True
    assert [c.name for c in statement.checks] == ["balance"]


def test_mt942_interim_report_states_its_sums() -> None:
    [report] = parse_file(DATA / "mt942_interim.sta")
    assert (report.opening_balance, report.closing_balance) == (None, None)
    assert [t.amount for t in report.transactions] == [eur("-0.42"), eur("120.00")]
    assert [c.name for c in report.checks] == [
        "debit entries count", "debit entries sum", "credit entries count", "credit entries sum",
    ]  # fmt: skip
    assert report.balanced is True


def test_mt942_sums_that_disagree_fail_their_check() -> None:
    data = (DATA / "mt942_interim.sta").read_bytes().replace(b":90C:1EUR120,00", b":90C:2EUR121,00")
    [report] = parse_bytes(data, format="mt940")
    assert report.balanced is False
    assert [str(c) for c in report.failed_checks] == [
        "credit entries count (:90C: of the message from line 1): the file states 2, the "
        "entries give 1",
        "credit entries sum (:90C: of the message from line 1): the file states 121.00, the "
        "entries give 120.00",
    ]


@pytest.mark.parametrize("cut", [":62F:C260302EUR1154,08\n-\n", ":61:260302D0,42MCI0"])
def test_mt940_cut_short_is_refused(cut: str) -> None:
    data = (DATA / "mt940_dialects.sta").read_text()
    truncated = data[: data.index(cut)]
    with pytest.raises(StatementError, match=r"expected the closing balance \(:62F: or :62M:\)"):
        parse_bytes(truncated.encode(), format="mt940", filename="cut.sta")


def test_mt940_unbalanced_statement_is_read_and_says_so() -> None:
    data = (DATA / "mt940_dialects.sta").read_bytes().replace(b"EUR1154,08", b"EUR1154,09")
    [statement] = parse_bytes(data, format="mt940")
    assert statement.balanced is False
    [check] = statement.failed_checks
    assert "the file states closing 1154.09 EUR, the entries give closing 1154.08 EUR" in str(check)


# --- CODA trailer ------------------------------------------------------------------------------

CODA = (DATA / "coda_two_statements.cod").read_bytes()


def test_coda_trailer_checks_are_stated() -> None:
    first, second = parse_bytes(CODA, format="coda")
    assert [c.name for c in first.checks] == ["balance"]
    assert [c.name for c in second.checks] == [
        "balance", "trailer records", "trailer debits", "trailer credits",
    ]  # fmt: skip
    assert first.balanced is second.balanced is True


def _trailer(data: bytes, start: int, end: int, value: str) -> bytes:
    lines = data.split(b"\n")
    for index, line in enumerate(lines):
        if line.startswith(b"9"):
            lines[index] = line[: start - 1] + value.encode() + line[end:]
    return b"\n".join(lines)


@pytest.mark.parametrize(
    ("start", "end", "value", "failed"),
    [
        (17, 22, "000019", "trailer records"),
        (23, 37, "000000002300001", "trailer debits"),
        (38, 52, "000000000424980", "trailer credits"),
    ],
)
def test_coda_trailer_that_disagrees_fails_its_check(
    start: int, end: int, value: str, failed: str
) -> None:
    _, second = parse_bytes(_trailer(CODA, start, end, value), format="coda")
    assert second.balanced is False
    assert [c.name for c in second.failed_checks] == [failed]


def test_coda_without_trailer_is_refused() -> None:
    cut = b"\n".join(line for line in CODA.split(b"\n") if not line.startswith(b"9"))
    with pytest.raises(StatementError, match=r"expected the trailer record \(9\)") as caught:
        parse_bytes(cut, format="coda", filename="cut.cod")
    assert caught.value.file == "cut.cod"
    assert caught.value.line is not None


def test_coda_trailer_digits_are_checked() -> None:
    with pytest.raises(StatementError, match="positions 17-22"):
        parse_bytes(_trailer(CODA, 17, 22, "00001X"), format="coda")


# --- CAMT: controls, currency, XML attacks ---------------------------------------------------

CAMT = (DATA / "camt053_v02.xml").read_bytes()


def test_camt_summary_is_checked() -> None:
    [statement] = parse_bytes(CAMT, format="camt")
    assert [c.name for c in statement.checks] == ["balance", "entries count"]
    assert statement.balanced is True
    wrong = CAMT.replace(b"<NbOfNtries>5</NbOfNtries>", b"<NbOfNtries>4</NbOfNtries>", 1)
    [statement] = parse_bytes(wrong, format="camt")
    assert [str(c) for c in statement.failed_checks] == [
        "entries count (/Document/BkToCstmrStmt/Stmt[1]/TxsSummry): the file states 4, the "
        "entries give 5"
    ]


def test_camt_summary_sums_and_directions() -> None:
    summary = (
        b"<TxsSummry><TtlNtries><NbOfNtries>5</NbOfNtries><Sum>999.99</Sum>"
        b"<TtlNetNtry><Amt>364.50</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry></TtlNtries>"
        b"<TtlDbtNtries><NbOfNtries>9</NbOfNtries></TtlDbtNtries></TxsSummry>"
    )
    data = re.sub(rb"<TxsSummry>.*?</TxsSummry>", summary, CAMT, flags=re.S)
    [statement] = parse_bytes(data, format="camt")
    assert {c.name: c.ok for c in statement.checks} == {
        "balance": True,
        "entries count": True,
        "entries sum": False,
        "debit entries count": False,
        "net entry sum": True,
    }


def test_camt_entry_in_another_currency_is_refused() -> None:
    data = CAMT.replace(b'<Amt Ccy="EUR">250.00</Amt>', b'<Amt Ccy="USD">250.00</Amt>', 1)
    assert data != CAMT
    with pytest.raises(StatementError, match="account currency EUR, got USD") as caught:
        parse_bytes(data, format="camt", filename="usd.xml")
    assert caught.value.element is not None and caught.value.element.endswith("/Amt")


_BODY = CAMT.decode("utf-8")
_AT = _BODY.index("<Document")
ATTACKS = {
    "billion laughs": '<!DOCTYPE Document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;'
    '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;'
    '&c;&c;&c;&c;">]>',
    "quadratic blowup": '<!DOCTYPE Document [<!ENTITY big "' + "x" * 50_000 + '">]>',
    "external entity": '<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "external dtd": '<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">',
    "parameter entity": '<!DOCTYPE Document [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    "late doctype": "<!--" + "padding " * 20_000 + '--><!DOCTYPE Document [<!ENTITY a "b">]>',
}
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]


def _encode(text: str, encoding: str) -> bytes:
    declared = {"utf-8-sig": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}
    name = declared.get(encoding, encoding.upper())
    return text.replace('encoding="UTF-8"', f'encoding="{name}"').encode(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_camt_refuses_any_dtd_in_any_encoding(attack: str, encoding: str) -> None:
    hostile = _BODY[:_AT] + ATTACKS[attack] + _BODY[_AT:]
    if "xxe" in attack or "entity" in attack:
        hostile = hostile.replace("<Id>2026-03-01-00042</Id>", "<Id>&xxe;</Id>")
    with pytest.raises(StatementError, match="without a DTD") as caught:
        parse_bytes(_encode(hostile, encoding), format="camt", filename="evil.xml")
    assert caught.value.file == "evil.xml"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_camt_reads_the_same_document_in_every_encoding(encoding: str) -> None:
    data = _encode(_BODY, encoding)
    assert sniff(data).name == "camt"
    [statement] = parse_bytes(data)
    assert len(statement.transactions) == 6
    assert statement.balanced is True


def test_camt_in_utf32_is_refused_cleanly() -> None:
    # expat reads no UTF-32: refused as not well-formed, never parsed some other way.
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):
        with pytest.raises(StatementError, match="well-formed"):
            parse_bytes(_BODY.replace("UTF-8", "UTF-32").encode(encoding), format="camt")


# --- CSV ---------------------------------------------------------------------------------------

_CSV = CsvFormat(
    CsvMapping(date="Datum", amount="Bedrag", currency="EUR", text="Omschrijving",
               delimiter=";", decimal=",", thousands=".", date_format="%d/%m/%Y",
               encoding="cp1252")
)  # fmt: skip


def test_csv_signs_written_every_way() -> None:
    data = (
        "Datum;Bedrag;Omschrijving\n"
        "01/03/2026;12,50-;trailing minus\n"
        "02/03/2026;-12,50;leading minus\n"
        "03/03/2026;(7,00);parentheses\n"
        "04/03/2026;1.250,00+;trailing plus\n"
        "05/03/2026;+3,00;leading plus\n"
    ).encode("cp1252")
    [statement] = parse_bytes(data, format=_CSV)
    assert [t.amount for t in statement.transactions] == [
        eur("-12.50"), eur("-12.50"), eur("-7.00"), eur("1250.00"), eur("3.00"),
    ]  # fmt: skip


@pytest.mark.parametrize("amount", ["12,50--", "-12,50-", "1-2,50", "--3", "-"])
def test_csv_odd_signs_are_refused_with_the_line(amount: str) -> None:
    data = f"Datum;Bedrag;Omschrijving\n01/03/2026;1,00;ok\n02/03/2026;{amount};bad\n".encode()
    with pytest.raises(StatementError, match="line 3: expected an amount"):
        parse_bytes(data, format=_CSV, filename="x.csv")


def test_csv_encoding_error_names_the_line() -> None:
    mapping = CsvMapping(date="Date", amount="Amount", currency="EUR", text="Text")
    data = b"Date,Amount,Text\n2026-03-01,1.00,ok\n2026-03-02,2.00,caf\xe9\n"
    with pytest.raises(StatementError, match=r"line 3: expected text in utf-8-sig, got byte"):
        parse_bytes(data, format=CsvFormat(mapping), filename="latin.csv")
