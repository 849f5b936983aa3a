"""The statement-format protocol, the streaming events a format yields, and the balance check.

A format reads a byte stream and yields a flat stream of *events*, in file order::

    StatementHeader, BankTransaction, BankTransaction, ..., StatementFooter,
    StatementHeader, BankTransaction, ..., StatementFooter, ...

Nothing but the current entry is held in memory, so a file of a million entries is read in
constant memory. From that one primitive, :class:`FormatBase` derives the two everyday views:

- :meth:`~FormatBase.iter_statements` collects each statement with its transactions (fine for
  the files people download: a day or a month of entries);
- :meth:`~FormatBase.iter_transactions` yields the transactions only, never building a
  :class:`~paylink.statements.model.Statement`, for files of any size.

A third-party format only has to implement ``name``, ``sniff()`` and ``iter_events()``;
subclassing :class:`FormatBase` gives it the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Protocol, runtime_checkable

import attrs

from ..exceptions import StatementError
from ..money import Money
from .model import BankTransaction, Statement, StatementCheck

__all__ = [
    "BalanceCheck",
    "FormatBase",
    "StatementCheck",
    "StatementEvent",
    "StatementFooter",
    "StatementFormat",
    "StatementHeader",
    "check_balance",
    "close_statement",
    "iter_balance_checks",
]


@attrs.frozen(kw_only=True)
class StatementHeader:
    """The start of a statement in an event stream: which account, in what currency, from what.

    ``closing_balance`` is set here when the format states it before the entries (CAMT); the
    :class:`StatementFooter` that ends the statement may state it too, and wins.
    """

    id: str
    account_iban: str | None
    currency: str
    opening_balance: Money | None = None
    opening_date: dt.date | None = None
    closing_balance: Money | None = None
    closing_date: dt.date | None = None
    extra: Mapping[str, str] = attrs.field(factory=dict, eq=False)


@attrs.frozen(kw_only=True)
class StatementFooter:
    """The end of a statement in an event stream, with the closing balance when stated there.

    ``checks`` are the format's own controls, already checked by the reader (the totals of a
    CAMT ``TxsSummry``, a CODA trailer); the balance check is added by whoever collects the
    statement (:func:`collect_statements`, the importer).
    """

    closing_balance: Money | None = None
    closing_date: dt.date | None = None
    extra: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    checks: tuple[StatementCheck, ...] = ()


StatementEvent = StatementHeader | BankTransaction | StatementFooter
"""What :meth:`StatementFormat.iter_events` yields."""


@runtime_checkable
class StatementFormat(Protocol):
    """A reader of one kind of bank statement file.

    ``name`` is the format's unique identifier (``"camt"``, ``"coda"``, ``"mt940"``, ``"csv"``).

    ``sniff(head)`` receives the first bytes of a file (at least 4 KiB, or the whole file when
    shorter) and returns ``True`` when this format recognises them. It must never raise and
    never read anything else.

    ``iter_events(stream, filename=...)`` reads a binary stream from its current position and
    yields :data:`StatementEvent` objects lazily, holding at most one entry in memory. On a
    malformed file it raises :class:`~paylink.exceptions.StatementError` carrying ``filename``
    and the line (line formats) or element path (XML) and what was expected; it must never
    raise anything else, whatever the bytes. Events already yielded stay valid: the importer
    decides whether a partly read file is imported (paylink's importer imports nothing then).

    ``iter_statements`` and ``iter_transactions`` are the two views over those events (see
    :class:`FormatBase`, which implements both).
    """

    name: str

    def sniff(self, head: bytes) -> bool:
        """Return whether ``head`` (the first bytes of a file) looks like this format."""
        ...

    def iter_events(
        self, stream: IO[bytes], *, filename: str | None = None
    ) -> Iterator[StatementEvent]:
        """Yield the events of ``stream`` lazily; raise ``StatementError`` if malformed."""
        ...

    def iter_statements(
        self, stream: IO[bytes], *, filename: str | None = None
    ) -> Iterator[Statement]:
        """Yield each statement of ``stream`` with its transactions, one statement at a time."""
        ...

    def iter_transactions(
        self, stream: IO[bytes], *, filename: str | None = None
    ) -> Iterator[BankTransaction]:
        """Yield the transactions of every statement of ``stream``, in constant memory."""
        ...


class FormatBase:
    """Base class for formats: derive :meth:`iter_statements` and :meth:`iter_transactions`.

    Subclasses set ``name`` and implement :meth:`sniff` and :meth:`_events`; this class wraps
    ``_events`` so that an unexpected exception on hostile input still surfaces as a
    :class:`~paylink.exceptions.StatementError` naming the file.
    """

    name: str = ""

    def sniff(self, head: bytes) -> bool:  # pragma: no cover - overridden
        """Return whether ``head`` looks like this format."""
        raise NotImplementedError

    def _events(self, stream: IO[bytes], filename: str) -> Iterator[StatementEvent]:
        raise NotImplementedError  # pragma: no cover - overridden

    def iter_events(
        self, stream: IO[bytes], *, filename: str | None = None
    ) -> Iterator[StatementEvent]:
        """Yield the statement events of ``stream`` (see :class:`StatementFormat`)."""
        name = filename or getattr(stream, "name", None) or "<stream>"
        name = str(name)
        currency = ""
        count = 0
        try:
            for event in self._events(stream, name):
                if isinstance(event, BankTransaction):
                    count += 1
                    if event.amount.currency != currency:
                        # A statement is one account in one currency: an entry in another
                        # would silently escape the balance check.
                        raise StatementError(
                            f"expected every entry in the account currency {currency or '?'}, "
                            f"entry {count} of the statement is in {event.amount.currency}",
                            file=name,
                        )
                elif isinstance(event, StatementHeader):
                    currency, count = event.currency, 0
                yield event
        except StatementError:
            raise
        except (ValueError, LookupError, ArithmeticError, TypeError, UnicodeError) as exc:
            # Targeted checks give precise messages; this net keeps the promise that a
            # hostile file never raises anything but StatementError.
            raise StatementError(f"cannot read this file as {self.name}: {exc}", file=name) from exc

    def iter_statements(
        self, stream: IO[bytes], *, filename: str | None = None
    ) -> Iterator[Statement]:
        """Yield each statement of ``stream`` with its transactions collected.

        Each statement is built when its footer is read, so memory grows with the largest
        statement, not with the file. Use :meth:`iter_transactions` for unbounded statements.
        """
        return collect_statements(
            self.iter_events(stream, filename=filename), format=self.name, source=filename
        )

    def iter_transactions(
        self, stream: IO[bytes], *, filename: str | None = None
    ) -> Iterator[BankTransaction]:
        """Yield every transaction of ``stream`` in file order, in constant memory."""
        for event in self.iter_events(stream, filename=filename):
            if isinstance(event, BankTransaction):
                yield event


def collect_statements(
    events: Iterator[StatementEvent], *, format: str, source: str | None = None
) -> Iterator[Statement]:
    """Turn an event stream into :class:`Statement` objects, one per header/footer pair."""
    header: StatementHeader | None = None
    transactions: list[BankTransaction] = []
    for event in events:
        if isinstance(event, StatementHeader):
            if header is not None:  # a header without footer: close the previous statement
                yield _build(header, None, transactions, format, source)
            header, transactions = event, []
        elif isinstance(event, BankTransaction):
            transactions.append(event)
        else:
            if header is not None:
                yield _build(header, event, transactions, format, source)
            header, transactions = None, []
    if header is not None:
        yield _build(header, None, transactions, format, source)


def _build(
    header: StatementHeader,
    footer: StatementFooter | None,
    transactions: list[BankTransaction],
    format: str,
    source: str | None,
) -> Statement:
    total = Decimal(0)
    for transaction in transactions:
        total += transaction.amount.amount
    return close_statement(
        header,
        footer,
        movements=total,
        count=len(transactions),
        transactions=tuple(transactions),
        format=format,
        source=source,
    )


def close_statement(
    header: StatementHeader,
    footer: StatementFooter | None,
    *,
    movements: Decimal,
    count: int,
    transactions: tuple[BankTransaction, ...] = (),
    format: str = "",
    source: str | None = None,
) -> Statement:
    """Build the :class:`Statement` that ``header`` opened and ``footer`` (if any) closed.

    ``movements`` is the sum and ``count`` the number of its entries: a streaming reader that
    did not keep the entries passes them with ``transactions`` left empty, and still gets the
    closing balance, the merged extras and the checks (balance first, then the format's own)
    exactly as :func:`collect_statements` makes them.
    """
    closing = header.closing_balance
    closing_date = header.closing_date
    extra = dict(header.extra)
    checks: list[StatementCheck] = []
    if footer is not None:
        if footer.closing_balance is not None:
            closing = footer.closing_balance
        if footer.closing_date is not None:
            closing_date = footer.closing_date
        extra.update(footer.extra)
    balance = BalanceCheck(
        statement_id=header.id,
        opening=header.opening_balance,
        movements=Money(movements, header.currency),
        closing=closing,
        count=count,
    ).as_check()
    if balance is not None:
        checks.append(balance)
    if footer is not None:
        checks.extend(footer.checks)
    return Statement(
        id=header.id,
        account_iban=header.account_iban,
        currency=header.currency,
        opening_balance=header.opening_balance,
        closing_balance=closing,
        opening_date=header.opening_date,
        closing_date=closing_date,
        transactions=transactions,
        format=format,
        source=source,
        extra=extra,
        checks=tuple(checks),
    )


# --- balance check ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BalanceCheck:
    """The result of checking opening + movements == closing for one statement.

    ``ok`` is ``None`` when the statement does not state both balances (nothing to check),
    else whether they add up. ``difference`` is closing − (opening + movements): what is
    missing from the movements for the balances to agree.
    """

    statement_id: str
    opening: Money | None
    movements: Money
    closing: Money | None
    count: int

    @property
    def expected_closing(self) -> Money | None:
        """Opening balance plus the sum of the movements, or ``None`` without an opening."""
        return None if self.opening is None else self.opening + self.movements

    @property
    def difference(self) -> Money | None:
        """Stated closing minus expected closing (zero when the statement adds up)."""
        expected = self.expected_closing
        if expected is None or self.closing is None:
            return None
        return self.closing - expected

    @property
    def ok(self) -> bool | None:
        """``True`` when the balances agree, ``False`` when not, ``None`` when not stated."""
        difference = self.difference
        return None if difference is None else not difference

    def as_check(self) -> StatementCheck | None:
        """This check as a :class:`StatementCheck` named ``"balance"``, or ``None`` when the
        statement does not state both balances."""
        expected = self.expected_closing
        if expected is None or self.closing is None:
            return None
        return StatementCheck(
            name="balance",
            ok=bool(self.ok),
            stated=f"closing {self.closing}",
            computed=f"closing {expected}",
            where=f"statement {self.statement_id}",
        )

    def __str__(self) -> str:
        if self.ok is None:
            return f"statement {self.statement_id}: balances not stated, nothing to check"
        if self.ok:
            return f"statement {self.statement_id}: balances agree ({self.count} movements)"
        return (
            f"statement {self.statement_id}: opening {self.opening} + {self.count} movements "
            f"{self.movements} = {self.expected_closing}, but the closing balance is "
            f"{self.closing} (difference {self.difference})"
        )


def check_balance(statement: Statement) -> BalanceCheck:
    """Check that ``statement``'s opening balance plus its movements equals its closing balance.

    Never raises on a mismatch: the result says whether and by how much the balances disagree,
    and the importer decides what to do.
    """
    total = Decimal(0)
    for transaction in statement.transactions:
        total += transaction.amount.amount
    return BalanceCheck(
        statement_id=statement.id,
        opening=statement.opening_balance,
        movements=Money(total, statement.currency),
        closing=statement.closing_balance,
        count=len(statement.transactions),
    )


def iter_balance_checks(events: Iterator[StatementEvent]) -> Iterator[BalanceCheck]:
    """Check the balances of every statement in an event stream, in constant memory."""
    header: StatementHeader | None = None
    total = Decimal(0)
    count = 0
    for event in events:
        if isinstance(event, StatementHeader):
            if header is not None:
                yield _check(header, None, total, count)
            header, total, count = event, Decimal(0), 0
        elif isinstance(event, BankTransaction):
            total += event.amount.amount
            count += 1
        else:
            if header is not None:
                yield _check(header, event, total, count)
            header, total, count = None, Decimal(0), 0
    if header is not None:
        yield _check(header, None, total, count)


def _check(
    header: StatementHeader, footer: StatementFooter | None, total: Decimal, count: int
) -> BalanceCheck:
    closing = header.closing_balance
    if footer is not None and footer.closing_balance is not None:
        closing = footer.closing_balance
    return BalanceCheck(
        statement_id=header.id,
        opening=header.opening_balance,
        movements=Money(total, header.currency),
        closing=closing,
        count=count,
    )


# --- helpers shared by the formats -----------------------------------------------------------


class ContentIds:
    """Stable ids for entries without a bank reference: a sha256 of the normalised content.

    Two identical entries on the same booking date (two €10 payments from one person with the
    same text) get ``…-1``, ``…-2`` so neither hides the other; the occurrence count restarts at
    each new booking date, which keeps memory bounded by the entries of one day.
    """

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._day: object = None
        self._seen: dict[str, int] = {}

    def make(self, day: object, *parts: object) -> str:
        """Return the id for an entry booked on ``day`` whose content is ``parts``."""
        if day != self._day:
            self._day = day
            self._seen = {}
        text = "\x1f".join("" if part is None else " ".join(str(part).split()) for part in parts)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        count = self._seen.get(digest, 0) + 1
        self._seen[digest] = count
        return f"{self._prefix}:{digest}" + (f"-{count}" if count > 1 else "")


def read_head(stream: IO[bytes], size: int = 4096) -> bytes:
    """Read the first ``size`` bytes of a seekable stream and rewind it."""
    position = stream.tell()
    head = stream.read(size)
    stream.seek(position)
    return head


def as_binary(data: bytes) -> IO[bytes]:
    """Wrap bytes as a binary stream."""
    return io.BytesIO(data)
