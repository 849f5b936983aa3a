"""``pl.payouts``: the lump sums the card providers paid into the bank account.

A card or Bancontact payment reaches the bank days later inside a provider payout (a Stripe
payout, a Mollie settlement), net of the provider's fees, refunds and chargebacks.
:meth:`Payouts.sync` asks every connected provider that reports payouts (``supports_payouts``)
and records each payout once; Stripe's ``payout.paid`` webhook does the same for one payout,
and :meth:`Payouts.poll`, a janitor job, asks the providers that send no payout webhook
(Mollie). The reconciliation
then matches the bank credit of a payout's net to the payout (never to an invoice), and the
fees appear in the cash-flow report.
"""

from __future__ import annotations

import builtins
import datetime as dt

from ..exceptions import ValidationError
from ..parties import Organization
from ..payouts import Payout, ProviderPayout
from ..providers import ProviderAccount
from ..store import payouts as q
from ..store import providers as provider_queries
from ._base import Resource, Unit
from ._payouts import PAYOUT_GRACE_DAYS, PayoutSync, poll_payouts, record_payout, sync_account

__all__ = ["PAYOUT_GRACE_DAYS", "Payouts"]


class Payouts(Resource):
    """Provider payouts: sync them from the providers, list them, find the late ones."""

    def sync(self, org: Organization | str, *, provider: str | None = None) -> PayoutSync:
        """Ask each connected provider account of the organization (or only ``provider``'s)
        that reports payouts for the payouts since shortly before the newest one known, and
        record them: each once (fetching it again refreshes its status), its items linked to
        the payments paylink recorded, its chargebacks taken off their invoices. Provider
        failures are reported in :attr:`PayoutSync.errors`, not raised."""
        with self._ctx.store.transaction() as conn:
            org_id = self._org(conn, org).id
            accounts = provider_queries.list_accounts(
                conn, org_id, self._ctx.base_url, self._ctx.providers.secret_of
            )
        done = PayoutSync()
        for account in accounts:
            if provider is not None and account.provider != provider:
                continue
            done = done + sync_account(self._ctx, account)
        return done

    def poll(self) -> PayoutSync:
        """The janitor's payout job, for every organization: sync the payouts of each active
        account whose provider reports payouts but sends no payout webhook (Mollie; Stripe
        says ``payout_webhooks``). Run it with the other janitor jobs (hourly is plenty: a
        provider pays out once a day at most). Provider failures are reported, not raised."""
        return poll_payouts(self._ctx)

    def record(self, account: ProviderAccount | str, payout: ProviderPayout) -> Payout:
        """Record a payout a provider reported for ``account`` (a plugin's or a notebook's
        own fetch), as :meth:`sync` does; recording it again changes nothing."""

        def work(unit: Unit) -> Payout:
            acc = (
                self._ctx.providers.account(unit.conn, account)
                if isinstance(account, str)
                else account
            )
            return record_payout(unit, acc, payout)[0]

        return self._ctx.run(work)

    def list(
        self,
        org: Organization | str,
        *,
        matched: bool | None = None,
        provider: str | None = None,
    ) -> builtins.list[Payout]:
        """The organization's payouts with their items, newest first; ``matched=False`` keeps
        those no bank transaction was matched to yet."""
        with self._ctx.store.transaction() as conn:
            return q.list_payouts(conn, self._org_id(org), matched=matched, provider=provider)

    def get(self, org: Organization | str, payout_id: str) -> Payout:
        """One payout, by paylink's id or the provider's (``po_…``, ``stl_…``)."""
        with self._ctx.store.transaction() as conn:
            return q.get(conn, self._org_id(org), payout_id)

    def overdue(
        self,
        org: Organization | str,
        *,
        grace_days: int = PAYOUT_GRACE_DAYS,
        today: dt.date | None = None,
    ) -> builtins.list[Payout]:
        """Paid-out payouts not matched to a bank transaction ``grace_days`` days after their
        expected arrival (``today`` defaults to today at the organization)."""
        if grace_days < 0:
            raise ValidationError("expected a grace of 0 days or more", field="grace_days")
        with self._ctx.store.transaction() as conn:
            organization = self._org(conn, org)
            found = q.list_payouts(
                conn, organization.id, matched=False, statuses=["paid", "in_transit"]
            )
        day = today or self._ctx.today(organization)
        late = day - dt.timedelta(days=grace_days)
        return [p for p in found if (p.expected_on or p.created_on) < late]

    def explain(self, org: Organization | str, payout_id: str) -> str:
        """What a payout carries, line by line, and where its money went."""
        payout = self.get(org, payout_id)
        lines = [
            f"{payout.provider} payout {payout.payout_id}"
            + (f" (reference {payout.reference})" if payout.reference else "")
            + f": gross {payout.gross}, fees {payout.fee}, net {payout.net}; {payout.status}",
            f"  carries {payout.describe()}",
        ]
        for item in payout.items:
            where = f" -> payment {item.payment_id}" if item.payment_id else ""
            if item.kind == "chargeback" and item.payment_id:
                where += " (a chargeback: the invoice it paid was opened again)"
            lines.append(f"  - {item.kind} {item.source_id}: {item.gross} (fee {item.fee}){where}")
        if payout.transaction_id:
            lines.append(
                f"  arrived on {payout.arrived_on}: bank transaction {payout.transaction_id}"
            )
        elif payout.expected_on:
            lines.append(f"  expected on {payout.expected_on}; not seen on a statement yet")
        return "\n".join(lines)
