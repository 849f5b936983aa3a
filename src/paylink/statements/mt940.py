"""SWIFT MT940 (customer statement) and MT942 (interim transaction report).

Fields read: ``:20:`` (starts a message), ``:25:`` account, ``:28C:`` statement number,
``:60F:``/``:60M:`` opening balance, ``:61:`` statement line, ``:86:`` information to the
account owner, ``:62F:``/``:62M:`` closing balance, and for MT942 ``:34F:`` (its currency) and
``:13D:``. Other fields (``:64:``, ``:65:``, ``:90D:`` …) are kept out of the way. A file may
hold several messages, separated by ``-`` lines and optionally wrapped in SWIFT blocks
``{1:…}{2:…}{4:`` … ``-}``; preamble lines before a message (``ABNANL2A``, ``940``) are skipped.

``:61:``: value date, optional entry date, ``C``/``D`` (``RC``, a reversed credit, is money
out; ``RD`` money in), amount with a decimal comma, transaction type (``NTRF``), customer
reference, ``//`` bank reference, and supplementary details on a second line. The bank
reference is the transaction's ``id`` when there is one (not ``NONREF``); otherwise the id is a
content hash.

``:86:`` is read in three shapes:

- the German structured form ``GVC?00booking text?20…?29 remittance?30 BIC?31 IBAN?32…?33
  name?60…?63 remittance``, whose remittance may carry SEPA tags: ``EREF+`` (end-to-end id),
  ``KREF+``, ``MREF+`` (mandate), ``CRED+``, ``SVWZ+`` (the remittance text proper),
  ``ABWA+`` (ultimate debtor, used as name when there is none), ``IBAN+``, ``BIC+``;
- the Dutch slash form ``/EREF/…/NAME/…/IBAN/…/BIC/…/REMI/…``;
- free text, in which SEPA tags are also recognised.

A structured reference (OGM or RF) is looked for in the remittance text.

Tolerated deviations (see ``docs/statements.md``): a funds-code letter after the mark, a day
past the month's end (30 February) read as the month's last day, zero-padded amounts, any
type letter, a long customer reference (the old Dutch layout's counter account and name),
``:NS:`` fields. An MT940 message must end with its closing balance; an MT942's ``:90D:`` and
``:90C:`` are checked against its lines.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

import attrs

from ..exceptions import StatementError
from ..money import Money
from ._common import (
    clean,
    compact_iban,
    decoded_lines,
    first_reference,
    looks_like_iban,
    make_money,
    negate,
    new_transaction,
)
from .base import ContentIds, FormatBase, StatementEvent, StatementFooter, StatementHeader
from .model import BankTransaction, StatementCheck

__all__ = ["Mt940Format"]

_TAG = re.compile(r":(\d\d[A-Z]?|NS):")
_BALANCE = re.compile(r"([CD])(\d{6})([A-Z]{3})(\d[\d,]*)")
# SWIFT says: value date, entry date, mark, funds code, amount, type (N/F/S + 3), customer
# reference (16), //bank reference (16). Banks stray from it in ways whose meaning is clear:
# a type letter outside N/F/S (MT942 "MCI0"), spaces in the type ("S   "), amounts padded
# with zeros, and a customer reference longer than 16 (the old Dutch layout puts the
# counter account and name there). Those are read; anything else is refused.
_LINE61 = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD]|E[CD])(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]{0,16})(?P<type>[A-Z][A-Z0-9 ]{3})(?P<custref>.*?)"
    r"(?://(?P<bankref>.*))?"
)
# The old Dutch (Rabobank) layout: counter account, then the name, in the customer reference.
_DUTCH_REFERENCE = re.compile(r"(?P<account>P?\d{7,10}|NONREF)\s{2,}(?P<name>\S.*)")
_TRANSMISSION = "\x01\x02\x03\x1a"
_AMOUNT = re.compile(r"\d+(?:,\d*)?")
_SEPA_TAG = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|COAM|OAMT)\+")
_SLASH_TAG = re.compile(
    r"/(EREF|ORDP|BENM|NAME|IBAN|BIC|REMI|CDTRREF|CDTRREFTP|RTRN|PREF|MARF|CSID|ULTD|ULTC|"
    r"PURP|ID|ADDR|ISDT|EXCH|CHGS|FX|TRCD|BUSP|ORIG|OCMT|SVCL|CREF|IREF)/"
)
_NOT_PROVIDED = frozenset({"NOTPROVIDED", "NONREF", "NONE", ""})
_SUBFIELD = re.compile(r"\?(\d\d)")
# ?20-?29 and ?60-?63 carry the remittance, in file order.
_REMITTANCE_KEYS = frozenset([*map(str, range(20, 30)), "60", "61", "62", "63"])
_SIGNS = {"C": 1, "D": -1, "RC": -1, "RD": 1, "EC": 1, "ED": -1}
_NONE: list[StatementEvent] = []  # returned, never changed


def _day(year: int, month: int, day: int) -> dt.date:
    """A date; a day past the month's end (30 February: interest booked by the 30/360 day
    count that German and Polish banks use) is read as the month's last day."""
    if 1 <= month <= 12 and 29 <= day <= 31:
        last = calendar.monthrange(year, month)[1]
        day = min(day, last)
    return dt.date(year, month, day)


