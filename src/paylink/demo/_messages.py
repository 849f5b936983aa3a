"""The messaging part of ``paylink demo``: send the demo's invoices by e-mail and SMS into the
outbox folder, dispatch them, and show where they landed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..documents import Invoice
from ..exceptions import PaylinkError
from ..parties import Organization

if TYPE_CHECKING:
    from ..service import Paylink

__all__ = ["demo_messages"]


def demo_messages(
    pl: Paylink,
    org: Organization,
    echo: Callable[[str], None] = print,
    *,
    directory: Path = Path("paylink-demo") / "outbox",
) -> None:
    """Send the organization's open invoices (e-mail and SMS) to the outbox folder
    ``directory``, dispatch, and print each message's file and status.

    Receipts need no sending here: recording a payment queues them (``pl.payments.record``).
    """
    channels, messages, outbox = pl.channels, pl.messages, pl.outbox
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
