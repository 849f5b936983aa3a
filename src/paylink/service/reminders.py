"""``pl.reminders``: dunning policies, the reminder run (:meth:`Reminders.tick`), pauses,
history and the owner's daily digest.

A run has two phases, each its own short transaction(s):

1. **record** (:func:`paylink.store.reminders.record_due`): per policy, one bulk
   ``INSERT … SELECT … ON CONFLICT DO NOTHING`` statement records the latest due step of every
   invoice that needs one as ``pending`` (earlier missed steps as ``skipped``). The primary key
   ``(invoice_id, step)`` makes each step recorded once, also with many workers.
2. **send**: pending records are claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) a group of
   customers at a time; each gets its fees computed, its messages rendered into the outbox,
   and becomes ``sent`` (or ``cancelled`` when the invoice was paid, disputed or paused in
   between), in the same transaction; escalations fire after the commit.

A pending record is the reference to a message still to render: rendering is the expensive
part, and it happens in phase 2, which any number of workers can share.
"""

from __future__ import annotations

import builtins
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from .. import render
from ..documents import Invoice, PurchaseInvoice
from ..exceptions import NotFound, ValidationError
from ..money import Money
from ..notify import QuietHours
from ..parties import Customer, Organization
from ..payments import principal_parts
from ..reminders import ChargedFee, DunningPolicy, FeeBreakdown, Step
from ..render._i18n import MESSAGES
from ..store import Connection
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import messages as message_queries
from ..store import organizations as org_queries
from ..store import payments as payment_queries
from ..store import reminders as q
from ..store.reminders import charged_fee_lines
from ._base import Resource, Unit, new_id
from ._links import invoice_link
from ._messages import MESSAGING_ROW, queue_message

__all__ = [
    "PlannedReminder",
    "ReminderRecord",
    "Reminders",
    "TickReport",
    "aware",
    "charged_fee_lines",
]

_SKIPPED = "a later step was already due when the run happened: never sent"


def aware(now: dt.datetime | None, field: str = "now") -> dt.datetime | None:
    """Refuse a naive datetime (which moment would it be?)."""
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise ValidationError(
            "expected a timezone-aware datetime, e.g. 2026-03-02T09:00:00+00:00", field=field
        )
    return now


@attrs.frozen(kw_only=True)
class ReminderRecord:
    """One (invoice, step) as recorded: what went out, when, through which channels, and the
    fee with its explanation.

    ``status`` is ``pending`` (recorded, messages not yet queued), ``sent``, ``skipped`` (a
    step missed while the run did not happen; never sent) or ``cancelled`` (the invoice was
    paid, disputed or its customer paused before the messages were queued).
    """

    invoice_id: str
    step: int
    step_name: str
    due_on: dt.date
    status: str
    fee: Money
    fee_mode: str
    channels: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    reason: str = ""
    created_at: dt.datetime | None = None
    processed_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> ReminderRecord:
        """Build it from a ``reminders`` row."""
        data = row.data or {}
        return cls(
            invoice_id=row.invoice_id,
            step=row.step,
            step_name=row.step_name,
            due_on=row.due_on,
            status=row.status,
            fee=Money.from_minor(int(row.fee_minor or 0), row.currency),
            fee_mode=row.fee_mode,
            channels=tuple(data.get("channels", ())),
            message_ids=tuple(data.get("message_ids", ())),
            explanation=tuple(data.get("explanation", ())),
            reason=data.get("reason") or (_SKIPPED if row.status == "skipped" else ""),
            created_at=row.created_at,
            processed_at=row.processed_at,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "invoice_id": self.invoice_id,
            "step": self.step,
            "step_name": self.step_name,
            "due_on": self.due_on.isoformat(),
            "status": self.status,
            "fee": str(self.fee.amount),
            "currency": self.fee.currency,
            "fee_mode": self.fee_mode,
            "channels": list(self.channels),
            "message_ids": list(self.message_ids),
            "explanation": list(self.explanation),
            "reason": self.reason,
        }


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


