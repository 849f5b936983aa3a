"""ISO 20022 camt.052/053/054: exact values from bank-shaped samples, and errors with paths."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.references import Reference
from paylink.statements import CamtFormat, check_balance, parse_bytes, parse_file

from .conftest import DATA

EUR = "EUR"


def eur(value: str) -> Money:
    return Money.of(value, EUR)


def test_camt053_v02_statement_header_and_balances() -> None:
    [statement] = parse_file(DATA / "camt053_v02.xml")
    assert statement.format == "camt"
    assert statement.id == "2026-03-01-00042"
    assert statement.account_iban == "BE62510007547061"
    assert statement.currency == EUR
    assert statement.opening_balance == eur("1000.00")
    assert statement.opening_date == dt.date(2026, 2, 28)
    assert statement.closing_balance == eur("1364.50")
    assert statement.closing_date == dt.date(2026, 3, 1)
    assert statement.extra["ElctrncSeqNb"] == "42"
    assert statement.extra["message_type"] == "camt.053.001.02"
    check = check_balance(statement)
    assert check.ok is True
    assert check.count == 6
    assert check.movements == eur("364.50")


def test_camt053_v02_transactions() -> None:
    [statement] = parse_file(DATA / "camt053_v02.xml")
    txs = statement.transactions
    assert [tx.id for tx in txs] == [
        "20260301-0000001",
        "20260301-0000002",
        "20260301-0000003-1",
        "20260301-0000003-2",
        "20260301-0000004",
        txs[5].id,
    ]
    assert txs[5].id.startswith("camt:")
    assert len(txs[5].id) == 5 + 32
    assert [tx.amount.amount for tx in txs] == [
        Decimal("250.00"),
        Decimal("-120.50"),
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("-50.00"),
        Decimal("-15.00"),
    ]
    first = txs[0]
    assert first.counterparty_name == "Garage Dupont SPRL"
    assert first.counterparty_iban == "BE71096123456769"  # spaces removed
    assert first.counterparty_bic == "GKCCBEBB"
    assert first.structured_reference == Reference("ogm", "202600012320")
    assert first.remittance_text is None
    assert first.end_to_end_id == "E2E-DUPONT-0301"
    assert first.bank_reference == "20260301-0000001"
    assert first.bank_transaction_code == "PMNT/RCDT/ESCT"
    assert first.booking_date == dt.date(2026, 3, 1)
    assert first.value_date == dt.date(2026, 3, 1)
    # A debit: the counterparty is the creditor; NOTPROVIDED is no end-to-end id.
    debit = txs[1]
    assert (debit.counterparty_name, debit.counterparty_iban) == ("Proximus NV", "BE43068999999501")
    assert debit.end_to_end_id is None
    assert debit.remittance_text == "Factuur 7712345 maart"
    assert debit.structured_reference is None
    assert debit.value_date == dt.date(2026, 3, 2)


def test_camt_batch_entry_gives_one_transaction_per_detail() -> None:
    [statement] = parse_file(DATA / "camt053_v02.xml")
    a, b = statement.transactions[2:4]
    assert (a.counterparty_name, a.counterparty_iban) == (
        "Bakkerij Peeters",
        "DE89370400440532013000",
    )
    # No structured reference: one is found in the free text.
    assert a.structured_reference == Reference("ogm", "202600012421")
    assert a.remittance_text == "Betaling factuur +++202/6000/12421+++ bedankt"
    assert b.structured_reference == Reference("rf", "RF8820260042")
    assert a.bank_reference == b.bank_reference == "20260301-0000003"
    assert (a.end_to_end_id, b.end_to_end_id) == ("BATCH-A-1", "BATCH-A-2")


def test_camt_reversal_flips_the_sign_and_keeps_the_original_debtor() -> None:
    [statement] = parse_file(DATA / "camt053_v02.xml")
    reversal = statement.transactions[4]
    assert reversal.amount == eur("-50.00")
    assert reversal.counterparty_name == "J. Janssens"
    assert reversal.bank_transaction_code == "PMNT/RCDT/ARET"


def test_camt_entry_without_details_uses_additional_entry_info() -> None:
    [statement] = parse_file(DATA / "camt053_v02.xml")
    fee = statement.transactions[5]
    assert fee.remittance_text == "Beheerskosten rekening februari"
    assert fee.bank_reference is None
    assert fee.bank_transaction_code == "ACMT/MDOP/CHRG"


def test_camt053_v08_two_statements_party_and_bicfi() -> None:
    first, second = parse_file(DATA / "camt053_v08.xml")
    assert first.id == "COBA-DE89-2026-063"
    assert first.opening_balance == eur("-200.00")  # PRCD, debit balance
    assert first.closing_balance == eur("1034.56")
    [tx] = first.transactions
    assert tx.booking_date == dt.date(2026, 3, 4)  # from BookgDt/DtTm
    assert tx.counterparty_name == "Müller Maschinenbau GmbH"
    assert tx.counterparty_bic == "INGDDEFFXXX"
    assert tx.structured_reference == Reference("rf", "RF6620260050")
    assert tx.remittance_text == "Rechnung 2026-0050"
    assert second.opening_balance == eur("1034.56")
    assert [t.id for t in second.transactions] == ["2026030500011111-1", "2026030500011111-2"]
    assert [t.amount for t in second.transactions] == [eur("-120.00"), eur("-180.00")]
    assert second.transactions[0].remittance_text == "RG 5521 Kd 778"
    assert second.transactions[0].counterparty_bic == "BYLADEM1001"
    assert all(check_balance(s).ok for s in (first, second))


def test_camt052_skips_pending_entries_and_has_no_balances() -> None:
    [report] = parse_file(DATA / "camt052_v06.xml")
    assert report.id == "RPT-20260305-1200-1"
    assert report.opening_balance is None
    assert report.closing_balance is None
    assert [tx.id for tx in report.transactions] == ["RPT-0305-001"]
    assert report.transactions[0].structured_reference == Reference("ogm", "202600012522")
    assert check_balance(report).ok is None


def test_camt054_notification_currency_from_the_entry() -> None:
    [notification] = parse_file(DATA / "camt054_v04.xml")
    assert notification.currency == EUR  # the Acct has no Ccy
    [tx] = notification.transactions
    assert tx.amount == eur("42.00")
    assert tx.structured_reference == Reference("ogm", "202600012320")  # framed +++ form
    assert tx.end_to_end_id == "E2E-42"


@pytest.mark.parametrize("version", ["camt.053.001.04", "camt.053.001.06", "camt.053.001.10"])
def test_camt_is_namespace_agnostic(version: str) -> None:
    data = (DATA / "camt053_v02.xml").read_bytes().replace(b"camt.053.001.02", version.encode())
    [statement] = parse_bytes(data)
    assert len(statement.transactions) == 6
    assert statement.extra["message_type"] == version


def test_camt_without_namespace() -> None:
    data = (DATA / "camt053_v02.xml").read_bytes()
    data = data.replace(b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', b"")
    [statement] = parse_bytes(data, format="camt")
    assert statement.closing_balance == eur("1364.50")


def test_camt_transaction_ids_are_stable_across_imports(data: Path) -> None:
    first = [tx.id for tx in parse_file(data / "camt053_v02.xml")[0].transactions]
    second = [tx.id for tx in parse_file(data / "camt053_v02.xml")[0].transactions]
    assert first == second
    assert len(set(first)) == len(first)


def test_camt_iter_transactions_streams_in_file_order() -> None:
    fmt = CamtFormat()
    with open(DATA / "camt053_v08.xml", "rb") as fh:
        ids = [tx.id for tx in fmt.iter_transactions(fh, filename="x.xml")]
    assert ids == ["2026030400098765", "2026030500011111-1", "2026030500011111-2"]


# --- errors -----------------------------------------------------------------------------------


def _sample() -> bytes:
    return (DATA / "camt053_v02.xml").read_bytes()


def test_missing_amount_names_the_element_path() -> None:
    data = _sample().replace(b'<Amt Ccy="EUR">120.50</Amt>', b"")
    with pytest.raises(StatementError) as info:
        parse_bytes(data, filename="march.xml")
    err = info.value
    assert err.file == "march.xml"
    assert err.element == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"
    assert "expected an amount" in str(err)


def test_bad_amount_in_a_batch_detail() -> None:
    data = _sample().replace(b'<Amt Ccy="EUR">200.00</Amt>', b'<Amt Ccy="EUR">2OO.00</Amt>')
    with pytest.raises(StatementError) as info:
        parse_bytes(data, filename="march.xml")
    assert info.value.element == (
        "/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/NtryDtls/TxDtls[2]/AmtDtls/TxAmt/Amt"
    )
    assert "'2OO.00'" in str(info.value)


def test_bad_credit_debit_indicator() -> None:
    data = _sample().replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>", b"<CdtDbtInd>X</CdtDbtInd><Sts>", 1
    )
    with pytest.raises(StatementError, match="expected CRDT or DBIT, got 'X'") as info:
        parse_bytes(data)
    assert info.value.element == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/CdtDbtInd"


def test_malformed_xml_gives_line_and_element() -> None:
    data = _sample().replace(b"0000002</AcctSvcrRef>", b"0000002</AcctSvcrReff>")
    with pytest.raises(StatementError, match="expected well-formed XML") as info:
        parse_bytes(data, filename="march.xml")
    assert info.value.line == 79
    assert info.value.element == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]"


def test_wrong_document_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        b"<CstmrCdtTrfInitn/></Document>"
    )
    with pytest.raises(StatementError, match="expected BkToCstmrStmt") as info:
        parse_bytes(data, format="camt")
    assert info.value.element == "/Document/CstmrCdtTrfInitn"


def test_dtd_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>'
        b"<Document><BkToCstmrStmt/></Document>"
    )
    with pytest.raises(StatementError, match="DTD"):
        parse_bytes(data, format="camt")


def test_truncated_file() -> None:
    data = _sample()[:3000]
    with pytest.raises(StatementError, match="expected well-formed XML"):
        CamtFormat().iter_statements(io.BytesIO(data)).__next__()


# --- what ElementTree's find and findall read, kept by the streaming reader ------------------


def test_camt_reads_the_first_of_repeated_elements_and_every_detail() -> None:
    data = (
        _sample()
        # a second debtor: find("RltdPties/Dbtr/Nm") follows the first Dbtr, which has no Nm,
        # so the name is the first Dbtr's Pty/Nm, never the second Dbtr's Nm
        .replace(
            b"<Dbtr><Nm>Garage Dupont SPRL</Nm></Dbtr>",
            b"<Dbtr><Pty><Nm>Garage Dupont SPRL</Nm></Pty></Dbtr><Dbtr><Nm>Second</Nm></Dbtr>",
        )
        # a stray child inside a text element: its text is what comes before the child
        .replace(b"<Ustrd>Factuur 7712345 maart</Ustrd>", b"<Ustrd>Factuur <b>x</b>tail</Ustrd>")
        # a second NtryDtls block: findall("NtryDtls/TxDtls") reads the details of both
        .replace(
            b"</NtryDtls>",
            b'</NtryDtls><NtryDtls><TxDtls><Amt Ccy="EUR">0.00</Amt></TxDtls></NtryDtls>',
            1,
        )
    )
    [statement] = parse_bytes(data)
    first, zero = statement.transactions[:2]
    assert first.counterparty_name == "Garage Dupont SPRL"
    assert first.id.endswith("-1") and zero.id.endswith("-2")
    assert zero.amount == eur("0.00")
    debit = statement.transactions[2]
    assert debit.remittance_text == "Factuur"


@pytest.mark.parametrize("bad", [b"2026-02-30", b"2026-3-1", b"31/03/2026", b"2026-03-0x"])
def test_bad_booking_date_names_the_element_each_time(bad: bytes) -> None:
    """Dates are parsed once per distinct text; a bad one is refused wherever it comes."""
    good = parse_bytes(_sample())  # the good dates, read and remembered first
    assert good[0].transactions[0].booking_date == dt.date(2026, 3, 1)
    data = _sample().replace(b"<BookgDt><Dt>2026-03-01</Dt>", b"<BookgDt><Dt>" + bad + b"</Dt>", 1)
    assert data != _sample()
    for _ in range(2):  # not remembered as a date after the first refusal
        with pytest.raises(StatementError, match="expected an ISO date") as info:
            parse_bytes(data, filename="march.xml")
        assert info.value.element is not None
        assert info.value.element.endswith("/BookgDt")


def test_the_remembered_dates_are_bounded() -> None:
    from paylink.statements.camt import _Dates

    dates = _Dates()
    day = dt.date(2000, 1, 1)
    for n in range(10_000):
        text = (day + dt.timedelta(days=n)).isoformat()
        assert dates[text] == day + dt.timedelta(days=n)
        assert len(dates) <= 4096
