"""The normalised shape of what a bank says: statements and their transactions.

Every statement format (CAMT, CODA, MT940, CSV, a bank feed) produces these, so everything after
parsing — import, de-duplication, reconciliation, reports — knows one shape only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ..money import Money
from ..references import Reference

__all__ = ["BankTransaction", "Statement", "StatementCheck"]


@attrs.frozen(kw_only=True)
class BankTransaction:
    """One booked movement on a bank account.

    ``amount`` is signed: positive for money in (credits), negative for money out (debits).
    ``id`` is stable across re-imports of the same data: the bank's own reference for the entry
    where the format has one (CAMT ``AcctSvcrRef``, MT940 bank reference, CODA statement and
    sequence numbers), else a hash of the entry's content, so importing a file twice, or two
    overlapping statements, adds nothing.
    """

    id: str
    account_iban: str | None
    booking_date: dt.date
    value_date: dt.date | None
    amount: Money
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    structured_reference: Reference | None = None
    remittance_text: str | None = None
    bank_transaction_code: str | None = None
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    raw: str | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def is_credit(self) -> bool:
        """True for money coming in."""
        return self.amount.amount > 0

    @property
    def currency(self) -> str:
        """The transaction's currency (that of :attr:`amount`)."""
        return self.amount.currency

    def to_record(self) -> dict[str, Any]:
        """A flat dict of JSON-friendly values (amounts as decimal strings, dates ISO)."""
        return {
            "id": self.id,
            "account": self.account_iban,
            "booking_date": self.booking_date.isoformat(),
            "value_date": self.value_date.isoformat() if self.value_date else None,
            "amount": str(self.amount.amount),
            "currency": self.amount.currency,
            "counterparty_name": self.counterparty_name,
            "counterparty_iban": self.counterparty_iban,
            "counterparty_bic": self.counterparty_bic,
            "structured_reference": str(self.structured_reference)
            if self.structured_reference
            else None,
            "remittance_text": self.remittance_text,
            "bank_transaction_code": self.bank_transaction_code,
            "bank_reference": self.bank_reference,
            "end_to_end_id": self.end_to_end_id,
        }


@attrs.frozen(kw_only=True)
class StatementCheck:
    """One control of a statement: what the file states against what its entries add up to.

    ``name`` says which control (``"balance"``: opening + movements = closing; ``"entry
    count"`` and ``"entry sum"``: a CAMT ``TxsSummry``; ``"trailer records"``, ``"trailer
    debits"`` and ``"trailer credits"``: a CODA trailer record). ``stated`` is what the file
    says, ``computed`` what paylink found, both as text; ``ok`` whether they agree.
    """

    name: str
    ok: bool
    stated: str
    computed: str
    where: str | None = None

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        if self.ok:
            return f"{self.name}{where}: {self.stated}, agrees"
        return (
            f"{self.name}{where}: the file states {self.stated}, the entries give {self.computed}"
        )


@attrs.frozen(kw_only=True)
class Statement:
    """A bank statement: an account, its balances and the transactions between them.

    Balances are ``None`` when the format or the file does not state them (a CSV export, a
    camt.054 notification). ``extra`` keeps format-specific header fields for audit.

    ``checks`` are the controls the file makes possible (see :class:`StatementCheck`): the
    balance check when both balances are stated, and the format's own totals (CAMT
    ``TxsSummry``, the CODA trailer). :attr:`balanced` sums them up.
    """

    id: str
    account_iban: str | None
    currency: str
    opening_balance: Money | None
    closing_balance: Money | None
    opening_date: dt.date | None = None
    closing_date: dt.date | None = None
    transactions: tuple[BankTransaction, ...] = ()
    format: str = ""
    source: str | None = None
    extra: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)
    checks: tuple[StatementCheck, ...] = attrs.field(default=(), repr=False, eq=False)

    @property
    def balanced(self) -> bool | None:
        """``True`` when every check holds, ``False`` when one fails, ``None`` without checks."""
        if not self.checks:
            return None
        return all(check.ok for check in self.checks)

    @property
    def failed_checks(self) -> tuple[StatementCheck, ...]:
        """The checks that do not hold."""
        return tuple(check for check in self.checks if not check.ok)
