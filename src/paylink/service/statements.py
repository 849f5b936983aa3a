"""``pl.statements``: import bank statement files into the store, all or nothing."""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..exceptions import StatementError
from ..parties import Organization
from ..statements import BankTransaction, StatementFormat, iter_transactions
from ..store import bank as q
from ._base import Resource
from ._statements import (
    ImportedStatement,
    ImportResult,
    import_statement,
    import_stream,
    statement_formats,
    statement_seen,
)

__all__ = ["ImportResult", "ImportedStatement", "Statements"]


class Statements(Resource):
    """Import bank statements (CAMT, CODA, MT940, CSV) and read the transactions back."""

    def formats(self) -> builtins.list[StatementFormat]:
        """The statement formats the plugins provide (paylink's own included)."""
        return statement_formats(self._ctx.plugins)

    def import_file(
        self,
        org: Organization | str,
        path: str | os.PathLike[str],
        *,
        format: str | StatementFormat | None = None,
        accept_unbalanced: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Import every statement of a file, in one transaction.

        A malformed file raises :class:`~paylink.exceptions.StatementError` (file, line or
        element, what was expected) and imports nothing. So does a file whose checks fail
        (opening + movements != closing, a CAMT ``TxsSummry`` or CODA trailer that does not
        match its entries), unless ``accept_unbalanced`` is true: then it is imported and the
        mismatch reported in :attr:`ImportResult.mismatches`. Transactions already in the
        store (the same file again, overlapping statements) are skipped by their stable ids.
        ``progress``, when given, is called now and then with the bytes of the file read so
        far (a progress bar's position; the file's size is its end).
        """
        source = os.fspath(path)
        try:
            stream = Path(source).open("rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise StatementError(f"cannot read the file: {exc.strerror}", file=source) from exc
        # Read, hashed and inserted as it streams: memory stays flat at any size.
        with stream:
            return import_stream(
                self._ctx,
                org,
                stream,
                filename=source,
                format=format,
                accept_unbalanced=accept_unbalanced,
                progress=progress,
            )

    def import_bytes(
        self,
        org: Organization | str,
        data: bytes,
        *,
        filename: str,
        format: str | StatementFormat | None = None,
        accept_unbalanced: bool = False,
    ) -> ImportResult:
        """Import a statement file's content (an upload, a feed's file): as :meth:`import_file`."""
        return import_statement(
            self._ctx,
            org,
            data,
            filename=filename,
            format=format,
            accept_unbalanced=accept_unbalanced,
        )

    def seen(self, org: Organization | str, data: bytes) -> bool:
        """Whether a file with exactly this content was imported before."""
        return statement_seen(self._ctx, self._org_id(org), data)

    def transactions(
        self,
        org: Organization | str,
        *,
        status: str | Iterable[str] | None = None,
        account: str | None = None,
        since: dt.date | None = None,
    ) -> builtins.list[BankTransaction]:
        """Imported transactions, oldest first; ``status`` is ``unmatched``, ``matched`` or
        ``ignored``."""
        statuses = (
            [status]
            if isinstance(status, str)
            else (None if status is None else builtins.list(status))
        )
        with self._ctx.store.transaction() as conn:
            return q.list_transactions(
                conn, self._org_id(org), statuses=statuses, account=account, since=since
            )

    def iter_file(self, path: str | os.PathLike[str]) -> Iterator[BankTransaction]:
        """The transactions of a file, without importing it (any installed format)."""
        return iter_transactions(path, formats=self.formats())
