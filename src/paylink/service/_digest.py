"""Lower floor: the owner's daily digest (what to collect, what to pay, what came in).

``pl.reminders`` sends it (its ``enable_digest``, ``send_digest`` and the reminder run); the
digest reads the store and queues one e-mail through :func:`._messages.queue_message`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from .. import render
from ..documents import Invoice, PurchaseInvoice
from ..exceptions import ValidationError
from ..money import Money
from ..parties import LANGUAGES, Organization
from ..reminders import DunningPolicy
from ..render._i18n import MESSAGES
from ..store import documents as doc_queries
from ..store import messages as message_queries
from ..store import networks as network_queries
from ..store import organizations as org_queries
from ..store import payments as payment_queries
from ..store import payouts as payout_queries
from ..store import rates as rate_queries
from ..store import reminders as q
from ._base import Context, Unit
from ._messages import queue_message
from ._payouts import PAYOUT_GRACE_DAYS

__all__ = ["digest_content", "due_digests", "queue_digest", "send_digest"]


def digest_content(
    ctx: Context,
    org_id: str,
    moment: dt.datetime,
    *,
    since: dt.datetime | None = None,
    due_within_days: int = 7,
) -> dict[str, Any]:
    """What the digest lists at ``now``: invoices due within ``due_within_days`` and overdue
    ones (to collect), purchase invoices due within that time or late (to pay), payments
    received since ``since`` (default: the last digest, else a day before ``now``), and the
    provider payouts not matched to a bank credit :data:`PAYOUT_GRACE_DAYS` days after their
    expected arrival."""
    with ctx.store.transaction() as conn:
        organization = org_queries.get_organization(conn, org_id)
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
        refused = network_queries.refused_deliveries(conn, organization.id, since, moment)
        unreadable = network_queries.received_documents(
            conn, organization.id, refused_only=True, since=since, until=moment
        )
        late = today - dt.timedelta(days=PAYOUT_GRACE_DAYS)
        payouts_late = [
            p
            for p in payout_queries.list_payouts(
                conn, organization.id, matched=False, statuses=["paid", "in_transit"]
            )
            if (p.expected_on or p.created_on) < late
        ]
        rates_missing = None
        if any(
            DunningPolicy.from_dict(data).uses_statutory_interest
            for _o, _c, data in q.list_policies(conn, organization.id)
        ):
            table = rate_queries.effective_rates(conn)
            start = table.missing_half_year(today)
            if start is not None:
                rates_missing = (start, table.rate_on(start))
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
        "einvoices_refused": refused,
        "einvoices_unreadable": unreadable,
        "payouts_late": payouts_late,
        # (first day of the half-year, the rate carried forward) when its rate is missing
        "rates_missing": rates_missing,
    }


def send_digest(
    ctx: Context, org_id: str, moment: dt.datetime, *, force: bool = False
) -> str | None:
    """Queue today's digest for the organization unless it already went today (``force``
    sends anyway); return the message id, or None."""
    with ctx.store.transaction() as conn:
        organization = org_queries.get_organization(conn, org_id)
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
    with ctx.unit() as unit:
        claimed = q.mark_digest_sent(
            unit.conn,
            organization.id,
            now=moment,
            day_start=moment + dt.timedelta(seconds=1) if force else day_start,
        )
        if claimed is False:
            return None
        since = claimed if isinstance(claimed, dt.datetime) else None
    content = digest_content(
        ctx, organization.id, moment, since=since or moment - dt.timedelta(days=1)
    )
    with ctx.unit() as unit:
        return queue_digest(unit, organization, content)


def queue_digest(unit: Unit, org: Organization, content: dict[str, Any]) -> str:
    """Render the digest of ``content`` in the organization's language and queue it."""
    lang = org.language if org.language in LANGUAGES else "en"
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

    heads = [
        render.label(lang, key)
        for key in (
            "digest_due_soon",
            "digest_overdue",
            "digest_purchases_due",
            "digest_payments",
            "digest_none",
        )
    ]
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
    refused = content.get("einvoices_refused") or []
    if refused:
        # only when there is one: a refused e-invoice is news, its absence is not
        listing += f"\n\n{render.label(lang, 'digest_einvoices_refused')}:\n" + "\n".join(
            f"- {number}  {delivery.reason or ''}".rstrip() for number, delivery in refused
        )
    unreadable = content.get("einvoices_unreadable") or []
    if unreadable:
        listing += f"\n\n{render.label(lang, 'digest_einvoices_unreadable')}:\n" + "\n".join(
            f"- {r.network} {r.network_id}  {r.error or ''}".rstrip() for r in unreadable
        )
    late = content.get("payouts_late") or []
    if late:
        # only when there is one, as the refused e-invoices
        expected = render.label(lang, "digest_expected_on")
        listing += f"\n\n{render.label(lang, 'digest_payouts_late')}:\n" + "\n".join(
            f"- {p.provider} {p.reference or p.payout_id}  {money(p.net)}  {expected} "
            f"{render.format_date(p.expected_on or p.created_on, lang)}"
            for p in late
        )
    if content.get("rates_missing"):
        start, rate = content["rates_missing"]
        listing += "\n\n" + render.label(
            lang, "digest_rates_missing", start=start.isoformat(), rate=rate
        )
    open_invoices = content["due_soon"] + content["overdue"]
    variables = render.message_variables(
        language=lang,
        organization=org,
        extra={
            "period": render.format_date(content["today"], lang),
            "paid_count": len(content["payments"]),
            "paid_total": money(Money.sum((p.amount for p in content["payments"]), org.currency)),
            "open_count": len(open_invoices),
            "open_total": money(Money.sum((i.open_amount for i in open_invoices), org.currency)),
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


def due_digests(ctx: Context, now: dt.datetime, wanted: str | None) -> list[str]:
    """Queue the digests due at ``now`` (of one organization, or all); their message ids."""
    queued: list[str] = []
    with ctx.store.transaction() as conn:
        rows = q.digest_settings(conn, None)
    for row in rows:
        if wanted is not None and row.organization_id != wanted:
            continue
        with ctx.store.transaction() as conn:
            organization = org_queries.get_organization(conn, row.organization_id)
        local = now.astimezone(zoneinfo.ZoneInfo(organization.timezone))
        hours, minutes = (int(x) for x in row.send_at.split(":"))
        if local.time() < dt.time(hours, minutes) or not organization.email:
            continue
        message_id = send_digest(ctx, organization.id, now)
        if message_id:
            queued.append(message_id)
    return queued
