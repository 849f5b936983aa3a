"""Small builders for reconciliation tests (import them from ``reconcile_builders``)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from paylink.money import Money
from paylink.reconcile import OpenItem
from paylink.references import Reference, ogm
from paylink.statements.model import BankTransaction

ACME_IBAN = "BE68539007547034"
BOLT_IBAN = "BE71096123456769"
CARA_IBAN = "NL91ABNA0417164300"
STRANGER_IBAN = "DE89370400440532013000"

_ids = itertools.count(1)


def make_tx(
    amount: str,
    *,
    currency: str = "EUR",
    id: str | None = None,
    iban: str | None = None,
    name: str | None = None,
    ref: Reference | None = None,
    text: str | None = None,
    e2e: str | None = None,
) -> BankTransaction:
    """A booked transaction with only what a test cares about."""
    return BankTransaction(
        id=id or f"TX{next(_ids)}",
        account_iban="BE62510007547061",
        booking_date=dt.date(2026, 3, 2),
        value_date=dt.date(2026, 3, 2),
        amount=Money.of(amount, currency),
        counterparty_name=name,
        counterparty_iban=iban,
        structured_reference=ref,
        remittance_text=text,
        end_to_end_id=e2e,
    )


def make_item(
    number: str,
    amount: str,
    *,
    currency: str = "EUR",
    customer: str | None = "acme",
    name: str | None = "ACME NV",
    ibans: tuple[str, ...] = (ACME_IBAN,),
    reference: Reference | bool | None = True,
    **kwargs: Any,
) -> OpenItem:
    """An open sale invoice; ``reference=True`` gives it the OGM made from its number."""
    ref = ogm(number) if reference is True else reference or None
    return OpenItem(
        number=number,
        open_amount=Money.of(amount, currency),
        customer_key=customer,
        customer_name=name,
        customer_ibans=ibans,
        reference=ref,
        due_date=kwargs.pop("due_date", dt.date(2026, 3, 31)),
        **kwargs,
    )
