"""``paylink remind``: preview, run, JSON, and a refused naive time."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from paylink import Paylink
from paylink.cli import main
from paylink.parties import Customer, Organization

from ..conftest import BASE_URL
from .helpers import issue, standard_policy


def test_remind_dry_run_then_run(
    pl: Paylink,
    db_url: str,
    org: Organization,
    customer: Customer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inv = issue(pl, org, customer, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy())
    runner = CliRunner()
    now = "2026-03-10T10:00:00+01:00"
    # Without a public base URL the reminders' links would point nowhere: nothing goes out.
    monkeypatch.delenv("PAYLINK_BASE_URL", raising=False)
    refused = runner.invoke(main, ["remind", "--db", db_url, "--now", now])
    assert refused.exit_code == 1
    assert "cannot send a reminder with a payment link" in refused.output
    assert "PAYLINK_BASE_URL" in refused.output
    assert pl.reminders.history(inv) == []
    monkeypatch.setenv("PAYLINK_BASE_URL", BASE_URL)
    preview = runner.invoke(main, ["remind", "--db", db_url, "--now", now, "--dry-run", "--json"])
    assert preview.exit_code == 0, preview.output
    planned = json.loads(preview.output)["reminders"]
    assert [(p["invoice_number"], p["step_name"]) for p in planned] == [(inv.number, "first")]
    assert pl.reminders.history(inv) == []

    table = runner.invoke(main, ["remind", "--db", db_url, "--now", now, "--dry-run"])
    assert table.exit_code == 0, table.output
    assert inv.number in table.output

    run = runner.invoke(main, ["remind", "--db", db_url, "--now", now, "--json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert [r["step_name"] for r in data["sent"]] == ["first"]
    assert len(data["messages"]) == 2

    again = runner.invoke(main, ["remind", "--db", db_url, "--now", now])
    assert again.exit_code == 0, again.output
    assert "recorded 0" in again.output


def test_remind_refuses_a_naive_time(db_url: str) -> None:
    result = CliRunner().invoke(main, ["remind", "--db", db_url, "--now", "2026-03-10T10:00"])
    assert result.exit_code == 2
    assert "time zone" in result.output


def test_demo_reminders_prints_what_went_out() -> None:
    import datetime as dt

    from paylink import FixedClock
    from paylink.demo._reminders import demo_reminders

    clock = FixedClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    pl = Paylink.open("sqlite://", clock=clock, base_url=BASE_URL)
    org = pl.organizations.create(
        name="Demo", country="BE", iban="BE71096123456769", email="demo@example.be"
    )
    lines: list[str] = []
    demo_reminders(pl, org, clock, lines.append)
    pl.close()
    text = "\n".join(lines)
    assert "2026-03-02: 3 reminder(s), 3 stale skipped" in text
    assert "step 3 'formal' via email, letter" in text
    assert "Aging of receivables:" in text
    assert lines[-1].strip().startswith("over 90:")
