"""Payouts end to end with the fake provider, on SQLite and PostgreSQL: card payments paid by
webhook, the provider's payouts synced, a generated bank statement carrying each payout's net
among customers' transfers, and the payout rule matching each payout credit to its payout,
never to an invoice; undo, the late payouts in the digest, and the fees in the reports."""

from __future__ import annotations

import datetime as dt

import pytest

from paylink import FixedClock, Money, Paylink
from paylink.documents import Invoice, Line
from paylink.parties import Customer, Organization
from paylink.providers import ProviderAccount
from paylink.references import Reference
from paylink.statements.writer import StatementLine, camt053
from paylink.testing import FakeBackend

ACCOUNT = "BE71096123456769"
KEY = "fk_payouts"


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


@pytest.fixture
def forg(fake_pl: Paylink) -> Organization:
    return fake_pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban=ACCOUNT, email="owner@garage.example"
    )


@pytest.fixture
def fcustomer(fake_pl: Paylink, forg: Organization) -> Customer:
    return fake_pl.customers.create(forg, name="Marie Peeters", email="marie@example.be")


@pytest.fixture
def account(fake_pl: Paylink, forg: Organization) -> ProviderAccount:
    return fake_pl.providers.connect(forg, "fake", api_key=KEY, webhook_secret="fk_whsec")


def issue(pl: Paylink, org: Organization, customer: Customer, amount: str) -> Invoice:
    line = Line(description="Service", quantity="1", unit_price=amount, vat_rate="0")
    return pl.invoices.issue(org, customer, lines=[line])


def pay_by_card(pl: Paylink, account: ProviderAccount, invoice: Invoice) -> None:
    backend = FakeBackend.for_key(KEY)
    checkout = pl.providers.checkout(pl.links.create(invoice), "fake")
    request = backend.pay(
        checkout.provider_reference, secret="fk_whsec", url=account.webhook_url, at=pl.clock.now()
    )
    assert pl.providers.handle_webhook("fake", account.id, request) == ["applied"]


def statement(pl: Paylink, org: Organization, lines: list[StatementLine], sid: str = "S1") -> None:
    data = camt053(
        account_iban=ACCOUNT,
        statement_id=sid,
        opening=eur("0"),
        lines=lines,
        created_at=pl.clock.now(),
    )
    pl.statements.import_bytes(org, data, filename=f"{sid}.xml")


def test_every_payout_on_a_generated_statement_is_matched_to_its_payout(
    fake_pl: Paylink,
    forg: Organization,
    fcustomer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
) -> None:
    pl, org = fake_pl, forg
    backend = FakeBackend.for_key(KEY)
    amounts = ["121.00", "60.50", "250.00", "19.99", "75.25", "310.40"]
    payouts = []
    for day, chunk in enumerate((amounts[:2], amounts[2:3], amounts[3:])):
        clock.set(dt.datetime(2026, 3, 2 + day, 9, tzinfo=dt.UTC))
        for amount in chunk:
            pay_by_card(pl, account, issue(pl, org, fcustomer, amount))
        payouts.append(backend.pay_out(on=clock.now().date()))
    # customers who pay by transfer, one for exactly a payout's net (a distractor)
    transfer = issue(pl, org, fcustomer, "88.00")
    same_as_payout = issue(pl, org, fcustomer, f"{payouts[1]['net'] / 100:.2f}")
    done = pl.payouts.sync(org)
    assert len(done.recorded) == 3 and done.errors == ()
    assert pl.payouts.sync(org).recorded == ()  # fetched again: recorded once
    lines = [
        StatementLine(
            amount=Money.from_minor(p["net"], "EUR"),
            booking_date=dt.date(2026, 3, 6),
            bank_reference=f"PO{n}",
            counterparty_name="Fake Payments Ltd",
            text=p["reference"],
        )
        for n, p in enumerate(payouts)
    ]
    assert transfer.reference is not None and isinstance(transfer.reference, Reference)
    lines.append(
        StatementLine(
            amount=eur("88.00"),
            booking_date=dt.date(2026, 3, 6),
            bank_reference="TR1",
            counterparty_name="Marie Peeters",
            reference=transfer.reference,
        )
    )
    statement(pl, org, lines)
    run = pl.reconciliation.run(org)
    by_tx = {a.transaction_id: a for a in run.applied}
    recorded = {p.payout_id: p for p in pl.payouts.list(org)}
    for n, p in enumerate(payouts):
        applied = by_tx[f"PO{n}"]
        assert applied.rule == "payout" and applied.payment_id is None
        payout = recorded[p["id"]]
        assert payout.transaction_id == f"PO{n}"
        assert payout.arrived_on == dt.date(2026, 3, 6)
        assert f"{len(p['lines'])} payment" in applied.explanation
    assert by_tx["TR1"].rule == "exact_reference"
    # the payout's credit went to the payout, not to the invoice open for the same amount
    assert pl.invoices.get(same_as_payout.organization_id, same_as_payout.id).status == "issued"
    assert pl.payouts.list(org, matched=False) == []


