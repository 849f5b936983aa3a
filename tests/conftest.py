"""Shared fixtures: a real PostgreSQL server for the session, and databases on both engines."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from paylink import FixedClock, Line, Paylink
from paylink.parties import Customer, Organization
from paylink.testing import PostgresServer, find_postgres_bin

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SECRET = "paylink-test-secret-0123456789abcdef"
"""The server secret of the tests' URL tokens (``pl`` passes it; a test that opens its own
``Paylink`` without one finds it in ``$PAYLINK_SECRET``, set below for the whole run, also for
the commands tests run in subprocesses)."""

os.environ.setdefault("PAYLINK_SECRET", SECRET)

BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """Desk passwords hashed with argon2id's cheapest parameters during the tests (a default
    hash costs about a quarter of a second of CPU here, and the desk tests make hundreds).
    Production keeps the library's defaults: ``test_a_weaker_hash_is_upgraded_at_sign_in``
    puts them back and checks that a hash made with weaker ones is replaced at sign-in."""
    try:
        import argon2
    except ImportError:  # the web extra is not installed: no desk
        yield
        return
    from paylink.service import _desk_auth

    saved = _desk_auth._hasher
    _desk_auth._hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    yield
    _desk_auth._hasher = saved


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole run.

    Skipped when the server binaries are missing, unless PAYLINK_REQUIRE_POSTGRES=1 (set by the
    nox test session and so by CI), where a missing server is a failure.
    """
    if not find_postgres_bin("initdb"):
        if os.environ.get("PAYLINK_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries are required but were not found")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL, on SQLite (a file) and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'paylink.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def pl(db_url: str, clock: FixedClock) -> Iterator[Paylink]:
    # Explicit: a Paylink has no default base URL, and these tests send links.
    paylink = Paylink.open(db_url, clock=clock, base_url=BASE_URL, secret=SECRET)
    yield paylink
    paylink.close()


@pytest.fixture
def fake_pl(db_url: str, clock: FixedClock) -> Iterator[Paylink]:
    """A Paylink with the fake card provider (``paylink.testing``) and no retry waits."""
    from paylink.plugins import get_plugin_manager
    from paylink.testing import FakeBackend, fake_provider_plugin

    FakeBackend.reset()
    paylink = Paylink.open(
        db_url,
        clock=clock,
        plugins=get_plugin_manager(plugins=[fake_provider_plugin]),
        base_url=BASE_URL,
        secret=SECRET,
    )
    paylink.retry.sleep = lambda _seconds: None
    yield paylink
    paylink.close()


@pytest.fixture
def org(pl: Paylink) -> Organization:
    return pl.organizations.create(
        name="Garage Dupont SRL",
        country="BE",
        iban="BE71 0961 2345 6769",
        bic="GKCCBEBB",
        vat_id="BE0403170701",
        email="billing@garage.example",
    )


@pytest.fixture
def customer(pl: Paylink, org: Organization) -> Customer:
    return pl.customers.create(
        org,
        name="Marie Peeters",
        email="marie@example.be",
        phone="0470 12 34 56",
        ibans=["BE62 5100 0754 7061"],
    )


def lines() -> list[Line]:
    return [
        Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21"),
        Line(description="Inspection", quantity="1", unit_price="35.00", vat_rate="6"),
    ]
