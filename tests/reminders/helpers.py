"""Builders shared by the reminder tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from paylink import Line, Paylink, hookimpl
from paylink.documents import Invoice
from paylink.parties import Customer, Organization
from paylink.reminders import DunningPolicy, Fee, Step


def one_line(price: str = "100.00") -> list[Line]:
    return [Line(description="Service", quantity="1", unit_price=price, vat_rate="21")]


def issue(
    pl: Paylink, org: Organization, customer: Customer, due: str, price: str = "100.00"
) -> Invoice:
    due_date = dt.date.fromisoformat(due)
    return pl.invoices.issue(
        org,
        customer,
        lines=one_line(price),
        due_date=due_date,
        issue_date=due_date - dt.timedelta(days=30),
    )


def standard_policy(**kwargs: Any) -> DunningPolicy:
    """Four steps: a courtesy notice, two reminders (the second with a fee), a formal notice."""
    return DunningPolicy(
        steps=(
            Step(name="soon", offset_days=-3),
            Step(name="first", offset_days=7, channels=("email", "sms")),
            Step(name="second", offset_days=21, fee=Fee.fixed("10")),
            Step(
                name="final",
                offset_days=45,
                channels=("email", "letter"),
                fee=Fee.statutory(),
                escalate=True,
            ),
        ),
        **kwargs,
    )


class EscalationSpy:
    """A plugin recording the escalations it is told about."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    @hookimpl
    def paylink_reminder_escalated(
        self, organization: Organization, invoice: Invoice, step: Step, context: dict[str, Any]
    ) -> None:
        self.calls.append((invoice.id, step.name, context))


def at(day: str, hour: int = 9) -> dt.datetime:
    """``day`` at ``hour`` UTC."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)
