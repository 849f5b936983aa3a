"""Fees in "charge" mode are part of what the customer owes: shown as lines, asked for by the
payment link and the bank transfer, paid after the principal, and matched by reconciliation."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from pathlib import Path

import pytest

from paylink import FixedClock, Paylink
from paylink.documents import Invoice
from paylink.money import Money
from paylink.parties import Customer, Organization
from paylink.payments import principal_parts
from paylink.reminders import DunningPolicy, Fee, Step, statutory_interest
from paylink.testing import FakeBackend, StatementLine, camt053

from .helpers import at, issue

EUR = "EUR"


def eur(value: str) -> Money:
    return Money.of(value, EUR)


@pytest.fixture
def company(pl: Paylink, org: Organization) -> Customer:
    return pl.customers.create(
        org, name="Acme SA", email="ap@acme.example", phone="+32470123456", vat_id="BE0403170701"
    )


def charging(*steps: Step) -> DunningPolicy:
    return DunningPolicy(
        steps=steps or (Step(name="first", offset_days=7, fee=Fee.fixed("15")),),
        fee_mode="charge",
    )


def reminded(
    pl: Paylink, org: Organization, customer: Customer, *prices: str, steps: tuple[Step, ...] = ()
) -> list[Invoice]:
    """Invoices of these prices (before 21 % VAT) due 2 March, reminded on 9 March by a
    charging policy (default: one step with a 15.00 fee)."""
    invoices = [issue(pl, org, customer, "2026-03-02", price=price) for price in prices]
    pl.reminders.set_policy(org, charging(*steps))
    pl.reminders.tick(at("2026-03-09"))
    return invoices


def fee_charged(pl: Paylink, org: Organization, customer: Customer, *steps: Step) -> Invoice:
    """A 1210.00 invoice due 2 March, reminded on 9 March (see :func:`reminded`)."""
    return reminded(pl, org, customer, "1000.00", steps=steps)[0]


def test_a_charged_fee_is_added_to_the_invoice_and_its_link(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    inv = issue(pl, org, company, "2026-03-02", price="1000.00")  # 1210.00
    link = pl.links.create(inv)
    pl.reminders.set_policy(org, charging())
    [sent] = pl.reminders.tick(at("2026-03-09")).sent
    assert sent.fee == eur("15")
    now = pl.invoices.get(org, inv.id)
    assert now.fees == eur("15.00")
    assert now.open_amount == eur("1225.00")
    assert (now.principal_open, now.fees_open) == (eur("1210.00"), eur("15.00"))
    assert now.total == eur("1210.00")  # the invoice itself is unchanged
    assert pl.reminders.amount_due(inv) == eur("1225.00")
    assert pl.links.amount_due(link) == eur("1225.00")
    [line] = pl.reminders.fee_lines(inv)
    assert (line.step, line.step_name, line.charged_on, line.amount) == (
        1, "first", dt.date(2026, 3, 9), eur("15.00"),
    )  # fmt: skip
    # The printable invoice lists the fee line and the total due.
    html = pl.renditions.html(inv, language="en")
    assert "Reminder “first” of 9 March 2026" in html
    assert "€1,225.00" in html and "€1,210.00" in html


def test_the_fee_lines_of_several_invoices_come_in_one_call(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    first, second = reminded(pl, org, company, "1000.00", "50.00")
    later = issue(pl, org, company, "2026-04-30", price="10.00")  # not due yet: no fee
    lines = pl.reminders.fee_lines_by_invoice([first, second.id, later])
    assert lines == {
        first.id: pl.reminders.fee_lines(first),
        second.id: pl.reminders.fee_lines(second),
    }
    assert [f.amount for f in lines[second.id]] == [eur("15.00")]
    assert pl.reminders.fee_lines_by_invoice([]) == {}


def test_paying_the_principal_leaves_the_fee_open_then_the_fee_settles_it(
    pl: Paylink, org: Organization, company: Customer, clock: FixedClock
) -> None:
    inv = issue(pl, org, company, "2026-03-02", price="1000.00")
    link = pl.links.create(inv)
    pl.reminders.set_policy(org, charging())
    pl.reminders.tick(at("2026-03-09"))
    clock.set(at("2026-03-12"))
    pl.payments.record(inv, "1210.00")  # exactly the invoice's total
    after = pl.invoices.get(org, inv.id)
    assert after.status == "partially_paid"
    assert after.principal_open == eur("0")
    assert after.fees_open == eur("15.00")
    assert after.open_amount == eur("15.00")
    assert pl.links.get(org, link.id).status != "paid"
    # Nothing is lost: the fee is still listed, and the link now asks for it.
    assert [f.amount for f in pl.reminders.fee_lines(inv)] == [eur("15.00")]
    assert pl.links.amount_due(link) == eur("15.00")
    pl.payments.record(inv, "15.00")
    paid = pl.invoices.get(org, inv.id)
    assert paid.status == "paid" and paid.open_amount == eur("0")
    assert pl.links.get(org, link.id).status == "paid"


def test_a_payment_by_default_and_through_the_link_covers_the_fees(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    one, two = reminded(pl, org, company, "1000.00", "500.00")
    payment = pl.payments.record(one)
    assert payment.amount == eur("1225.00")
    assert pl.invoices.get(org, one.id).status == "paid"
    link = pl.links.create(two)
    settled = pl.links.settle(link, method="card")  # the link's default amount: what is due
    assert settled.amount == eur("620.00")
    assert pl.invoices.get(org, two.id).status == "paid"


def test_info_mode_changes_nothing_owed(pl: Paylink, org: Organization, company: Customer) -> None:
    inv = issue(pl, org, company, "2026-03-02", price="1000.00")
    pl.reminders.set_policy(
        org, DunningPolicy(steps=(Step(name="first", offset_days=7, fee=Fee.fixed("15")),))
    )
    [sent] = pl.reminders.tick(at("2026-03-09")).sent
    assert sent.fee == eur("15") and sent.fee_mode == "info"
    now = pl.invoices.get(org, inv.id)
    assert now.fees == eur("0") and now.open_amount == eur("1210.00")
    assert pl.reminders.fee_lines(inv) == []
    # The letter shows the fee as information; what to pay stays the invoice's open amount.
    letter = html.unescape(pl.reminders.letter(inv, 1))
    assert "Frais (à titre d'information, non facturés)" in letter
    to_pay = re.search(r"À payer maintenant</td><td class=\"num\">([^<]+)<", letter)
    assert to_pay is not None and to_pay.group(1) == "1\u202f210,00\u00a0€"
    pl.payments.record(inv, "1210.00")
    assert pl.invoices.get(org, inv.id).status == "paid"


def test_reconciliation_matches_principal_plus_fees_exactly(
    pl: Paylink, org: Organization, company: Customer, tmp_path: Path
) -> None:
    inv = fee_charged(pl, org, company)
    path = tmp_path / "s.xml"
    path.write_bytes(
        camt053(
            account_iban="BE71096123456769",
            statement_id="s1",
            opening=eur("0"),
            lines=[
                StatementLine(
                    amount=eur("1225.00"),
                    booking_date=dt.date(2026, 3, 11),
                    bank_reference="B0001",
                    counterparty_name="ACME SA",
                    reference=inv.reference,
                )
            ],
            created_at=dt.datetime(2026, 3, 11, 6, tzinfo=dt.UTC),
        )
    )
    pl.statements.import_file(org, path)
    run = pl.reconciliation.run(org)
    assert [(m.transaction_id, m.rule) for m in run.applied] == [("B0001", "exact_reference")]
    paid = pl.invoices.get(org, inv.id)
    assert paid.status == "paid" and paid.open_amount == eur("0")
    [payment] = pl.payments.list(org.id, invoice=inv)
    assert payment.amount == eur("1225.00") and payment.allocated == eur("1225.00")


def test_interest_is_pro_rated_for_a_partial_payment(
    pl: Paylink, org: Organization, company: Customer, clock: FixedClock
) -> None:
    inv = issue(pl, org, company, "2026-03-02", price="1000.00")  # 1210.00 due 2 March
    pl.reminders.set_policy(
        org, charging(Step(name="formal", offset_days=30, fee=Fee.statutory(compensation=False)))
    )
    pl.payments.record(inv, "605.00", received_on=dt.date(2026, 3, 17))
    [formal] = pl.reminders.tick(at("2026-04-01")).sent
    # 3 to 16 March on 1210.00 (14 days), 17 March to 1 April on 605.00 (16 days), 10.15 %.
    expected = Money.of(
        (Decimal("1210") * 14 + Decimal("605") * 16) * Decimal("10.15") / 36500, EUR
    )
    assert formal.fee == expected
    assert formal.fee < Money.of(Decimal("1210") * 30 * Decimal("10.15") / 36500, EUR)
    [line] = pl.reminders.fee_lines(inv)
    assert (line.interest_from, line.interest_through) == (
        dt.date(2026, 3, 3), dt.date(2026, 4, 1),
    )  # fmt: skip
    assert line.interest == expected and line.compensation == eur("0")
    assert any("on 605.00 EUR" in text for text in formal.explanation)


def test_payments_settle_the_principal_first() -> None:
    # Why a late payment's interest base drops only as far as the principal: the fee part of
    # a payment does not lower it.
    parts = principal_parts(
        eur("100"), [(dt.date(2026, 2, 1), eur("30")), (dt.date(2026, 1, 1), eur("90"))]
    )
    assert parts == [(dt.date(2026, 1, 1), eur("90")), (dt.date(2026, 2, 1), eur("10"))]
    # Interest on the principal: the fee part of the second payment (20.00) never lowered
    # the base, so counting it as principal would overstate January's base.
    due, on = dt.date(2025, 12, 31), dt.date(2026, 2, 28)
    raw = [(dt.date(2026, 2, 1), eur("30")), (dt.date(2026, 1, 1), eur("90"))]
    principal = statutory_interest(eur("0"), due, on, payments=parts)
    assert principal == Money.of(Decimal(10) * 31 * Decimal("10.15") / 36500, EUR)
    assert principal < statutory_interest(eur("0"), due, on, payments=raw)


def test_a_later_step_reminds_of_open_fees_without_charging_on_them(
    pl: Paylink, org: Organization, company: Customer, clock: FixedClock
) -> None:
    inv = fee_charged(
        pl, org, company,
        Step(name="first", offset_days=7, fee=Fee.fixed("15")),
        Step(name="second", offset_days=21, fee=Fee.percent("10")),
    )  # fmt: skip
    pl.payments.record(inv, "1210.00", received_on=dt.date(2026, 3, 12))
    [second] = pl.reminders.tick(at("2026-03-23")).sent
    assert second.fee == eur("0")  # 10 % of a principal that is paid: nothing
    assert pl.invoices.get(org, inv.id).open_amount == eur("15.00")


def test_a_fully_credited_invoice_drops_its_fees(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    inv = fee_charged(pl, org, company)
    pl.invoices.credit(inv, reason="wrong customer")
    cancelled = pl.invoices.get(org, inv.id)
    assert cancelled.status == "cancelled" and cancelled.open_amount == eur("0")


def test_the_aging_report_counts_the_fees(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    inv = fee_charged(pl, org, company)
    aging = pl.reports.aging(org, today=dt.date(2026, 3, 9))
    assert aging.total == eur("1225.00")
    assert pl.invoices.get(org, inv.id).open_amount == aging.total


def test_the_reminder_and_its_letter_show_the_fee_lines_and_the_total_due(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    from paylink.service.outbox import Outbox

    inv = fee_charged(
        pl, org, company,
        Step(name="first", offset_days=7, fee=Fee.fixed("15")),
        Step(name="formal", offset_days=30, fee=Fee.statutory()),
    )  # fmt: skip
    [formal] = pl.reminders.tick(at("2026-04-01")).sent
    total = eur("1225") + formal.fee
    email = [m for m in Outbox(pl).list(org, kind="reminder") if m.channel_kind == "email"][-1]

    def fr(m: Money) -> str:  # the customer's language: 1 234,56 €
        return f"{m.amount:,}".replace(",", "\u202f").replace(".", ",")

    assert fr(eur("1210.00")) in email.text  # still open of the invoice itself
    assert fr(eur("15") + formal.fee) in email.text  # the fees owed
    assert fr(total) in email.text  # what to pay
    letter = pl.reminders.letter(inv, 2)
    assert "Rappel « first » du 9 mars 2026" in letter
    assert "Rappel « formal » du 1er avril 2026" in letter
    assert "intérêts de retard du 3 mars 2026 au 1er avril 2026" in letter
    assert "indemnité forfaitaire pour frais de recouvrement" in letter
    assert fr(total) in letter


@pytest.mark.parametrize(
    "refunded_at",
    [at("2026-03-22"), dt.datetime(2026, 3, 21, 23, 30, tzinfo=dt.UTC)],
    ids=["morning", "just-after-midnight-in-brussels"],
)
def test_a_refund_puts_the_principal_back_in_the_interest_base(
    fake_pl: Paylink, clock: FixedClock, refunded_at: dt.datetime
) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Fake SRL", country="BE", iban="BE71 0961 2345 6769")
    customer = pl.customers.create(org, name="Jan", email="jan@example.be")
    account = pl.providers.connect(org, "fake", api_key="fk_test_1", webhook_secret="fk_whsec")
    inv = issue(pl, org, customer, "2026-03-02", price="1000.00")  # 1210.00
    link = pl.links.create(inv)
    checkout = pl.providers.checkout(link, "fake")
    backend = FakeBackend.for_key("fk_test_1")
    assert checkout.provider_reference is not None
    clock.set(at("2026-03-12"))  # paid in full on 12 March ...
    request = backend.pay(
        checkout.provider_reference, secret="fk_whsec", url=account.webhook_url,
        at=clock.now(), event_id="evt_1",
    )  # fmt: skip
    assert pl.providers.handle_webhook("fake", account.id, request) == ["applied"]
    [payment] = pl.payments.list(org.id)
    clock.set(refunded_at)  # ... and half of it refunded on 22 March, in Brussels
    pl.payments.refund(payment, eur("605.00"))
    assert pl.invoices.get(org, inv.id).open_amount == eur("605.00")
    pl.reminders.set_policy(
        org, charging(Step(name="formal", offset_days=30, fee=Fee.statutory(compensation=False)))
    )
    [formal] = pl.reminders.tick(at("2026-04-01")).sent
    # 1210.00 open 3 to 11 March (9 days), nothing 12 to 21 March, 605.00 from 22 March to
    # 1 April (11 days), at 10.15 %.
    expected = (Decimal("1210") * 9 + Decimal("605") * 11) * Decimal("10.15") / 36500
    assert formal.fee == Money.of(expected, EUR)


def test_a_consolidated_reminder_asks_for_every_invoice_with_its_fees(
    pl: Paylink, org: Organization, company: Customer
) -> None:
    from paylink.service.outbox import Outbox

    a = issue(pl, org, company, "2026-03-02", price="1000.00")  # 1210.00
    b = issue(pl, org, company, "2026-03-01", price="100.00")  # 121.00
    pl.reminders.set_policy(
        org,
        DunningPolicy(
            steps=(Step(name="first", offset_days=7, fee=Fee.fixed("15")),),
            fee_mode="charge",
            consolidate=True,
        ),
    )
    pl.reminders.tick(at("2026-03-09"))
    [email] = [m for m in Outbox(pl).list(org, kind="reminder") if m.channel_kind == "email"]
    text = email.text.replace("\u202f", " ").replace("\u00a0", " ")
    assert f"{a.number}: 1 210,00 € + 15,00 €" in text
    assert f"{b.number}: 121,00 € + 15,00 €" in text
    assert "1 361,00 €" in text  # 1210 + 121 + 2 × 15
    assert pl.invoices.get(org, a.id).open_amount + pl.invoices.get(org, b.id).open_amount == eur(
        "1361"
    )


@pytest.mark.parametrize(
    ("mode", "said", "not_said"),
    [
        ("info", "Pour information : les frais de retard", "ont été ajoutés"),
        ("charge", "Des frais de rappel de", "Pour information"),
    ],
)
def test_the_reminder_message_says_whether_the_fee_is_charged(
    pl: Paylink, org: Organization, company: Customer, mode: str, said: str, not_said: str
) -> None:
    from paylink.service.outbox import Outbox

    issue(pl, org, company, "2026-03-02", price="1000.00")
    step = Step(name="first", offset_days=7, fee=Fee.fixed("15"))
    pl.reminders.set_policy(org, DunningPolicy(steps=(step,), fee_mode=mode))  # type: ignore[arg-type]
    pl.reminders.tick(at("2026-03-09"))
    [email] = [m for m in Outbox(pl).list(org, kind="reminder") if m.channel_kind == "email"]
    assert said in email.text and not_said not in email.text
    assert "15,00" in email.text
