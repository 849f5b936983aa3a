"""``pl.payments``: record money received and allocate it to invoices."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from ..documents import Invoice
from ..exceptions import ValidationError
from ..money import Money
from ..payments import Payment
from ..providers import Refund
from ..store import payments as q
from ._base import Resource, Unit, local_date
from ._payments import apply_payment, lock_invoices
from ._provider_events import refund_payment

__all__ = ["Payments"]


class Payments(Resource):
    """Record payments; read them back."""

    def record(
        self,
        invoice: Invoice | str | Sequence[Invoice | str],
        amount: Money | str | Decimal | None = None,
        *,
        received_on: dt.date | None = None,
        method: str = "manual",
        provider: str | None = None,
        provider_reference: str | None = None,
        note: str = "",
    ) -> Payment:
        """Record a payment of ``amount`` (default: the open amount) for one invoice or several.

        Several invoices are settled in the order given, each up to its open amount; what
        exceeds them all stays on the payment as customer credit (:attr:`Payment.unallocated`).
        With ``provider`` and ``provider_reference``, recording the same payment twice returns
        the first one and changes nothing. Runs in one unit of work, again after a deadlock.
        """
        items = [invoice] if isinstance(invoice, (Invoice, str)) else list(invoice)
        if not items:
            raise ValidationError("expected at least one invoice", field="invoice")
        ids = [item if isinstance(item, str) else item.id for item in items]

        def work(unit: Unit) -> Payment:
            # read once, held until the payment is stored (ascending id: the lock order)
            invoices = lock_invoices(unit, None, ids)
            org_ids = {i.organization_id for i in invoices}
            if len(org_ids) != 1:
                raise ValidationError(
                    "the invoices belong to different organizations", field="invoice"
                )
            org = unit.organization(org_ids.pop())
            currency = invoices[0].currency
            if amount is None:
                money = Money.sum((i.open_amount for i in invoices), currency)
            elif isinstance(amount, Money):
                money = amount
            else:
                money = Money.of(amount, currency)
            return apply_payment(
                unit,
                org.id,
                invoices,
                money,
                received_on=received_on or local_date(unit.now, org),
                method=method,
                provider=provider,
                provider_reference=provider_reference,
                note=note,
                base_url=self._ctx.base_url,
                locked=True,
            )

        return self._ctx.run(work)

    def get(self, org: str, payment_id: str) -> Payment:
        """The payment with this id."""
        with self._ctx.store.transaction() as conn:
            return q.get_payment(conn, org, payment_id)

    def list(self, org: str, *, invoice: Invoice | str | None = None) -> builtins.list[Payment]:
        """The organization's payments, or those allocated to one invoice."""
        invoice_id = invoice.id if isinstance(invoice, Invoice) else invoice
        with self._ctx.store.transaction() as conn:
            return q.list_payments(conn, org, invoice_id=invoice_id)

    def refund(self, payment: Payment, amount: Money | None = None) -> Refund:
        """Refund ``amount`` (default: what is not refunded yet) of a payment received through
        a provider that supports refunds, and take it off the invoices it paid (their status
        goes back to ``partially_paid`` or ``issued``); returns the
        :class:`~paylink.providers.Refund`. See
        :meth:`paylink.service.providers.Providers.refund`."""
        return refund_payment(self._ctx, payment, amount)