def test_no_payout_credit_is_proposed_against_an_invoice(
    fake_pl: Paylink, forg: Organization, fcustomer: Customer, account: ProviderAccount
) -> None:
    pl, org = fake_pl, forg
    pay_by_card(pl, account, issue(pl, org, fcustomer, "100.00"))
    FakeBackend.for_key(KEY).pay_out(on=dt.date(2026, 3, 2))
    pl.payouts.sync(org)
    open_invoice = issue(pl, org, fcustomer, "55.00")
    # a credit naming the provider for an amount no payout has, equal to an open invoice,
    # from the customer's own name: still never proposed against the invoice
    statement(
        pl,
        org,
        [
            StatementLine(
                amount=eur("55.00"),
                booking_date=dt.date(2026, 3, 4),
                bank_reference="X1",
                counterparty_name="Marie Peeters",
                text="FAKE PAYOUT 1234",
            )
        ],
    )
    run = pl.reconciliation.run(org)
    assert run.unmatched == ("X1",) and run.applied == () and run.review == ()
    assert "never proposed against an invoice" in run.result.explain("X1")
    assert pl.invoices.get(open_invoice.organization_id, open_invoice.id).status == "issued"


def test_two_payouts_of_the_same_net_go_to_review_and_undo_puts_a_run_match_back(
    fake_pl: Paylink,
    forg: Organization,
    fcustomer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
) -> None:
    pl, org = fake_pl, forg
    backend = FakeBackend.for_key(KEY)
    pay_by_card(pl, account, issue(pl, org, fcustomer, "40.00"))
    first = backend.pay_out(on=dt.date(2026, 3, 2))
    pay_by_card(pl, account, issue(pl, org, fcustomer, "40.00"))
    backend.pay_out(on=dt.date(2026, 3, 3))
    pl.payouts.sync(org)
    net = Money.from_minor(first["net"], "EUR")
    statement(
        pl,
        org,
        [
            StatementLine(
                amount=net, booking_date=dt.date(2026, 3, 5), bank_reference="A",
                counterparty_name="FAKE PAYOUT",
            ),
            StatementLine(
                amount=net, booking_date=dt.date(2026, 3, 5), bank_reference="B",
                counterparty_name="Fake", text=first["reference"],
            ),
        ],
    )  # fmt: skip
    run = pl.reconciliation.run(org)
    # "B" names its payout by reference; "A" only the provider, with two payouts of that net
    [applied] = run.applied
    assert applied.transaction_id == "B"
    [review] = run.review
    assert review.transaction_id == "A" and review.confidence < 1 and not review.auto
    before = pl.payouts.get(org, first["id"])
    assert before.transaction_id == "B"
    pl.reconciliation.undo(org, "B")  # applied by the run: a payout match can be undone
    after = pl.payouts.get(org, first["id"])
    assert (after.transaction_id, after.arrived_on) == (None, None)
    assert "B" in [t.id for t in pl.statements.transactions(org, status="unmatched")]
    again = pl.reconciliation.run(org)
    assert [a.transaction_id for a in again.applied] == ["B"]
    assert pl.payouts.get(org, first["id"]).transaction_id == "B"


def test_a_payout_not_arrived_after_its_grace_is_in_the_owners_digest(
    fake_pl: Paylink,
    forg: Organization,
    fcustomer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
) -> None:
    pl, org = fake_pl, forg
    pay_by_card(pl, account, issue(pl, org, fcustomer, "100.00"))
    payout = FakeBackend.for_key(KEY).pay_out(on=dt.date(2026, 3, 2))  # expected on the 4th
    pl.payouts.sync(org)
    clock.set(dt.datetime(2026, 3, 7, 9, tzinfo=dt.UTC))  # within the 3 days of grace
    assert pl.payouts.overdue(org) == []
    assert pl.reminders.digest_content(org)["payouts_late"] == []
    clock.set(dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC))
    [late] = pl.payouts.overdue(org)
    assert late.payout_id == payout["id"]
    pl.organizations.update(org, language="fr")
    message_id = pl.reminders.send_digest(org)
    [message] = [m for m in pl.outbox.list(org) if m.id == message_id]
    assert "Versements non arrivés sur le compte bancaire" in message.text
    assert payout["reference"] in message.text and "attendu le" in message.text


def test_the_fees_appear_in_the_cashflow_report_per_month_and_provider(
    fake_pl: Paylink,
    forg: Organization,
    fcustomer: Customer,
    account: ProviderAccount,
    clock: FixedClock,
) -> None:
    pl, org = fake_pl, forg
    backend = FakeBackend.for_key(KEY)
    pay_by_card(pl, account, issue(pl, org, fcustomer, "100.00"))
    pay_by_card(pl, account, issue(pl, org, fcustomer, "50.00"))
    payout = backend.pay_out(on=dt.date(2026, 3, 2))
    pl.payouts.sync(org)
    report = pl.reports.cashflow(org, months=2)
    fee = Money.from_minor(backend.fee_of(10000) + backend.fee_of(5000), "EUR")
    assert fee == Money.from_minor(payout["fee"], "EUR") == eur("2.60")
    assert report.fee_total == fee
    # the desk's home shows the same month's fees, read the same way
    assert pl.desk_pages.home(org).fees == report.fees_in(dt.date(2026, 3, 1)) == fee
    [row] = report.fee_records()
    assert row["month"] == dt.date(2026, 3, 1) and row["provider"] == "fake"
    assert (row["gross"], row["fee"], row["net"]) == (
        eur("150.00").amount, fee.amount, (eur("150.00") - fee).amount
    )  # fmt: skip
    march = [r for r in report.to_records() if r["month"] == dt.date(2026, 3, 1)]
    assert march[0]["provider_fees"] == fee.amount
    assert report.fees_by_provider() == {"fake": (eur("150.00"), fee, eur("150.00") - fee)}
    frame = report.fees_to_dataframe()
    assert list(frame["fee"]) == [fee.amount]
