"""Bank exports in CSV, read through a declared :class:`CsvMapping`.

Every bank lays out its CSV differently, so a CSV file cannot be recognised, or read, without
being told which column means what. The built-in ``csv`` format has no mapping: its
:meth:`~CsvFormat.sniff` always answers ``False`` and reading with it raises
:class:`~paylink.exceptions.StatementError`. Make one for your bank::

    mapping = CsvMapping(
        date="Date", amount="Amount", currency="EUR", text="Description",
        counterparty_name="Counterparty", counterparty_iban="Account",
        delimiter=";", date_format="%d/%m/%Y", decimal=",", thousands=".",
    )
    statements = parse_file("export.csv", format=CsvFormat(mapping))

A :class:`CsvFormat` with a mapping sniffs a file by its header line: every mapped column name
must be present. A CSV export states no balances, so its statement has ``None`` balances;
transaction ids are content hashes unless a ``bank_reference`` column is mapped.
"""

from __future__ import annotations

import codecs
import csv as _csv
import datetime as dt
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

import attrs

from ..exceptions import StatementError, ValidationError
from ._common import clean, compact_iban, first_reference, make_money
from .base import ContentIds, FormatBase, StatementEvent, StatementFooter, StatementHeader
from .model import BankTransaction

__all__ = ["CSV_PRESETS", "Column", "CsvFormat", "CsvMapping", "mapping_from_dict"]

Column = str | int
"""A column by header name, or by 0-based position (for files without a header line)."""


