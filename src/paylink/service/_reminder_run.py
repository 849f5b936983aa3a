"""Lower floor: the reminder run's steps and the values it reports.

:class:`ReminderRun` holds what phase 2 of a run does (claim pending records a batch of
customers at a time, compute their fees, queue single or consolidated messages, mark the
records): one unit of work per batch, run again after a deadlock. ``pl.reminders`` drives it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

import attrs

from .. import render
from ..documents import Invoice
from ..exceptions import ValidationError
from ..money import Money
from ..notify import QuietHours
from ..parties import LANGUAGES, Customer, Organization
from ..payments import principal_parts
from ..reminders import DunningPolicy, FeeBreakdown, Step
from ..store import Connection
from ..store import documents as doc_queries
from ..store import messages as message_queries
from ..store import organizations as org_queries
from ..store import payments as payment_queries
from ..store import rates as rate_queries
from ..store import reminders as q
from ..store.reminders import ReminderRecord, row_with
from ._base import Context, Unit
from ._links import invoice_link
from ._messages import MESSAGING_ROW, queue_message

__all__ = ["PlannedReminder", "ReminderRecord", "ReminderRun", "TickReport", "aware"]


def aware(now: dt.datetime | None, field: str = "now") -> dt.datetime | None:
    """Refuse a naive datetime (which moment would it be?)."""
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise ValidationError(
            "expected a timezone-aware datetime, e.g. 2026-03-02T09:00:00+00:00", field=field
        )
    return now


@attrs.frozen(kw_only=True)
class PlannedReminder:
    """What a run would send now (:meth:`Reminders.preview`): nothing is written."""

    organization_id: str
    invoice_id: str
    invoice_number: str
    customer_id: str
    step: int
    step_name: str
    due_on: dt.date
    channels: tuple[str, ...]
    fee: Money
    open_amount: Money
    skipped_steps: tuple[int, ...] = ()
    explanation: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "organization_id": self.organization_id,
            "invoice_id": self.invoice_id,
            "invoice_number": self.invoice_number,
            "customer_id": self.customer_id,
            "step": self.step,
            "step_name": self.step_name,
            "due_on": self.due_on.isoformat(),
            "channels": list(self.channels),
            "fee": str(self.fee.amount),
            "open_amount": str(self.open_amount.amount),
            "currency": self.fee.currency,
            "skipped_steps": list(self.skipped_steps),
            "explanation": list(self.explanation),
        }


@attrs.define
class TickReport:
    """What one :meth:`Reminders.tick` did.

    ``recorded`` and ``skipped`` count the records made in phase 1; ``sent`` and
    ``cancelled`` are the records phase 2 processed; ``messages`` the outbox message ids;
    ``waiting`` the organizations held by a weekend, a holiday or quiet hours (``org id:
    why``); ``digests`` the owner-digest message ids.
    """

    now: dt.datetime
    recorded: int = 0
    skipped: int = 0
    sent: list[ReminderRecord] = attrs.field(factory=list)
    cancelled: list[ReminderRecord] = attrs.field(factory=list)
    messages: list[str] = attrs.field(factory=list)
    waiting: list[str] = attrs.field(factory=list)
    digests: list[str] = attrs.field(factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "now": self.now.isoformat(),
            "recorded": self.recorded,
            "skipped": self.skipped,
            "sent": [r.as_dict() for r in self.sent],
            "cancelled": [r.as_dict() for r in self.cancelled],
            "messages": list(self.messages),
            "waiting": list(self.waiting),
            "digests": list(self.digests),
        }


class ReminderRun:
    """Phase 2 of a reminder run (and the policy look-ups the run and the preview share)."""

    def __init__(self, ctx: Context, *, consolidated_batch: int = 100) -> None:
        self._ctx = ctx
        self.consolidated_batch = consolidated_batch

    @staticmethod
    def _org_id(org: Organization | str) -> str:
        return org if isinstance(org, str) else org.id

    def policies(
        self, conn: Connection, org: Organization | str | None
    ) -> dict[str, list[tuple[str, DunningPolicy]]]:
        by_org: dict[str, list[tuple[str, DunningPolicy]]] = {}
        org_id = None if org is None else self._org_id(org)
        rates = None
        for oid, cid, data in q.list_policies(conn, org_id):
            policy = DunningPolicy.from_dict(data)
            if policy.uses_statutory_interest:
                # The operator's reference rates (the store's), read once per run.
                rates = rates or rate_queries.effective_rates(conn)
                policy = policy.with_rates(rates)
            by_org.setdefault(oid, []).append((cid, policy))
        return by_org

    @staticmethod
    def hold(
        conn: Connection, org: Organization, policy: DunningPolicy, now: dt.datetime
    ) -> str | None:
        """Why reminders of ``policy`` must wait now (non-business day, quiet hours), or None."""
        today = now.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()
        if not policy.is_business_day(today):
            return f"{today} is not a business day"
        window = policy.quiet_hours
        if window is None:
            stored = message_queries.get_settings(conn, org.id, MESSAGING_ROW) or {}
            found = stored.get("quiet_hours")
            window = (found[0], found[1]) if found else None
        if window is not None and QuietHours(window[0], window[1], org.timezone).contains(now):
            return f"quiet hours {window[0]}-{window[1]}"
        return None

    def send_pending(
        self,
        org_id: str,
        policies: dict[str, DunningPolicy],
        now: dt.datetime,
        report: TickReport,
        *,
        limit: int | None = None,
    ) -> None:
        with self._ctx.store.transaction() as conn:
            organization = org_queries.get_organization(conn, org_id)
            main_policy = policies.get("") or next(iter(policies.values()))
            if self.hold(conn, organization, main_policy, now) is not None:
                return  # a weekend, a holiday or quiet hours: pending records wait too
        while limit is None or len(report.sent) + len(report.cancelled) < limit:
            # One unit per batch of customers: their steps' records, fees and messages commit
            # together, and a batch that loses a deadlock runs again (on a fresh part report,
            # so nothing is counted twice).
            part = self._ctx.run(lambda unit: self._send_batch(unit, org_id, policies, now))
            if part is None:
                return
            report.sent.extend(part.sent)
            report.cancelled.extend(part.cancelled)
            report.messages.extend(part.messages)

    def _send_batch(
        self, unit: Unit, org_id: str, policies: dict[str, DunningPolicy], now: dt.datetime
    ) -> TickReport | None:
        unit.now = now
        part = TickReport(now=now)
        rows = q.claim_pending(unit.conn, org_id, customers=self.consolidated_batch)
        if not rows:
            return None
        organization = org_queries.get_organization(unit.conn, org_id)
        ids = [row.invoice_id for row in rows]
        # One query for the documents (and one for their lines), one for the fees
        # already charged: not one per reminder. The invoices are locked (a payment of one of
        # them waits, or is seen): a step is decided on what is owed now.
        docs = {
            doc.id: doc
            for doc in doc_queries.find_documents(unit.conn, ids, for_update=True)
            if isinstance(doc, Invoice)
        }
        charges = q.previous_charges(unit.conn, ids)
        paid = payment_queries.dated_allocations(
            unit.conn, ids, zoneinfo.ZoneInfo(organization.timezone)
        )
        by_customer: dict[str, list[Any]] = {}
        for row in rows:
            by_customer.setdefault(row.customer_id, []).append(row)
        for customer_id, group in by_customer.items():
            policy = policies.get(customer_id) or policies.get("")
            self._send_group(
                unit, organization, customer_id, group, policy, part, docs, charges,
                paid,
            )  # fmt: skip
        return part

    def _send_group(
        self,
        unit: Unit,
        org: Organization,
        customer_id: str,
        rows: Sequence[Any],
        policy: DunningPolicy | None,
        report: TickReport,
        docs: dict[str, Invoice],
        charges: dict[str, tuple[dt.date | None, bool]],
        paid: dict[str, list[tuple[dt.date, int]]],
    ) -> None:
        conn = unit.conn
        customer = org_queries.get_customer(conn, org.id, customer_id)
        today = unit.now.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()
        paused = q.paused_until(conn, customer_id, unit.now)[0]
        ready: list[tuple[Any, Invoice, Step, FeeBreakdown]] = []
        for row in rows:
            doc = docs[row.invoice_id]
            reason = ""
            if policy is None or row.step > len(policy.steps):
                reason = "the policy changed: this step no longer exists"
            elif doc.status not in q.OPEN_STATUSES or doc.open_amount.amount <= 0:
                reason = f"invoice is {doc.status}"
            elif doc.disputed:
                reason = "invoice is disputed"
            elif paused:
                reason = "customer is paused"
            if reason:
                data: dict[str, Any] = {"reason": reason}
                q.update_reminder(
                    conn, row.invoice_id, row.step, status="cancelled", data=data,
                    processed_at=unit.now,
                )  # fmt: skip
                report.cancelled.append(
                    ReminderRecord.from_row(row_with(row, status="cancelled", data=data))
                )
                continue
            assert policy is not None
            step = policy.steps[row.step - 1]
            breakdown = self.fees(
                charges.get(doc.id), policy, step, doc, customer, today, paid.get(doc.id, ())
            )
            if policy.fee_mode == "charge" and breakdown.total.amount > 0:
                # The fee becomes part of what the invoice owes, before its messages are
                # rendered: they, the pay page and the payment link show the new total.
                doc_queries.add_fees(conn, doc.id, breakdown.total.minor_units)
                doc = attrs.evolve(doc, fees_amount=doc.fees + breakdown.total)
            ready.append((row, doc, step, breakdown))
        if not ready:
            return
        if policy is not None and policy.consolidate and len(ready) > 1:
            message_ids = self._queue_consolidated(unit, org, customer, ready, policy, today)
            per_row = {(r.invoice_id, r.step): message_ids for r, *_ in ready}
        else:
            per_row = {
                (r.invoice_id, r.step): self._queue_single(
                    unit, org, customer, doc, step, breakdown, policy, today
                )
                for r, doc, step, breakdown in ready
            }
        for row, doc, step, breakdown in ready:
            ids = per_row[(row.invoice_id, row.step)]
            channels = list(step.channels)
            data = {
                "channels": channels,
                "message_ids": ids,
                "explanation": [
                    f"step {row.step} '{step.name}': {step.offset_days:+d} days from the due "
                    f"date {doc.due_date}, due on {row.due_on}, sent on {today}",
                    *breakdown.explanation,
                ]
                + (["fees shown for information only"] if policy and policy.fee_mode == "info"
                   and breakdown.total.amount else []),
                "fees": breakdown.as_dict(),
            }  # fmt: skip
            values = {
                "status": "sent",
                "fee_minor": breakdown.total.minor_units,
                "compensation_minor": breakdown.compensation.minor_units,
                "interest_through": today if step.fee and step.fee.kind == "statutory" else None,
                "open_minor": doc.open_amount.minor_units,
                "data": data,
                "processed_at": unit.now,
            }
            q.update_reminder(conn, row.invoice_id, row.step, **values)
            record = ReminderRecord.from_row(row_with(row, **values))
            report.sent.append(record)
            report.messages += [i for i in ids if i not in report.messages]
            if step.escalate:
                unit.emit(
                    "reminder_escalated",
                    organization=org,
                    invoice=doc,
                    step=step,
                    context={
                        "open_amount": doc.open_amount,
                        "days_overdue": doc.days_overdue(today),
                        "fees": breakdown.total,
                    },
                )

    @staticmethod
    def fees(
        previous: tuple[dt.date | None, bool] | None,
        policy: DunningPolicy,
        step: Step,
        invoice: Invoice,
        customer: Customer,
        today: dt.date,
        paid: Sequence[tuple[dt.date, int]],
    ) -> FeeBreakdown:
        """This step's fee (``previous``: what :func:`paylink.store.reminders.previous_charges`
        says of the charges before it; ``paid``: the invoice's dated allocations).

        Fees are computed on the principal still open (fees never bear fees); interest
        accrues each day on the principal open that day, the payments settling the principal
        first (:func:`paylink.payments.principal_parts`)."""
        interest_through, compensation_charged = previous or (None, False)
        if step.fee is None:
            return FeeBreakdown.zero(invoice.currency)
        assert invoice.due_date is not None
        charge = policy.fee_mode == "charge"
        payments = principal_parts(
            invoice.principal,
            [(day, Money.from_minor(minor, invoice.currency)) for day, minor in paid],
        )
        return step.fee.compute(
            open_amount=invoice.principal_open,
            due_date=invoice.due_date,
            on=today,
            customer_kind=customer.kind,
            interest_from=interest_through + dt.timedelta(days=1)
            if charge and interest_through
            else None,
            compensation_charged=charge and compensation_charged,
            payments=payments,
        )

    def _link(self, unit: Unit, invoice: Invoice) -> Any:
        self._ctx.public_base_url("send a reminder with a payment link")
        return invoice_link(unit, invoice, self._ctx.addresses)

    @staticmethod
    def _addresses(customer: Customer, channels: Sequence[str]) -> list[tuple[str, str]]:
        result = []
        for channel in channels:
            address = (
                customer.email
                if channel == "email"
                else customer.phone
                if channel == "sms"
                else None
            )
            if address:
                result.append((channel, address))
        return result

    def _queue_single(
        self,
        unit: Unit,
        org: Organization,
        customer: Customer,
        invoice: Invoice,
        step: Step,
        breakdown: FeeBreakdown,
        policy: DunningPolicy | None,
        today: dt.date,
    ) -> list[str]:
        targets = self._addresses(customer, step.channels)
        if not targets:
            return []
        link = self._link(unit, invoice)
        charge = policy is not None and policy.fee_mode == "charge"
        # Charged: the fees still owed on the invoice (this one included); info: this fee.
        fees = invoice.fees_open if charge else breakdown.total
        ids = []
        for channel, address in targets:
            sms = channel == "sms"
            variables = render.message_variables(
                language=customer.language,
                organization=org,
                customer=customer,
                sms=sms,
                invoice=invoice,
                link=link,
                step=self._step_number(policy, step),
                fees=fees,
                today=today,
                extra=self._fee_extra(customer.language, invoice, breakdown, charge, sms),
            )
            message = queue_message(
                unit,
                organization=org,
                kind=step.template,
                channel_kind=channel,
                recipient=address,
                language=customer.language,
                variables=variables,
                customer=customer,
                document_id=invoice.id,
                link_id=link.id if link is not None else None,
                attach="reminder" if channel == "email" and step.template == "reminder" else None,
                text=step.text,
                metadata={
                    "step": str(self._step_number(policy, step)),
                    "fees": str(fees.amount),
                    "fee_mode": "charge" if charge else "info",
                },
            )
            ids.append(message.id)
        return ids

    @staticmethod
    def _step_number(policy: DunningPolicy | None, step: Step) -> int:
        # Steps before the due date are courtesy notices; the template's "step" counts
        # reminders from the first one on or after the due date.
        if policy is None:
            return 1
        late = [s for s in policy.steps if s.offset_days >= 0]
        return late.index(step) + 1 if step in late else 1

    @staticmethod
    def _fee_extra(
        language: str, invoice: Invoice, breakdown: FeeBreakdown, charge: bool, sms: bool
    ) -> dict[str, Any]:
        def money(m: Money) -> str:
            return render.format_money(m, language, plain=sms)

        extra: dict[str, Any] = {
            "fee_lines": list(breakdown.explanation),
            "interest": money(breakdown.interest) if breakdown.interest.amount else "",
            "compensation": money(breakdown.compensation) if breakdown.compensation.amount else "",
            "fees_info_only": not charge,
            # The invoice's open amount already holds its charged fees: it is the total due.
            "total_due": money(invoice.open_amount),
        }
        if charge:
            extra["open_amount"] = money(invoice.principal_open)
        return extra

    def _queue_consolidated(
        self,
        unit: Unit,
        org: Organization,
        customer: Customer,
        ready: Sequence[tuple[Any, Invoice, Step, FeeBreakdown]],
        policy: DunningPolicy,
        today: dt.date,
    ) -> list[str]:
        channels = list(dict.fromkeys(c for _, _, step, _ in ready for c in step.channels))
        targets = self._addresses(customer, channels)
        if not targets:
            return []
        lang = customer.language if customer.language in LANGUAGES else "en"
        charge = policy.fee_mode == "charge"
        most_overdue = max(ready, key=lambda item: item[1].days_overdue(today))
        currency = most_overdue[1].currency
        ids = []
        for channel, address in targets:
            sms = channel == "sms"

            def money(m: Money, sms: bool = sms) -> str:
                return render.format_money(m, lang, plain=sms)

            lines = []
            total = Money.zero(currency)
            fees_total = Money.zero(currency)
            for _row, inv, _step, breakdown in ready:
                fee = inv.fees_open if charge else breakdown.total
                fees_total += fee
                total += inv.open_amount
                ref = f", {inv.reference.display}" if inv.reference else ""
                fee_text = f" + {money(fee)}" if fee.amount else ""
                shown = inv.principal_open if charge else inv.open_amount
                lines.append(
                    f"- {inv.number}: {money(shown)}{fee_text} "
                    f"({render.format_date(inv.due_date, lang, short=sms)}{ref})"
                )
            consolidated = render.default_message("reminder_list", lang)
            body, sms_body = consolidated["body"], consolidated["sms"]
            variables = render.message_variables(
                language=lang,
                organization=org,
                customer=customer,
                sms=sms,
                invoice=most_overdue[1],
                step=self._step_number(policy, most_overdue[2]),
                fees=fees_total,
                today=today,
                extra={
                    "invoice_list": "\n".join(lines),
                    "invoice_count": len(ready),
                    "total_due": money(total),
                    "pay_url": "",
                    "fees_info_only": not charge,
                },
            )
            message = queue_message(
                unit,
                organization=org,
                kind="reminder",
                channel_kind=channel,
                recipient=address,
                language=lang,
                variables=variables,
                customer=customer,
                document_id=most_overdue[1].id,
                text=sms_body if sms else body,
                metadata={
                    "step": str(self._step_number(policy, most_overdue[2])),
                    "invoices": ",".join(inv.id for _, inv, *_ in ready),
                },
            )
            ids.append(message.id)
        return ids
