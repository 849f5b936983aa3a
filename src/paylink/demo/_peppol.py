"""The Peppol part of ``paylink demo``: invoices sent over an e-invoice network (the fake
access point of :mod:`paylink.testing`), by e-mail to a buyer who is not on Peppol, a refusal
that reaches the owner's digest, and a supplier's invoice received twice, recorded once.

Public API only: a second :class:`~paylink.Paylink` on the same database, with the fake network
plugin loaded, as an application would load a real access point's plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import Clock
from ..documents import Line
from ..parties import Address, Organization
from ..plugins import get_plugin_manager
from ..service import DEFAULT_BASE_URL, Paylink
from ..testing import FakePeppol, fake_network_plugin
from ._einvoice import _supplier_ubl

__all__ = ["demo_peppol"]

_KEY = "demo-peppol-api-key"
_SECRET = "demo-peppol-webhook-secret"  # noqa: S105 - the fake network's, in a demo


def demo_peppol(
    url: str,
    clock: Clock,
    org: Organization,
    echo: Callable[[str], None],
    *,
    secret: str | None = None,
) -> None:
    """Tell the Peppol story on the database at ``url`` for ``org`` (``secret``: the server
    secret its URL tokens derive from)."""
    echo("")
    echo("== Peppol: over the network when the buyer is on it, else by e-mail")
    FakePeppol.reset()
    pm = get_plugin_manager(plugins=[fake_network_plugin])
    pl = Paylink.open(url, clock=clock, plugins=pm, base_url=DEFAULT_BASE_URL, secret=secret)
    try:
        _story(pl, org, echo)
    finally:
        pl.close()
        FakePeppol.reset()


def _story(pl: Paylink, org: Organization, echo: Callable[[str], None]) -> None:
    account = pl.einvoices.connect(org, "fake_peppol", api_key=_KEY, webhook_secret=_SECRET)
    echo(f"   connected {account.network}: {account.public_settings()}")
    peppol = FakePeppol.for_key(_KEY)
    peppol.register("0208:0202239951")
    address = Address(street="Meir 1", postal_code="2000", city="Antwerpen", country="BE")
    janssens = pl.customers.create(
        org, name="Transports Janssens NV", vat_id="BE0202239951",
        email="ap@janssens.example", address=address,
    )  # fmt: skip
    peeters = pl.customers.create(
        org, name="Bakkerij Peeters BV", vat_id="BE0897223670",
        email="boekhouding@peeters.example", address=address,
    )  # fmt: skip

    def issue(customer: Any, what: str, price: str) -> Any:
        invoice = pl.invoices.issue(
            org, customer, lines=[Line(description=what, quantity="1", unit_price=price,
                                       vat_rate="21")],
        )  # fmt: skip
        return pl.einvoices.set_references(invoice, buyer_reference="PO-2026-118")

    on_peppol = issue(janssens, "Truck inspection", "180")
    delivery = pl.einvoices.send(on_peppol)
    echo(f"   {on_peppol.number} to {janssens.name}: via {delivery.via} to {delivery.receiver}"
         f" ({delivery.status})")  # fmt: skip
    peppol.deliver(delivery.network_id or "")
    pl.einvoices.refresh_pending(org)
    [after] = pl.einvoices.deliveries(on_peppol)
    echo(
        f"   polled: {on_peppol.number} is {after.status}; timeline "
        + " -> ".join(status for _at, status, _detail in pl.einvoices.timeline(on_peppol))
    )

    by_mail = issue(peeters, "Oven repair", "95")
    mailed = pl.einvoices.send(by_mail)
    echo(f"   {by_mail.number} to {peeters.name} (not on Peppol): via {mailed.via} to"
         f" {mailed.receiver}, the PDF attached ({mailed.status})")  # fmt: skip

    refused_invoice = issue(janssens, "Trailer brakes", "240")
    refused = pl.einvoices.send(refused_invoice)
    peppol.refuse(refused.network_id or "", "Buyer reference PO-2026-118 is closed")
    call = peppol.webhook(
        refused.network_id or "", secret=_SECRET, url=account.webhook_url, at=pl.clock.now()
    )
    [reported] = pl.einvoices.handle_webhook("fake_peppol", account.id, call)
    echo(f"   {refused_invoice.number}: the network's signed webhook says {reported.status}:"
         f" {reported.reason}")  # fmt: skip
    digest = pl.reminders.digest_content(org)
    for number, delivery in digest["einvoices_refused"]:
        echo(f"   owner's digest lists: {number} refused ({delivery.reason})")

    data = _supplier_ubl(org, number="VD-2026-0477")
    first = peppol.receive(data, sender="0208:0897223670")
    run = pl.einvoices.inbox(org)
    for purchase in run.recorded:
        echo(f"   inbox: {purchase.supplier_name} {purchase.supplier_reference},"
             f" {purchase.amount} recorded as purchase invoice {purchase.id}")  # fmt: skip
    peppol.receive(data, sender="0208:0897223670")  # delivered again
    again = pl.einvoices.inbox(org)
    echo(f"   delivered again: {len(again.recorded)} new, already recorded"
         f" {list(again.already_recorded) == [first]}")  # fmt: skip
