"""Bank statements: one normalised model and the formats that read into it.

Pure functions, usable from a notebook without a plugin manager::

    from paylink import statements

    for statement in statements.parse_file("2026-03.xml"):        # format sniffed
        print(statement.id, statements.check_balance(statement))

    for tx in statements.iter_transactions("huge.cod"):           # constant memory
        ...

Built-in formats: ISO 20022 camt.052/053/054 (``"camt"``), Belgian CODA (``"coda"``), SWIFT
MT940/MT942 (``"mt940"``) and CSV with a declared :class:`CsvMapping` (``"csv"``). A format is
chosen by ``format=`` (a name or a format object), else recognised from the file's first bytes
among ``formats`` (default :data:`BUILTIN_FORMATS`). CSV is never recognised without a mapping:
pass ``format=CsvFormat(mapping)``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from .._gc import collector_paused
from ..exceptions import StatementError
from .base import (
    BalanceCheck,
    FormatBase,
    StatementEvent,
    StatementFooter,
    StatementFormat,
    StatementHeader,
    check_balance,
    iter_balance_checks,
)
from .camt import CamtFormat
from .coda import CodaFormat
from .csv import CsvFormat, CsvMapping
from .model import (
    TRANSACTION_COLUMNS,
    BankTransaction,
    Statement,
    StatementCheck,
    transactions_from_dataframe,
    transactions_to_dataframe,
)
from .mt940 import Mt940Format

__all__ = [
    "BUILTIN_FORMATS",
    "TRANSACTION_COLUMNS",
    "BalanceCheck",
    "BankTransaction",
    "CamtFormat",
    "CodaFormat",
    "CsvFormat",
    "CsvMapping",
    "FormatBase",
    "Mt940Format",
    "Statement",
    "StatementCheck",
    "StatementEvent",
    "StatementFooter",
    "StatementFormat",
    "StatementHeader",
    "check_balance",
    "get_format",
    "iter_balance_checks",
    "iter_events",
    "iter_statements",
    "iter_transactions",
    "parse_bytes",
    "parse_file",
    "sniff",
    "transactions_from_dataframe",
    "transactions_to_dataframe",
]

BUILTIN_FORMATS: tuple[StatementFormat, ...] = (
    CamtFormat(),
    CodaFormat(),
    Mt940Format(),
    CsvFormat(),
)
"""paylink's own formats, in the order they are tried when sniffing."""

_HEAD = 4096

PathLike = str | os.PathLike[str]
FormatArg = str | StatementFormat | None


def get_format(name: str, formats: Iterable[StatementFormat] | None = None) -> StatementFormat:
    """Return the format called ``name`` among ``formats`` (default the built-ins)."""
    candidates = tuple(BUILTIN_FORMATS if formats is None else formats)
    for fmt in candidates:
        if fmt.name == name:
            return fmt
    known = ", ".join(fmt.name for fmt in candidates)
    raise StatementError(f"unknown statement format {name!r}; known formats: {known}")


def sniff(
    head_or_path: bytes | PathLike,
    formats: Iterable[StatementFormat] | None = None,
) -> StatementFormat:
    """Recognise the format of a file (a path) or of its first bytes.

    Formats are tried in order; the first whose ``sniff()`` answers ``True`` wins. Raises
    :class:`~paylink.exceptions.StatementError` naming the formats tried when none does.
    """
    candidates: Sequence[StatementFormat] = tuple(BUILTIN_FORMATS if formats is None else formats)
    filename: str | None = None
    if isinstance(head_or_path, bytes | bytearray):
        head = bytes(head_or_path[:_HEAD])
    else:
        filename = os.fspath(head_or_path)
        try:
            with open(filename, "rb") as fh:
                head = fh.read(_HEAD)
        except OSError as exc:
            raise StatementError(f"cannot read the file: {exc.strerror}", file=filename) from exc
    head = head.lstrip(b"\xef\xbb\xbf")  # a UTF-8 byte order mark says nothing of the format
    for fmt in candidates:
        if fmt.sniff(head):
            return fmt
    tried = ", ".join(fmt.name for fmt in candidates)
    hint = (
        " (CSV needs a mapping: format=CsvFormat(CsvMapping(...)), or --preset or --mapping"
        " on the command line)"
        if "csv" in tried
        else ""
    )
    raise StatementError(f"unrecognised statement format; tried {tried}{hint}", file=filename)


def _resolve(
    format: FormatArg, formats: Iterable[StatementFormat] | None, head: bytes | PathLike
) -> StatementFormat:
    if format is None:
        return sniff(head, formats)
    if isinstance(format, str):
        return get_format(format, formats)
    return format


def iter_events(
    path: PathLike, *, format: FormatArg = None, formats: Iterable[StatementFormat] | None = None
) -> Iterator[StatementEvent]:
    """Yield the raw event stream of a file (headers, transactions, footers), lazily."""
    fmt = _resolve(format, formats, path)
    filename = os.fspath(path)
    with _open(filename) as stream:
        yield from fmt.iter_events(stream, filename=filename)


def iter_statements(
    path: PathLike, *, format: FormatArg = None, formats: Iterable[StatementFormat] | None = None
) -> Iterator[Statement]:
    """Yield the statements of a file one at a time, each with its transactions."""
    fmt = _resolve(format, formats, path)
    filename = os.fspath(path)
    with _open(filename) as stream:
        yield from fmt.iter_statements(stream, filename=filename)


def parse_file(
    path: PathLike, *, format: FormatArg = None, formats: Iterable[StatementFormat] | None = None
) -> list[Statement]:
    """Read every statement of a file.

    ``format`` is a format name or object; by default it is recognised from the file's first
    bytes among ``formats``. Raises :class:`~paylink.exceptions.StatementError` (with file and
    line or element) when the file is malformed; balances are not checked here (see
    :func:`check_balance`). Python's cyclic garbage collector is paused while it reads: a
    large file makes many objects and no cycles, and the collector only slowed reading down.
    """
    with collector_paused():
        return list(iter_statements(path, format=format, formats=formats))


def iter_transactions(
    path: PathLike, *, format: FormatArg = None, formats: Iterable[StatementFormat] | None = None
) -> Iterator[BankTransaction]:
    """Yield every transaction of a file in file order, in constant memory."""
    fmt = _resolve(format, formats, path)
    filename = os.fspath(path)
    with _open(filename) as stream:
        yield from fmt.iter_transactions(stream, filename=filename)


def parse_bytes(
    data: bytes,
    *,
    format: FormatArg = None,
    formats: Iterable[StatementFormat] | None = None,
    filename: str = "<bytes>",
) -> list[Statement]:
    """Read every statement of a file's content (an upload, an e-mail attachment), as
    :func:`parse_file` does."""
    fmt = _resolve(format, formats, data)
    with collector_paused():
        return list(fmt.iter_statements(io.BytesIO(data), filename=filename))


def _open(filename: str) -> IO[bytes]:
    try:
        return open(filename, "rb")
    except OSError as exc:
        raise StatementError(f"cannot read the file: {exc.strerror}", file=filename) from exc