# Bodies of a consolidated reminder (several invoices in one message), per language.
_CONSOLIDATED = {
    "en": (
        "Hello {{ customer.name }},\n\nThe following invoices are still open:\n\n"
        "{{ invoice_list }}\n\nTotal to pay: {{ total_due }}.\n\n"
        "If you have paid in the meantime, please disregard this message.\n\n"
        "Kind regards,\n{{ org.name }}",
        "{{ org.name }}: {{ invoice_count }} invoices are overdue, {{ total_due }} to pay.",
    ),
    "fr": (
        "Bonjour {{ customer.name }},\n\nLes factures suivantes restent impayées :\n\n"
        "{{ invoice_list }}\n\nTotal à payer : {{ total_due }}.\n\n"
        "Si vous avez payé entre-temps, veuillez ne pas tenir compte de ce message.\n\n"
        "Bien cordialement,\n{{ org.name }}",
        "{{ org.name }} : {{ invoice_count }} factures impayées, {{ total_due }} à payer.",
    ),
    "nl": (
        "Beste {{ customer.name }},\n\nDe volgende facturen staan nog open:\n\n"
        "{{ invoice_list }}\n\nTotaal te betalen: {{ total_due }}.\n\n"
        "Hebt u intussen betaald, dan mag u dit bericht negeren.\n\n"
        "Met vriendelijke groeten,\n{{ org.name }}",
        "{{ org.name }}: {{ invoice_count }} facturen vervallen, {{ total_due }} te betalen.",
    ),
    "de": (
        "Guten Tag {{ customer.name }},\n\nFolgende Rechnungen sind noch offen:\n\n"
        "{{ invoice_list }}\n\nZu zahlen: {{ total_due }}.\n\n"
        "Sollten Sie inzwischen bezahlt haben, betrachten Sie diese Nachricht als gegenstandslos."
        "\n\nMit freundlichen Grüßen\n{{ org.name }}",
        "{{ org.name }}: {{ invoice_count }} Rechnungen überfällig, {{ total_due }} zu zahlen.",
    ),
}

_DIGEST_BODY = {
    "en": ("Due soon", "Overdue", "Purchase invoices to pay", "Payments received", "none"),
    "fr": ("Bientôt échues", "En retard", "Factures d'achat à payer", "Paiements reçus", "aucun"),
    "nl": ("Binnenkort vervallen", "Achterstallig", "Aankoopfacturen te betalen",
           "Ontvangen betalingen", "geen"),
    "de": ("Bald fällig", "Überfällig", "Zu zahlende Eingangsrechnungen",
           "Eingegangene Zahlungen", "keine"),
}  # fmt: skip


