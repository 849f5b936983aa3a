"""``paylink statement parse --json`` streams: the same document as the in-memory form, in
constant memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from benchmarks.statements.generate import generate
from click.testing import CliRunner

from paylink.cli.statement import statement as statement_cli
from paylink.cli.statement import write_json
from paylink.statements import iter_events, parse_file

from .conftest import DATA

FILES = sorted(p.name for p in DATA.iterdir() if p.suffix in {".xml", ".cod", ".sta"})


def _in_memory_document(path: Path) -> str:
    # The document as the command built it before it streamed: every statement in memory,
    # then one json.dumps. It is the oracle for the streamed form.
    def money(value: Any) -> str | None:
        return None if value is None else str(value.amount)

    statements = [
        {
            "account": stmt.account_iban,
            "currency": stmt.currency,
            "opening_balance": money(stmt.opening_balance),
            "closing_balance": money(stmt.closing_balance),
            "checks": [
                {"name": c.name, "ok": c.ok, "stated": c.stated, "computed": c.computed}
                for c in stmt.checks
            ],
            "transactions": [
                {
                    "id": tx.id,
                    "booking_date": tx.booking_date.isoformat(),
                    "value_date": tx.value_date.isoformat() if tx.value_date else None,
                    "amount": str(tx.amount.amount),
                    "currency": tx.amount.currency,
                    "counterparty_name": tx.counterparty_name,
                    "counterparty_iban": tx.counterparty_iban,
                    "structured_reference": str(tx.structured_reference)
                    if tx.structured_reference
                    else None,
                    "remittance_text": tx.remittance_text,
                    "bank_reference": tx.bank_reference,
                }
                for tx in stmt.transactions
            ],
        }
        for stmt in parse_file(path)
    ]
    return json.dumps({"statements": statements}, indent=2, ensure_ascii=False) + "\n"


def test_the_sample_files_cover_every_shape() -> None:
    assert len(FILES) >= 8


@pytest.mark.parametrize("name", FILES)
def test_streamed_json_is_the_in_memory_document_byte_for_byte(name: str) -> None:
    result = CliRunner().invoke(statement_cli, ["parse", str(DATA / name), "--json"])
    assert result.exit_code == 0, result.output
    assert result.output == _in_memory_document(DATA / name)


@pytest.mark.parametrize("fmt", ["camt", "coda", "mt940"])
def test_streamed_json_of_a_generated_file_is_the_in_memory_document(
    fmt: str, tmp_path: Path
) -> None:
    path = generate(fmt, 300, tmp_path)
    result = CliRunner().invoke(statement_cli, ["parse", str(path), "--json"])
    assert result.exit_code == 0, result.output[-500:]
    assert result.output == _in_memory_document(path)
    # A batched CAMT entry is several transactions, so at least one per generated entry.
    assert sum(len(s["transactions"]) for s in json.loads(result.output)["statements"]) >= 300


def test_an_empty_event_stream_is_the_empty_document() -> None:
    out = io.StringIO()
    write_json(iter(()), out)
    assert out.getvalue() == json.dumps({"statements": []}, indent=2)


def test_a_file_broken_at_its_end_prints_the_error_and_no_half_document(tmp_path: Path) -> None:
    good = (DATA / "coda_two_statements.cod").read_bytes()
    path = tmp_path / "cut.cod"
    path.write_bytes(good[: good.rindex(b"\n9", 0, len(good) - 2)] + b"\n9garbage\n")
    result = CliRunner().invoke(statement_cli, ["parse", str(path), "--json"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert '"statements"' not in result.output


def _peak(path: Path, out_path: Path | None) -> int:
    tracemalloc.start()
    try:
        if out_path is None:
            for _ in iter_events(path):
                pass
        else:
            with out_path.open("w", encoding="utf-8") as out:
                # 64 KiB of transactions in memory, the rest on disk (the command keeps 1 MiB).
                write_json(iter_events(path), out, spool=1 << 16)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_while_the_document_is_written(tmp_path: Path) -> None:
    path = generate("coda", 15_000, tmp_path)
    reading = _peak(path, None)  # the reader's own buffers: a 1 MiB chunk of lines
    writing = _peak(path, tmp_path / "out.json")
    written = (tmp_path / "out.json").stat().st_size
    assert written > 7_000_000  # the document of 15,000 entries
    # Writing the document adds almost nothing to what reading the file holds anyway; the
    # in-memory form held every entry as objects, several times the document's size.
    assert writing < reading + 1_500_000, (reading, writing)
    assert writing < written, (writing, written)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["statements"]
