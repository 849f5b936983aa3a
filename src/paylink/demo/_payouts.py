"""The payout part of ``paylink demo``: a card payment through the fake provider, its payout
a few days later on a CODA file the demo writes, matched by the payout rule, the fee shown.

Public API only: a second :class:`~paylink.Paylink` on the same database, with the fake
provider's plugin loaded, as an application would load Stripe's or Mollie's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ..clock import FixedClock
from ..documents import Line
from ..money import Money
from ..parties import Organization
from ..plugins import get_plugin_manager
from ..service import DEFAULT_BASE_URL, Paylink
from ..statements.writer import StatementLine, coda
from ..testing import FakeBackend, fake_provider_plugin

__all__ = ["demo_payouts"]

_KEY = "demo-card-api-key"
_SECRET = "demo-card-webhook-secret"  # noqa: S105 - the fake provider's, in a demo


def demo_payouts(
    url: str,
    clock: FixedClock,
    org: Organization,
    echo: Callable[[str], None],
    directory: Path,
    *,
    secret: str,
) -> None:
    """Tell the payout story on the database at ``url`` for ``org`` (moves ``clock`` on)."""
    echo("")
    echo("== From the card to the bank account: a payout, its fee, matched on the statement")
    FakeBackend.reset()
    pm = get_plugin_manager(plugins=[fake_provider_plugin])
    pl = Paylink.open(url, clock=clock, plugins=pm, base_url=DEFAULT_BASE_URL, secret=secret)
    try:
        _story(pl, clock, org, echo, directory)
    finally:
        pl.close()
        FakeBackend.reset()


def _story(
    pl: Paylink, clock: FixedClock, org: Organization, echo: Callable[[str], None], directory: Path
) -> None:
    account = pl.providers.connect(org, "fake", api_key=_KEY, webhook_secret=_SECRET)
    customer = pl.customers.create(org, name="Cycles Lambert", email="shop@lambert.example")
    invoice = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Bike service", quantity="1", unit_price="150.00", vat_rate="21")],
    )
    card = pl.providers.checkout(pl.links.create(invoice), "fake")
    backend = FakeBackend.for_key(_KEY)
    assert card.provider_reference is not None  # the fake provider always gives one
    backend.set_status(card.provider_reference, "paid")
    pl.providers.handle_webhook(
        "fake",
        account.id,
        backend.webhook(card.provider_reference, secret=_SECRET, url=account.webhook_url,
                        at=clock.now()),
    )  # fmt: skip
    echo(f"   {customer.name} pays {invoice.number} ({invoice.total}) by card: "
         f"{pl.invoices.get(invoice.organization_id, invoice.id).status}")  # fmt: skip
    paid_out = clock.now() + dt.timedelta(days=2)
    clock.set(paid_out)
    backend.pay_out(on=paid_out.date())
    synced = pl.payouts.sync(org)
    [payout] = [p for p in pl.payouts.list(org) if p.id in synced.recorded]
    echo(f"   two days later the provider pays out {payout.net}: gross {payout.gross}, "
         f"fee {payout.fee}; expected on the bank on {payout.expected_on}")  # fmt: skip
    assert payout.expected_on is not None
    clock.set(clock.now() + dt.timedelta(days=2))
    statement = coda(
        account_iban=org.iban or "",
        statement_number=18,
        opening=Money.of("0", org.currency),
        lines=[
            StatementLine(
                amount=payout.net,
                booking_date=payout.expected_on,
                bank_reference="DEMO-PAYOUT-1",
                counterparty_name="Fake Payments Ltd",
                counterparty_iban="IE29AIBK93115212345678",
                text=payout.reference,
            )
        ],
        created_at=clock.now(),
        owner=org.name,
    )
    path = directory / "statement-payout.cod"
    path.write_bytes(statement)
    imported = pl.statements.import_file(org, path)
    echo(f"   {path}: {imported.format}, {imported.new_transactions} new transaction")
    run = pl.reconciliation.run(org)
    for applied in (a for a in run.applied if a.rule == "payout"):
        echo(f"   matched by the {applied.rule} rule: {applied.explanation}")
    matched = pl.payouts.get(org, payout.id)
    echo(f"   the payout arrived on {matched.arrived_on}; no invoice was touched by it")
    fees = pl.reports.cashflow(org, months=1).fees_by_provider()
    for provider, (gross, fee, net) in fees.items():
        echo(f"   cash-flow report, {provider}: gross {gross}, fees {fee}, net {net}")
