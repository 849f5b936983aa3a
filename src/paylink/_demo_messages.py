"""The messaging part of ``paylink demo``: send the demo's invoices by e-mail and SMS into the
outbox folder, dispatch them, and show where they landed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .documents import Invoice
from .exceptions import PaylinkError
from .parties import Organization
from .service.messages import Channels, Messages, Outbox, queue_paid_messages
from .store import payments as payment_queries

__all__ = ["demo_messages"]


def demo_messages(
    pl: Any,
    org: Organization,
    echo: Callable[[str], None] = print,
    *,
    directory: Path = Path("paylink-demo") / "outbox",
) -> None:
    """Send the organization's open invoices (e-mail and SMS) and receipts for the paid ones
    to the outbox folder ``directory``, dispatch, and print each message's file and status."""
    channels, messages, outbox = Channels(pl), Messages(pl), Outbox(pl)
    echo("")
    echo("== Invoices sent by e-mail and SMS (the outbox folder channel)")
    channels.configure(org, "outbox", directory=str(directory))
    channels.set_quiet_hours(org, ("21:00", "08:00"))
    echo(f"   quiet hours for SMS: 21:00-08:00 {org.timezone}; folder: {directory}")
    for invoice in pl.invoices.list(org):
        if not isinstance(invoice, Invoice):
            continue
        customer = pl.customers.get(org, invoice.customer_id)
        if invoice.status in ("issued", "partially_paid"):
            try:
                for preview in messages.preview(invoice):
                    if preview.channel_kind == "sms":
                        echo(
                            f"   SMS to {customer.name}: {preview.segments} segment(s), "
                            f"{preview.encoding}"
                        )
                queued = messages.send(invoice)
            except PaylinkError as exc:
                echo(f"   {invoice.number}: not sent ({exc})")
                continue
            kinds = ", ".join(m.channel_kind for m in queued)
            echo(f"   {invoice.number} -> {customer.name} ({customer.language}) by {kinds}")
        elif invoice.status == "paid" and not outbox.list(org, document=invoice, kind="receipt"):
            with pl.store.transaction() as conn:
                payments = payment_queries.list_payments(conn, org.id, invoice_id=invoice.id)
            if payments:
                with pl._ctx.unit() as unit:
                    queue_paid_messages(unit, org, invoice, payments[-1])
                echo(
                    f"   {invoice.number} is paid -> receipt to {customer.name}, "
                    f"notice to {org.email}"
                )
    report = outbox.dispatch()
    echo(
        f"   dispatched: {len(report.sent)} sent, {len(report.retrying)} to retry, "
        f"{len(report.deferred)} waiting for the end of quiet hours"
    )
    for message in outbox.list(org):
        where = message.provider_message_id or "(not written yet)"
        echo(f"   {message.kind:<15} {message.channel_kind:<5} {message.status:<9} {where}")
    for link in pl.links.list(org):
        echo(f"   link {link.description:<28} {link.status}")
