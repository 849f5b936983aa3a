"""``pl.payments``: record money received and allocate it to invoices."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from ..documents import Invoice
from ..exceptions import ValidationError
from ..money import Money
from ..parties import Customer, Organization
from ..payments import CreditEntry, Payment
from ..providers import Refund
from ..store import payments as q
from ..store import providers as provider_queries
from ._base import Resource, Unit, local_date, new_id
from ._credit import credit_balance, take_credit
from ._payments import apply_credit, apply_payment, lock_invoices
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
                addresses=self._ctx.addresses,
                locked=True,
            )

        return self._ctx.run(work)

    def get(self, org: Organization | str, payment_id: str) -> Payment:
        """The organization's payment with this id (another organization's is ``NotFound``)."""
        with self._ctx.store.transaction() as conn:
            return q.get_payment(conn, self._org_id(org), payment_id)

    def list(
        self, org: Organization | str, *, invoice: Invoice | str | None = None
    ) -> builtins.list[Payment]:
        """The organization's payments, or those allocated to one invoice."""
        invoice_id = invoice.id if isinstance(invoice, Invoice) else invoice
        with self._ctx.store.transaction() as conn:
            return q.list_payments(conn, self._org_id(org), invoice_id=invoice_id)

    def refund(self, payment: Payment, amount: Money | None = None) -> Refund:
        """Refund ``amount`` (default: all that is not refunded yet) of ``payment`` through the
        provider that received it, and take it off the invoices it paid (their status goes
        back to ``partially_paid`` or ``issued``); returns the
        :class:`~paylink.providers.Refund`.

        Raises :class:`~paylink.exceptions.StateError` when the payment's provider does not
        support refunds (``supports_refunds``, asked, never assumed) or has no account, and
        :class:`~paylink.exceptions.ValidationError` for an amount above what is left.
        """
        return refund_payment(self._ctx, payment, amount)

    def refunds(self, payment: Payment | str) -> builtins.list[Refund]:
        """The refunds of ``payment``, oldest first."""
        with self._ctx.store.transaction() as conn:
            return provider_queries.refunds_of(
                conn, payment if isinstance(payment, str) else payment.id
            )

    def apply_credit(
        self, invoice: Invoice | str, amount: Money | str | Decimal | None = None
    ) -> Payment | None:
        """Pay ``invoice`` from its customer's credit: ``amount`` (default: as much as the
        credit and the open amount allow). Returns the payment of method ``"credit"`` that
        settles it, or None when the customer has no credit in the invoice's currency or the
        invoice has nothing open. The same credit is never applied twice, also when several
        processes apply it at once. Raises ValidationError when ``amount`` exceeds the credit
        or what is open."""
        invoice_id = invoice if isinstance(invoice, str) else invoice.id

        def work(unit: Unit) -> Payment | None:
            (current,) = lock_invoices(unit, None, [invoice_id])
            money = (
                None
                if amount is None
                else amount
                if isinstance(amount, Money)
                else Money.of(amount, current.currency)
            )
            return apply_credit(unit, current, self._ctx.addresses, amount=money)

        return self._ctx.run(work)

    def refund_credit(
        self,
        customer: Customer,
        amount: Money | str | Decimal | None = None,
        *,
        currency: str | None = None,
        note: str = "",
    ) -> CreditEntry:
        """Record that ``amount`` of the customer's credit (default: all of it) was paid back
        to them (by bank transfer, in cash): the balance goes down by it; returns the ledger
        entry. A provider payment's surplus can also be refunded through the provider with
        :meth:`refund`, which takes it off the credit the same way. Raises ValidationError
        when ``amount`` exceeds the credit."""
        org_id = customer.organization_id

        def work(unit: Unit) -> CreditEntry:
            cur = (
                amount.currency
                if isinstance(amount, Money)
                else currency or unit.organization(org_id).currency
            )
            balance = credit_balance(unit, org_id, customer.id, cur)
            money = (
                balance
                if amount is None
                else amount
                if isinstance(amount, Money)
                else Money.of(amount, cur)
            )
            if money.amount <= 0:
                raise ValidationError(
                    f"expected a positive amount of credit to refund, got {money}", field="amount"
                )
            if money > balance:
                raise ValidationError(
                    f"{money} exceeds the customer's credit ({balance})", field="amount"
                )
            source = new_id("crf")
            return take_credit(
                unit, org_id, customer.id, money, kind="refunded", source_id=source,
                note=note or "credit paid back",
            )  # fmt: skip

        return self._ctx.run(work)
