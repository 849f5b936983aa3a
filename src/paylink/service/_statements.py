"""Lower floor: import a bank statement file in one unit of work, all or nothing.

Shared by ``pl.statements`` (files and uploads) and ``pl.feeds`` (the files a feed delivers)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from .._gc import collector_paused
from ..exceptions import StatementError
from ..money import Money
from ..parties import Organization
from ..plugins import Plugins
from ..statements import (
    BalanceCheck,
    BankTransaction,
    StatementCheck,
    StatementFooter,
    StatementFormat,
    StatementHeader,
    get_format,
    sniff,
)
from ..store import bank as q
from ._base import Context, Unit

__all__ = [
    "ImportResult",
    "ImportedStatement",
    "import_statement",
    "import_stream",
    "statement_seen",
]

_BATCH = 5000


@attrs.frozen
class ImportedStatement:
    """One statement of an imported file: its account, balances, check, and counts."""

    id: str
    account: str | None
    currency: str
    opening_balance: Money | None
    closing_balance: Money | None
    balance: BalanceCheck
    transactions: int
    new_transactions: int
    checks: tuple[StatementCheck, ...] = ()


@attrs.frozen
class ImportResult:
    """What importing a file did.

    ``new_transactions`` counts the transactions that were not in the store yet; the others
    (same file imported again, overlapping statements) were skipped. ``mismatches`` lists the
    statements whose opening balance plus movements does not give the closing balance, or
    whose file's own totals (CAMT ``TxsSummry``, CODA trailer) disagree: only an import with
    ``accept_unbalanced=True`` takes such a file, and reports them here.
    """

    file: str
    format: str
    file_hash: str
    statements: tuple[ImportedStatement, ...]

    @property
    def transactions(self) -> int:
        """Transactions in the file."""
        return sum(s.transactions for s in self.statements)

    @property
    def new_transactions(self) -> int:
        """Transactions added to the store."""
        return sum(s.new_transactions for s in self.statements)

    @property
    def duplicates(self) -> int:
        """Transactions already in the store, skipped."""
        return self.transactions - self.new_transactions

    @property
    def mismatches(self) -> tuple[ImportedStatement, ...]:
        """Statements whose balances, or the file's own totals (``checks``), do not add up."""
        return tuple(
            s for s in self.statements if s.balance.ok is False or any(not c.ok for c in s.checks)
        )


class _StatementWriter:
    """Streams one file's events into the store, a batch of transactions at a time."""

    def __init__(
        self,
        unit: Unit,
        org_id: str,
        fmt: str,
        source: str,
        accept_unbalanced: bool = False,
    ) -> None:
        self.accept_unbalanced = accept_unbalanced
        self.unit = unit
        self.org_id = org_id
        self.fmt = fmt
        self.source = source
        self.done: list[ImportedStatement] = []
        # A statement row carries the file's hash, known only once the whole file is read:
        # the rows (one per statement, never per entry) wait for :meth:`finish`.
        self._statement_rows: list[dict[str, Any]] = []
        self._header: StatementHeader | None = None
        self._rows = q.TransactionInserter(unit.conn, org_id, unit.now)
        self._count = 0
        self._new = 0
        self._currency = ""  # the statement's: entries in another are not in the balance
        self._total = Decimal(0)

    def feed(self, event: object) -> None:
        if type(event) is BankTransaction or isinstance(event, BankTransaction):
            # The bulk of any file: tested first, by its exact type before isinstance.
            amount = event.amount
            if self._header is None:  # a format without statement headers (CSV)
                self._header = StatementHeader(
                    id=f"{Path(self.source).name}",
                    account_iban=event.account_iban,
                    currency=amount.currency,
                )
                self._currency = amount.currency
                self._total = Decimal(0)
            rows = self._rows
            rows.add(event)
            self._count += 1
            if amount.currency == self._currency:
                # Summed as Decimal (exact), made Money once when the statement closes.
                self._total += amount.amount
            if len(rows) >= _BATCH:
                self._flush()
        elif isinstance(event, StatementHeader):
            self._close(None)
            self._header = event
            self._count = self._new = 0
            self._currency = event.currency
            self._total = Decimal(0)
        elif isinstance(event, StatementFooter):
            self._close(event)

    def _flush(self) -> None:
        self._new += self._rows.flush()

    def _close(self, footer: StatementFooter | None) -> None:
        header = self._header
        if header is None:
            return
        self._flush()
        closing = header.closing_balance
        closing_date = header.closing_date
        if footer is not None and footer.closing_balance is not None:
            closing, closing_date = footer.closing_balance, footer.closing_date or closing_date
        check = BalanceCheck(
            statement_id=header.id,
            opening=header.opening_balance,
            movements=Money.of(self._total, self._currency),
            closing=closing,
            count=self._count,
        )
        stated = tuple(c for c in (check.as_check(),) if c is not None)
        checks = stated + (footer.checks if footer is not None else ())
        failed = [str(c) for c in checks if not c.ok]
        if failed and not self.accept_unbalanced:
            # Raised inside the unit of work: nothing of the file is imported.
            raise StatementError(
                f"statement {header.id} does not add up: {'; '.join(failed)} "
                "(import with accept_unbalanced=True to take it as it is)",
                file=self.source,
            )
        self._statement_rows.append(
            {
                "organization_id": self.org_id,
                "statement_id": header.id[:100],
                "account": header.account_iban or "",
                "format": self.fmt,
                "source": self.source[-300:],
                "currency": header.currency,
                "opening_minor": header.opening_balance.minor_units
                if header.opening_balance
                else None,
                "closing_minor": closing.minor_units if closing else None,
                "opening_date": header.opening_date,
                "closing_date": closing_date,
                "balance_ok": check.ok,
                "transactions": self._count,
                "new_transactions": self._new,
                "imported_at": self.unit.now,
            },
        )
        self.done.append(
            ImportedStatement(
                id=header.id,
                account=header.account_iban,
                currency=header.currency,
                opening_balance=header.opening_balance,
                closing_balance=closing,
                balance=check,
                transactions=self._count,
                new_transactions=self._new,
                checks=checks,
            )
        )
        self._header = None

    def finish(self, file_hash: str) -> tuple[ImportedStatement, ...]:
        self._close(None)
        for row in self._statement_rows:
            q.insert_statement(self.unit.conn, {**row, "file_hash": file_hash})
        return tuple(self.done)


