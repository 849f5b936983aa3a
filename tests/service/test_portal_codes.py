"""The portal's one-time codes: sending limits and wrong tries live in the store, so they hold
across processes (two ``Paylink`` instances on one database stand for two processes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.exceptions import StateError
from paylink.parties import Customer, Organization

from ..conftest import BASE_URL


@pytest.fixture
def other(db_url: str, clock: FixedClock) -> Iterator[Paylink]:
    """A second process on the same database."""
    paylink = Paylink.open(db_url, clock=clock, base_url=BASE_URL)
    yield paylink
    paylink.close()


def _token(pl: Paylink, org: Organization, customer: Customer, tmp_path: Path) -> str:
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    return pl.portal.url(customer, require_code=True).rsplit("/", 1)[1]


def _codes(pl: Paylink, org: Organization) -> set[str]:
    return {
        found.group(1)
        for m in pl.outbox.list(org, kind="portal_code")
        if (found := re.search(r"\b(\d{6})\b", m.text))
    }


def test_codes_per_link_are_limited_across_processes(
    pl: Paylink,
    other: Paylink,
    org: Organization,
    customer: Customer,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    token = _token(pl, org, customer, tmp_path)
    assert pl.portal.request_code(token).endswith("456")
    assert other.portal.request_code(token).endswith("456")
    assert pl.portal.request_code(token).endswith("456")
    # The fourth within ten minutes is refused, whichever process is asked: nothing is sent.
    for process in (pl, other):
        with pytest.raises(StateError, match=r"too many codes .* link"):
            process.portal.request_code(token)
    assert len(pl.outbox.list(org, kind="portal_code")) == 3
    clock.advance(minutes=11)
    assert other.portal.request_code(token).endswith("456")


def test_codes_per_phone_and_per_organization(
    pl: Paylink,
    other: Paylink,
    org: Organization,
    customer: Customer,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    token = _token(pl, org, customer, tmp_path)
    # A second customer with the same phone: the phone's limit counts both portals.
    twin = pl.customers.create(org, name="Jan Peeters", phone=customer.phone)
    twin_token = pl.portal.url(twin, require_code=True).rsplit("/", 1)[1]
    for _ in range(3):
        pl.portal.request_code(token)
    other.portal.request_code(twin_token)
    other.portal.request_code(twin_token)
    with pytest.raises(StateError, match="phone"):
        pl.portal.request_code(twin_token)
    clock.advance(hours=1, minutes=1)
    assert pl.portal.request_code(twin_token)


def test_wrong_tries_are_counted_in_the_store_and_never_lock_out_a_new_code(
    pl: Paylink, other: Paylink, org: Organization, customer: Customer, tmp_path: Path
) -> None:
    token = _token(pl, org, customer, tmp_path)
    pl.portal.request_code(token)
    [first] = _codes(pl, org)
    wrong = "000000" if first != "000000" else "111111"
    # Five wrong tries spread over two processes use the code up, in both.
    for process in (pl, other, pl, other, pl):
        assert process.portal.check_code(token, wrong) == "wrong"
    assert other.portal.check_code(token, first) == "too_many"
    # Someone else's wrong tries never lock out the customer: a new code works.
    other.portal.request_code(token)
    [second] = _codes(pl, org) - {first}
    assert pl.portal.check_code(token, second) == "ok"
    assert pl.portal.check_code(token, second) == "too_many"  # a code opens once


def test_the_store_keeps_no_code_in_clear(
    pl: Paylink, org: Organization, customer: Customer, tmp_path: Path, db_url: str
) -> None:
    token = _token(pl, org, customer, tmp_path)
    pl.portal.request_code(token)
    [code] = _codes(pl, org)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = [tuple(map(str, r)) for r in conn.execute(sa.text("select * from portal_codes"))]
    engine.dispose()
    assert rows and not any(code in value or token in value for r in rows for value in r)


def test_codes_per_organization_are_limited_across_processes(
    pl: Paylink,
    other: Paylink,
    org: Organization,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    # 40 customers with phones of their own, five codes each (the most a phone gets in an
    # hour; three per link, then two more after ten minutes): 200 codes, none of them refused
    # by the link's or the phone's limit, spread over two processes. The 201st, for a portal
    # that never asked before, is refused by the organization's limit alone.
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    tokens = [
        pl.portal.url(
            pl.customers.create(org, name=f"Client {i}", phone=f"+3247{i:07d}"),
            require_code=True,
        ).rsplit("/", 1)[1]
        for i in range(41)
    ]
    fresh = tokens.pop()
    processes = (pl, other)
    for burst in (3, 2):
        for i, token in enumerate(tokens):
            for _ in range(burst):
                processes[i % 2].portal.request_code(token)
        clock.advance(minutes=11)
    assert len(pl.outbox.list(org, kind="portal_code")) == 200
    for process in processes:
        with pytest.raises(StateError, match=r"too many codes .* organization"):
            process.portal.request_code(fresh)
    assert len(pl.outbox.list(org, kind="portal_code")) == 200
    # Another organization on the same database is not held back by this one's count.
    neighbour = other.organizations.create(name="Bakkerij Claes", country="BE")
    other.channels.configure(neighbour, "outbox", directory=str(tmp_path / "outbox2"))
    client = other.customers.create(neighbour, name="Piet Claes", phone="+32470999999")
    assert pl.portal.request_code(
        other.portal.url(client, require_code=True).rsplit("/", 1)[1]
    ).endswith("999")
    # An hour after the first codes, the organization may send again.
    clock.advance(minutes=40)
    assert other.portal.request_code(fresh)
