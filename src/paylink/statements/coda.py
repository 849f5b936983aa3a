"""Belgian CODA ("coded statement of account", Febelfin version 2): 128-character records.

Records read: ``0`` header, ``1`` old balance (starts a statement), ``21``/``22``/``23``
movement, ``31``/``32``/``33`` information about the movement, ``4`` free communication
(ignored), ``8`` new balance (ends a statement), ``9`` trailer. A file may hold several
statements, and several files may be concatenated. Each file must end with its trailer, whose
record count (records 1, 2x, 3x, 8) and debit and credit sums (movements of type 0-4, the
details of a globalisation being in their total) are checked; the checks go with the file's
last statement (:attr:`~paylink.statements.model.Statement.checks`).

Text is decoded as UTF-8, else cp1252, else latin-1, so a stray accented byte never stops an
import. Trailing spaces may be missing; a record longer than 128 characters is an error.

Movements:

- amount: positions 33–47 (3 decimals), sign at 32 (``1`` = debit, negative);
- structured communication (position 62 = ``1``) of type ``101`` or ``102`` is a Belgian OGM,
  which becomes the transaction's ``structured_reference``; free communication (records 21,
  22 and 23) becomes ``remittance_text``;
- counterparty IBAN and name from record 23, BIC from record 22, the customer reference of
  record 22 (the SEPA end-to-end id) as ``end_to_end_id``; when the movement has no name, the
  name of a structured information record ``31`` of type ``001`` is used;
- ``id`` is ``account/YYYY-NNN/SSSS-DDDD``: account, year of the old balance and statement
  number (record 1), then sequence and detail number of the movement, so the same movement
  has the same id however often the file is imported.

Globalisation: a bank (or the customer) can book one total (transaction type 1, 2, 3 or 7)
followed by its details (types 5, 6, 7, 8, 9) under the same sequence number. paylink emits the
**details**, each with its own amount and reference, and never the total they make up, so
nothing is counted twice and the balance check still adds up; a total without details is
emitted as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

import attrs

from ..exceptions import StatementError
from ..money import CURRENCY_EXPONENTS, Money
from ..references import Reference
from ._common import (
    clean,
    compact_iban,
    decoded_chunks,
    first_reference,
    make_money,
    may_hold_reference,
    new_transaction,
    ogm_reference,
)
from .base import FormatBase, StatementEvent, StatementFooter, StatementHeader
from .model import BankTransaction, StatementCheck

__all__ = ["CodaFormat"]

_TOTAL_TYPES = frozenset("1237")
_NONE: list[BankTransaction] = []  # returned, never changed
# Record 21 in one match when its numbers are digits: sequence, detail, sign, amount.
_RECORD21 = re.compile(r"21(\d{4})(\d{4}).{21}([01])(\d{15})")
# All of record 21 when well formed: sequence, detail, bank reference, sign, amount, value
# date, transaction code, communication type and zone, entry date.
_RECORD21_ALL = re.compile(
    r"21(\d{4})(\d{4})(.{21})([01])(\d{15})(\d{6})(\d{8})([01])(.{53})(\d{6})", re.S
)
_DEPTH = {"0": 0, "1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1, "7": 1, "8": 1, "9": 2}


class _Movement:
    """A movement being assembled from its records 21, 22, 23 and 3x (a plain slotted class:
    a big file makes one per entry)."""

    __slots__ = (
        "amount", "bank_reference", "booking_date", "code", "communication",
        "counterparty_bic", "counterparty_iban", "counterparty_name", "detail",
        "end_to_end_id", "key", "raw", "reference", "seq", "type", "value_date",
    )  # fmt: skip

    def __init__(
        self,
        seq: str,
        detail: str,
        kind: str,
        amount: Money,
        value_date: dt.date | None,
        booking_date: dt.date,
        code: str,
        bank_reference: str | None,
        reference: Reference | None,
        communication: str,
        raw: str,
    ) -> None:
        self.seq = seq
        self.detail = detail
        self.type = kind
        self.amount = amount
        self.value_date = value_date
        self.booking_date = booking_date
        self.code = code
        self.bank_reference = bank_reference
        self.reference = reference
        self.communication = communication
        self.raw = raw
        self.counterparty_name: str | None = None
        self.counterparty_iban: str | None = None
        self.counterparty_bic: str | None = None
        self.end_to_end_id: str | None = None
        self.key = seq + detail  # sequence + detail number, as records 22 and 23 repeat them


@attrs.define
class _Open:
    """The statement being read."""

    account: str
    currency: str
    statement_id: str
    line: int
    cents: bool = False  # a currency with two decimals (most): amounts take a fast path

    def __attrs_post_init__(self) -> None:
        self.cents = CURRENCY_EXPONENTS.get(self.currency) == 2


def _exact_money(amount: Decimal, statement: _Open) -> Money:
    """Money for an amount already exact at two decimals, in the statement's currency."""
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    object.__setattr__(money, "currency", statement.currency)
    return money


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.line = 0
        self.statement: _Open | None = None
        self.pending: _Movement | None = None  # being assembled from 21/22/23/3x
        self.held: _Movement | None = None  # a total waiting to see whether details follow
        self.in_file = False
        self.dates: dict[str, dt.date] = {}  # DDMMYY -> date: a file repeats a few dates
        # What the trailer (9) states, counted since the header (0): records 1, 2x, 3x and 8,
        # and the debits and credits (thousandths) of the movements that are no detail.
        self.records = 0
        self.debits = 0
        self.credits = 0
        self.header_line = 0
        self.footer: StatementFooter | None = None  # the last new balance, until 1 or 9

    def tally(self, sign: str, digits: str, kind: str) -> None:
        """Count a movement's amount for the trailer (details, types 5-9, are in a total)."""
        if kind in "01234":
            if sign == "1":
                self.debits += int(digits)
            else:
                self.credits += int(digits)

    def release(self) -> Iterator[StatementEvent]:
        """Emit the held footer of the previous statement, without trailer checks."""
        footer, self.footer = self.footer, None
        if footer is not None:
            yield footer

    # -- field helpers ------------------------------------------------------------------------
    def error(self, message: str) -> StatementError:
        return StatementError(message, file=self.file, line=self.line)

    def digits(self, record: str, start: int, end: int, what: str) -> str:
        value = record[start - 1 : end]
        if not value.isdigit() or not value.isascii():
            raise self.error(f"expected {what} (digits) at positions {start}-{end}, got {value!r}")
        return value

    def amount(self, record: str, sign_pos: int, start: int, currency: str) -> Money:
        sign = record[sign_pos - 1]
        if sign not in "01":
            raise self.error(f"expected a sign 0 or 1 at position {sign_pos}, got {sign!r}")
        value = Decimal(int(self.digits(record, start, start + 14, "an amount"))).scaleb(-3)
        return make_money(
            -value if sign == "1" else value, currency, file=self.file, line=self.line
        )

    def date(self, record: str, start: int, what: str, *, optional: bool = False) -> dt.date | None:
        value = record[start - 1 : start + 5]
        if optional and value in ("000000", "      "):
            return None
        cached = self.dates.get(value)
        if cached is not None:
            return cached
        if len(self.dates) > 4096:
            self.dates.clear()
        self.dates[value] = self._date(record, start, what, value)
        return self.dates[value]

    def _date(self, record: str, start: int, what: str, value: str) -> dt.date:
        digits = self.digits(record, start, start + 5, what)
        try:
            return dt.date(2000 + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
        except ValueError:
            raise self.error(
                f"expected {what} as DDMMYY at positions {start}-{start + 5}, got {value!r}"
            ) from None

    # -- records ------------------------------------------------------------------------------
    def record(self, record: str) -> Iterator[StatementEvent]:
        kind = record[0]
        if kind == "2":
            yield from self.movement_record(record)
        elif kind == "3":
            self.information_record(record)
        elif kind == "1":
            yield from self.flush(final=True)
            yield from self.release()
            yield self.old_balance(record)
        elif kind == "8":
            yield from self.flush(final=True)
            self.footer = self.new_balance(record)
        elif kind == "0":
            if self.statement is not None:
                raise self.error("expected a new balance record (8) before a new header (0)")
            if self.in_file:
                raise self.error(
                    f"expected the trailer record (9) of the file that starts on line "
                    f"{self.header_line} before a new header (0)"
                )
            self.records = self.debits = self.credits = 0
            self.header_line = self.line
            if record[1:5] != "0000":
                raise self.error(f"expected 0000 at positions 2-5 of a header, got {record[1:5]!r}")
            if record[127] not in "2 ":
                unsupported = " (version 1 is not supported)" if record[127] == "1" else ""
                raise self.error(
                    f"expected CODA version 2 at position 128, got {record[127]!r}{unsupported}"
                )
            self.in_file = True
        elif kind == "9":
            if self.statement is not None:
                raise self.error("expected a new balance record (8) before the trailer (9)")
            if not self.in_file:
                raise self.error("expected a header record (0) before the trailer (9)")
            self.in_file = False
            yield from self.trailer(record)
        elif kind == "4":
            if not self.in_file:
                raise self.error("expected a header record (0) before a free communication (4)")
        else:
            raise self.error(
                "expected a record of type 0, 1, 21, 22, 23, 31, 32, 33, 4, 8 or 9, "
                f"got {record[:2]!r}"
            )

    def trailer(self, record: str) -> Iterator[StatementEvent]:
        """Check the trailer's counts against the file; attach the checks to its last statement."""
        count = int(self.digits(record, 17, 22, "the number of records"))
        debits = int(self.digits(record, 23, 37, "the sum of the debits"))
        credits = int(self.digits(record, 38, 52, "the sum of the credits"))
        where = f"trailer on line {self.line}, file from line {self.header_line}"

        def amount(thousandths: int) -> str:
            return str(Decimal(thousandths).scaleb(-3))

        checks = (
            StatementCheck(
                name="trailer records", ok=count == self.records, stated=str(count),
                computed=str(self.records), where=where,
            ),
            StatementCheck(
                name="trailer debits", ok=debits == self.debits, stated=amount(debits),
                computed=amount(self.debits), where=where,
            ),
            StatementCheck(
                name="trailer credits", ok=credits == self.credits, stated=amount(credits),
                computed=amount(self.credits), where=where,
            ),
        )  # fmt: skip
        footer, self.footer = self.footer, None
        if footer is None:
            failed = [str(check) for check in checks if not check.ok]
            if failed:
                raise self.error("the trailer does not match the file: " + "; ".join(failed))
            return
        yield attrs.evolve(footer, checks=footer.checks + checks)

    def old_balance(self, record: str) -> StatementHeader:
        if not self.in_file:
            raise self.error("expected a header record (0) before the old balance (1)")
        if self.statement is not None:
            raise self.error("expected a new balance record (8) before the next old balance (1)")
        structure = record[1]
        if structure == "0":
            account, currency = record[5:17], record[18:21]
        elif structure == "2":
            account, currency = record[5:21], record[39:42]
        elif structure in "13":
            account, currency = record[5:39], record[39:42]
        else:
            raise self.error(f"expected an account structure 0-3 at position 2, got {structure!r}")
        account = compact_iban(account) or ""
        if not account:
            raise self.error("expected an account number at positions 6-42")
        opening = self.amount(record, 43, 44, currency)
        opening_date = self.date(record, 59, "the old balance date")
        assert opening_date is not None
        number = self.digits(record, 126, 128, "the statement number")
        statement_id = f"{account}/{opening_date.year}-{number}"
        self.statement = _Open(account, opening.currency, statement_id, self.line)
        extra = {
            "paper_statement_number": record[2:5],
            "account_holder": " ".join(record[64:90].split()),
            "account_description": " ".join(record[90:125].split()),
        }
        return StatementHeader(
            id=statement_id,
            account_iban=account,
            currency=opening.currency,
            opening_balance=opening,
            opening_date=opening_date,
            extra={key: value for key, value in extra.items() if value},
        )

    def new_balance(self, record: str) -> StatementFooter:
        if self.statement is None:
            raise self.error("expected an old balance record (1) before the new balance (8)")
        closing = self.amount(record, 42, 43, self.statement.currency)
        closing_date = self.date(record, 58, "the new balance date")
        self.statement = None
        return StatementFooter(closing_balance=closing, closing_date=closing_date)

    def movement_record(self, record: str) -> list[BankTransaction]:
        part = record[1]
        statement = self.statement
        if statement is None:
            raise self.error("expected an old balance record (1) before a movement record")
        if part == "1":
            done = self.flush() if self.pending is not None or self.held is not None else _NONE
            self.pending = self.movement(record, statement)
            return done
        pending = self.pending
        if pending is None or record[2:10] != pending.key:
            raise self.error(
                f"expected record 2{part} to follow record 21 of movement "
                f"{record[2:6]}/{record[6:10]}"
            )
        pending.raw += "\n" + record
        if part == "2":
            pending.communication += record[10:63]
            pending.end_to_end_id = record[63:98].strip() or None
            pending.counterparty_bic = record[98:109].strip() or None
        elif part == "3":
            # An IBAN (up to 34), or a Belgian account number followed by its currency.
            account = record[10:44].split()
            pending.counterparty_iban = account[0].upper() if account else None
            pending.counterparty_name = clean(record[47:82])
            pending.communication += record[82:125]
        else:
            raise self.error(f"expected a movement record 21, 22 or 23, got 2{part!r}")
        return _NONE

    def movement(self, record: str, statement: _Open) -> _Movement:
        whole = _RECORD21_ALL.match(record)
        if whole is not None:
            dates = self.dates
            seq, detail, bank_ref, sign, digits, vdate, code, ctype, comm, edate = whole.groups()
            value_date = dates.get(vdate)
            booking_date = dates.get(edate)
            if value_date is not None and booking_date is not None:
                self.tally(sign, digits, code[0])
                # The common case, in few steps: every field well formed, dates seen before.
                if statement.cents and digits[14] == "0":
                    # Two-decimal currency, third decimal zero: exact as it stands.
                    text = f"{digits[:12]}.{digits[12:14]}"
                    amount = _exact_money(Decimal("-" + text if sign == "1" else text), statement)
                else:
                    value = Decimal(int(digits)).scaleb(-3)
                    amount = make_money(
                        -value if sign == "1" else value,
                        statement.currency,
                        file=self.file,
                        line=self.line,
                    )
                reference = None
                if ctype == "1" and comm[:3] in ("101", "102"):
                    reference = ogm_reference(comm[3:15])
                if reference is not None:
                    communication = ""
                elif ctype == "1":
                    communication = comm[3:]
                else:
                    communication = comm
                return _Movement(
                    seq, detail, code[0], amount, value_date, booking_date, code,
                    bank_ref.strip() or None, reference, communication, record,
                )  # fmt: skip
        return self.careful_movement(record, statement)

    def careful_movement(self, record: str, statement: _Open) -> _Movement:
        """Read record 21 field by field, saying precisely what is wrong."""
        fast = _RECORD21.match(record)
        if fast is None:
            seq = self.digits(record, 3, 6, "a sequence number")
            detail = self.digits(record, 7, 10, "a detail number")
            amount = self.amount(record, 32, 33, statement.currency)
        else:
            seq, detail = fast.group(1), fast.group(2)
            value = Decimal(int(fast.group(4))).scaleb(-3)
            if fast.group(3) == "1":
                value = -value
            amount = make_money(value, statement.currency, file=self.file, line=self.line)
        value_date = self.date(record, 48, "the value date", optional=True)
        booking_date = self.date(record, 116, "the entry date", optional=True) or value_date
        if booking_date is None:
            raise self.error("expected an entry date at positions 116-121 or a value date")
        code = record[53:61]
        kind = code[0]
        if kind not in _DEPTH:
            raise self.error(f"expected a transaction type 0-9 at position 54, got {kind!r}")
        self.tally(record[31], record[32:47], kind)
        reference: Reference | None = None
        communication = ""
        if record[61] == "1":
            structured = record[62:115]
            if structured[:3] in ("101", "102"):
                reference = ogm_reference(structured[3:15])
            if reference is None:
                communication = structured[3:]
        elif record[61] == "0":
            communication = record[62:115]
        else:
            raise self.error(
                f"expected a communication type 0 or 1 at position 62, got {record[61]!r}"
            )
        return _Movement(
            seq, detail, kind, amount, value_date, booking_date, code,
            clean(record[10:31]), reference, communication, record,
        )  # fmt: skip

    def information_record(self, record: str) -> None:
        if self.statement is None:
            raise self.error("expected an old balance record (1) before an information record")
        if record[1] not in "123":
            raise self.error(f"expected an information record 31, 32 or 33, got 3{record[1]!r}")
        pending = self.pending
        if pending is None:
            return  # information about a movement of another period: nothing to attach it to
        pending.raw += "\n" + record
        structured_name = record[1] == "1" and record[39] == "1" and record[40:43] == "001"
        if structured_name and pending.counterparty_name is None:
            pending.counterparty_name = clean(record[43:113])

    # -- emission -----------------------------------------------------------------------------
    def flush(self, *, final: bool = False) -> list[BankTransaction]:
        """Finish the movement being assembled and pass it through the globalisation filter.

        ``final`` (at the end of a statement) also emits a total still waiting for details.
        """
        out: list[BankTransaction] = []
        if final:
            out.extend(self.flush())
            held, self.held = self.held, None
            if held is not None:
                out.append(self.transaction(held))
            return out
        movement, self.pending = self.pending, None
        held = self.held
        if movement is None:
            if held is not None:
                self.held = None
                out.append(self.transaction(held))
            return out
        if held is not None:
            self.held = None
            is_parent = movement.seq == held.seq and _DEPTH[movement.type] > _DEPTH[held.type]
            if not is_parent:
                out.append(self.transaction(held))
        if movement.type in _TOTAL_TYPES:
            self.held = movement
        else:
            out.append(self.transaction(movement))
        return out

    def transaction(self, movement: _Movement) -> BankTransaction:
        statement = self.statement
        assert statement is not None
        text = " ".join(movement.communication.split()) or None
        reference = movement.reference
        if reference is None and text is not None and may_hold_reference(text):
            reference = first_reference(text)
        return new_transaction(
            f"{statement.statement_id}/{movement.seq}-{movement.detail}",
            statement.account,
            movement.booking_date,
            movement.value_date,
            movement.amount,
            movement.counterparty_name,
            movement.counterparty_iban,
            movement.counterparty_bic,
            reference,
            text,
            movement.code,
            movement.bank_reference,
            movement.end_to_end_id,
            movement.raw,
        )


class CodaFormat(FormatBase):
    """Belgian CODA version 2 (see module doc for the mapping and globalisation)."""

    name = "coda"

    def sniff(self, head: bytes) -> bool:
        """Recognise a CODA header record: ``00000`` then a date, then an old-balance record."""
        first, _, rest = head.partition(b"\n")
        first = first.rstrip(b"\r")
        return (
            first[:5] == b"00000"
            and first[5:11].isdigit()
            and 100 <= len(first) <= 128
            and rest[:1] == b"1"
        )

    def _events(self, stream: IO[bytes], filename: str) -> Iterator[StatementEvent]:
        reader = _Reader(filename)
        # The records of a movement (21, 22, 23, 3x) are the bulk of any file: they are read
        # here, inline, when well formed; anything else goes to the reader's careful methods.
        match21 = _RECORD21_ALL.match
        dates = reader.dates
        transaction = reader.transaction
        new_money = object.__new__
        set_field = object.__setattr__
        line = 0
        records = 0  # records 1, 2x, 3x and 8 not yet added to reader.records
        for lines in decoded_chunks(stream):
            for text in lines:
                line += 1
                if len(text) != 128:
                    reader.line = line
                    if not text or text.isspace():
                        continue
                    text = text.rstrip()
                    if len(text) > 128:
                        raise reader.error(
                            f"expected a record of 128 characters, got {len(text)} characters"
                        )
                    text = text.ljust(128)
                kind = text[0]
                if kind == "2":
                    records += 1
                    part = text[1]
                    pending = reader.pending
                    if part == "2" and pending is not None and text[2:10] == pending.key:
                        pending.raw += "\n" + text
                        pending.communication += text[10:63]
                        pending.end_to_end_id = text[63:98].strip() or None
                        pending.counterparty_bic = text[98:109].strip() or None
                        continue
                    if part == "3" and pending is not None and text[2:10] == pending.key:
                        pending.raw += "\n" + text
                        # An IBAN (up to 34), or a Belgian account number and its currency.
                        account = text[10:44].split()
                        pending.counterparty_iban = account[0].upper() if account else None
                        pending.counterparty_name = " ".join(text[47:82].split()) or None
                        pending.communication += text[82:125]
                        continue
                    statement = reader.statement
                    whole = match21(text) if part == "1" and statement is not None else None
                    if whole is not None and statement is not None and statement.cents:
                        seq, detail, bank_ref, sign, digits, vdate, code, ctype, comm, edate = (
                            whole.groups()
                        )
                        value_date = dates.get(vdate)
                        booking_date = dates.get(edate)
                        if (
                            value_date is not None
                            and booking_date is not None
                            and digits[14] == "0"
                        ):
                            # Well formed, dates seen before, a two-decimal currency and the
                            # third decimal zero: the amount is exact as it stands.
                            kind = code[0]
                            if kind in "01234":  # the details of a total (5-9) are in it
                                if sign == "1":
                                    reader.debits += int(digits)
                                else:
                                    reader.credits += int(digits)
                            money = new_money(Money)
                            whole_part, cents = digits[:12], digits[12:14]
                            set_field(
                                money,
                                "amount",
                                Decimal(
                                    f"-{whole_part}.{cents}"
                                    if sign == "1"
                                    else f"{whole_part}.{cents}"
                                ),
                            )
                            set_field(money, "currency", statement.currency)
                            reference = None
                            if ctype == "1":
                                if comm[:3] in ("101", "102"):
                                    reference = ogm_reference(comm[3:15])
                                communication = "" if reference is not None else comm[3:]
                            else:
                                communication = comm
                            movement = _Movement(
                                seq, detail, kind, money, value_date, booking_date, code,
                                bank_ref.strip() or None, reference, communication, text,
                            )  # fmt: skip
                            if pending is None and reader.held is None:
                                reader.pending = movement
                            elif (
                                reader.held is None
                                and pending is not None
                                and (pending.type not in _TOTAL_TYPES)
                            ):
                                reader.pending = movement
                                yield transaction(pending)
                            else:  # a globalisation: the reader decides what to emit
                                reader.line = line
                                done = reader.flush()
                                reader.pending = movement
                                yield from done
                            continue
                    reader.line = line
                    done = reader.movement_record(text)
                    if done:
                        yield from done
                    continue
                if kind == "3" and text[1] in "123" and reader.statement is not None:
                    records += 1
                    pending = reader.pending
                    if pending is not None:
                        pending.raw += "\n" + text
                        if (
                            text[1] == "1"
                            and text[39] == "1"
                            and text[40:43] == "001"
                            and pending.counterparty_name is None
                        ):
                            pending.counterparty_name = clean(text[43:113])
                    continue
                if kind in "138":
                    records += 1
                reader.records += records  # the trailer (9) checks them
                records = 0
                reader.line = line
                yield from reader.record(text)
        reader.line = line
        if reader.statement is not None:
            raise StatementError(
                "expected a new balance record (8) before the end of the file",
                file=filename,
                line=reader.line,
            )
        if reader.in_file:
            # Without its trailer the file may be cut short after a statement: refused, as
            # its counts and sums cannot be checked.
            raise StatementError(
                f"expected the trailer record (9) of the file that starts on line "
                f"{reader.header_line} before the end of the file",
                file=filename,
                line=reader.line,
            )
        if reader.header_line == 0:
            # Every record needs a header (0) before it, and the file ended without error:
            # no header means no record at all.
            raise StatementError("expected CODA records, the file is empty", file=filename)
