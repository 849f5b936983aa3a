"""From nothing to a paid invoice, on an in-memory database.

Run it with `python examples/quickstart.py`.
"""

from __future__ import annotations

import datetime as dt

from paylink import FixedClock, Line, Paylink

clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
pl = Paylink.open("sqlite://", clock=clock, base_url="https://pay.example.com")

org = pl.organizations.create(
    name="Garage Dupont SRL",
    country="BE",
    iban="BE71 0961 2345 6769",
    vat_id="BE0403170701",
)
customer = pl.customers.create(
    org, name="Marie Peeters", email="marie@example.be", phone="0470 12 34 56"
)

invoice = pl.invoices.issue(
    org,
    customer,
    lines=[
        Line(description="Brake pads", quantity="2", unit_price="45.00", vat_rate="21"),
        Line(
            description="Labour", quantity="1.5", unit_price="60.00", vat_rate="21", discount="10"
        ),
    ],
)
print(f"Invoice {invoice.number} for {invoice.total}, due {invoice.due_date}")
print(f"Pay with the structured communication {invoice.reference}")
for vat in invoice.vat_breakdown:
    print(f"  VAT {vat.rate}% on {vat.base}: {vat.vat}")

clock.advance(days=5)
pl.payments.record(invoice, "100.00", method="bank_transfer")
print(
    f"After a first transfer: {pl.invoices.get(org, invoice.id).status}, "
    f"{pl.invoices.get(org, invoice.id).open_amount} open"
)
pl.payments.record(invoice)
print(f"After the second: {pl.invoices.get(org, invoice.id).status}")
