"""The CODA writer: what it writes, paylink's CODA reader reads back, balances and trailer
checks included."""

from __future__ import annotations

import datetime as dt

import pytest

from paylink.money import Money
from paylink.references import parse as parse_reference
from paylink.statements import check_balance, parse_bytes
from paylink.statements.writer import StatementLine, coda


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


def test_a_written_coda_file_reads_back_with_its_checks() -> None:
    ogm = parse_reference("+++202/6000/13027+++")
    data = coda(
        account_iban="BE71 0961 2345 6769",
        statement_number=17,
        opening=eur("1000.00"),
        lines=[
            StatementLine(
                amount=eur("102.69"), booking_date=dt.date(2026, 3, 5), bank_reference="B1",
                counterparty_name="STRIPE", counterparty_iban="IE29AIBK93115212345678",
                text="STRIPE PAYOUT po_1X",
            ),
            StatementLine(
                amount=eur("-20.50"), booking_date=dt.date(2026, 3, 6), bank_reference="B2",
                counterparty_name="Café Zoë", reference=ogm, end_to_end_id="E2E-1",
            ),
        ],
        created_at=dt.datetime(2026, 3, 6, tzinfo=dt.UTC),
        owner="Garage Dupont SRL",
    )  # fmt: skip
    assert all(len(line) == 128 for line in data.split(b"\r\n")[:-1])
    [statement] = parse_bytes(data)
    assert statement.format == "coda"
    assert statement.id == "BE71096123456769/2026-017"
    assert (statement.opening_balance, statement.closing_balance) == (eur("1000"), eur("1082.19"))
    assert check_balance(statement).ok
    assert statement.checks and all(check.ok for check in statement.checks)
    payout, paid = statement.transactions
    assert (payout.amount, payout.counterparty_name, payout.remittance_text) == (
        eur("102.69"), "STRIPE", "STRIPE PAYOUT po_1X"
    )  # fmt: skip
    assert payout.counterparty_iban == "IE29AIBK93115212345678"
    assert (paid.amount, paid.structured_reference, paid.end_to_end_id) == (
        eur("-20.50"), ogm, "E2E-1"
    )  # fmt: skip
    assert paid.counterparty_name == "Café Zoë"  # cp1252, as Belgian banks write it


def test_only_belgian_accounts_are_written() -> None:
    with pytest.raises(ValueError, match="Belgian"):
        coda(
            account_iban="NL91ABNA0417164300",
            statement_number=1,
            opening=eur("0"),
            lines=[],
            created_at=dt.datetime(2026, 3, 6, tzinfo=dt.UTC),
        )
