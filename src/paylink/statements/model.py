"""The normalised shape of what a bank says: statements and their transactions.

Every statement format (CAMT, CODA, MT940, CSV, a bank feed) produces these, so everything after
parsing — import, de-duplication, reconciliation, reports — knows one shape only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .. import _tables
from ..exceptions import ValidationError, mask_iban
from ..money import Money
from ..references import Reference
from ..references import parse as parse_reference

__all__ = [
    "TRANSACTION_COLUMNS",
    "BankTransaction",
    "Statement",
    "StatementCheck",
    "transactions_from_dataframe",
    "transactions_to_dataframe",
]

TRANSACTION_COLUMNS: tuple[str, ...] = (
    "id",
    "account",
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "counterparty_bic",
    "structured_reference",
    "remittance_text",
    "bank_transaction_code",
    "bank_reference",
    "end_to_end_id",
)
"""The columns of a transactions DataFrame, in order (see :func:`transactions_to_dataframe`)."""

_REQUIRED = ("id", "booking_date", "amount", "currency")


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

    def to_row(self, amounts: _tables.Amounts = "decimal") -> dict[str, Any]:
        """A flat dict for a DataFrame: the keys of :data:`TRANSACTION_COLUMNS`, dates as
        dates, the amount exact (a ``Decimal``, or integer minor units with ``"minor"``)."""
        row = self.to_record()
        row["booking_date"] = self.booking_date
        row["value_date"] = self.value_date
        row["amount"] = self.amount.minor_units if amounts == "minor" else self.amount.amount
        return row

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, row: int | None = None) -> BankTransaction:
        """Build a transaction from a flat dict (a DataFrame row, a JSON object).

        Required keys: ``id``, ``booking_date`` (a date or ISO text), ``amount`` (signed:
        positive for money in; a decimal string, ``Decimal`` or int — never a float) and
        ``currency``. Optional: the other keys of :data:`TRANSACTION_COLUMNS` (``account`` or
        ``account_iban``). Raises :class:`~paylink.exceptions.ValidationError` naming the row and
        the field, and what was expected.
        """
        where = f"row {row}: " if row is not None else ""

        def bad(field: str, expected: str, got: object) -> ValidationError:
            return ValidationError(f"{where}{field}: expected {expected}, got {got!r}", field=field)

        missing = [k for k in _REQUIRED if record.get(k) in (None, "")]
        if missing:
            raise ValidationError(
                f"{where}missing {', '.join(missing)}; a transaction needs {', '.join(_REQUIRED)}",
                field=missing[0],
            )

        def date(key: str) -> dt.date | None:
            value = record.get(key)
            if value in (None, ""):
                return None
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise bad(key, "an ISO date like 2026-03-04", value) from None

        def text(key: str) -> str | None:
            value = record.get(key)
            return None if value in (None, "") else str(value)

        amount = record["amount"]
        if isinstance(amount, float):
            raise bad("amount", "a decimal string, Decimal or int (floats are not exact)", amount)
        try:
            money = Money.of(amount, str(record["currency"]).strip().upper())
        except ValidationError as exc:
            raise bad("amount", "an amount in the currency's minor units", amount) from exc
        reference = record.get("structured_reference")
        ref: Reference | None = None
        if reference not in (None, ""):
            ref = reference if isinstance(reference, Reference) else parse_reference(str(reference))
            if ref is None:
                raise bad("structured_reference", "an OGM/VCS or RF reference", reference)
        booking = date("booking_date")
        assert booking is not None  # required above
        return cls(
            id=str(record["id"]),
            account_iban=text("account") or text("account_iban"),
            booking_date=booking,
            value_date=date("value_date"),
            amount=money,
            counterparty_name=text("counterparty_name"),
            counterparty_iban=text("counterparty_iban"),
            counterparty_bic=text("counterparty_bic"),
            structured_reference=ref,
            remittance_text=text("remittance_text"),
            bank_transaction_code=text("bank_transaction_code"),
            bank_reference=text("bank_reference"),
            end_to_end_id=text("end_to_end_id"),
        )


def transactions_to_dataframe(
    transactions: Iterable[BankTransaction],
    *,
    backend: _tables.Backend = "pandas",
    amounts: _tables.Amounts = "decimal",
) -> Any:
    """Transactions as a DataFrame with the columns of :data:`TRANSACTION_COLUMNS`.

    ``amount`` is signed and exact: ``Decimal`` values, or integer minor units with
    ``amounts="minor"`` (then read ``currency`` for the scale); dates are dates. ``backend`` is
    ``"pandas"`` or ``"polars"``.
    """
    return _tables.frame(
        [tx.to_row(amounts) for tx in transactions],
        TRANSACTION_COLUMNS,
        backend=backend,
        dates=("booking_date", "value_date"),
    )


def transactions_from_dataframe(data: Any) -> list[BankTransaction]:
    """Transactions from a pandas or polars DataFrame (or a list of dicts) with at least the
    columns ``id``, ``booking_date``, ``amount`` and ``currency``; see
    :meth:`BankTransaction.from_record` for the others. Errors name the row and the column."""
    if _tables.is_dataframe(data):
        rows = _tables.records_of(data, what="transactions", required=_REQUIRED)
    else:
        rows = list(data)
    out = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise ValidationError(
                f"transactions: row {n} is a {type(row).__name__}; expected a BankTransaction, "
                f"a dict with {', '.join(_REQUIRED)}, or a DataFrame",
                field="transactions",
            )
        out.append(BankTransaction.from_record(row, row=n))
    return out


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

    def __repr__(self) -> str:
        # A statement can hold a million transactions: its repr says what it is, not all of it.
        account = mask_iban(self.account_iban) if self.account_iban else "no account"
        period = "–".join(
            d.isoformat() for d in (self.opening_date, self.closing_date) if d is not None
        )
        parts = [f"{self.format or 'statement'} {self.id!r}", account]
        if period:
            parts.append(period)
        parts.append(f"{len(self.transactions):,} transactions")
        if self.opening_balance is not None:
            parts.append(f"opening {self.opening_balance}")
        if self.closing_balance is not None:
            parts.append(f"closing {self.closing_balance}")
        if self.failed_checks:
            parts.append(f"{len(self.failed_checks)} check(s) FAILED")
        return f"<Statement {', '.join(parts)}>"

    def _totals(self) -> tuple[Money, Money]:
        credits = Money.zero(self.currency)
        debits = Money.zero(self.currency)
        for tx in self.transactions:
            if tx.amount.currency != self.currency:
                continue
            if tx.is_credit:
                credits += tx.amount
            else:
                debits += tx.amount
        return credits, debits

    def _repr_html_(self) -> str:
        credits, debits = self._totals()
        summary: list[tuple[str, Any]] = [
            ("account", mask_iban(self.account_iban) if self.account_iban else None),
            ("opening", self.opening_balance),
            ("closing", self.closing_balance),
            ("credits", credits),
            ("debits", debits),
        ]
        return _tables.html_table(
            f"Statement {self.id} ({self.format or 'unknown format'}): "
            f"{len(self.transactions):,} transactions",
            ("id", "booking date", "amount", "counterparty", "reference / text"),
            (
                (
                    tx.id,
                    tx.booking_date,
                    tx.amount,
                    tx.counterparty_name,
                    str(tx.structured_reference or "") or tx.remittance_text,
                )
                for tx in self.transactions
            ),
            total=len(self.transactions),
            summary=[(k, v) for k, v in summary if v is not None],
        )

    def to_dataframe(
        self, *, backend: _tables.Backend = "pandas", amounts: _tables.Amounts = "decimal"
    ) -> Any:
        """The statement's transactions as a DataFrame; see :func:`transactions_to_dataframe`."""
        return transactions_to_dataframe(self.transactions, backend=backend, amounts=amounts)
