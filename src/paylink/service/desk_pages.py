"""``pl.desk_pages``: what the merchant's desk shows, one call per page, always for one
organization.

Every method takes the organization the signed-in user (or API key) belongs to and reads
nothing outside it: an id of another organization's invoice, quote or customer answers
:class:`~paylink.exceptions.NotFound`, as an unknown id does. The desk (:mod:`paylink.web.desk`)
shows what these return and acts through the other namespaces, on objects read here first.

- :meth:`DeskPages.home` — bank position, receivables and payables, cash this month, what
  needs action today;
- :meth:`DeskPages.invoices` / :meth:`DeskPages.invoice` — invoices with the state of their
  payment link, and one invoice with its timeline;
- :meth:`DeskPages.review` — proposals waiting for a person, unmatched transactions, and the
  open invoices one may match them to;
- :meth:`DeskPages.quotes` and :meth:`DeskPages.customers`.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from .. import reports as r
from ..documents import CreditNote, Invoice, Quote
from ..exceptions import NotFound, ValidationError
from ..links import PaymentLink
from ..money import Money
from ..parties import Customer, Organization
from ..payments import Payment
from ..reconcile import Proposal
from ..statements import BankTransaction
from ..store import Connection
from ..store import bank as bank_queries
from ..store import credit as credit_queries
from ..store import desk as desk_queries
from ..store import documents as doc_queries
from ..store import links as link_queries
from ..store import messages as message_queries
from ..store import organizations as org_queries
from ..store import payments as payment_queries
from ..store import reconciliation as match_queries
from ..store import reminders as reminder_queries
from ..store import reports as report_queries
from ._base import Resource
from ._cashflow import read_cashflow
from ._matching import proposal_from_json

__all__ = [
    "BankPosition",
    "CustomerRow",
    "DeskHome",
    "DeskPages",
    "InvoiceDetail",
    "InvoiceRow",
    "ReviewEntry",
    "ReviewPage",
    "TimelineEntry",
    "link_state",
]

_OPEN = ("issued", "partially_paid")
# Up to this many invoices, a list reads their customers and links by id.
_IN_LIST = 1_000
_WAITING_LINK = ("opened", "in_progress", "interrupted")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def link_state(invoice: Invoice, link: PaymentLink | None) -> str:
    """How far the customer got with the invoice's payment link, in the desk's words:
    ``paid``, ``in_progress``, ``interrupted``, ``opened``, ``not_opened``, or ``no_link``
    (none made yet, or the last one expired or was cancelled)."""
    if invoice.status == "paid":
        return "paid"
    if link is None or link.status in ("expired", "cancelled"):
        return "no_link"
    if link.status in ("created", "sent"):
        return "not_opened"
    return link.status


@attrs.frozen(kw_only=True)
class BankPosition:
    """One bank account's last known closing balance and its date."""

    account: str
    balance: Money
    on: dt.date | None


@attrs.frozen(kw_only=True)
class DeskHome:
    """The desk's first page for one organization on ``today``.

    ``fees`` is what the payment providers kept of this month's payouts, None when no
    provider paid out this month (the page says so instead of showing a zero).
    """

    organization: Organization
    today: dt.date
    banks: tuple[BankPosition, ...]
    receivables: Money
    overdue: Money
    overdue_count: int
    payables: Money
    payables_overdue: Money
    cash_in: Money
    cash_out: Money
    fees: Money | None
    review_count: int
    unmatched_count: int
    opened_not_paid: int
    quotes_waiting: int


@attrs.frozen(kw_only=True)
class InvoiceRow:
    """An invoice in the desk's list: its customer's name, link state (:func:`link_state`)
    and whether it is overdue today."""

    invoice: Invoice
    customer_name: str
    link_state: str
    overdue: bool


@attrs.frozen(kw_only=True)
class TimelineEntry:
    """One moment in an invoice's life: ``what`` is a catalogue key (``desk_ev_issued``,
    ``desk_ev_link_<status>``, ``desk_ev_reminder``, ``desk_ev_message``,
    ``desk_ev_payment``, ``desk_ev_credit``); ``detail`` is a value to show with it (a
    number, a method, a message's kind and channel; never a secret)."""

    at: dt.datetime
    what: str
    detail: str = ""
    amount: Money | None = None


