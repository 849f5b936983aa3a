"""Hostile input: whatever the bytes, a format raises StatementError or nothing at all."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paylink.exceptions import StatementError
from paylink.statements import (
    BUILTIN_FORMATS,
    CamtFormat,
    CodaFormat,
    CsvFormat,
    CsvMapping,
    Mt940Format,
    StatementFormat,
    sniff,
)

from .conftest import DATA

FORMATS: list[StatementFormat] = [
    CamtFormat(),
    CodaFormat(),
    Mt940Format(),
    CsvFormat(CsvMapping(date="Date", amount="Amount", currency="EUR", text="Text")),
]
SAMPLES = {
    "camt": (DATA / "camt053_v02.xml").read_bytes(),
    "coda": (DATA / "coda_two_statements.cod").read_bytes(),
    "mt940": (DATA / "mt940_de_subfields.sta").read_bytes(),
    "csv": b"Date,Amount,Text\n2026-03-01,12.50,Loyer\n2026-03-02,-3,Frais\n",
}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def consume(fmt: StatementFormat, data: bytes) -> None:
    """Read everything; the only exception allowed is a StatementError naming the file."""
    error: StatementError | None = None
    try:
        for statement in fmt.iter_statements(io.BytesIO(data), filename="fuzz"):
            for tx in statement.transactions:
                assert isinstance(tx.amount.amount, Decimal)
    except StatementError as exc:
        error = exc
    if error is not None:
        assert error.file == "fuzz"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(fmt: StatementFormat, data: bytes) -> None:
    consume(fmt, data)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@FUZZ
@given(cut=st.integers(min_value=0), pos=st.integers(min_value=0), junk=st.binary(max_size=8))
def test_damaged_samples(fmt: StatementFormat, cut: int, pos: int, junk: bytes) -> None:
    """A real file truncated and with a few bytes overwritten: deep parser paths get hit."""
    sample = SAMPLES[fmt.name]
    data = sample[: len(sample) - cut % (len(sample) // 2)]
    at = pos % len(data)
    data = data[:at] + junk + data[at + len(junk) :]
    consume(fmt, data)


_LINE_ALPHABET = st.sampled_from(
    [":20:", ":25:", ":60F:", ":61:", ":86:", ":62F:", "?20", "?32", "C", "D", "RC", "EUR",
     "260301", "0301", "12,50", "NTRF", "//", "EREF+", "SVWZ+", "\n", "-", "{4:", "/NAME/"]
)  # fmt: skip


@FUZZ
@given(parts=st.lists(_LINE_ALPHABET, max_size=40))
def test_mt940_token_soup(parts: list[str]) -> None:
    consume(Mt940Format(), "".join(parts).encode())


@FUZZ
@given(data=st.binary(max_size=300))
def test_sniff_never_raises_on_heads(data: bytes) -> None:
    for fmt in BUILTIN_FORMATS:
        assert fmt.sniff(data) in (True, False)
    error: StatementError | None = None
    try:
        sniff(data)
    except StatementError as exc:
        error = exc
    if error is not None:
        assert "tried camt, coda, mt940, csv" in str(error)
