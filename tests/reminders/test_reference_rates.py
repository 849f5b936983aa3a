"""Reference rates as data: the operator extends them, interest uses them, the digest warns."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from paylink import FixedClock, Paylink, ValidationError
from paylink.cli import main
from paylink.money import Money
from paylink.parties import Organization
from paylink.reminders import (
    ECB_REFERENCE_RATES,
    DunningPolicy,
    Fee,
    ReferenceRates,
    Step,
    statutory_interest,
)

from .helpers import at, issue


def test_the_shipped_table_is_the_seed_and_the_next_half_year_is_missing(pl: Paylink) -> None:
    book = pl.reminders.rates
    assert [r.effective_from for r in book.list()] == list(ECB_REFERENCE_RATES.rates)
    assert book.missing(dt.date(2026, 6, 30)) is None
    assert book.missing(dt.date(2026, 12, 3)) == dt.date(2026, 7, 1)


def test_an_operator_adds_corrects_and_is_told_what_is_wrong(pl: Paylink) -> None:
    book = pl.reminders.rates
    added = book.add("2026-07-01", "2.15", source="OJ C 2026/xxx")
    assert (added.effective_from, added.rate, added.source) == (
        dt.date(2026, 7, 1),
        Decimal("2.15"),
        "OJ C 2026/xxx",
    )
    assert added.added_at is not None
    assert book.missing(dt.date(2026, 12, 31)) is None
    assert book.missing(dt.date(2027, 1, 1)) == dt.date(2027, 1, 1)
    assert book.table().known_until == dt.date(2026, 12, 31)
    book.add(dt.date(2026, 7, 1), "2.15")  # the same again: nothing changes
    before = book.list()
    for args, kwargs, field in (
        (("2026-07-01", "2.40"), {}, "effective_from"),  # a different rate needs replace
        (("2026-08-01", "2.40"), {}, "effective_from"),  # not the start of a half-year
        (("2026-13-01", "2.40"), {}, "effective_from"),
        (("2027-01-01", 2.4), {}, "rate"),  # a float
        (("2027-01-01", "abc"), {}, "rate"),
        (("2027-01-01", "80"), {}, "rate"),
    ):
        with pytest.raises(ValidationError) as info:
            book.add(*args, **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field
    assert book.list() == before
    assert book.add("2026-07-01", "2.40", replace=True).rate == Decimal("2.40")
    # A stored rate replaces the shipped one for its half-year; the others stay.
    assert book.table().rate_on(dt.date(2026, 9, 1)) == Decimal("2.40")
    assert book.table().rate_on(dt.date(2025, 9, 1)) == Decimal("2.15")


def test_statutory_interest_is_computed_with_the_stored_rates(
    pl: Paylink, org: Organization
) -> None:
    client = pl.customers.create(org, name="Acme SA", email="ap@acme.example", kind="company")
    invoice = issue(pl, org, client, "2026-06-01", price="10000.00")
    pl.reminders.set_policy(
        org,
        DunningPolicy(
            steps=(Step(name="formal", offset_days=30, fee=Fee.statutory(compensation=False)),),
            fee_mode="charge",
        ),
    )
    on = dt.date(2026, 9, 1)
    principal = Money.of("12100.00", "EUR")
    shipped = statutory_interest(principal, dt.date(2026, 6, 1), on)
    (planned,) = pl.reminders.preview(at("2026-09-01"))
    assert planned.fee == shipped  # nothing stored for 2026-H2: the last rate carried forward

    pl.reminders.rates.add("2026-07-01", "4.00")
    table = ECB_REFERENCE_RATES.extended([])
    expected = statutory_interest(
        principal,
        dt.date(2026, 6, 1),
        on,
        rates=ReferenceRates({**table.rates, dt.date(2026, 7, 1): Decimal("4.00")}),
    )
    assert expected > shipped
    (planned,) = pl.reminders.preview(at("2026-09-01"))
    assert planned.fee == expected
    (sent,) = pl.reminders.tick(at("2026-09-01")).sent
    assert sent.fee == expected
    assert pl.invoices.get(invoice.organization_id, invoice.id).fees == expected


def test_the_owners_digest_warns_while_the_half_years_rate_is_missing(
    pl: Paylink, clock: FixedClock
) -> None:
    org = pl.organizations.create(
        name="Garage", country="BE", iban="BE71096123456769", email="owner@garage.example",
        language="fr",
    )  # fmt: skip
    moment = dt.datetime(2026, 12, 3, 8, tzinfo=dt.UTC)

    def digest() -> str:
        message_id = pl.reminders.send_digest(org, moment, force=True)
        assert message_id is not None
        return str(pl.outbox.get(org, message_id).text)

    assert "paylink rates add" not in digest()  # no statutory interest: nothing to say
    pl.reminders.set_policy(
        org, DunningPolicy(steps=(Step(name="formal", offset_days=30, fee=Fee.statutory()),))
    )
    text = digest()
    assert "le taux de référence à partir du 2026-07-01 manque" in text
    assert "(2.15 %)" in text and "paylink rates add 2026-07-01 TAUX" in text
    pl.reminders.rates.add("2026-07-01", "2.15")
    assert "paylink rates add" not in digest()


def test_the_cli_adds_and_lists(db_url: str, pl: Paylink) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["rates", "list", "--db", db_url, "--json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.output)
    assert data["rates"][-1]["effective_from"] == "2026-01-01"
    added = runner.invoke(
        main, ["rates", "add", "2026-07-01", "2.15", "--source", "ECB", "--db", db_url]
    )
    assert added.exit_code == 0, added.output
    assert "reference rate from 2026-07-01: 2.15 %" in added.output
    wrong = runner.invoke(main, ["rates", "add", "2026-07-01", "3", "--db", db_url])
    assert wrong.exit_code == 1 and "--replace" in wrong.output
    fixed = runner.invoke(main, ["rates", "add", "2026-07-01", "3", "--replace", "--db", db_url])
    assert fixed.exit_code == 0, fixed.output
    table = runner.invoke(main, ["rates", "list", "--db", db_url])
    assert "2026-07-01    3.00 %  " in table.output or "2026-07-01       3 %" in table.output
    assert pl.reminders.rates.table().rate_on(dt.date(2026, 8, 1)) == Decimal(3)
