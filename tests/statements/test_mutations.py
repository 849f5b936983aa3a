"""Valid files, damaged the ways files get damaged: read right, or refused cleanly — never
another exception, never a partial import.

Each mutation (cut short, a byte flipped, a line dropped, a line repeated, another encoding)
of a valid sample must either parse, or raise :class:`StatementError` naming the file. The
import of the same bytes must agree: when it refuses, the store is exactly as before.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paylink import Paylink
from paylink.exceptions import StatementError
from paylink.parties import Organization
from paylink.statements import get_format

from ..conftest import BASE_URL
from .conftest import DATA

SAMPLES = {
    "camt": (DATA / "camt053_v02.xml").read_bytes(),
    "camt08": (DATA / "camt053_v08.xml").read_bytes(),
    "coda": (DATA / "coda_two_statements.cod").read_bytes(),
    "mt940": (DATA / "mt940_sepa_tags.sta").read_bytes(),
    "mt940_dialects": (DATA / "mt940_dialects.sta").read_bytes(),
    "mt942": (DATA / "mt942_interim.sta").read_bytes(),
}
FORMAT = {
    "camt": "camt",
    "camt08": "camt",
    "coda": "coda",
    "mt940": "mt940",
    "mt940_dialects": "mt940",
    "mt942": "mt940",
}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = SAMPLES[name]
    kind = draw(st.sampled_from(["truncate", "flip", "drop line", "repeat line", "encoding"]))
    if kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif kind in ("drop line", "repeat line"):
        lines = data.split(b"\n")
        at = draw(st.integers(0, len(lines) - 1))
        lines[at : at + 1] = [] if kind == "drop line" else [lines[at], lines[at]]
        data = b"\n".join(lines)
    else:
        encoding = draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32", "cp1252", "utf-8-sig"]))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")  # the CODA sample: accented names in cp1252
        data = text.encode(encoding, errors="replace")
    return name, data


def _parse(name: str, data: bytes) -> int | StatementError:
    """The number of transactions read, or the refusal."""
    fmt = get_format(FORMAT[name])
    refusal: StatementError | None = None
    try:
        statements = list(fmt.iter_statements(io.BytesIO(data), filename="m"))
    except StatementError as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.file == "m"
        return refusal
    return sum(len(s.transactions) for s in statements)


MUTATIONS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@MUTATIONS
@given(case=mutated())
def test_a_damaged_file_is_read_or_refused_cleanly(case: tuple[str, bytes]) -> None:
    name, data = case
    _parse(name, data)  # anything but StatementError fails the test


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paylink]:
    path: Path = tmp_path_factory.mktemp("mutations") / "paylink.db"
    paylink = Paylink.open(f"sqlite:///{path}", base_url=BASE_URL)
    yield paylink
    paylink.close()


def _snapshot(pl: Paylink, org: Organization) -> list[str]:
    return sorted(tx.id for tx in pl.statements.transactions(org))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_a_damaged_file_imports_all_or_nothing(store: Paylink, case: tuple[str, bytes]) -> None:
    name, data = case
    org = store.organizations.create(name="Mutations SRL", country="BE")
    # Something already in the store, which a refused import must leave as it was.
    store.statements.import_bytes(org, SAMPLES["mt942"], filename="base.sta", format="mt940")
    before = _snapshot(store, org)
    parsed = _parse(name, data)
    refusal: StatementError | None = None
    try:
        result = store.statements.import_bytes(
            org, data, filename="m", format=FORMAT[name], accept_unbalanced=True
        )
    except StatementError as exc:
        refusal = exc
    if refusal is not None:
        assert isinstance(parsed, StatementError), f"parsed, but the import refused: {refusal}"
        assert _snapshot(store, org) == before
        assert not store.statements.seen(org, data)
        return
    assert not isinstance(parsed, StatementError), f"the import took what parsing refused: {parsed}"
    assert result.transactions == parsed
    assert len(_snapshot(store, org)) == len(before) + result.new_transactions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_an_unbalanced_damaged_file_is_refused_whole(
    store: Paylink, case: tuple[str, bytes]
) -> None:
    name, data = case
    fmt = get_format(FORMAT[name])
    try:
        statements = list(fmt.iter_statements(io.BytesIO(data), filename="m"))
    except StatementError:
        return
    org = store.organizations.create(name="Unbalanced SRL", country="BE")
    if all(s.balanced is not False for s in statements):
        store.statements.import_bytes(org, data, filename="m", format=FORMAT[name])
        return
    with pytest.raises(StatementError, match="does not add up"):
        store.statements.import_bytes(org, data, filename="m", format=FORMAT[name])
    assert _snapshot(store, org) == []
