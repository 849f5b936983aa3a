"""A dunning policy that charges its fees: reminders, fee lines, and a payment in two parts.

Run it with `python examples/reminders.py`.
"""

from __future__ import annotations

import datetime as dt

from paylink import FixedClock, Line, Paylink
from paylink.reminders import DunningPolicy, Fee, Step

clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
pl = Paylink.open("sqlite://", clock=clock, base_url="https://pay.example.com")
org = pl.organizations.create(name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769")
client = pl.customers.create(
    org, name="Acme SA", email="ap@acme.example", vat_id="BE0403170701", language="en"
)
invoice = pl.invoices.issue(
    org,
    client,
    lines=[Line(description="Fleet service", quantity="1", unit_price="800.00", vat_rate="21")],
)
print(f"Invoice {invoice.number}: {invoice.total}, due {invoice.due_date}")

pl.reminders.set_policy(
    org,
    DunningPolicy(
        steps=(
            Step(name="friendly", offset_days=-3),  # "due in 3 days"
            Step(name="firm", offset_days=14, channels=("email", "sms"), fee=Fee.fixed("10")),
            # EU Directive 2011/7: ECB rate + 8 points a year, and €40 for a business customer
            Step(name="formal", offset_days=30, channels=("email", "letter"), fee=Fee.statutory()),
        ),
        fee_mode="charge",  # the fees are added to what the customer owes
    ),
)

for day in ("2026-03-30", "2026-04-15", "2026-05-04"):
    moment = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")
    report = pl.reminders.tick(moment)
    for sent in report.sent:
        print(f"{day}: reminder {sent.step_name!r}, fee {sent.fee}")
    for message_id in report.messages:
        print(f"  {pl.outbox.get(org, message_id).subject}")

invoice = pl.invoices.get(org, invoice.id)
print(f"Owed now: {invoice.open_amount} ({invoice.principal_open} + fees {invoice.fees_open})")
for fee in pl.reminders.fee_lines(invoice):
    detail = f" (interest {fee.interest}, compensation {fee.compensation})" if fee.interest else ""
    print(f"  reminder {fee.step_name!r} of {fee.charged_on}: {fee.amount}{detail}")

pl.payments.record(invoice, str(invoice.total.amount))  # the customer pays the invoice amount
invoice = pl.invoices.get(org, invoice.id)
print(f"After paying the invoice amount: {invoice.status}, fees still open {invoice.fees_open}")
pl.payments.record(invoice, str(invoice.open_amount.amount))
print(f"After paying the fees: {pl.invoices.get(org, invoice.id).status}")