_PROGRESS_EVERY = 1000
"""Events between two calls of an import's ``progress``."""


class _HashingReader:
    """A binary stream that hashes what is read through it, each byte once.

    The readers may look at the first bytes and rewind (sniffing); bytes read again are not
    hashed again, and :meth:`hexdigest` reads whatever the parser left unread, so the digest
    is always the file's whole content.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self._hashed = 0  # bytes [0, _hashed) are in the digest
        self.name = getattr(raw, "name", None)

    def _catch_up(self, position: int) -> None:
        # A seek beyond what was hashed: hash the gap before reading on.
        self._raw.seek(self._hashed)
        while self._hashed < position:
            piece = self._raw.read(min(position - self._hashed, 1 << 20))
            if not piece:
                break
            self._hash.update(piece)
            self._hashed += len(piece)

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative), hashing those not hashed yet."""
        return self._hashing(lambda: self._raw.read(-1 if size is None else size))

    def readline(self, size: int | None = -1) -> bytes:
        """Read one line (the line-by-line readers, CSV), hashing what was not hashed yet."""
        return self._hashing(lambda: self._raw.readline(-1 if size is None else size))

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def _hashing(self, read: Callable[[], bytes]) -> bytes:
        start = self._raw.tell()
        if start > self._hashed:
            self._catch_up(start)
        data = read()
        end = start + len(data)
        if end > self._hashed:
            self._hash.update(data[self._hashed - start :])
            self._hashed = end
        return data

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def seekable(self) -> bool:
        """Whether the underlying stream can seek."""
        return bool(self._raw.seekable())

    def tell(self) -> int:
        """The current position."""
        return int(self._raw.tell())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset``; nothing is hashed until bytes are read."""
        return int(self._raw.seek(offset, whence))

    def hexdigest(self) -> str:
        """The SHA-256 of the whole stream, reading what was not read yet."""
        self._raw.seek(self._hashed)
        while piece := self._raw.read(1 << 20):
            self._hash.update(piece)
            self._hashed += len(piece)
        return self._hash.hexdigest()


def statement_seen(ctx: Context, org_id: str, data: bytes) -> bool:
    """Whether a file with exactly this content was imported before for the organization."""
    with ctx.store.transaction() as conn:
        return q.statement_seen(conn, org_id, hashlib.sha256(data).hexdigest())


def statement_formats(plugins: Plugins) -> list[StatementFormat]:
    """The statement formats the plugins provide (paylink's own included)."""
    return list(plugins.statement_formats.values())


def import_statement(
    ctx: Context,
    org: Organization | str,
    data: bytes,
    *,
    filename: str,
    format: str | StatementFormat | None = None,
    accept_unbalanced: bool = False,
) -> ImportResult:
    """Import every statement of a file's content in one unit: all or nothing.

    A malformed file raises :class:`~paylink.exceptions.StatementError` (file, line or
    element, what was expected) and imports nothing; so does a file whose checks fail, unless
    ``accept_unbalanced``. Transactions already in the store are skipped by their stable ids.
    """
    return import_stream(
        ctx,
        org,
        io.BytesIO(data),
        filename=filename,
        format=format,
        accept_unbalanced=accept_unbalanced,
    )


def import_stream(
    ctx: Context,
    org: Organization | str,
    stream: IO[bytes],
    *,
    filename: str,
    format: str | StatementFormat | None = None,
    accept_unbalanced: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a seekable binary stream (an open file) as :func:`import_statement` does.

    Memory stays flat whatever the file's size: the file is hashed while it is parsed, and
    its transactions go to the store in batches of :data:`_BATCH`, inside the one unit that
    makes the import all or nothing.
    """
    formats = statement_formats(ctx.plugins)
    reader = _HashingReader(stream)
    try:
        if format is None:
            head = reader.read(4096)
            reader.seek(0)
            fmt = sniff(head, formats)
        elif isinstance(format, str):
            fmt = get_format(format, formats)
        else:
            fmt = format
    except StatementError as exc:
        if exc.file is not None:
            raise
        raise StatementError(str(exc), file=filename) from exc
    with collector_paused(), ctx.unit() as unit:
        reader.seek(0)
        org_id = org if isinstance(org, str) else org.id
        organization = unit.organization(org_id)
        writer = _StatementWriter(unit, organization.id, fmt.name, filename, accept_unbalanced)
        for n, event in enumerate(fmt.iter_events(reader, filename=filename), 1):  # type: ignore[arg-type]
            writer.feed(event)
            if progress is not None and n % _PROGRESS_EVERY == 0:
                progress(reader.tell())
        file_hash = reader.hexdigest()
        if progress is not None:
            progress(reader.tell())
        statements = writer.finish(file_hash)
    return ImportResult(file=filename, format=fmt.name, file_hash=file_hash, statements=statements)
