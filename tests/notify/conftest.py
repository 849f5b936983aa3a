from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paylink import FixedClock, Paylink
from paylink.parties import Customer, Organization

from ..conftest import BASE_URL
from .helpers import with_messaging


@pytest.fixture
def pl(db_url: str, clock: FixedClock) -> Iterator[Any]:
    paylink = with_messaging(Paylink.open(db_url, clock=clock, base_url=BASE_URL))
    yield paylink
    paylink.close()


@pytest.fixture
def outbox_dir(pl: Any, org: Organization, tmp_path: Path) -> Path:
    directory = tmp_path / "outbox"
    pl.channels.configure(org, "outbox", directory=str(directory))
    return directory


@pytest.fixture
def dutch(pl: Any, org: Organization) -> Customer:
    return pl.customers.create(
        org, name="Marie Peeters", email="marie@example.be", phone="0470 12 34 56", language="nl"
    )
