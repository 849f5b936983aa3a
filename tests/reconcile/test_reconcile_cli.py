"""``paylink reconcile`` on a real camt.053 statement and open invoices in CSV and JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from paylink.cli.reconcile import reconcile

# This folder is not a package: the base URL the suite's fixtures use, written out.
BASE_URL = "http://127.0.0.1:8000"

DATA = Path(__file__).parents[2] / "examples" / "data"
INVOICES = DATA / "open_invoices.csv"
STATEMENT = DATA / "statement_2026-03-04.camt053.xml"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(reconcile, list(args), catch_exceptions=False)


def test_json_output() -> None:
    out = run("--invoices", str(INVOICES), "--statement", str(STATEMENT), "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"matches", "unmatched"}
    first = data["matches"][0]
    assert set(first) == {"transaction_id", "invoices", "rule", "confidence", "auto", "explanation"}
    assert first["transaction_id"] == "M-001"
    assert first["invoices"] == [{"number": "2026-0101", "amount": "250.00"}]
    assert (first["rule"], first["auto"]) == ("exact_reference", True)
    assert data["unmatched"] == ["M-008", "M-011", "M-013", "M-014", "M-015"]
    by_tx = {m["transaction_id"]: m for m in data["matches"]}
    assert {i["number"] for i in by_tx["M-004"]["invoices"]} == {"2026-0104", "2026-0105"}
    assert by_tx["M-012"]["invoices"] == [{"number": "P-7712345", "amount": "120.50"}]
    assert "M-008" not in by_tx  # no tolerance by default


def test_tolerance_and_json_invoices(tmp_path: Path) -> None:
    with INVOICES.open(newline="") as f:
        rows = list(csv.DictReader(f))
    invoices = tmp_path / "open.json"
    invoices.write_text(json.dumps(rows))
    out = run(
        "--invoices", str(invoices), "--statement", str(STATEMENT), "--json", "--tolerance", "2"
    )
    assert out.exit_code == 0, out.output
    by_tx = {m["transaction_id"]: m for m in json.loads(out.output)["matches"]}
    assert by_tx["M-008"]["rule"] == "customer_tolerance"
    assert by_tx["M-008"]["auto"] is False


def test_table_output() -> None:
    out = run("--invoices", str(INVOICES), "--statement", str(STATEMENT))
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].split()[:3] == ["transaction", "amount", "invoices"]
    assert any(line.startswith("M-001") and line.endswith("auto") for line in lines)
    assert any(line.startswith("M-013") and line.endswith("unmatched") for line in lines)
    assert lines[-1].startswith("15 transactions: ")


def test_malformed_invoices_say_where(tmp_path: Path) -> None:
    bad = tmp_path / "open.csv"
    bad.write_text("number,amount,currency\n2026-1,12.x,EUR\n")
    out = CliRunner().invoke(
        reconcile, ["--invoices", str(bad), "--statement", str(STATEMENT), "--json"]
    )
    assert out.exit_code == 1
    assert "line 2 (row 1), field 'amount'" in out.output


def test_registered_on_the_main_command() -> None:
    from paylink.cli import main

    out = CliRunner().invoke(main, ["reconcile", "--help"])
    assert out.exit_code == 0
    assert "--statement" in out.output


def test_match_by_hand_and_undo_in_the_database(tmp_path: Path) -> None:
    import datetime as dt

    from paylink import Line, Money, Paylink
    from paylink.testing import StatementLine, camt053

    url = f"sqlite:///{tmp_path / 'paylink.db'}"
    pl = Paylink.open(url, base_url=BASE_URL)
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Marie")
    lines = [Line(description="Work", quantity="1", unit_price="60", vat_rate="0")]
    first = pl.invoices.issue(org, customer, lines=lines)
    second = pl.invoices.issue(org, customer, lines=lines)
    statement = tmp_path / "s.xml"
    statement.write_bytes(
        camt053(
            account_iban="BE71096123456769",
            statement_id="S1",
            opening=Money.of("0", "EUR"),
            lines=[
                StatementLine(
                    amount=Money.of("100", "EUR"),
                    booking_date=dt.date(2026, 3, 9),
                    bank_reference="B1",
                    counterparty_name="Someone else",
                )
            ],
            created_at=dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC),
        )
    )
    pl.statements.import_file(org, statement)
    pl.close()

    bad = run("match", "B1", f"{first.number}=60", second.number, "--db", url)
    assert bad.exit_code == 2 and "for every invoice or for none" in bad.output
    out = run("match", "B1", f"{first.number}=60", f"{second.number}=40", "--db", url, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["invoices"] == [first.number, second.number]
    pl = Paylink.open(url, base_url=BASE_URL)
    assert pl.invoices.get(org, second.id).open_amount == Money.of("20", "EUR")
    pl.close()
    again = run("match", "B1", first.number, "--db", url)
    assert again.exit_code == 1 and "no unmatched transaction 'B1'" in again.output
    out = run("undo", "B1", "--db", url)
    assert out.exit_code == 0 and "undone" in out.output
    pl = Paylink.open(url, base_url=BASE_URL)
    assert pl.invoices.get(org, second.id).status == "issued"
    assert pl.payments.list(org.id) == []
    pl.close()