@attrs.frozen(kw_only=True)
class InvoiceDetail:
    """One invoice as the desk shows it: customer, current link and its state, the timeline
    (oldest first), payments, credit notes, and whether the customer's reminders are paused."""

    invoice: Invoice
    customer: Customer
    link: PaymentLink | None
    link_state: str
    overdue: bool
    timeline: tuple[TimelineEntry, ...]
    payments: tuple[Payment, ...]
    credit_notes: tuple[CreditNote, ...]
    reminders_paused: bool
    today: dt.date


@attrs.frozen(kw_only=True)
class ReviewEntry:
    """A proposal waiting for a person, with its bank transaction."""

    transaction: BankTransaction
    proposal: Proposal


@attrs.frozen(kw_only=True)
class ReviewPage:
    """What waits for a decision: proposals (``items``) and the transactions nothing matched
    (``unmatched``, credits and debits, oldest first, at most a page of them; ``more_unmatched``
    wait after those).

    ``candidates`` offers, per unmatched credit (by transaction id), the open invoices it may
    pay: those owing exactly its amount, then those of the customers who paid from its IBAN
    (a few at most; any other invoice is matched by its number). ``open_invoices`` are all of
    them, once each."""

    items: tuple[ReviewEntry, ...]
    unmatched: tuple[BankTransaction, ...]
    open_invoices: tuple[InvoiceRow, ...]
    candidates: Mapping[str, tuple[InvoiceRow, ...]] = attrs.field(factory=dict)
    more_unmatched: int = 0


@attrs.frozen(kw_only=True)
class CustomerRow:
    """A customer with their revenue, open and overdue balance, and credit."""

    customer: Customer
    revenue: Money
    open_balance: Money
    overdue: Money
    credit: Money
    invoices: int