def _yymmdd(text: str) -> dt.date:
    return _day(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))


def _join(parts: list[str]) -> str:
    """Join sub-fields: a full 27-character sub-field was wrapped mid-text, so no space."""
    out = ""
    for index, part in enumerate(parts):
        if index and len(parts[index - 1]) < 27:
            out += " "
        out += part
    return out


def _sepa_tags(text: str) -> dict[str, str]:
    matches = list(_SEPA_TAG.finditer(text))
    tags: dict[str, str] = {}
    if matches and matches[0].start() > 0 and text[: matches[0].start()].strip():
        tags["_prefix"] = text[: matches[0].start()].strip()
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        tags.setdefault(match.group(1), text[match.end() : end].strip())
    return tags


@attrs.define
class _Info:
    """What ``:86:`` says about a statement line."""

    name: str | None = None
    iban: str | None = None
    bic: str | None = None
    text: str | None = None
    end_to_end: str | None = None
    code: str | None = None
    reference: str | None = None


def _parse86(value: str) -> _Info:
    info = _Info()
    flat = value.replace("\r", "").replace("\n", "")
    if len(flat) > 5 and flat[:3].isdigit() and not flat[3].isalnum() and flat[4:6].isdigit():
        sep = flat[3]
        info.code = flat[:3]
        pieces = (_SUBFIELD if sep == "?" else re.compile(re.escape(sep) + r"(\d\d)")).split(
            flat[3:]
        )
        fields: dict[str, list[str]] = {}
        remittance: list[str] = []
        for key, val in zip(pieces[1::2], pieces[2::2], strict=False):
            if key in _REMITTANCE_KEYS:
                remittance.append(val)
            else:
                fields.setdefault(key, []).append(val)
        joined = _join(remittance)
        tags = _sepa_tags(joined)
        info.name = clean(_join(fields.get("32", []) + fields.get("33", [])))
        account = compact_iban("".join(fields.get("31", [])))
        bic = clean("".join(fields.get("30", [])))
        info.iban = account
        info.bic = bic if bic and not bic.isdigit() else None  # digits: a German BLZ
        _apply_tags(info, tags, default=joined)
        return info
    if flat.startswith("/") and _SLASH_TAG.search(flat):
        text = value.replace("\r", "").replace("\n", "")
        matches = list(_SLASH_TAG.finditer(text))
        slash: dict[str, str] = {}
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            slash.setdefault(match.group(1), text[match.end() : end].strip("/ "))
        remi = slash.get("REMI", "")
        for prefix in ("USTD//", "USTD/", "STRD/CUR/", "STRD/ISO/", "STRD/"):
            if remi.startswith(prefix):
                remi = remi[len(prefix) :]
                break
        info.text = clean(remi.strip("/"))
        info.reference = clean(slash.get("CDTRREF"))
        info.name = clean(slash.get("NAME"))
        info.iban = compact_iban(slash.get("IBAN"))
        info.bic = clean(slash.get("BIC"))
        eref = (slash.get("EREF") or "").strip()
        info.end_to_end = None if eref.upper() in _NOT_PROVIDED else eref
        return info
    text = " ".join(line.strip() for line in value.splitlines())
    _apply_tags(info, _sepa_tags(text), default=text)
    return info


def _apply_tags(info: _Info, tags: dict[str, str], *, default: str) -> None:
    if not any(key != "_prefix" for key in tags):
        info.text = clean(default)
        return
    info.text = clean(tags.get("SVWZ") or tags.get("_prefix"))
    eref = tags.get("EREF")
    if eref and eref.upper() not in _NOT_PROVIDED:
        info.end_to_end = eref
    if info.iban is None and tags.get("IBAN"):
        info.iban = compact_iban(tags["IBAN"])
    if info.bic is None and tags.get("BIC"):
        info.bic = clean(tags["BIC"])
    if info.name is None:
        info.name = clean(tags.get("ABWA"))