class Reminders(Resource):
    """Dunning policies, the reminder run, pauses, history and the owner's digest."""

    consolidated_batch: int = 100
    """Customers claimed per transaction in phase 2."""

    # -- policies -------------------------------------------------------------------------------
    def set_policy(
        self,
        org: Organization | str,
        policy: DunningPolicy,
        *,
        customer: Customer | str | None = None,
    ) -> DunningPolicy:
        """Save the organization's policy, or ``customer``'s override of it. Validated first:
        a bad step raises :class:`~paylink.exceptions.ValidationError` naming it
        (``steps[2].fee``)."""
        if not isinstance(policy, DunningPolicy):
            raise ValidationError("expected a DunningPolicy", field="policy")
        policy.validate()
        with self._ctx.unit() as unit:
            org_id = self._org(unit.conn, org).id
            cid = "" if customer is None else self._customer_id(unit.conn, org_id, customer)
            q.set_policy(unit.conn, org_id, cid, policy.to_dict(), unit.now)
        return policy

    def policy(
        self, org: Organization | str, *, customer: Customer | str | None = None
    ) -> DunningPolicy | None:
        """The policy that applies: the customer's override, else the organization's, or None
        when reminders are not set up."""
        org_id = self._org_id(org)
        with self._ctx.store.transaction() as conn:
            data = None
            if customer is not None:
                cid = customer if isinstance(customer, str) else customer.id
                data = q.get_policy(conn, org_id, cid)
            if data is None:
                data = q.get_policy(conn, org_id, "")
        return DunningPolicy.from_dict(data) if data is not None else None

    def remove_policy(
        self, org: Organization | str, *, customer: Customer | str | None = None
    ) -> bool:
        """Remove the organization's policy (no more reminders) or a customer's override."""
        org_id = self._org_id(org)
        cid = "" if customer is None else (customer if isinstance(customer, str) else customer.id)
        with self._ctx.unit() as unit:
            return q.delete_policy(unit.conn, org_id, cid)

    # -- pauses ---------------------------------------------------------------------------------
    def pause(self, customer: Customer, until: dt.datetime | None = None) -> None:
        """Send no reminders to ``customer`` until ``until`` (or until :meth:`resume`)."""
        aware(until, "until")
        with self._ctx.unit() as unit:
            org_queries.require_customer(unit.conn, customer.organization_id, customer.id)
            q.pause(unit.conn, customer.organization_id, customer.id, until, unit.now)

    def resume(self, customer: Customer) -> bool:
        """Lift a pause; the latest due step goes out at the next run. True if paused."""
        with self._ctx.unit() as unit:
            return q.resume(unit.conn, customer.id)

    def is_paused(self, customer: Customer) -> bool:
        """Whether ``customer``'s reminders are paused now."""
        with self._ctx.store.transaction() as conn:
            return q.paused_until(conn, customer.id, self._ctx.clock.now())[0]

    # -- history and amounts --------------------------------------------------------------------
    def history(self, invoice: Invoice | str) -> builtins.list[ReminderRecord]:
        """Every reminder record of an invoice, by step: which step, which date, which fee."""
        invoice_id = invoice if isinstance(invoice, str) else invoice.id
        with self._ctx.store.transaction() as conn:
            return [ReminderRecord.from_row(r) for r in q.history(conn, invoice_id)]

    def fees(self, invoice: Invoice | str) -> Money:
        """The reminder fees charged on an invoice (policies with ``fee_mode="charge"``),
        paid or not: :attr:`Invoice.fees <paylink.documents.Invoice.fees>`."""
        return self._invoice(invoice).fees

    def fee_lines(self, invoice: Invoice | str) -> builtins.list[ChargedFee]:
        """The fee lines charged on an invoice, by step: what the customer sees on the pay
        page, the printable invoice and the portal."""
        invoice_id = invoice if isinstance(invoice, str) else invoice.id
        with self._ctx.store.transaction() as conn:
            return charged_fee_lines(conn, [invoice_id]).get(invoice_id, [])

    def fee_lines_by_invoice(
        self, invoices: Iterable[Invoice | str]
    ) -> dict[str, builtins.list[ChargedFee]]:
        """The fee lines charged on each of several invoices, in one query: invoice id -> its
        lines by step (an invoice without fees is left out)."""
        ids = [i if isinstance(i, str) else i.id for i in invoices]
        if not ids:
            return {}
        with self._ctx.store.transaction() as conn:
            return charged_fee_lines(conn, ids)

    def amount_due(self, invoice: Invoice | str) -> Money:
        """What the customer owes on the invoice: the principal still open plus the charged
        fees not paid yet (:attr:`Invoice.open_amount <paylink.documents.Invoice.open_amount>`,
        which also the pay page, the payment link and reconciliation use)."""
        return self._invoice(invoice).open_amount

    def letter(self, invoice: Invoice | str, step: int) -> str:
        """The printable reminder letter (HTML) of a recorded step (for ``letter`` steps)."""
        inv = self._invoice(invoice)
        with self._ctx.store.transaction() as conn:
            rows = [r for r in q.history(conn, inv.id) if r.step == step]
            if not rows:
                raise NotFound(f"invoice {inv.number} has no reminder step {step}")
            org = org_queries.get_organization(conn, inv.organization_id)
            customer = org_queries.get_customer(conn, org.id, inv.customer_id)
            link = link_queries.active_for_invoice(conn, inv.id, self._ctx.base_url)
            lines = charged_fee_lines(conn, [inv.id]).get(inv.id, [])
        row = rows[0]
        # Charged fees are lines of the invoice (in its open amount); an info-only fee is
        # shown beside it, not added.
        info = (
            Money.from_minor(int(row.fee_minor), inv.currency) if row.fee_mode == "info" else None
        )
        return render.render_document(
            "reminder",
            organization=org,
            customer=customer,
            document=inv,
            link=link,
            step=step,
            fees=info,
            fee_lines=lines,
            fees_info_only=info is not None,
            today=row.processed_at.date() if row.processed_at else row.due_on,
        )

    def _invoice(self, invoice: Invoice | str) -> Invoice:
        invoice_id = invoice if isinstance(invoice, str) else invoice.id
        with self._ctx.store.transaction() as conn:
            doc = doc_queries.get_document(conn, None, invoice_id, "invoice")
        assert isinstance(doc, Invoice)
        return doc

    # -- the run --------------------------------------------------------------------------------
    def _policies(
        self, conn: Connection, org: Organization | str | None
    ) -> dict[str, list[tuple[str, DunningPolicy]]]:
        by_org: dict[str, list[tuple[str, DunningPolicy]]] = {}
        org_id = None if org is None else self._org_id(org)
        for oid, cid, data in q.list_policies(conn, org_id):
            by_org.setdefault(oid, []).append((cid, DunningPolicy.from_dict(data)))
        return by_org

    @staticmethod
    def _hold(
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

    def tick(
        self,
        now: dt.datetime | None = None,
        *,
        org: Organization | str | None = None,
        send: bool = True,
        digests: bool = True,
    ) -> TickReport:
        """Run the reminders that are due at ``now`` (default: the clock's time).

        Phase 1 records every due step exactly once (bulk SQL, see the module docstring);
        phase 2 (unless ``send=False``) queues the pending ones' messages and fees. After
        downtime only the latest due step of an invoice goes out; earlier ones are recorded
        as skipped. ``org`` limits the run to one organization; ``digests`` also sends the
        owner digests that are due. A naive ``now`` is refused.
        """
        moment = aware(now) or self._ctx.clock.now()
        report = TickReport(now=moment)
        run_id = new_id("run")
        with self._ctx.store.transaction() as conn:
            by_org = self._policies(conn, org)
        for org_id, policies in by_org.items():
            overridden = [cid for cid, _ in policies if cid]
            for cid, policy in policies:
                with self._ctx.store.transaction() as conn:
                    organization = org_queries.get_organization(conn, org_id)
                    why = self._hold(conn, organization, policy, moment)
                    if why is not None:
                        report.waiting.append(f"{org_id}{':' + cid if cid else ''}: {why}")
                        continue
                    today = moment.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()
                    recorded, skipped = q.record_due(
                        conn,
                        org_id=org_id,
                        steps=[(s.name, s.offset_days) for s in policy.steps],
                        today=today,
                        now=moment,
                        run_id=run_id,
                        fee_mode=policy.fee_mode,
                        only_customers=[cid] if cid else None,
                        except_customers=overridden if not cid else (),
                    )
                report.recorded += recorded
                report.skipped += skipped
            if send:
                self._send_pending(org_id, dict(policies), moment, report)
        if digests:
            self._digests(moment, org, report)
        return report

    def process(
        self,
        now: dt.datetime | None = None,
        *,
        org: Organization | str | None = None,
        limit: int | None = None,
    ) -> TickReport:
        """Phase 2 only: queue the messages of pending records (for workers that share the
        rendering of a large run recorded with ``tick(send=False)``). ``limit`` stops after
        about that many records (whole customers at a time)."""
        moment = aware(now) or self._ctx.clock.now()
        report = TickReport(now=moment)
        with self._ctx.store.transaction() as conn:
            by_org = self._policies(conn, org)
        for org_id, policies in by_org.items():
            self._send_pending(org_id, dict(policies), moment, report, limit=limit)
        return report

    def _send_pending(
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
            if self._hold(conn, organization, main_policy, now) is not None:
                return  # a weekend, a holiday or quiet hours: pending records wait too
        while limit is None or len(report.sent) + len(report.cancelled) < limit:
            with self._ctx.unit() as unit:
                unit.now = now
                rows = q.claim_pending(unit.conn, org_id, customers=self.consolidated_batch)
                if not rows:
                    return
                organization = org_queries.get_organization(unit.conn, org_id)
                ids = [row.invoice_id for row in rows]
                # One query for the documents (and one for their lines), one for the fees
                # already charged: not one per reminder.
                docs = {
                    doc.id: doc
                    for doc in doc_queries.find_documents(unit.conn, ids)
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
                        unit, organization, customer_id, group, policy, report, docs, charges,
                        paid,
                    )  # fmt: skip

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
                    ReminderRecord.from_row(_Row(row, status="cancelled", data=data))
                )
                continue
            assert policy is not None
            step = policy.steps[row.step - 1]
            breakdown = self._fees(
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
            record = ReminderRecord.from_row(_Row(row, **values))
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
    def _fees(
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
        return invoice_link(unit, invoice, self._ctx.base_url)

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
        lang = customer.language if customer.language in _CONSOLIDATED else "en"
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
            body, sms_body = _CONSOLIDATED[lang]
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

    # -- preview --------------------------------------------------------------------------------
    def preview(
        self, now: dt.datetime | None = None, *, org: Organization | str | None = None
    ) -> builtins.list[PlannedReminder]:
        """What :meth:`tick` would send at ``now``: invoice, step, date, fee, channels.
        Nothing is written. Organizations on hold (weekend, holiday, quiet hours) show nothing."""
        moment = aware(now) or self._ctx.clock.now()
        planned: list[PlannedReminder] = []
        with self._ctx.store.transaction() as conn:
            by_org = self._policies(conn, org)
            for org_id, policies in by_org.items():
                organization = org_queries.get_organization(conn, org_id)
                today = moment.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()
                overridden = [cid for cid, _ in policies if cid]
                for cid, policy in policies:
                    if self._hold(conn, organization, policy, moment) is not None:
                        continue
                    found = q.due_candidates(
                        conn,
                        org_id=org_id,
                        steps=[(s.name, s.offset_days) for s in policy.steps],
                        today=today,
                        now=moment,
                        only_customers=[cid] if cid else None,
                        except_customers=overridden if not cid else (),
                    )
                    recorded = {}
                    for invoice_id, step_no in found:
                        doc = doc_queries.get_document(conn, org_id, invoice_id, "invoice")
                        assert isinstance(doc, Invoice)
                        assert doc.due_date is not None
                        customer = org_queries.get_customer(conn, org_id, doc.customer_id)
                        step = policy.steps[step_no - 1]
                        charged = q.previous_charges(conn, [doc.id]).get(doc.id)
                        paid = payment_queries.dated_allocations(
                            conn, [doc.id], zoneinfo.ZoneInfo(organization.timezone)
                        ).get(doc.id, [])
                        breakdown = self._fees(charged, policy, step, doc, customer, today, paid)
                        if invoice_id not in recorded:
                            recorded[invoice_id] = {r.step for r in q.history(conn, invoice_id)}
                        planned.append(
                            PlannedReminder(
                                organization_id=org_id,
                                invoice_id=invoice_id,
                                invoice_number=doc.number or "",
                                customer_id=doc.customer_id,
                                step=step_no,
                                step_name=step.name,
                                due_on=policy.step_date(step, doc.due_date),
                                channels=tuple(step.channels),
                                fee=breakdown.total,
                                open_amount=doc.open_amount,
                                skipped_steps=tuple(
                                    i for i in range(1, step_no) if i not in recorded[invoice_id]
                                ),
                                explanation=breakdown.explanation,
                            )
                        )
            conn.rollback()
        return planned

    # -- owner digest ---------------------------------------------------------------------------
    def enable_digest(self, org: Organization | str, *, at: str = "08:00") -> None:
        """Send the organization a daily digest (kind ``owner_digest``, to its e-mail) from
        ``at`` (``"HH:MM"``, its time zone) on, at the first run after that time."""
        QuietHours(at, "00:00" if at != "00:00" else "00:01")  # validates HH:MM
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            if not organization.email:
                raise ValidationError(
                    f"organization {organization.name} has no e-mail address for its digest",
                    field="email",
                )
            q.set_digest(unit.conn, organization.id, enabled=True, send_at=at)

    def disable_digest(self, org: Organization | str) -> None:
        """Stop the daily digest."""
        with self._ctx.unit() as unit:
            q.set_digest(unit.conn, self._org_id(org), enabled=False, send_at="08:00")

    def digest_content(
        self,
        org: Organization | str,
        now: dt.datetime | None = None,
        *,
        since: dt.datetime | None = None,
        due_within_days: int = 7,
    ) -> dict[str, Any]:
        """What the digest lists at ``now``: invoices due within ``due_within_days`` and overdue
        ones (to collect), purchase invoices due within that time or late (to pay), payments
        received since ``since`` (default: the last digest, else a day before ``now``)."""
        moment = aware(now) or self._ctx.clock.now()
        aware(since, "since")
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            if since is None:
                rows = q.digest_settings(conn, organization.id)
                since = rows[0].last_sent_at if rows and rows[0].last_sent_at else None
            since = since or moment - dt.timedelta(days=1)
            today = moment.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()
            horizon = today + dt.timedelta(days=due_within_days)
            invoices = [
                d
                for d in doc_queries.list_documents(
                    conn, organization.id, "invoice", statuses=list(q.OPEN_STATUSES)
                )
                if isinstance(d, Invoice) and d.due_date is not None and d.open_amount.amount > 0
            ]
            purchases = [
                p
                for p in doc_queries.list_purchases(conn, organization.id, statuses=["open"])
                if p.due_date <= horizon
            ]
            payments = [
                p
                for p in payment_queries.list_payments(conn, organization.id)
                if p.created_at is not None and since < p.created_at <= moment
            ]
        due_soon = [i for i in invoices if today <= i.due_date <= horizon]  # type: ignore[operator]
        overdue = [i for i in invoices if i.is_overdue(today)]
        return {
            "organization": organization,
            "today": today,
            "since": since,
            "due_soon": sorted(due_soon, key=lambda i: (i.due_date, i.number or "")),
            "overdue": sorted(overdue, key=lambda i: (i.due_date, i.number or "")),
            "purchases_due": purchases,
            "payments": payments,
        }

    def send_digest(
        self, org: Organization | str, now: dt.datetime | None = None, *, force: bool = False
    ) -> str | None:
        """Queue today's digest for the organization unless it already went today (``force``
        sends anyway); return the message id, or None."""
        moment = aware(now) or self._ctx.clock.now()
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            if not q.digest_settings(conn, organization.id):
                q.set_digest(conn, organization.id, enabled=False, send_at="08:00")
        if not organization.email:
            raise ValidationError(
                f"organization {organization.name} has no e-mail address for its digest",
                field="email",
            )
        zone = zoneinfo.ZoneInfo(organization.timezone)
        local = moment.astimezone(zone)
        day_start = dt.datetime.combine(local.date(), dt.time(0), tzinfo=zone).astimezone(dt.UTC)
        with self._ctx.unit() as unit:
            claimed = q.mark_digest_sent(
                unit.conn,
                organization.id,
                now=moment,
                day_start=moment + dt.timedelta(seconds=1) if force else day_start,
            )
            if claimed is False:
                return None
            since = claimed if isinstance(claimed, dt.datetime) else None
        content = self.digest_content(
            organization, moment, since=since or moment - dt.timedelta(days=1)
        )
        with self._ctx.unit() as unit:
            return self._queue_digest(unit, organization, content)

    def _queue_digest(self, unit: Unit, org: Organization, content: dict[str, Any]) -> str:
        lang = org.language if org.language in _DIGEST_BODY else "en"
        zero = Money.zero(org.currency)

        def money(m: Money) -> str:
            return render.format_money(m, lang)

        def inv_line(i: Invoice) -> str:
            return f"- {i.number}  {money(i.open_amount)}  {render.format_date(i.due_date, lang)}"

        def pur_line(p: PurchaseInvoice) -> str:
            return (
                f"- {p.supplier_name} {p.supplier_reference}  {money(p.open_amount)}  "
                f"{render.format_date(p.due_date, lang)}"
            )

        heads = _DIGEST_BODY[lang]
        sections = [
            (heads[0], [inv_line(i) for i in content["due_soon"]]),
            (heads[1], [inv_line(i) for i in content["overdue"]]),
            (heads[2], [pur_line(p) for p in content["purchases_due"]]),
            (
                heads[3],
                [
                    f"- {money(p.amount)}  {render.format_date(p.received_on, lang)}  {p.method}"
                    for p in content["payments"]
                ],
            ),
        ]
        listing = "\n\n".join(
            f"{title}:\n" + ("\n".join(lines) if lines else f"- {heads[4]}")
            for title, lines in sections
        )
        open_invoices = content["due_soon"] + content["overdue"]
        variables = render.message_variables(
            language=lang,
            organization=org,
            extra={
                "period": render.format_date(content["today"], lang),
                "paid_count": len(content["payments"]),
                "paid_total": money(
                    Money.sum((p.amount for p in content["payments"]), org.currency)
                ),
                "open_count": len(open_invoices),
                "open_total": money(
                    Money.sum((i.open_amount for i in open_invoices), org.currency)
                ),
                "overdue_count": len(content["overdue"]),
                "overdue_total": money(
                    Money.sum((i.open_amount for i in content["overdue"]), org.currency) or zero
                ),
                "digest_listing": listing,
            },
        )
        saved = message_queries.get_template(
            unit.conn, org.id, kind="owner_digest", channel_kind="email", language=lang
        )
        body = None
        if not saved:
            # The catalogue's digest has the counts; the lists follow them.
            body = MESSAGES[lang]["owner_digest"]["body"] + "\n\n{{ digest_listing }}"
        assert org.email is not None
        message = queue_message(
            unit,
            organization=org,
            kind="owner_digest",
            channel_kind="email",
            recipient=org.email,
            language=lang,
            variables=variables,
            text=body,
        )
        return str(message.id)

    def _digests(
        self, now: dt.datetime, org: Organization | str | None, report: TickReport
    ) -> None:
        with self._ctx.store.transaction() as conn:
            rows = q.digest_settings(conn, None)
        wanted = None if org is None else self._org_id(org)
        for row in rows:
            if wanted is not None and row.organization_id != wanted:
                continue
            with self._ctx.store.transaction() as conn:
                organization = org_queries.get_organization(conn, row.organization_id)
            local = now.astimezone(zoneinfo.ZoneInfo(organization.timezone))
            hours, minutes = (int(x) for x in row.send_at.split(":"))
            if local.time() < dt.time(hours, minutes) or not organization.email:
                continue
            message_id = self.send_digest(organization, now)
            if message_id:
                report.digests.append(message_id)


class _Row:
    """A reminders row with some fields replaced (for the records a run returns)."""

    def __init__(self, row: Any, **changes: Any) -> None:
        self._values = dict(row._mapping)
        self._values.update(changes)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None