class DeskPages(Resource):
    """``pl.desk_pages``: the desk's read models (see the module doc)."""

    def _today(self, org: Organization) -> dt.date:
        return self._ctx.today(org)

    def home(self, org: Organization | str) -> DeskHome:
        """The desk's home page of ``org``."""
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            today = self._today(organization)
            cur = organization.currency
            banks = tuple(
                BankPosition(account=a, balance=Money.from_minor(m, c), on=d)
                for a, c, m, d in desk_queries.closing_balances(conn, organization.id)
            )
            receivables = r.aging(
                report_queries.open_receivables(conn, organization.id), today, currency=cur
            )
            payables = r.aging(
                report_queries.open_payables(conn, organization.id),
                today,
                currency=cur,
                kind="payables",
            )
            cashflow = read_cashflow(conn, organization, today=today, months=1)
            month = cashflow.months[-1]
            review = len(match_queries.list_matches(conn, organization.id, status="review"))
            unmatched = len(
                bank_queries.list_transactions(conn, organization.id, statuses=["unmatched"])
            )
            waiting_links = link_queries.list_links(
                conn, organization.id, self._ctx.addresses, statuses=list(_WAITING_LINK)
            )
            quotes = doc_queries.list_documents(conn, organization.id, "quote", statuses=["sent"])
        overdue_count = sum(b.count for b in receivables.buckets if b.label != "not due")
        return DeskHome(
            organization=organization,
            today=today,
            banks=banks,
            receivables=receivables.total,
            overdue=receivables.overdue,
            overdue_count=overdue_count,
            payables=payables.total,
            payables_overdue=payables.overdue,
            cash_in=month.cash_in,
            cash_out=month.cash_out,
            fees=(
                cashflow.fees_in(month.month)
                if any(f.month == month.month for f in cashflow.fees)
                else None
            ),
            review_count=review,
            unmatched_count=unmatched,
            opened_not_paid=len(waiting_links),
            quotes_waiting=sum(
                1 for q in quotes if isinstance(q, Quote) and not q.is_expired(today)
            ),
        )

    def _rows(
        self, conn: Connection, organization: Organization, invoices: Sequence[Invoice]
    ) -> builtins.list[InvoiceRow]:
        today = self._today(organization)
        if len(invoices) <= _IN_LIST:  # a page: what it shows, by id
            customer_ids = {i.customer_id for i in invoices}
            names = {
                c.id: c.name
                for c in org_queries.get_customers(conn, organization.id, customer_ids).values()
            }
            links = link_queries.list_links(
                conn, organization.id, self._ctx.addresses, invoice_ids=[i.id for i in invoices]
            )
        else:  # every open invoice (the review page): one read of each table
            names = {c.id: c.name for c in org_queries.list_customers(conn, organization.id)}
            links = link_queries.list_links(conn, organization.id, self._ctx.addresses)
        latest: dict[str, PaymentLink] = {}
        for link in links:
            if link.invoice_id:
                latest[link.invoice_id] = link  # oldest first: the last one wins
        return [
            InvoiceRow(
                invoice=i,
                customer_name=names.get(i.customer_id, ""),
                link_state=link_state(i, latest.get(i.id)),
                overdue=i.status in _OPEN and i.is_overdue(today),
            )
            for i in invoices
        ]

    def invoices(
        self,
        org: Organization | str,
        *,
        search: str = "",
        status: str = "",
        overdue: bool = False,
        limit: int = 200,
        offset: int = 0,
    ) -> builtins.list[InvoiceRow]:
        """The organization's issued invoices, newest first: ``search`` finds a number or a
        customer name (any part, any case), ``status`` keeps one status (``open`` for issued
        and partially paid), ``overdue`` keeps the overdue ones; ``limit`` rows from the
        ``offset``-th (one page: the store reads only those)."""
        if limit < 1 or offset < 0:
            raise ValidationError("limit must be at least 1 and offset at least 0", field="limit")
        statuses = list(_OPEN) if status == "open" else [status] if status else None
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            docs = [
                d
                for d in doc_queries.search_invoices(
                    conn,
                    organization.id,
                    search=search,
                    statuses=statuses,
                    overdue_on=self._today(organization) if overdue else None,
                    limit=limit,
                    offset=offset,
                )
                if isinstance(d, Invoice)
            ]
            return self._rows(conn, organization, docs)

    def invoice(self, org: Organization | str, invoice_id: str) -> InvoiceDetail:
        """One of the organization's invoices with its timeline (NotFound for another's)."""
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            doc = doc_queries.get_document(conn, organization.id, invoice_id, "invoice")
            if not isinstance(doc, Invoice) or doc.status == "draft":
                raise NotFound(f"no invoice {invoice_id!r}")
            customer = org_queries.get_customer(conn, organization.id, doc.customer_id)
            links = link_queries.list_links(
                conn, organization.id, self._ctx.addresses, invoice_id=doc.id
            )
            payments = payment_queries.list_payments(conn, organization.id, invoice_id=doc.id)
            credit_notes = [
                d
                for d in doc_queries.list_documents(
                    conn, organization.id, "credit_note", customer_id=customer.id
                )
                if isinstance(d, CreditNote) and d.invoice_id == doc.id
            ]
            reminders = [
                reminder_queries.ReminderRecord.from_row(row)
                for row in reminder_queries.history(conn, doc.id)
            ]
            paused = reminder_queries.paused_until(conn, customer.id, self._ctx.clock.now())[0]
            sent = message_queries.list_messages(
                conn, organization.id, self._ctx.addresses, document_id=doc.id
            )
        today = self._today(organization)
        timeline: list[TimelineEntry] = []
        if doc.issued_at is not None:
            timeline.append(
                TimelineEntry(at=doc.issued_at, what="desk_ev_issued", amount=doc.total)
            )
        for link in links:
            timeline.extend(
                TimelineEntry(at=e.at, what=f"desk_ev_link_{e.status}", detail=e.source)
                for e in link.history
            )
        timeline.extend(
            TimelineEntry(
                at=rec.processed_at or rec.created_at or doc.issued_at or _EPOCH,
                what="desk_ev_reminder",
                detail=str(rec.step),
                amount=rec.fee if rec.fee.amount else None,
            )
            for rec in reminders
            if rec.status == "sent"
        )
        timeline.extend(
            TimelineEntry(
                at=m.created_at or _EPOCH,
                what="desk_ev_message",
                detail=f"{m.kind} · {m.channel_kind} · {m.status}",
            )
            for m in sent
        )
        timeline.extend(
            TimelineEntry(
                at=dt.datetime.combine(p.received_on, dt.time(12), tzinfo=dt.UTC),
                what="desk_ev_payment",
                detail=p.method,
                amount=p.amount,
            )
            for p in payments
        )
        timeline.extend(
            TimelineEntry(
                at=dt.datetime.combine(c.issue_date or today, dt.time(12), dt.UTC),
                what="desk_ev_credit",
                detail=c.number or "",
                amount=c.total,
            )
            for c in credit_notes
        )
        timeline.sort(key=lambda e: e.at)
        current = links[-1] if links else None
        return InvoiceDetail(
            invoice=doc,
            customer=customer,
            link=current,
            link_state=link_state(doc, current),
            overdue=doc.status in _OPEN and doc.is_overdue(today),
            timeline=tuple(timeline),
            payments=tuple(payments),
            credit_notes=tuple(credit_notes),
            reminders_paused=paused,
            today=today,
        )

    def review(
        self, org: Organization | str, *, limit: int = 50, candidates: int = 8
    ) -> ReviewPage:
        """The review queue of the organization: every proposal waiting, the ``limit`` oldest
        unmatched transactions and, for each credit among them, up to ``candidates`` open
        invoices it may pay (see :class:`ReviewPage`). What it reads stays bounded however
        many invoices are open."""
        if limit < 1 or candidates < 0:
            raise ValidationError(
                "limit must be at least 1 and candidates at least 0", field="limit"
            )
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            rows = match_queries.list_matches(conn, organization.id, status="review")
            txs = {
                (t.account_iban or "", t.id): t
                for t in bank_queries.list_transactions(conn, organization.id, statuses=["review"])
            }
            unmatched = tuple(
                bank_queries.list_transactions(
                    conn, organization.id, statuses=["unmatched"], limit=limit
                )
            )
            more = 0
            if len(unmatched) == limit:
                total = bank_queries.count_transactions(
                    conn, organization.id, statuses=["unmatched"]
                )
                more = total - limit
            offered: dict[str, list[Invoice]] = {}
            for tx in unmatched:
                if tx.amount.amount > 0:
                    found = doc_queries.match_candidates(
                        conn, organization.id, currency=tx.amount.currency,
                        minor=tx.amount.minor_units, iban=tx.counterparty_iban, limit=candidates,
                    )  # fmt: skip
                    offered[tx.id] = [d for d in found if isinstance(d, Invoice)]
            distinct = {i.id: i for found in offered.values() for i in found}
            rows_by_id = {
                r.invoice.id: r for r in self._rows(conn, organization, [*distinct.values()])
            }
        items = tuple(
            ReviewEntry(
                transaction=txs[(row.account, row.transaction_id)],
                proposal=proposal_from_json(row.proposal),
            )
            for row in rows
            if (row.account, row.transaction_id) in txs
        )
        return ReviewPage(
            items=items,
            unmatched=unmatched,
            open_invoices=tuple(rows_by_id.values()),
            candidates={
                tx_id: tuple(rows_by_id[i.id] for i in found) for tx_id, found in offered.items()
            },
            more_unmatched=more,
        )

    def quotes(self, org: Organization | str) -> builtins.list[tuple[Quote, str, bool]]:
        """The quotes waiting for the customer's answer, oldest first: ``(quote, customer
        name, expired)``."""
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            names = {c.id: c.name for c in org_queries.list_customers(conn, organization.id)}
            quotes = [
                d
                for d in doc_queries.list_documents(
                    conn, organization.id, "quote", statuses=["sent"]
                )
                if isinstance(d, Quote)
            ]
        today = self._today(organization)
        return [(q, names.get(q.customer_id, ""), q.is_expired(today)) for q in quotes]

    def customers(self, org: Organization | str) -> builtins.list[CustomerRow]:
        """The organization's customers with revenue, balance and credit, largest open
        balance first."""
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            cur = organization.currency
            customers = org_queries.list_customers(conn, organization.id)
            figures = report_queries.invoice_figures(conn, organization.id)
            credit = credit_queries.org_balances(conn, organization.id)
        report = r.customers(figures, today=self._today(organization), currency=cur)
        lines = {line.customer_id: line for line in report.lines}
        zero = Money.zero(cur)
        rows = [
            CustomerRow(
                customer=c,
                revenue=lines[c.id].revenue if c.id in lines else zero,
                open_balance=lines[c.id].open_balance if c.id in lines else zero,
                overdue=lines[c.id].overdue if c.id in lines else zero,
                credit=credit.get(c.id, {}).get(cur, zero),
                invoices=lines[c.id].invoices if c.id in lines else 0,
            )
            for c in customers
        ]
        rows.sort(key=lambda row: (-row.open_balance.amount, row.customer.name.lower()))
        return rows