class _Line61:
    """A :61: statement line waiting for its :86: (a plain slotted class: one per entry)."""

    __slots__ = (
        "amount", "bank_reference", "booking_date", "customer_reference", "details", "info",
        "line", "type", "value_date",
    )  # fmt: skip

    def __init__(
        self,
        line: int,
        value_date: dt.date,
        booking_date: dt.date,
        amount: Money,
        kind: str,
        customer_reference: str | None,
        bank_reference: str | None,
        details: str | None,
    ) -> None:
        self.line = line
        self.value_date = value_date
        self.booking_date = booking_date
        self.amount = amount
        self.type = kind
        self.customer_reference = customer_reference
        self.bank_reference = bank_reference
        self.details = details
        self.info: _Info | None = None


class _Message:
    """One MT940/MT942 message while its fields stream past."""

    def __init__(self, file: str, line: int, reference: str) -> None:
        self.file = file
        self.start_line = line
        self.reference = reference
        self.account: str | None = None
        self.number: str | None = None
        self.currency: str | None = None
        self.opening: Money | None = None
        self.opening_date: dt.date | None = None
        self.closing: Money | None = None
        self.closing_date: dt.date | None = None
        self.pending: _Line61 | None = None
        self.header_sent = False
        self.extra: dict[str, str] = {"reference": reference}
        self.ids = ContentIds("mt940")
        self.dates: dict[str, tuple[dt.date, dt.date]] = {}  # a file repeats a few dates
        self.interim = False  # an MT942 (no balances), known by its :34F: or :13D:
        self.stated: dict[str, tuple[int, Decimal]] = {}  # :90D: / :90C: number and sum
        self.counted: dict[str, list[Any]] = {"90D": [0, Decimal(0)], "90C": [0, Decimal(0)]}

    def error(self, message: str, line: int) -> StatementError:
        return StatementError(message, file=self.file, line=line)

    def balance(self, tag: str, value: str, line: int) -> tuple[Money, dt.date]:
        match = _BALANCE.fullmatch(value.strip())
        if not match:
            raise self.error(
                f"expected :{tag}: as C|D, YYMMDD, currency and amount (C260301EUR1234,56), "
                f"got {value.strip()!r}",
                line,
            )
        sign, date, currency, amount = match.groups()
        money = make_money(self.amount(amount, line), currency, file=self.file, line=line)
        try:
            day = _yymmdd(date)
        except ValueError:
            raise self.error(f"expected a date YYMMDD in :{tag}:, got {date!r}", line) from None
        return (negate(money) if sign == "D" else money), day

    def amount(self, text: str, line: int) -> Decimal:
        if not _AMOUNT.fullmatch(text):
            raise self.error(f"expected an amount with a decimal comma, got {text!r}", line)
        return Decimal(text.replace(",", ".").rstrip(".") or "0")

    def field(self, tag: str, value: str, line: int) -> list[StatementEvent]:
        """Take one field; return the events it completes (most complete none)."""
        if tag == "86":  # one per entry, with :61:: the bulk of a file, tested first
            if self.pending is not None and self.pending.info is None:
                self.pending.info = _parse86(value)
            else:
                self.extra["information"] = clean(value) or ""
            return _NONE
        if tag == "61":
            events: list[StatementEvent] = []
            done = self.flush()
            if done is not None:
                events.append(done)
            if not self.header_sent:
                events.append(self.header(line))
            self.pending = self.line61(value, line)
            return events
        if tag == "25":
            account = value.strip().split("\n")[0]
            compact = "".join(account.split()).upper()
            if len(compact) > 3 and compact[-3:].isalpha() and looks_like_iban(compact[:-3]):
                self.currency = self.currency or compact[-3:]
                compact = compact[:-3]
            self.account = compact if looks_like_iban(compact) else account.strip() or None
        elif tag in ("28C", "28"):
            self.number = value.strip()
        elif tag in ("60F", "60M"):
            self.opening, self.opening_date = self.balance(tag, value, line)
            self.currency = self.opening.currency
        elif tag in ("62F", "62M"):
            done = self.flush()
            self.closing, self.closing_date = self.balance(tag, value, line)
            return _NONE if done is None else [done]
        elif tag == "34F":
            self.interim = True
            match = re.match(r"([A-Z]{3})", value.strip())
            if match and self.currency is None:
                self.currency = match.group(1)
        elif tag in ("90D", "90C"):
            match = re.fullmatch(r"(\d+)([A-Z]{3})(\d[\d,]*)", value.strip().split("\n")[0])
            if not match:
                raise self.error(
                    f"expected :{tag}: as number of entries, currency and sum (3EUR120,50), "
                    f"got {value.strip()!r}",
                    line,
                )
            if self.currency is None:
                self.currency = match.group(2)
            self.stated[tag] = (int(match.group(1)), self.amount(match.group(3), line))
        elif tag == "13D":
            self.interim = True
            self.extra["date_time"] = value.strip()
        elif tag == "21":
            self.extra["related_reference"] = value.strip()
        return _NONE

    def dates_of(self, value: str, entry: str | None, line: int) -> tuple[dt.date, dt.date]:
        """The value date (YYMMDD) and the entry date (MMDD, its year inferred) of a :61:."""
        try:
            value_date = _yymmdd(value)
        except ValueError:
            raise self.error(f"expected a value date YYMMDD, got {value!r}", line) from None
        booking_date = value_date
        if entry:
            month, day = int(entry[:2]), int(entry[2:])
            year = value_date.year
            if month == 12 and value_date.month == 1:
                year -= 1
            elif month == 1 and value_date.month == 12:
                year += 1
            try:
                booking_date = _day(year, month, day)
            except ValueError:
                raise self.error(f"expected an entry date MMDD, got {entry!r}", line) from None
        return value_date, booking_date

    def line61(self, value: str, line: int) -> _Line61:
        first, _, details = value.partition("\n")
        match = _LINE61.fullmatch(first.rstrip())
        if not match and details:
            # Some exports wrap the field before its amount or type ("...CR" / "30,00N062").
            second, _, rest = details.partition("\n")
            match = _LINE61.fullmatch(first.strip() + second.rstrip())
            if match:
                details = rest
        if not match:
            raise self.error(
                "expected :61: as value date YYMMDD, optional entry date MMDD, C|D|RC|RD, "
                f"amount with a decimal comma, type like NTRF and references, got {first!r}",
                line,
            )
        currency = self.currency
        if currency is None:
            raise self.error("expected an opening balance (:60F:) or :34F: before :61:", line)
        dates = match["value"] + (match["entry"] or "")
        known = self.dates.get(dates)
        if known is not None:
            value_date, booking_date = known
        else:
            value_date, booking_date = self.dates_of(match["value"], match["entry"], line)
            if len(self.dates) > 4096:
                self.dates.clear()
            self.dates[dates] = value_date, booking_date
        number = self.amount(match["amount"], line)
        tally = self.counted["90C" if _SIGNS[match["mark"]] > 0 else "90D"]
        tally[0] += 1
        tally[1] += number
        money = make_money(
            number if _SIGNS[match["mark"]] > 0 else -number, currency, file=self.file, line=line
        )
        custref = (match["custref"] or "").strip()
        bankref = (match["bankref"] or "").strip()
        return _Line61(
            line,
            value_date,
            booking_date,
            money,
            match["type"].rstrip(),
            None if custref.upper() in _NOT_PROVIDED else custref,
            None if bankref.upper() in _NOT_PROVIDED else bankref,
            clean(details) if details else None,
        )

    def header(self, line: int) -> StatementHeader:
        self.header_sent = True
        if self.currency is None:
            raise self.error("expected an opening balance (:60F:) or :34F: in the message", line)
        number = self.number or self.reference
        opening = self.opening_date.isoformat() if self.opening_date else ""
        statement_id = "/".join(part for part in (self.account, opening, number) if part)
        extra = dict(self.extra)
        if self.number:
            extra["statement_number"] = self.number
        return StatementHeader(
            id=statement_id,
            account_iban=self.account,
            currency=self.currency,
            opening_balance=self.opening,
            opening_date=self.opening_date,
            extra=extra,
        )

    def flush(self) -> BankTransaction | None:
        """The transaction of the pending :61: (and its :86:), if any."""
        pending, self.pending = self.pending, None
        if pending is None:
            return None
        info = pending.info or _Info()
        dutch = _DUTCH_REFERENCE.fullmatch(pending.customer_reference or "")
        if dutch:
            pending.customer_reference = None
            if info.name is None:
                info.name = clean(dutch["name"])
            if info.iban is None and dutch["account"] != "NONREF":
                info.iban = dutch["account"]
        text = info.text
        reference = first_reference(info.reference, text, pending.customer_reference)
        code = info.code or pending.type
        ident = pending.bank_reference or self.ids.make(
            pending.booking_date, self.account, pending.booking_date, pending.value_date,
            pending.amount.amount, pending.amount.currency, pending.customer_reference,
            info.iban, info.name, text, info.end_to_end, code,
        )  # fmt: skip
        return new_transaction(
            ident,
            self.account,
            pending.booking_date,
            pending.value_date,
            pending.amount,
            info.name,
            info.iban,
            info.bic,
            reference,
            text,
            code,
            pending.bank_reference,
            info.end_to_end or pending.customer_reference,
            None,
        )

    def finish(self, line: int) -> Iterator[StatementEvent]:
        done = self.flush()
        if done is not None:
            yield done
        if self.closing is None and not self.interim:
            # An MT940 always ends with its closing balance: without it the file was cut
            # short, and what was read is only part of the statement.
            raise self.error(
                f"expected the closing balance (:62F: or :62M:) of the message that starts on "
                f"line {self.start_line} before line {line}; the statement is incomplete",
                line,
            )
        if not self.header_sent:
            yield self.header(line)
        checks: list[StatementCheck] = []
        for tag, (count, total) in self.stated.items():
            found_count, found_total = self.counted[tag]
            kind = "debit" if tag == "90D" else "credit"
            where = f":{tag}: of the message from line {self.start_line}"
            checks.append(
                StatementCheck(
                    name=f"{kind} entries count", ok=count == found_count, stated=str(count),
                    computed=str(found_count), where=where,
                )
            )  # fmt: skip
            checks.append(
                StatementCheck(
                    name=f"{kind} entries sum", ok=total == found_total, stated=str(total),
                    computed=str(found_total), where=where,
                )
            )  # fmt: skip
        yield StatementFooter(
            closing_balance=self.closing, closing_date=self.closing_date, checks=tuple(checks)
        )


