"""``paylink remind`` and ``paylink report``: the reminder run and the merchant's reports."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import click

from .exceptions import PaylinkError

__all__ = ["remind", "report"]


def _json(data: Any) -> None:
    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=default))


def _now(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO 8601 time like 2026-03-02T09:00:00+01:00, got {value!r}",
            param_hint="--now",
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            "give a time zone (e.g. +01:00 or Z): a time without one names no moment",
            param_hint="--now",
        )
    return moment


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@click.command()
@click.option("--db", "url", default=None, help="Database URL (default: $PAYLINK_DATABASE_URL).")
@click.option("--now", "now_text", default=None, help="Run as of this ISO time (with zone).")
@click.option("--dry-run", is_flag=True, help="Show what would go out; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def remind(url: str | None, now_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Run the reminders that are due (and the owner digests), or preview them."""
    from rich.table import Table

    from .service import Paylink

    now = _now(now_text)
    pl = Paylink.open(url)
    try:
        if dry_run:
            planned = pl.reminders.preview(now)
            if as_json:
                _json({"dry_run": True, "reminders": [p.as_dict() for p in planned]})
                return
            table = Table(title=f"Reminders that would go out ({len(planned)})")
            for name in ("invoice", "step", "due on", "channels", "fee", "open"):
                table.add_column(name, justify="right" if name in ("fee", "open") else "left")
            for p in planned:
                table.add_row(
                    p.invoice_number,
                    f"{p.step} {p.step_name}",
                    p.due_on.isoformat(),
                    ", ".join(p.channels),
                    str(p.fee),
                    str(p.open_amount),
                )
            _console().print(table)
            return
        result = pl.reminders.tick(now)
        if as_json:
            _json(result.as_dict())
            return
        table = Table(title=f"Reminders sent ({len(result.sent)})")
        for name in ("invoice", "step", "due on", "channels", "fee", "messages"):
            table.add_column(name, justify="right" if name == "fee" else "left")
        for record in result.sent:
            table.add_row(
                record.invoice_id,
                f"{record.step} {record.step_name}",
                record.due_on.isoformat(),
                ", ".join(record.channels),
                str(record.fee),
                str(len(record.message_ids)),
            )
        console = _console()
        console.print(table)
        console.print(
            f"recorded {result.recorded}, skipped {result.skipped} stale step(s), "
            f"cancelled {len(result.cancelled)}, {len(result.messages)} message(s) queued, "
            f"{len(result.digests)} digest(s)"
        )
        for why in result.waiting:
            console.print(f"waiting: {why}")
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()


@click.command()
@click.argument("name", type=click.Choice(["aging", "cashflow", "customers", "dso"]))
@click.option("--db", "url", default=None, help="Database URL (default: $PAYLINK_DATABASE_URL).")
@click.option("--org", "org_id", default=None, help="Organization id (default: every one).")
@click.option("--payables", is_flag=True, help="Aging of purchase invoices instead of sales.")
@click.option("--months", default=12, show_default=True, help="Months of cash flow.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report(
    name: str, url: str | None, org_id: str | None, payables: bool, months: int, as_json: bool
) -> None:
    """Print a report: aging, cashflow, customers or dso."""
    from rich.table import Table

    from .service import Paylink

    pl = Paylink.open(url)
    try:
        orgs = [pl.organizations.get(org_id)] if org_id else pl.organizations.list()
        output: list[dict[str, Any]] = []
        console = _console()
        for org in orgs:
            if name == "aging":
                made: Any = pl.reports.aging(org, kind="payables" if payables else "receivables")
            elif name == "cashflow":
                made = pl.reports.cashflow(org, months=months)
            elif name == "customers":
                made = pl.reports.customers(org)
            else:
                made = pl.reports.dso(org)
            records = made.to_records()
            if as_json:
                output.append({"organization": org.id, "name": org.name, "records": records})
                continue
            table = Table(title=f"{org.name}: {name}")
            if records:
                for column in records[0]:
                    numeric = isinstance(records[0][column], int | Decimal)
                    table.add_column(column, justify="right" if numeric else "left")
                for rec in records:
                    table.add_row(*("" if v is None else str(v) for v in rec.values()))
            console.print(table)
        if as_json:
            _json({"report": name, "organizations": output})
    except PaylinkError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        pl.close()


def demo_reminders(pl: Any, org: Any, clock: Any, echo: Any = click.echo) -> None:
    """The reminder part of ``paylink demo``: three overdue invoices, a dunning policy, runs at
    a few simulated dates (printing what went out), then the aging report.

    ``clock`` is the demo's :class:`~paylink.clock.FixedClock`; it is moved forward.
    """
    from .documents import Line
    from .reminders import DunningPolicy, Fee, Step

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
    invoice = max((pl.invoices.get(i) for i in numbers), key=lambda i: i.fees.amount)
    link = pl.links.create(invoice)
    echo(f"  {invoice.number}: invoice {invoice.total}, charged fees:")
    for fee in pl.reminders.fee_lines(invoice):
        period = (
            f", interest {fee.interest} for {fee.interest_from} to {fee.interest_through}"
            if fee.interest.amount
            else ""
        )
        extra = f", compensation {fee.compensation}" if fee.compensation.amount else ""
        echo(f"    {fee.charged_on} '{fee.step_name}': {fee.amount}{period}{extra}")
    echo(f"    pay page and bank transfer ask for {pl.links.amount_due(link)}: {link.url}")
    pl.payments.record(invoice, invoice.total, method="bank_transfer")
    after = pl.invoices.get(invoice.id)
    echo(
        f"    paid {invoice.total} (the invoice's total): {after.status}, "
        f"{after.fees_open} of fees still open"
    )
    pl.payments.record(after, method="bank_transfer")
    echo(f"    paid the fees: {pl.invoices.get(invoice.id).status}")
    aging = pl.reports.aging(org)
    echo("Aging of receivables:")
    for bucket in aging.buckets:
        echo(f"  {bucket.label:>8}: {bucket.count:3d}  {bucket.amount}")
