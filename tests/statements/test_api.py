"""The module-level API, the plugin hook, the balance check and the CLI."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pluggy
import pytest
from click.testing import CliRunner

from paylink import hookspecs
from paylink.cli.statement import statement as statement_cli
from paylink.exceptions import StatementError
from paylink.money import Money
from paylink.statements import (
    BUILTIN_FORMATS,
    BankTransaction,
    CamtFormat,
    CodaFormat,
    Mt940Format,
    Statement,
    StatementFormat,
    _plugin,
    check_balance,
    get_format,
    iter_balance_checks,
    iter_events,
    iter_statements,
    iter_transactions,
    parse_bytes,
    parse_file,
    sniff,
)

from .conftest import DATA

SAMPLES = {
    "camt053_v02.xml": "camt",
    "camt053_v08.xml": "camt",
    "camt052_v06.xml": "camt",
    "camt054_v04.xml": "camt",
    "coda_two_statements.cod": "coda",
    "mt940_de_subfields.sta": "mt940",
    "mt940_sepa_tags.sta": "mt940",
}


@pytest.mark.parametrize(("name", "expected"), SAMPLES.items())
def test_sniff_recognises_each_sample_by_path_and_by_head(name: str, expected: str) -> None:
    path = DATA / name
    assert sniff(path).name == expected
    assert sniff(path.read_bytes()[:4096]).name == expected


def test_sniff_skips_a_byte_order_mark() -> None:
    assert sniff(b"\xef\xbb\xbf" + (DATA / "camt053_v02.xml").read_bytes()).name == "camt"


def test_unknown_format_says_what_was_tried(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just some notes\n")
    with pytest.raises(StatementError) as info:
        parse_file(path)
    assert "unrecognised statement format; tried camt, coda, mt940, csv" in str(info.value)
    assert info.value.file == str(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StatementError, match="cannot read the file"):
        parse_file(tmp_path / "nope.xml")


def test_get_format_and_explicit_format_objects() -> None:
    assert isinstance(get_format("coda"), CodaFormat)
    with pytest.raises(StatementError, match="unknown statement format 'ofx'; known formats: camt"):
        get_format("ofx")
    with pytest.raises(StatementError, match="unknown statement format"):
        parse_file(DATA / "camt053_v02.xml", format="ofx")
    [statement] = parse_file(DATA / "camt053_v02.xml", format=CamtFormat())
    assert len(statement.transactions) == 6


def test_builtin_formats_satisfy_the_protocol() -> None:
    assert [fmt.name for fmt in BUILTIN_FORMATS] == ["camt", "coda", "mt940", "csv"]
    assert all(isinstance(fmt, StatementFormat) for fmt in BUILTIN_FORMATS)


def test_wrong_format_forced_raises_statement_error() -> None:
    with pytest.raises(StatementError, match=r"coda_two_statements.cod: expected an MT940 message"):
        parse_file(DATA / "coda_two_statements.cod", format=Mt940Format())


def test_iter_transactions_and_events_are_lazy_and_ordered() -> None:
    txs = iter_transactions(DATA / "coda_two_statements.cod")
    first = next(txs)
    assert isinstance(first, BankTransaction)
    assert first.id == "BE62510007547061/2026-041/0001-0000"
    assert len(list(txs)) == 5
    kinds = [type(e).__name__ for e in iter_events(DATA / "mt940_sepa_tags.sta")]
    assert kinds == [
        "StatementHeader", "BankTransaction", "BankTransaction", "StatementFooter",
        "StatementHeader", "BankTransaction", "StatementFooter",
    ]  # fmt: skip
    assert [s.id for s in iter_statements(DATA / "camt053_v08.xml")] == [
        "COBA-DE89-2026-063",
        "COBA-DE89-2026-064",
    ]


def test_parse_bytes_names_the_file_in_errors() -> None:
    with pytest.raises(StatementError) as info:
        parse_bytes(b":20:X\n:25:1\n:60F:nonsense\n", filename="upload.sta")
    assert info.value.file == "upload.sta"
    assert info.value.line == 3


def test_balance_mismatch_is_reported_not_raised() -> None:
    data = (DATA / "camt053_v02.xml").read_bytes().replace(b">1364.50<", b">1364.60<")
    [statement] = parse_bytes(data)
    check = check_balance(statement)
    assert check.ok is False
    assert check.expected_closing == Money.of("1364.50", "EUR")
    assert check.difference == Money.of("0.10", "EUR")
    assert str(check) == (
        "statement 2026-03-01-00042: opening 1000.00 EUR + 6 movements 364.50 EUR = "
        "1364.50 EUR, but the closing balance is 1364.60 EUR (difference 0.10 EUR)"
    )


def test_streaming_balance_checks() -> None:
    checks = list(iter_balance_checks(iter_events(DATA / "coda_two_statements.cod")))
    assert [(c.statement_id, c.ok, c.count) for c in checks] == [
        ("BE62510007547061/2026-041", True, 4),
        ("BE62510007547061/2026-042", True, 2),
    ]
    assert str(checks[0]) == "statement BE62510007547061/2026-041: balances agree (4 movements)"


def test_statement_record_is_json_friendly() -> None:
    [statement] = parse_file(DATA / "camt054_v04.xml")
    record = statement.transactions[0].to_record()
    assert record["amount"] == "42.00"
    assert record["structured_reference"] == "+++202/6000/12320+++"
    assert isinstance(statement, Statement)


def test_hookimpl_registers_the_builtin_formats() -> None:
    pm = pluggy.PluginManager("paylink")
    pm.add_hookspecs(hookspecs)
    pm.register(_plugin)
    registered: list[StatementFormat] = []
    pm.hook.paylink_register_statement_formats(register=registered.append)
    assert [fmt.name for fmt in registered] == ["camt", "coda", "mt940", "csv"]


# --- CLI --------------------------------------------------------------------------------------


def test_cli_parse_json_has_exactly_the_documented_shape() -> None:
    result = CliRunner().invoke(
        statement_cli, ["parse", str(DATA / "coda_two_statements.cod"), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert list(payload) == ["statements"]
    first = payload["statements"][0]
    assert list(first) == [
        "account",
        "currency",
        "opening_balance",
        "closing_balance",
        "checks",
        "transactions",
    ]
    assert all(check["ok"] for check in first["checks"])
    assert "balance" in {check["name"] for check in first["checks"]}
    assert first["opening_balance"] == "1500.00"
    assert payload["statements"][1]["closing_balance"] == "-375.01"
    assert first["transactions"][0] == {
        "id": "BE62510007547061/2026-041/0001-0000",
        "booking_date": "2026-03-02",
        "value_date": "2026-03-02",
        "amount": "250.00",
        "currency": "EUR",
        "counterparty_name": "DUPONT GARAGE SPRL",
        "counterparty_iban": "BE71096123456769",
        "structured_reference": "+++202/6000/12522+++",
        "remittance_text": None,
        "bank_reference": "0301A1B2C3D4E5F6G7H8I",
    }
    assert first["transactions"][1]["amount"] == "-100.00"


def test_cli_json_null_balances() -> None:
    result = CliRunner().invoke(statement_cli, ["parse", str(DATA / "camt054_v04.xml"), "--json"])
    payload = json.loads(result.output)
    assert payload["statements"][0]["opening_balance"] is None
    assert payload["statements"][0]["closing_balance"] is None


def test_cli_table_and_forced_format() -> None:
    result = CliRunner().invoke(
        statement_cli, ["parse", str(DATA / "mt940_de_subfields.sta"), "--format", "mt940"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0]
        == "Statement 10020030/1234567890/2026-02-27/00042/001  account 10020030/1234567890  EUR"
    )
    assert lines[1] == "  opening 12345.67 EUR  closing 13547.87 EUR  (4 entries)"
    assert "Müller Maschinenbau GmbH" in lines[2]
    assert "RF8820260042" in lines[2]
    assert "warning" not in result.output


def test_cli_reports_a_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.sta"
    path.write_bytes(b":20:X\n:25:1\n:60F:C260101EUR1,00\n:61:garbage\n-\n")
    result = CliRunner().invoke(statement_cli, ["parse", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}, line 4: expected :61: as value date" in result.output


def test_cli_is_mounted_on_the_paylink_command() -> None:
    from paylink.cli import main

    result = CliRunner().invoke(
        main, ["statement", "parse", str(DATA / "camt054_v04.xml"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["statements"][0]["transactions"][0]["amount"] == "42.00"


def test_core_plugin_registry_lists_the_builtin_formats() -> None:
    from paylink.plugins import Plugins

    formats = Plugins().statement_formats
    assert {"camt", "coda", "mt940", "csv"} <= set(formats)
    assert sniff(DATA / "coda_two_statements.cod", formats=formats.values()).name == "coda"


class _WatchingCamt(CamtFormat):
    """The CAMT format, noting whether the garbage collector runs while it reads."""

    def __init__(self) -> None:
        self.collector_on: list[bool] = []

    def iter_events(self, stream, *, filename=None):  # type: ignore[no-untyped-def]
        self.collector_on.append(gc.isenabled())
        return super().iter_events(stream, filename=filename)


def test_whole_file_reads_pause_the_garbage_collector_and_restore_it() -> None:
    fmt = _WatchingCamt()
    path = DATA / "camt053_v02.xml"
    parse_file(path, format=fmt)
    parse_bytes(path.read_bytes(), format=fmt)
    assert fmt.collector_on == [False, False] and gc.isenabled()
    with pytest.raises(StatementError):
        parse_bytes(b"<Document>broken", format=fmt)
    assert gc.isenabled()  # back on after a malformed file too
    next(iter_transactions(path, format=fmt))
    assert fmt.collector_on[-1] is True  # a generator leaves it alone: its caller runs between