class Mt940Format(FormatBase):
    """SWIFT MT940 / MT942 statements (see module doc for fields and ``:86:`` shapes)."""

    name = "mt940"

    def sniff(self, head: bytes) -> bool:
        """Recognise ``:20:`` at the start of a line (or after ``{4:``) and a ``:25:`` field."""
        return bool(re.search(rb"(?:^|\n|\{4:)\s*:20:", head)) and b":25:" in head

    def _events(self, stream: IO[bytes], filename: str) -> Iterator[StatementEvent]:
        message: _Message | None = None
        tag: str | None = None
        value: list[str] = []
        field_line = 0
        lineno = 0
        messages = 0

        def close_field() -> list[StatementEvent]:
            nonlocal tag, value
            events = _NONE
            if tag is not None and message is not None:
                events = message.field(
                    tag, value[0] if len(value) == 1 else "\n".join(value), field_line
                )
            tag, value = None, []
            return events

        for line in decoded_lines(stream):
            lineno += 1
            if "{4:" in line:
                line = line.split("{4:", 1)[1]
            # SOH/ETX transmission marks and a DOS end-of-file byte around a line say nothing.
            stripped = line.strip().strip(_TRANSMISSION).strip()
            if not stripped:
                continue
            if stripped in ("-", "-}") or stripped.startswith(("-}", "{5:", "{1:")):
                yield from close_field()
                if message is not None:
                    yield from message.finish(lineno)
                    message = None
                continue
            match = _TAG.match(line)
            if match:
                yield from close_field()
                tag, value, field_line = match.group(1), [line[match.end() :]], lineno
                if tag == "20":
                    if message is not None:
                        yield from message.finish(lineno)
                    messages += 1
                    message = _Message(filename, lineno, line[match.end() :].strip())
                    tag = None
                elif message is None:
                    raise StatementError(
                        f"expected a message to start with :20:, got :{tag}:",
                        file=filename,
                        line=lineno,
                    )
                continue
            if tag is not None:
                value.append(line)
            elif message is not None:
                raise StatementError(
                    f"expected a field tag like :61: at the start of the line, got {line[:20]!r}",
                    file=filename,
                    line=lineno,
                )
            # else: a preamble line before the first message (ABNANL2A, 940 ...): skipped
        yield from close_field()
        if message is not None:
            yield from message.finish(lineno)
        if messages == 0:
            raise StatementError("expected an MT940 message starting with :20:", file=filename)
