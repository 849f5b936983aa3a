from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paylink import FixedClock, Paylink, StateError, ValidationError
from paylink.cli import main
from paylink.parties import Organization
from paylink.payfiles import validate_pain001

from ..conftest import BASE_URL


def _purchases(pl: Paylink, org: Organization) -> None:
    pl.purchases.create(
        org,
        supplier_name="Pièces Auto SA",
        supplier_iban="BE43068999999501",
        amount="1210.00",
        due_date=dt.date(2026, 3, 20),
        supplier_reference="F-889",
        payment_reference="+++090/9337/55493+++",
    )
    pl.purchases.create(
        org,
        supplier_name="Landlord",
        supplier_iban="BE62510007547061",
        amount="800.00",
        due_date=dt.date(2026, 2, 28),
        supplier_reference="April rent",
    )


def test_pain001_pays_open_purchases_once(pl: Paylink, org: Organization) -> None:
    _purchases(pl, org)
    made = pl.purchases.pain001(org)
    validate_pain001(made.xml)
    assert made.message_id == "PAYLINK-2026-000001"
    assert str(made.total) == "2010.00 EUR"
    # Overdue ones are requested for today, never in the past.
    dates = sorted(o.execution_date for o in made.orders)
    assert dates == [dt.date(2026, 3, 2), dt.date(2026, 3, 20)]
    stored = pl.purchases.list(org)
    assert {p.status for p in stored} == {"payment_ordered"}
    assert {p.end_to_end_id for p in stored} == {p.id for p in stored}
    with pytest.raises(ValidationError, match="no open purchase invoice"):
        pl.purchases.pain001(org)
    with pytest.raises(StateError):
        pl.purchases.pain001(org, stored)


def test_pain001_09(pl: Paylink, org: Organization) -> None:
    _purchases(pl, org)
    made = pl.purchases.pain001(org, version="pain.001.001.09", execution_date=dt.date(2026, 3, 10))
    validate_pain001(made.xml, "pain.001.001.09")
    assert {o.execution_date for o in made.orders} == {dt.date(2026, 3, 10)}


def test_cli(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    pl = Paylink.open(url, clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
    _purchases(pl, org)
    pl.close()
    out = tmp_path / "pay.xml"
    result = CliRunner().invoke(
        main, ["payfile", "pain001", "--db", url, "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["count"] == 2 and summary["total"] == "2010.00"
    assert out.read_bytes().startswith(b"<?xml")
    validate_pain001(out.read_bytes())
    again = CliRunner().invoke(main, ["payfile", "pain001", "--db", url, "--out", str(out)])
    assert again.exit_code == 1 and "no open purchase invoice" in again.output
