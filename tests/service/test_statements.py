"""Importing bank statements: all or nothing, de-duplicated, balances checked."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest
import sqlalchemy as sa

from paylink import Money, Paylink, StatementError
from paylink.parties import Organization
from paylink.references import check
from paylink.store.schema import bank_transactions
from paylink.testing import StatementLine, camt053

CREATED = dt.datetime(2026, 3, 5, 6, 0, tzinfo=dt.UTC)


def line(n: int, amount: str, **kw: object) -> StatementLine:
    return StatementLine(
        amount=Money.of(amount, "EUR"),
        booking_date=dt.date(2026, 3, n),
        bank_reference=f"2026030{n}-{n:04d}",
        counterparty_name=f"Payer {n}",
        **kw,  # type: ignore[arg-type]
    )


def statement(lines: list[StatementLine], opening: str = "1000.00", sid: str = "S1") -> bytes:
    return camt053(
        account_iban="BE71096123456769",
        statement_id=sid,
        opening=Money.of(opening, "EUR"),
        lines=lines,
        created_at=CREATED,
    )


def test_import_and_read_back(pl: Paylink, org: Organization, tmp_path: Path) -> None:
    path = tmp_path / "march.xml"
    path.write_bytes(
        statement(
            [
                line(
                    1,
                    "108.90",
                    reference=check("+++202/6000/00192+++"),
                    counterparty_iban="BE62510007547061",
                ),
                line(2, "-45.00", text="Office supplies"),
                line(3, "50.00", text="Invoice 2026-000002 thanks"),
            ]
        )
    )
    result = pl.statements.import_file(org, path)
    assert (result.format, result.transactions, result.new_transactions) == ("camt", 3, 3)
    assert result.mismatches == ()
    assert result.statements[0].balance.ok is True
    assert result.statements[0].closing_balance == Money.of("1113.90", "EUR")
    txs = pl.statements.transactions(org)
    assert [str(t.amount) for t in txs] == ["108.90 EUR", "-45.00 EUR", "50.00 EUR"]
    assert str(txs[0].structured_reference) == "+++202/6000/00192+++"
    assert txs[0].counterparty_iban == "BE62510007547061"
    assert txs[0].id == "20260301-0001"
    assert pl.statements.transactions(org, status="unmatched") == txs


def test_the_same_file_twice_adds_nothing(pl: Paylink, org: Organization, tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    path.write_bytes(statement([line(1, "10"), line(2, "20")]))
    assert pl.statements.import_file(org, path).new_transactions == 2
    again = pl.statements.import_file(org, path)
    assert (again.new_transactions, again.duplicates) == (0, 2)
    assert pl.statements.seen(org, path.read_bytes())
    assert len(pl.statements.transactions(org)) == 2


def test_overlapping_statements_add_only_what_is_new(
    pl: Paylink, org: Organization, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes(statement([line(1, "10"), line(2, "20")], sid="A"))
    second.write_bytes(statement([line(2, "20"), line(3, "30")], opening="1010.00", sid="B"))
    pl.statements.import_file(org, first)
    result = pl.statements.import_file(org, second)
    assert (result.transactions, result.new_transactions) == (2, 1)
    assert len(pl.statements.transactions(org)) == 3


def test_a_balance_mismatch_is_refused_unless_accepted(
    pl: Paylink, org: Organization, tmp_path: Path
) -> None:
    data = statement([line(1, "10.00")]).replace(
        b'<Amt Ccy="EUR">1010.00</Amt>', b'<Amt Ccy="EUR">1011.00</Amt>'
    )
    path = tmp_path / "off.xml"
    path.write_bytes(data)
    with pytest.raises(StatementError, match=r"off\.xml: statement S1 does not add up: balance"):
        pl.statements.import_file(org, path)
    assert pl.statements.transactions(org) == []
    assert not pl.statements.seen(org, data)
    result = pl.statements.import_file(org, path, accept_unbalanced=True)
    assert len(pl.statements.transactions(org)) == 1
    assert len(result.mismatches) == 1
    assert result.mismatches[0].balance.difference == Money.of("1.00", "EUR")
    assert "difference 1.00 EUR" in str(result.mismatches[0].balance)


def test_a_malformed_file_imports_nothing(pl: Paylink, org: Organization, tmp_path: Path) -> None:
    lines = [line(1 + i % 9, "1.00") for i in range(5)]
    lines = [
        StatementLine(amount=x.amount, booking_date=x.booking_date, bank_reference=f"R{i}")
        for i, x in enumerate(lines)
    ]
    good = statement(lines)
    broken = good.replace(
        b'<Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        b"<BookgDt><Dt>2026-03-05</Dt>",
        b'<Amt Ccy="EUR">one euro</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        b"<BookgDt><Dt>2026-03-05</Dt>",
    )
    assert broken != good
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    with pytest.raises(StatementError) as info:
        pl.statements.import_file(org, path)
    assert info.value.file == str(path)
    assert info.value.element
    with pl.store.transaction() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(bank_transactions)).scalar()
    assert count == 0


def test_unknown_formats_say_what_was_tried(pl: Paylink, org: Organization, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some text\n")
    with pytest.raises(StatementError, match="tried camt, coda, mt940"):
        pl.statements.import_file(org, path)
    with pytest.raises(StatementError, match="cannot read"):
        pl.statements.import_file(org, tmp_path / "missing.xml")


@pytest.mark.parametrize(
    "name",
    [
        "camt053_v02.xml",
        "camt053_v08.xml",
        "coda_two_statements.cod",
        "mt940_de_subfields.sta",
        "mt940_sepa_tags.sta",
    ],
)
def test_every_format_imports(pl: Paylink, org: Organization, name: str) -> None:
    path = Path(__file__).parents[1] / "statements" / "data" / name
    result = pl.statements.import_file(org, path)
    assert result.new_transactions == result.transactions > 0
    assert all(s.balance.ok for s in result.statements)
    assert pl.statements.import_file(org, path).new_transactions == 0


def test_an_import_runs_with_the_garbage_collector_paused(
    pl: Paylink, org: Organization, tmp_path: Path
) -> None:
    from paylink.statements import CamtFormat

    seen: list[bool] = []

    class Watching(CamtFormat):
        def iter_events(self, stream, *, filename=None):  # type: ignore[no-untyped-def]
            seen.append(gc.isenabled())
            return super().iter_events(stream, filename=filename)

    path = tmp_path / "s.xml"
    path.write_bytes(statement([line(2, "10.00")]))
    assert pl.statements.import_file(org, path, format=Watching()).new_transactions == 1
    assert seen == [False] and gc.isenabled()
