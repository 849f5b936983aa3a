"""Importing a statement file streams it: hashed while it is parsed, inserted in batches,
and still one transaction (all or nothing, idempotent)."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from benchmarks.statements.generate import generate

from paylink import Paylink, StatementError
from paylink.parties import Organization
from paylink.service._statements import _BATCH, _HashingReader
from paylink.store.schema import bank_statements, bank_transactions

DATA = Path(__file__).parents[1] / "statements" / "data"


def test_the_hashing_reader_hashes_each_byte_once_whatever_the_reads() -> None:
    data = bytes(random.Random(7).randrange(256) for _ in range(50_000))
    for sizes in ([4096], [1, 7, 4096, 13], [65536], [3, -1]):
        reader = _HashingReader(io.BytesIO(data))
        head = reader.read(4096)
        reader.seek(0)  # sniffing rewinds
        assert reader.read(4096) == head
        got = b""
        index = 0
        while piece := reader.read(sizes[index % len(sizes)]):
            got += piece
            index += 1
        assert head + got == data
        assert reader.hexdigest() == hashlib.sha256(data).hexdigest()


def test_the_hashing_reader_hashes_what_the_parser_left_or_skipped() -> None:
    data = b"0123456789" * 1000
    reader = _HashingReader(io.BytesIO(data))
    reader.read(10)
    reader.seek(5000)  # a skip forward: the gap is hashed before the read goes on
    assert reader.read(10) == data[5000:5010]
    assert reader.hexdigest() == hashlib.sha256(data).hexdigest()  # the tail left unread


@pytest.mark.parametrize("fmt", ["camt", "coda", "mt940"])
def test_a_file_larger_than_a_batch_imports_once_with_the_file_hash(
    pl: Paylink, org: Organization, fmt: str, tmp_path: Path
) -> None:
    path = generate(fmt, _BATCH * 2 + 17, tmp_path)
    result = pl.statements.import_file(org, path)
    assert result.new_transactions == result.transactions >= _BATCH * 2 + 17
    assert result.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pl.statements.seen(org, path.read_bytes())
    with pl.store.transaction() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(bank_transactions)).scalar()
        hashes = set(conn.execute(sa.select(bank_statements.c.file_hash)).scalars())
    assert stored == result.transactions
    assert hashes == {result.file_hash}
    again = pl.statements.import_file(org, path)
    assert (again.new_transactions, again.duplicates) == (0, result.transactions)


@pytest.mark.parametrize("name", ["camt053_v02.xml", "coda_two_statements.cod"])
def test_a_file_and_its_bytes_import_alike(
    pl: Paylink, org: Organization, name: str, tmp_path: Path
) -> None:
    data = (DATA / name).read_bytes()
    from_file = pl.statements.import_file(org, DATA / name)
    from_bytes = pl.statements.import_bytes(org, data, filename=str(DATA / name))
    assert from_file.file_hash == from_bytes.file_hash == hashlib.sha256(data).hexdigest()
    assert from_file.format == from_bytes.format
    assert from_bytes.new_transactions == 0
    assert [s.id for s in from_file.statements] == [s.id for s in from_bytes.statements]


def test_a_file_broken_after_the_first_batch_imports_nothing(
    pl: Paylink, org: Organization, tmp_path: Path
) -> None:
    good = generate("coda", _BATCH * 2, tmp_path).read_bytes()
    path = tmp_path / "broken.cod"
    cut = good.index(b"\n", len(good) * 3 // 4)
    path.write_bytes(good[:cut] + b"\n21 broken record\n" + good[cut + 1 :])
    with pytest.raises(StatementError):
        pl.statements.import_file(org, path)
    with pl.store.transaction() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(bank_transactions)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(bank_statements)).scalar() == 0
