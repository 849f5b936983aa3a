"""``paylink payouts list|sync``: what the payment providers paid into the bank account."""

from __future__ import annotations

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["payouts"]


@click.group()
def payouts() -> None:
    """Provider payouts: the lump sums Stripe or Mollie pay out, net of their fees."""


@payouts.command("sync")
@db_option
@org_option()
@click.option("--provider", default=None, help="Only this provider (stripe, mollie …).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def payouts_sync(url: str | None, org_id: str | None, provider: str | None, as_json: bool) -> None:
    """Fetch the payouts of the organization's connected providers and record them."""
    pl = open_paylink(url)
    try:
        done = pl.payouts.sync(pick_organization(pl, org_id), provider=provider)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json(
            {
                "recorded": list(done.recorded),
                "updated": list(done.updated),
                "reopened": list(done.reopened),
                "errors": list(done.errors),
            }
        )
    else:
        click.echo(
            f"{len(done.recorded)} payouts recorded, {len(done.updated)} updated, "
            f"{len(done.errors)} errors"
        )
        for invoice in done.reopened:
            click.echo(f"  a chargeback reopened invoice {invoice}")
        for error in done.errors:
            click.echo(f"  error: {error}")
    if done.errors:
        raise SystemExit(1)


@payouts.command("list")
@db_option
@org_option()
@click.option("--provider", default=None, help="Only this provider.")
@click.option(
    "--unmatched", is_flag=True, help="Only payouts no bank transaction was matched to yet."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def payouts_list(
    url: str | None, org_id: str | None, provider: str | None, unmatched: bool, as_json: bool
) -> None:
    """List the recorded payouts, newest first: amounts, fees, what each carries, arrival."""
    pl = open_paylink(url)
    try:
        found = pl.payouts.list(
            pick_organization(pl, org_id), provider=provider, matched=False if unmatched else None
        )
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json({"payouts": [p.to_record() for p in found]})
        return
    if not found:
        click.echo("no payouts")
    for p in found:
        arrived = f"arrived {p.arrived_on}" if p.arrived_on else f"expected {p.expected_on}"
        click.echo(
            f"{p.created_on}  {p.provider:<8} {p.payout_id}  net {p.net}  fees {p.fee}  "
            f"{p.status}, {arrived}  ({p.describe()})"
        )