def _columns(value: Column | Sequence[Column] | None) -> tuple[Column, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        return (value,)
    return tuple(value)


@attrs.frozen(kw_only=True)
class CsvMapping:
    """Which column of a bank's CSV export holds what, and how values are written.

    Amounts: either ``amount`` (signed, negative for money out), or ``debit`` and ``credit``
    (two columns, one filled per row; a debit is taken as money out whatever its sign).
    Currency: a ``currency_column``, or ``currency`` fixed for the whole file.

    ``text`` may name several columns, joined with a space. ``date_format`` is a
    :func:`~datetime.datetime.strptime` format (``"%d/%m/%Y"``); ``decimal`` is ``"."`` or
    ``","``, or ``".,"`` for an export that writes either (then without ``thousands``);
    ``thousands`` is the grouping character to drop (``""``, ``"."``, ``" "``, ``"'"``).
    ``refused`` names a column the bank fills only on rows it refused (never booked): such rows
    are skipped.
    ``skip_lines`` lines before the header are ignored (account name, export date).
    ``header_within`` lets the header line be found rather than counted: it is the first of
    that many lines (after ``skip_lines``) that holds every mapped column, for an export whose
    block of search criteria above the header varies in length (Belfius).
    """

    date: Column
    amount: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    currency: str | None = None
    currency_column: Column | None = None
    value_date: Column | None = None
    counterparty_name: Column | None = None
    counterparty_iban: Column | None = None
    counterparty_bic: Column | None = None
    text: Column | tuple[Column, ...] | None = None
    reference: Column | None = None
    bank_reference: Column | None = None
    refused: Column | None = None
    account_iban: str | None = None
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8-sig"
    date_format: str = "%Y-%m-%d"
    decimal: str = "."
    thousands: str = ""
    header: bool = True
    skip_lines: int = 0
    header_within: int = 1

    def __attrs_post_init__(self) -> None:
        if self.amount is None and (self.debit is None or self.credit is None):
            raise ValueError("a CsvMapping needs an amount column, or both debit and credit")
        if (self.currency is None) == (self.currency_column is None):
            raise ValueError("a CsvMapping needs exactly one of currency and currency_column")
        if self.decimal not in (".", ",", ".,"):
            raise ValueError(f"decimal must be '.', ',' or '.,', got {self.decimal!r}")
        if self.decimal == ".," and self.thousands:
            raise ValueError("decimal '.,' (either mark) cannot go with a thousands separator")
        if not self.header and any(isinstance(c, str) for c in self.columns()):
            raise ValueError("without a header line, columns must be given by position")
        if self.header_within < 1:
            raise ValueError(f"header_within must be 1 or more, got {self.header_within}")

    def is_header(self, row: Sequence[str]) -> bool:
        """Whether ``row`` (a parsed line) holds every column named in the mapping."""
        names = {cell.strip() for cell in row}
        wanted = [c for c in self.columns() if isinstance(c, str)]
        return bool(wanted) and all(c in names for c in wanted)

    def columns(self) -> tuple[Column, ...]:
        """Every column the mapping reads."""
        found: list[Column] = []
        for value in (
            self.date, self.amount, self.debit, self.credit, self.currency_column,
            self.value_date, self.counterparty_name, self.counterparty_iban,
            self.counterparty_bic, self.reference, self.bank_reference, self.refused,
        ):  # fmt: skip
            found.extend(_columns(value))
        found.extend(_columns(self.text))
        return tuple(found)


_FIELDS = {field.name: field for field in attrs.fields(CsvMapping)}
_TEXT: tuple[type, ...] = (str,)
# What each key of a mapping file holds; a key not named here is a column (name or position).
_KINDS: dict[str, tuple[type, ...]] = {
    "header": (bool,),
    "skip_lines": (int,),
    "header_within": (int,),
    "text": (str, int, tuple),
    **dict.fromkeys(
        ("currency", "account_iban", "delimiter", "quotechar", "encoding", "date_format"), _TEXT
    ),
    **dict.fromkeys(("decimal", "thousands"), _TEXT),
}


def mapping_from_dict(data: Mapping[str, object], *, source: str = "mapping") -> CsvMapping:
    """A :class:`CsvMapping` from plain data (a TOML or JSON file's table): the keys are the
    mapping's field names; ``text`` may be a list. An unknown key or a value of the wrong kind
    raises :class:`~paylink.exceptions.ValidationError` naming ``source`` and the key."""
    values: dict[str, object] = {}
    for key, value in data.items():
        if key not in _FIELDS:
            raise ValidationError(
                f"{source}: unknown key (expected some of {', '.join(sorted(_FIELDS))})",
                field=key,
            )
        if key == "text" and isinstance(value, list):
            value = tuple(value)
        kinds = _KINDS.get(key, (str, int))
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ValidationError(f"{source}: unexpected value {value!r}", field=key)
        values[key] = value
    if "date" not in values:
        raise ValidationError(f"{source}: the date column is required", field="date")
    try:
        return CsvMapping(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationError(f"{source}: {exc}") from exc


# The CSV exports of the Belgian banks' online banking, as other projects that read real exports
# document them (docs/statements.md names the sources). Banks change their exports now and
# then; a file that does not match is refused naming the missing column, and a mapping file
# reads any other layout.
def _belgian(**fields: Any) -> CsvMapping:
    """A Belgian online banking export: semicolons and day/month/year dates, and unless
    ``fields`` say otherwise Windows-1252 text and a decimal comma without grouping."""
    return CsvMapping(
        **{
            "delimiter": ";",
            "date_format": "%d/%m/%Y",
            "encoding": "cp1252",
            "decimal": ",",
            "thousands": "",
            **fields,
        }
    )


# BNP Paribas Fortis Easy Banking's export today: UTF-8 with a byte-order mark, amounts written
# with a decimal point or a decimal comma within one file (-31.41, -12,05), no grouping.
# "Volgnummer" is no transaction id: rows not yet numbered carry only the year ("2026-"), so
# ids are content hashes. A refused payment is listed with its reason, and skipped.
_BNP_PARIBAS_FORTIS: dict[str, Any] = {"encoding": "utf-8-sig", "decimal": ".,"}
CSV_PRESETS: dict[str, CsvMapping] = {
    # KBC / CBC Touch "Exporteren naar CSV": the header is the first line, 18 columns, amounts
    # with a decimal comma and no grouping (-775,08), padded cells (" 00000000").
    "kbc": _belgian(
        date="Datum",
        value_date="Valuta",
        amount="Bedrag",
        currency_column="Munt",
        counterparty_name="Naam tegenpartij",
        counterparty_iban="rekeningnummer tegenpartij",
        counterparty_bic="BIC tegenpartij",
        reference="gestructureerde mededeling",
        text=("Vrije mededeling", "Omschrijving"),
    ),
    "bnp-paribas-fortis": _belgian(
        date="Uitvoeringsdatum",
        value_date="Valutadatum",
        amount="Bedrag",
        currency_column="Valuta rekening",
        counterparty_name="Naam van de tegenpartij",
        counterparty_iban="Tegenpartij",
        text=("Mededeling", "Details"),
        refused="Reden van weigering",
        **_BNP_PARIBAS_FORTIS,
    ),
    "bnp-paribas-fortis-fr": _belgian(
        date="Date d'exécution",
        value_date="Date valeur",
        amount="Montant",
        currency_column="Devise du compte",
        counterparty_name="Nom de la contrepartie",
        counterparty_iban="Contrepartie",
        text=("Communication", "Détails"),
        refused="Motif du refus",
        **_BNP_PARIBAS_FORTIS,
    ),
    # Belfius Direct Net: the search criteria and the last balance come first (12 or 13 lines,
    # then one holding only ";"), the header after them; Latin-1 text, -1.234,56 amounts.
    "belfius": _belgian(
        date="Boekingsdatum",
        value_date="Valutadatum",
        amount="Bedrag",
        currency_column="Devies",
        counterparty_name="Naam tegenpartij bevat",
        counterparty_iban="Rekening tegenpartij",
        counterparty_bic="BIC",
        text=("Mededelingen", "Transactie"),
        thousands=".",
        header_within=30,
    ),
    # ING Home'Bank: the header is the first line, 11 columns, amounts like -151,80.
    "ing-belgium": _belgian(
        date="Boekingsdatum",
        value_date="Valutadatum",
        amount="Bedrag",
        currency_column="Munteenheid",
        counterparty_iban="Rekening tegenpartij",
        text=("Bericht", "Omschrijving", "Detail van de omzet"),
        thousands=".",
    ),
}
"""Named mappings for common Belgian bank CSV exports (``paylink statement import --preset``)."""


class CsvFormat(FormatBase):
    """A bank's CSV export read through a :class:`CsvMapping` (see module doc)."""

    name = "csv"

    def __init__(self, mapping: CsvMapping | None = None) -> None:
        self.mapping = mapping

    def sniff(self, head: bytes) -> bool:
        """With a mapping, whether the header line holds every mapped column; else ``False``."""
        mapping = self.mapping
        if mapping is None:
            return False
        try:
            text = head.decode(mapping.encoding, errors="replace")
        except LookupError:
            return False
        lines = text.splitlines()
        if not mapping.header:
            return False  # positions only: nothing to recognise the file by
        candidates = lines[mapping.skip_lines : mapping.skip_lines + mapping.header_within]
        reader = _csv.reader(candidates, delimiter=mapping.delimiter)
        return any(mapping.is_header(row) for row in reader)

    def _events(self, stream: IO[bytes], filename: str) -> Iterator[StatementEvent]:
        mapping = self.mapping
        if mapping is None:
            raise StatementError(
                "a CSV file can only be read with a CsvMapping saying which column is which; "
                "use CsvFormat(CsvMapping(...))",
                file=filename,
            )
        try:
            yield from _read(mapping, _lines(stream, mapping.encoding, filename), filename)
        except _csv.Error as exc:
            raise StatementError(f"expected CSV: {exc}", file=filename) from None


def _lines(stream: IO[bytes], encoding: str, filename: str) -> Iterator[str]:
    """The text lines of ``stream`` in ``encoding``; a byte that is not says on which line."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise StatementError(
            f"unknown encoding {encoding!r} in the CsvMapping", file=filename
        ) from None
    number = 0
    for raw in stream:
        number += 1
        try:
            # KBC ends its rows with a bare carriage return: each is a line of its own.
            yield from _BARE_CR.split(decoder.decode(raw))
        except UnicodeDecodeError as exc:
            raise StatementError(
                f"expected text in {encoding}, got byte {raw[exc.start : exc.start + 1]!r} "
                f"at column {exc.start + 1} ({exc.reason})",
                file=filename,
                line=number,
            ) from None
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise StatementError(
            f"expected text in {encoding}, the file ends inside a character ({exc.reason})",
            file=filename,
            line=number,
        ) from None
    if tail:
        yield from _BARE_CR.split(tail)


# Splits after a carriage return that no line feed follows (kept at the line's end, as csv wants).
_BARE_CR = re.compile(r"(?<=\r)(?!\n|$)")


def _read(mapping: CsvMapping, text: Iterator[str], filename: str) -> Iterator[StatementEvent]:
    for _ in range(mapping.skip_lines):
        next(text, None)
    offset = mapping.skip_lines
    if mapping.header and mapping.header_within > 1:
        text, offset = _find_header(mapping, text, filename)
    reader = _csv.reader(text, delimiter=mapping.delimiter, quotechar=mapping.quotechar)
    index: dict[Column, int] = {}
    header_line = ""
    if mapping.header:
        row = next(reader, None)
        if row is None:
            raise StatementError("expected a header line, the file is empty", file=filename)
        names = [cell.strip() for cell in row]
        header_line = "|".join(names)
        for column in mapping.columns():
            if isinstance(column, str):
                if column not in names:
                    raise StatementError(
                        f"expected a column {column!r} in the header, found {names}",
                        file=filename,
                        line=offset + 1,
                    )
                index[column] = names.index(column)
    for column in mapping.columns():
        if isinstance(column, int):
            index[column] = column
    width = max(index.values()) + 1
    ids = ContentIds("csv")
    header_sent = False
    currency_seen: str | None = mapping.currency
    for row in reader:
        line = offset + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            raise StatementError(
                f"expected at least {width} columns, got {len(row)}", file=filename, line=line
            )
        if _cell(row, index, mapping.refused):
            continue  # refused by the bank: never booked
        transaction = _transaction(mapping, row, index, filename, line, ids)
        if header_sent and transaction.amount.currency != currency_seen:
            raise StatementError(
                f"expected every entry in {currency_seen}, got {transaction.amount.currency}",
                file=filename,
                line=line,
            )
        if not header_sent:
            header_sent = True
            currency_seen = transaction.amount.currency
            yield StatementHeader(
                id=ContentIds("csv").make(None, mapping.account_iban, header_line, "|".join(row)),
                account_iban=mapping.account_iban,
                currency=currency_seen,
            )
        yield transaction
    if not header_sent:
        yield StatementHeader(
            id=ContentIds("csv").make(None, mapping.account_iban, header_line),
            account_iban=mapping.account_iban,
            currency=currency_seen or "EUR",
        )
    yield StatementFooter()


def _find_header(
    mapping: CsvMapping, text: Iterator[str], filename: str
) -> tuple[Iterator[str], int]:
    """``text`` from its header line on, and how many lines came before it in the file."""
    for seen in range(mapping.header_within):
        line = next(text, None)
        if line is None:
            break
        row = next(
            _csv.reader([line], delimiter=mapping.delimiter, quotechar=mapping.quotechar), []
        )
        if mapping.is_header(row):
            return itertools.chain([line], text), mapping.skip_lines + seen
    wanted = [c for c in mapping.columns() if isinstance(c, str)]
    raise StatementError(
        f"expected a header line with the columns {wanted} within the first "
        f"{mapping.skip_lines + mapping.header_within} lines, found none",
        file=filename,
    )


_SPACES = re.compile(r"\s")
_EXAMPLES = {".": "1234.56", ",": "1234,56", ".,": "1234.56 or 1234,56"}


def _cell(row: list[str], index: dict[Column, int], column: Column | None) -> str | None:
    if column is None:
        return None
    value = row[index[column]].strip()
    return value or None


def _amount(mapping: CsvMapping, raw: str, file: str, line: int) -> Decimal:
    value = _SPACES.sub("", raw)
    if mapping.thousands:
        value = value.replace(mapping.thousands, "")
    if "," in mapping.decimal:
        value = value.replace(",", ".")
    # Money out is written -12.50, (12.50), or with the sign after the number, 12.50- (the
    # Belgian and German banks' export habit); a plus sign either side is money in.
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    elif value[:1] in ("-", "+"):
        negative, value = value[0] == "-", value[1:]
    elif value[-1:] in ("-", "+"):
        negative, value = value[-1] == "-", value[:-1]
    if not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", value):
        raise StatementError(
            f"expected an amount like {_EXAMPLES[mapping.decimal]}, got {raw!r}",
            file=file,
            line=line,
        )
    number = Decimal(value)
    return -number if negative else number


def _date(mapping: CsvMapping, raw: str | None, file: str, line: int, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(raw or "", mapping.date_format).date()
    except ValueError:
        raise StatementError(
            f"expected the {what} as {mapping.date_format}, got {raw!r}", file=file, line=line
        ) from None


def _transaction(
    mapping: CsvMapping,
    row: list[str],
    index: dict[Column, int],
    file: str,
    line: int,
    ids: ContentIds,
) -> BankTransaction:
    booking = _date(mapping, _cell(row, index, mapping.date), file, line, "date")
    value_raw = _cell(row, index, mapping.value_date)
    value = _date(mapping, value_raw, file, line, "value date") if value_raw else None
    if mapping.amount is not None:
        raw = _cell(row, index, mapping.amount)
        if raw is None:
            raise StatementError("expected an amount, the cell is empty", file=file, line=line)
        amount = _amount(mapping, raw, file, line)
    else:
        debit = _cell(row, index, mapping.debit)
        credit = _cell(row, index, mapping.credit)
        if debit is None and credit is None:
            raise StatementError(
                "expected a debit or a credit amount, both cells are empty", file=file, line=line
            )
        amount = Decimal(0)
        if credit is not None:
            amount += abs(_amount(mapping, credit, file, line))
        if debit is not None:
            amount -= abs(_amount(mapping, debit, file, line))
    currency = mapping.currency or _cell(row, index, mapping.currency_column)
    money = make_money(amount, currency, file=file, line=line)
    texts = [_cell(row, index, column) for column in _columns(mapping.text)]
    text = clean(" ".join(t for t in texts if t))
    reference_raw = _cell(row, index, mapping.reference)
    reference = first_reference(reference_raw, text)
    if reference is None and reference_raw:
        text = clean(f"{text or ''} {reference_raw}")
    name = clean(_cell(row, index, mapping.counterparty_name))
    iban = compact_iban(_cell(row, index, mapping.counterparty_iban))
    bic = clean(_cell(row, index, mapping.counterparty_bic))
    bank_reference = _cell(row, index, mapping.bank_reference)
    ident = bank_reference or ids.make(
        booking, mapping.account_iban, booking, value, money.amount, money.currency,
        iban, name, reference, text,
    )  # fmt: skip
    return BankTransaction(
        id=ident,
        account_iban=mapping.account_iban,
        booking_date=booking,
        value_date=value,
        amount=money,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_bic=bic,
        structured_reference=reference,
        remittance_text=text,
        bank_reference=bank_reference,
    )
