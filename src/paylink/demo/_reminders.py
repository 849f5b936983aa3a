"""The reminder part of ``paylink demo``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..clock import FixedClock
from ..documents import Line
from ..parties import Organization
from ..reminders import DunningPolicy, Fee, Step

if TYPE_CHECKING:
    from ..service import Paylink

__all__ = ["demo_reminders"]


def demo_reminders(
    pl: Paylink, org: Organization, clock: FixedClock, echo: Callable[[str], None] = print
) -> None:
    """The reminder part of ``paylink demo``: three overdue invoices, a dunning policy, runs at
    a few simulated dates (printing what went out), then the aging report.

    ``clock`` is the demo's :class:`~paylink.clock.FixedClock`; it is moved forward.
    """
    start = clock.now()
    today = pl.today(org)
    customer = pl.customers.create(
        org, name="Late Payer BV", email="ap@latepayer.example", vat_id="BE0403170701"
    )
    lines = [Line(description="Maintenance", quantity="1", unit_price="400.00", vat_rate="21")]
    numbers = {}
    for days in (5, 20, 40):
        due = today - dt.timedelta(days=days)
        inv = pl.invoices.issue(
            org, customer, lines=lines, issue_date=due - dt.timedelta(days=30), due_date=due
        )
        numbers[inv.id] = inv.number
    policy = DunningPolicy(
        steps=(
            Step(name="friendly", offset_days=3),
            Step(name="firm", offset_days=14, channels=("email", "sms"), fee=Fee.fixed("10")),
            Step(name="formal", offset_days=30, channels=("email", "letter"), fee=Fee.statutory()),
        ),
        fee_mode="charge",
        business_days_only=False,
    )
    pl.reminders.set_policy(org, policy)
    echo("Dunning policy: +3 days friendly, +14 firm (€10), +30 formal (statutory interest)")
    for offset in (0, 1, 12, 30):
        moment = start + dt.timedelta(days=offset)
        clock.set(moment)
        report = pl.reminders.tick(moment)
        echo(f"  {moment.date()}: {len(report.sent)} reminder(s), {report.skipped} stale skipped")
        for record in report.sent:
            fee = f", fee {record.fee}" if record.fee.amount else ""
            echo(
                f"    {numbers.get(record.invoice_id, record.invoice_id)}: step {record.step} "
                f"'{record.step_name}' via {', '.join(record.channels)}{fee}"
            )
    # The most reminded invoice: its charged fees are lines of it, asked for by its link.
    invoice = max((pl.invoices.get(org, i) for i in numbers), key=lambda i: i.fees.amount)
    link = pl.links.create(invoice)
    echo(f"  {invoice.number}: invoice {invoice.total}, charged fees:")
    for charged in pl.reminders.fee_lines(invoice):
        period = (
            f", interest {charged.interest} for {charged.interest_from} "
            f"to {charged.interest_through}"
            if charged.interest.amount
            else ""
        )
        extra = f", compensation {charged.compensation}" if charged.compensation.amount else ""
        echo(f"    {charged.charged_on} '{charged.step_name}': {charged.amount}{period}{extra}")
    echo(f"    pay page and bank transfer ask for {pl.links.amount_due(link)}: {link.url}")
    pl.payments.record(invoice, invoice.total, method="bank_transfer")
    after = pl.invoices.get(org, invoice.id)
    echo(
        f"    paid {invoice.total} (the invoice's total): {after.status}, "
        f"{after.fees_open} of fees still open"
    )
    pl.payments.record(after, method="bank_transfer")
    echo(f"    paid the fees: {pl.invoices.get(org, invoice.id).status}")
    aging = pl.reports.aging(org)
    echo("Aging of receivables:")
    for bucket in aging.buckets:
        echo(f"  {bucket.label:>8}: {bucket.count:3d}  {bucket.amount}")
