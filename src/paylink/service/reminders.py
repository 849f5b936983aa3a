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
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .. import render
from ..documents import Invoice
from ..exceptions import NotFound, ValidationError
from ..money import Money
from ..notify import QuietHours
from ..parties import Customer, Organization
from ..reminders import ChargedFee, DunningPolicy, ReferenceRate, ReferenceRates
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import organizations as org_queries
from ..store import payments as payment_queries
from ..store import rates as rate_queries
from ..store import reminders as q
from ..store.reminders import charged_fee_lines
from ._base import Resource, new_id
from ._digest import digest_content, due_digests, send_digest
from ._reminder_run import (
    PlannedReminder,
    ReminderRecord,
    ReminderRun,
    TickReport,
    aware,
)

__all__ = [
    "PlannedReminder",
    "ReferenceRateBook",
    "ReminderRecord",
    "Reminders",
    "TickReport",
    "aware",
    "charged_fee_lines",
]


class ReferenceRateBook(Resource):
    """``pl.reminders.rates``: the reference rates statutory interest is computed with.

    paylink ships a table (:data:`paylink.reminders.ECB_REFERENCE_RATES`) and seeds the
    store with it; the operator adds each new half-year's rate as it is published. The
    interest uses the stored rates over the shipped ones, so a half-year the store lacks keeps
    the shipped rate, and one neither has carries the last rate forward (marked
    ``provisional``; the owner's digest warns).
    """

    def add(
        self,
        effective_from: dt.date | str,
        rate: str | int | Decimal,
        *,
        source: str = "",
        replace: bool = False,
    ) -> ReferenceRate:
        """Record the reference ``rate`` (percent per year, ``"2.15"``) from
        ``effective_from`` (1 January or 1 July) on; ``source`` says where it was read.

        Adding the same rate again changes nothing; a different rate for a half-year already
        stored raises :class:`~paylink.exceptions.ValidationError` naming ``effective_from``
        unless ``replace`` (a correction). A float, a date that does not start a half-year or
        a rate outside -10..50 raise it too, naming the field."""
        value = ReferenceRate(effective_from=effective_from, rate=rate, source=source.strip())
        now = self._ctx.clock.now()
        with self._ctx.store.transaction() as conn:
            rate_queries.add_rate(conn, value, now=now, replace=replace)
            stored = {r.effective_from: r for r in rate_queries.list_rates(conn)}
        return stored[value.effective_from]

    def list(self) -> builtins.list[ReferenceRate]:
        """Every stored rate, oldest first (``added_at`` None: seeded from the shipped table)."""
        with self._ctx.store.transaction() as conn:
            return rate_queries.list_rates(conn)

    def table(self) -> ReferenceRates:
        """The table the reminder run computes statutory interest with."""
        with self._ctx.store.transaction() as conn:
            return rate_queries.effective_rates(conn)

    def missing(self, on: dt.date | None = None) -> dt.date | None:
        """The first day of the half-year of ``on`` (default: today, UTC) when its rate is
        neither stored nor shipped, else None."""
        day = on or self._ctx.clock.now().astimezone(dt.UTC).date()
        return self.table().missing_half_year(day)


class Reminders(Resource):
    """Dunning policies, the reminder run, pauses, history and the owner's digest."""

    @property
    def rates(self) -> ReferenceRateBook:
        """The reference rates of statutory interest: add, list, the table in use."""
        return ReferenceRateBook(self)

    consolidated_batch: int = 100
    """Customers claimed per transaction in phase 2."""

    @property
    def _run(self) -> ReminderRun:
        return ReminderRun(self._ctx, consolidated_batch=self.consolidated_batch)

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
            link = link_queries.active_for_invoice(conn, inv.id, self._ctx.addresses)
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
        owner digests that are due. A naive ``now`` is refused, and so is a sending run
        without a public base URL (:class:`~paylink.exceptions.ConfigurationError`).
        """
        moment = aware(now) or self._ctx.clock.now()
        report = TickReport(now=moment)
        run_id = new_id("run")
        with self._ctx.store.transaction() as conn:
            by_org = self._run.policies(conn, org)
        if send and by_org:
            # Refused before anything is recorded: reminders carry payment links.
            self._ctx.public_base_url("send a reminder with a payment link")
        for org_id, policies in by_org.items():
            overridden = [cid for cid, _ in policies if cid]
            for cid, policy in policies:
                with self._ctx.store.transaction() as conn:
                    organization = org_queries.get_organization(conn, org_id)
                    why = self._run.hold(conn, organization, policy, moment)
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
                self._run.send_pending(org_id, dict(policies), moment, report)
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
            by_org = self._run.policies(conn, org)
        for org_id, policies in by_org.items():
            self._run.send_pending(org_id, dict(policies), moment, report, limit=limit)
        return report

    # -- preview --------------------------------------------------------------------------------
    def preview(
        self, now: dt.datetime | None = None, *, org: Organization | str | None = None
    ) -> builtins.list[PlannedReminder]:
        """What :meth:`tick` would send at ``now``: invoice, step, date, fee, channels.
        Nothing is written. Organizations on hold (weekend, holiday, quiet hours) show nothing."""
        moment = aware(now) or self._ctx.clock.now()
        planned: list[PlannedReminder] = []
        with self._ctx.store.transaction() as conn:
            by_org = self._run.policies(conn, org)
            for org_id, policies in by_org.items():
                organization = org_queries.get_organization(conn, org_id)
                today = moment.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()
                overridden = [cid for cid, _ in policies if cid]
                for cid, policy in policies:
                    if self._run.hold(conn, organization, policy, moment) is not None:
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
                        breakdown = self._run.fees(
                            charged, policy, step, doc, customer, today, paid
                        )
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
        return digest_content(
            self._ctx, self._org_id(org), moment, since=since, due_within_days=due_within_days
        )

    def send_digest(
        self, org: Organization | str, now: dt.datetime | None = None, *, force: bool = False
    ) -> str | None:
        """Queue today's digest for the organization unless it already went today (``force``
        sends anyway); return the message id, or None."""
        moment = aware(now) or self._ctx.clock.now()
        return send_digest(self._ctx, self._org_id(org), moment, force=force)

    def _digests(
        self, now: dt.datetime, org: Organization | str | None, report: TickReport
    ) -> None:
        report.digests.extend(
            due_digests(self._ctx, now, None if org is None else self._org_id(org))
        )
