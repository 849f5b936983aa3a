"""The reminder run on SQLite and PostgreSQL: what goes out, once, and what does not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from paylink import FixedClock, Paylink, ValidationError
from paylink.money import Money
from paylink.parties import Customer, Organization
from paylink.reminders import DunningPolicy, Fee, Step
from paylink.service.outbox import Outbox

from .helpers import EscalationSpy, at, issue, standard_policy


@pytest.fixture
def company(pl: Paylink, org: Organization) -> Customer:
    return pl.customers.create(
        org, name="Acme SA", email="ap@acme.example", phone="+32470123456", vat_id="BE0403170701"
    )


def reminders_of(pl: Paylink, org: Organization) -> list:  # type: ignore[type-arg]
    return Outbox(pl).list(org, kind="reminder")


def test_each_step_goes_out_once(pl: Paylink, org: Organization, customer: Customer) -> None:
    inv = issue(pl, org, customer, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy())
    first = pl.reminders.tick(at("2026-03-10"))
    assert [(r.step, r.step_name) for r in first.sent] == [(2, "first")]
    assert first.skipped == 1  # the courtesy notice, missed: never sent
    assert len(first.messages) == 2  # e-mail and SMS
    again = pl.reminders.tick(at("2026-03-10"))
    later = pl.reminders.tick(at("2026-03-11"))
    assert again.recorded == later.recorded == 0
    assert len(reminders_of(pl, org)) == 2
    history = pl.reminders.history(inv)
    assert [(h.step, h.status) for h in history] == [(1, "skipped"), (2, "sent")]
    assert history[1].due_on == dt.date(2026, 3, 9)
    assert history[0].due_on == dt.date(2026, 2, 27)
    assert "due on 2026-03-09" in history[1].explanation[0]


def test_after_downtime_only_the_latest_step(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    inv = issue(pl, org, customer, "2026-01-05")
    pl.reminders.set_policy(org, standard_policy())
    report = pl.reminders.tick(at("2026-04-01"))
    assert [r.step_name for r in report.sent] == ["final"]
    assert [h.status for h in pl.reminders.history(inv)] == [
        "skipped",
        "skipped",
        "skipped",
        "sent",
    ]
    assert all("never sent" in h.reason for h in pl.reminders.history(inv)[:3])


def test_preview_writes_nothing(pl: Paylink, org: Organization, company: Customer) -> None:
    inv = issue(pl, org, company, "2026-01-05")
    pl.reminders.set_policy(org, standard_policy())
    planned = pl.reminders.preview(at("2026-04-01"))
    assert [(p.invoice_id, p.step, p.step_name, p.skipped_steps) for p in planned] == [
        (inv.id, 4, "final", (1, 2, 3))
    ]
    assert planned[0].channels == ("email", "letter")
    assert planned[0].due_on == dt.date(2026, 2, 19)
    assert planned[0].fee > Money.of("40", "EUR")  # interest + the €40 compensation
    assert pl.reminders.history(inv) == []
    assert reminders_of(pl, org) == []
    sent = pl.reminders.tick(at("2026-04-01")).sent
    assert sent[0].fee == planned[0].fee


def test_a_naive_datetime_is_refused(pl: Paylink, org: Organization) -> None:
    for call in (pl.reminders.tick, pl.reminders.preview):
        with pytest.raises(ValidationError) as info:
            call(dt.datetime(2026, 3, 10, 9, 0))
        assert info.value.field == "now"
    with pytest.raises(ValidationError):
        pl.reminders.pause(pl.customers.create(org, name="X"), until=dt.datetime(2026, 4, 1))


def test_no_reminder_for_paid_cancelled_or_disputed(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    paid = issue(pl, org, customer, "2026-03-02")
    cancelled = issue(pl, org, customer, "2026-03-02")
    disputed = issue(pl, org, customer, "2026-03-02")
    open_one = issue(pl, org, customer, "2026-03-02")
    pl.payments.record(paid)
    pl.invoices.cancel(cancelled)
    pl.invoices.set_disputed(disputed)
    pl.reminders.set_policy(org, standard_policy())
    report = pl.reminders.tick(at("2026-03-10"))
    assert [r.invoice_id for r in report.sent] == [open_one.id]
    pl.invoices.set_disputed(disputed, False)
    report = pl.reminders.tick(at("2026-03-11"))
    assert [r.invoice_id for r in report.sent] == [disputed.id]


def test_pause_and_resume(pl: Paylink, org: Organization, customer: Customer) -> None:
    inv = issue(pl, org, customer, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy())
    pl.reminders.pause(customer)
    assert pl.reminders.is_paused(customer)
    assert pl.reminders.tick(at("2026-03-10")).sent == []
    assert pl.reminders.resume(customer)
    assert [r.invoice_id for r in pl.reminders.tick(at("2026-03-10")).sent] == [inv.id]
    pl.reminders.pause(customer, until=at("2026-03-25"))
    assert pl.reminders.tick(at("2026-03-24")).sent == []
    assert [r.step_name for r in pl.reminders.tick(at("2026-03-25")).sent] == ["second"]


def test_paid_between_record_and_send_is_cancelled(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    inv = issue(pl, org, customer, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy())
    recorded = pl.reminders.tick(at("2026-03-10"), send=False)
    assert recorded.recorded == 1
    assert recorded.sent == []
    pl.payments.record(inv)
    processed = pl.reminders.process(at("2026-03-10"))
    assert processed.sent == []
    assert [r.reason for r in processed.cancelled] == ["invoice is paid"]
    assert reminders_of(pl, org) == []


def test_weekends_holidays_and_quiet_hours_wait(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    issue(pl, org, customer, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy(holidays=["2026-03-09"]))
    saturday = pl.reminders.tick(at("2026-03-07"))
    assert saturday.recorded == 0
    assert saturday.waiting == [f"{org.id}: 2026-03-07 is not a business day"]
    assert pl.reminders.preview(at("2026-03-07")) == []
    assert pl.reminders.tick(at("2026-03-09")).recorded == 0  # a holiday
    pl.reminders.set_policy(org, standard_policy(quiet_hours=("21:00", "08:00")))
    night = pl.reminders.tick(at("2026-03-10", 22))  # 23:00 in Brussels
    assert night.recorded == 0
    assert "quiet hours" in night.waiting[0]
    assert pl.reminders.tick(at("2026-03-11", 9)).recorded == 1


def test_fees_charged_add_to_the_amount_due(
    pl: Paylink, org: Organization, company: Customer, clock: FixedClock
) -> None:
    inv = issue(pl, org, company, "2026-03-02", price="1000.00")  # 1210.00 EUR
    policy = DunningPolicy(
        steps=(
            Step(name="first", offset_days=7, fee=Fee.fixed("15")),
            Step(name="formal", offset_days=30, fee=Fee.statutory()),
            Step(name="last", offset_days=60, fee=Fee.statutory()),
        ),
        fee_mode="charge",
    )
    pl.reminders.set_policy(org, policy)
    pl.reminders.tick(at("2026-03-09"))
    assert pl.reminders.amount_due(inv) == Money.of("1225.00", "EUR")
    formal = pl.reminders.tick(at("2026-04-01")).sent[0]
    # 30 days (3 to 31 March... to 1 April) at 10.15 % on 1210.00, plus the €40 compensation.
    interest = Money.of(Decimal("1210") * 30 * Decimal("10.15") / 36500, "EUR")
    assert formal.fee == interest + Money.of("40", "EUR")
    assert any("compensation" in line for line in formal.explanation)
    last = pl.reminders.tick(at("2026-05-01")).sent[0]
    # Interest from 2 April on only (no double charge), no second compensation.
    assert last.fee == Money.of(Decimal("1210") * 30 * Decimal("10.15") / 36500, "EUR")
    total_fees = Money.of("15", "EUR") + formal.fee + last.fee
    assert pl.reminders.fees(inv) == total_fees
    assert pl.reminders.amount_due(inv) == inv.open_amount + total_fees
    message = [m for m in reminders_of(pl, org) if m.channel_kind == "email"][-1]
    assert str(total_fees.amount).replace(".", ",") in message.text  # French: 1 234,56 €
    letter = pl.reminders.letter(inv, 3)
    assert "2026-000001" in letter


def test_fees_for_information_only(pl: Paylink, org: Organization, company: Customer) -> None:
    inv = issue(pl, org, company, "2026-03-02")
    pl.reminders.set_policy(
        org, DunningPolicy(steps=(Step(name="first", offset_days=7, fee=Fee.fixed("15")),))
    )
    record = pl.reminders.tick(at("2026-03-09")).sent[0]
    assert record.fee == Money.of("15", "EUR")
    assert record.fee_mode == "info"
    assert pl.reminders.amount_due(inv) == inv.open_amount
    assert "fees shown for information only" in record.explanation


def test_consolidated_reminder_lists_every_invoice(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    a = issue(pl, org, customer, "2026-03-02")
    b = issue(pl, org, customer, "2026-03-01")
    pl.reminders.set_policy(org, standard_policy(consolidate=True))
    report = pl.reminders.tick(at("2026-03-10"))
    assert {r.invoice_id for r in report.sent} == {a.id, b.id}
    messages = reminders_of(pl, org)
    assert sorted(m.channel_kind for m in messages) == ["email", "sms"]
    email = next(m for m in messages if m.channel_kind == "email")
    assert a.number in email.text
    assert b.number in email.text
    assert set(report.sent[0].message_ids) == {m.id for m in messages}


def test_customer_override_replaces_the_policy(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    vip = pl.customers.create(org, name="VIP", email="vip@example.be")
    mine = issue(pl, org, customer, "2026-03-02")
    theirs = issue(pl, org, vip, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy())
    pl.reminders.set_policy(
        org, DunningPolicy(steps=(Step(name="gentle", offset_days=30),)), customer=vip
    )
    sent = pl.reminders.tick(at("2026-03-10")).sent
    assert [r.invoice_id for r in sent] == [mine.id]
    sent = pl.reminders.tick(at("2026-04-01")).sent
    assert {(r.invoice_id, r.step_name) for r in sent} == {
        (mine.id, "second"),
        (theirs.id, "gentle"),
    }


def test_no_policy_no_reminders(pl: Paylink, org: Organization, customer: Customer) -> None:
    issue(pl, org, customer, "2026-01-05")
    assert pl.reminders.tick(at("2026-04-01")).recorded == 0


def test_escalation_hook(pl: Paylink, org: Organization, customer: Customer) -> None:
    spy = EscalationSpy()
    pl.plugins.pm.register(spy)
    inv = issue(pl, org, customer, "2026-01-05")
    pl.reminders.set_policy(org, standard_policy())
    pl.reminders.tick(at("2026-04-01"))
    pl.reminders.tick(at("2026-04-02"))
    assert len(spy.calls) == 1
    invoice_id, step, context = spy.calls[0]
    assert (invoice_id, step) == (inv.id, "final")
    assert context["open_amount"] == inv.open_amount
    assert context["days_overdue"] == 86


def test_owner_digest_once_a_day(
    pl: Paylink, org: Organization, customer: Customer, clock: FixedClock
) -> None:
    overdue = issue(pl, org, customer, "2026-02-20")
    soon = issue(pl, org, customer, "2026-03-05")
    paid = issue(pl, org, customer, "2026-03-20")
    pl.purchases.create(
        org,
        supplier_name="Parts BV",
        supplier_iban="NL91ABNA0417164300",
        amount="250.00",
        due_date=dt.date(2026, 3, 6),
        supplier_reference="F-77",
    )
    clock.set(at("2026-03-02", 10))
    pl.payments.record(paid)
    pl.reminders.enable_digest(org, at="08:00")
    early = pl.reminders.tick(at("2026-03-02", 6))  # 07:00 in Brussels
    assert early.digests == []
    first = pl.reminders.tick(at("2026-03-02", 11))
    assert len(first.digests) == 1
    assert pl.reminders.tick(at("2026-03-02", 15)).digests == []
    message = Outbox(pl).get(org, first.digests[0])
    assert message.kind == "owner_digest"
    assert message.recipient == org.email
    for number in (overdue.number, soon.number):
        assert number in message.text
    assert "Parts BV" in message.text
    assert "121,00" in message.text  # the payment received
    assert len(pl.reminders.tick(at("2026-03-03", 9)).digests) == 1


def test_pending_records_wait_for_business_hours(
    pl: Paylink, org: Organization, customer: Customer
) -> None:
    issue(pl, org, customer, "2026-03-02")
    pl.reminders.set_policy(org, standard_policy(quiet_hours=("21:00", "08:00")))
    assert pl.reminders.tick(at("2026-03-10", 9), send=False).recorded == 1
    assert pl.reminders.process(at("2026-03-10", 22)).sent == []  # 23:00 in Brussels
    assert pl.reminders.process(at("2026-03-14", 10)).sent == []  # a Saturday
    assert len(pl.reminders.process(at("2026-03-16", 9)).sent) == 1


def test_the_attached_letter_shows_the_fee(
    pl: Paylink, org: Organization, company: Customer, clock: FixedClock, tmp_path: object
) -> None:
    import email
    import io
    from pathlib import Path

    from pypdf import PdfReader

    folder = Path(str(tmp_path)) / "outbox"
    pl.channels.configure(org, "outbox", directory=str(folder))
    issue(pl, org, company, "2026-03-02", price="1000.00")
    pl.reminders.set_policy(
        org,
        DunningPolicy(
            steps=(Step(name="first", offset_days=7, fee=Fee.fixed("15")),), fee_mode="charge"
        ),
    )
    pl.reminders.tick(at("2026-03-09"))
    clock.set(at("2026-03-09"))
    pl.outbox.dispatch()
    [eml] = list(folder.glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes())
    [pdf] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages
    )
    assert "15,00" in text and "1\u202f225,00" in text.replace(" ", "\u202f")
