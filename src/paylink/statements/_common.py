"""Small parsing helpers shared by the statement formats (not public)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO

import attrs

from ..exceptions import StatementError, ValidationError
from ..money import CURRENCY_EXPONENTS, Money
from ..references import Reference, find, parse
from .model import BankTransaction

__all__ = [
    "compact_iban",
    "first_reference",
    "make_money",
    "may_hold_reference",
    "new_transaction",
    "parse_decimal",
]

_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def parse_decimal(
    text: str | None,
    *,
    file: str,
    line: int | None = None,
    element: str | None = None,
    what: str = "an amount",
) -> Decimal:
    """Parse an unsigned decimal written with a point, or raise ``StatementError``."""
    value = (text or "").strip()
    if not _DECIMAL.fullmatch(value):
        raise StatementError(
            f"expected {what} like 1234.56, got {value!r}", file=file, line=line, element=element
        )
    return Decimal(value)


_QUANTA = {exp: Decimal(1).scaleb(-exp) for exp in set(CURRENCY_EXPONENTS.values())}


def make_money(
    amount: Decimal,
    currency: str | None,
    *,
    file: str,
    line: int | None = None,
    element: str | None = None,
) -> Money:
    """Build exact :class:`Money`, or raise ``StatementError`` (bad currency, too many decimals)."""
    exponent = CURRENCY_EXPONENTS.get(currency or "")
    if exponent is not None and amount.is_finite():
        # Fast path for the millions of entries of a big file: the same checks Money makes
        # (exact at the currency's exponent), without the generic converters.
        exact = amount.quantize(_QUANTA[exponent])
        if exact == amount:
            money = object.__new__(Money)
            object.__setattr__(money, "amount", exact)
            object.__setattr__(money, "currency", currency)
            return money
    try:
        return Money(amount, (currency or "").strip().upper())
    except (ValidationError, InvalidOperation) as exc:
        raise StatementError(
            f"expected an amount in an ISO 4217 currency: {exc}",
            file=file,
            line=line,
            element=element,
        ) from None


def negate(money: Money) -> Money:
    """``-money``, built through the fast path of :func:`make_money`."""
    return make_money(-money.amount, money.currency, file="")


def compact_iban(value: str | None) -> str | None:
    """Return ``value`` without spaces, upper case, or ``None`` when empty."""
    if not value:
        return None
    compact = "".join(value.split()).upper()
    return compact or None


def looks_like_iban(value: str) -> bool:
    """Whether ``value`` is a valid IBAN (check digits included)."""
    from stdnum import iban  # on first use: python-stdnum costs ~25 ms of start-up

    return bool(iban.is_valid(value))


_FRAMED_OGM = re.compile(r"[+*]{3}(\d{3})/(\d{4})/(\d{5})[+*]{3}")
_WHOLE_REFERENCE = re.compile(r"[+*]{0,3}[\d\s/.\-]+[+*]{0,3}|[Rr][Ff]\s?\d\d[\w\s]+")
_RF_COMPACT = re.compile(r"RF\d\d[0-9A-Z]{1,21}")
_BASE36 = str.maketrans({ch: str(int(ch, 36)) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
"""ISO 7064 letters as their numbers (A = 10 … Z = 35), for ``str.translate``."""
_MAYBE_REFERENCE = re.compile(r"\d(?:[ /.\-]?\d){11}|[Rr][Ff] ?\d\d")


def ogm_reference(digits: str) -> Reference | None:
    """A Belgian OGM from exactly 12 digits when its check digits are right, else ``None``.

    The same rule as :func:`paylink.references.check` (mod 97, 97 for 0), without the
    generic normalisation: statement files carry the compact form millions of times.
    """
    if len(digits) != 12 or not digits.isdigit() or not digits.isascii():
        return None
    check = int(digits[:10]) % 97 or 97
    return Reference("ogm", digits) if check == int(digits[10:]) else None


def reference_of(value: str) -> Reference | None:
    """The reference ``value`` holds as a whole (like :func:`paylink.references.parse`)."""
    if len(value) == 12 and value.isdigit():
        return ogm_reference(value)
    framed = _FRAMED_OGM.fullmatch(value)
    if framed:
        return ogm_reference("".join(framed.groups()))
    if value[:2] in ("RF", "rf", "Rf", "rF"):
        compact = "".join(value.split()).upper()
        if _RF_COMPACT.fullmatch(compact):
            # ISO 11649: the check digits make the rearranged number 1 modulo 97.
            number = (compact[4:] + compact[:4]).translate(_BASE36)
            return Reference("rf", compact) if int(number) % 97 == 1 else None
    if len(value) > 40 or not _WHOLE_REFERENCE.fullmatch(value):
        return None  # cannot be a reference as a whole: skip the costly checks
    return parse(value)


def may_hold_reference(text: str) -> bool:
    """Whether ``text`` may hold a structured reference: 12 digits (an OGM) or ``RF``.

    A cheap filter run on every entry of a file: most texts hold neither.
    """
    if "RF" in text or "rf" in text or "Rf" in text or "rF" in text:
        return True
    # Counted on the UTF-8 bytes, where deleting the ASCII digits is a plain table lookup.
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded) - len(encoded.translate(None, b"0123456789")) >= 12


def first_reference(*texts: str | None) -> Reference | None:
    """The first valid structured reference found in ``texts`` (a whole value, then within)."""
    candidates = [text for text in texts if text and may_hold_reference(text)]
    for text in candidates:
        ref = reference_of(text.strip())
        if ref is not None:
            return ref
    for text in candidates:
        if _MAYBE_REFERENCE.search(text):
            found = find(text)
            if found:
                return found[0]
    return None


def parse_iso_date(text: str | None) -> dt.date | None:
    """Parse ``2026-01-31`` or the date part of ``2026-01-31T10:00:00+01:00``; ``None`` if bad."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def decoded_chunks(stream: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[list[str]]:
    """The lines of a byte stream, a chunk at a time, without line ends, decoded tolerantly.

    Each chunk (cut at a line end) is decoded as UTF-8, else cp1252, else latin-1, which never
    fails: bank files are old-fashioned, and a stray accented byte must not stop an import.
    """
    rest = b""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        chunk = rest + chunk
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            rest = chunk
            continue
        rest = chunk[cut:]
        text = _decode(chunk[:cut])
        lines = text.split("\n")
        lines.pop()  # empty: the chunk ends with a line end
        yield (
            [line[:-1] if line.endswith("\r") else line for line in lines]
            if "\r" in text
            else lines
        )
    if rest:
        line = _decode(rest)
        yield [line[:-1] if line.endswith("\r") else line]


def decoded_lines(stream: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[str]:
    """The lines of a byte stream one by one (see :func:`decoded_chunks`)."""
    for lines in decoded_chunks(stream, chunk_size):
        yield from lines


_C1_BYTES = bytes(range(0x80, 0xA0))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(raw.translate(None, _C1_BYTES)) == len(raw):
        # No byte in 0x80-0x9F: there cp1252 and latin-1 agree byte for byte, and the
        # latin-1 decoder is many times faster on the megabytes of a big file.
        return raw.decode("latin-1")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def clean(text: str | None) -> str | None:
    """Collapse whitespace; ``None`` for empty text."""
    if text is None:
        return None
    value = " ".join(text.split())
    return value or None


# The slots of BankTransaction, set directly: a reader makes one per entry, and attrs' frozen
# __init__ (a generic object.__setattr__ per field) costs twice as much. The order below is
# checked against the class, so a field added there fails here at import, not silently.
_TX_FIELDS = (
    "id", "account_iban", "booking_date", "value_date", "amount", "counterparty_name",
    "counterparty_iban", "counterparty_bic", "structured_reference", "remittance_text",
    "bank_transaction_code", "bank_reference", "end_to_end_id", "raw",
)  # fmt: skip
if tuple(field.name for field in attrs.fields(BankTransaction)) != _TX_FIELDS:
    raise ImportError("paylink.statements: new_transaction() does not match BankTransaction")
(
    _set_id, _set_account, _set_booking, _set_value, _set_amount, _set_name, _set_iban,
    _set_bic, _set_reference, _set_text, _set_code, _set_bank_ref, _set_e2e, _set_raw,
) = (BankTransaction.__dict__[name].__set__ for name in _TX_FIELDS)  # fmt: skip
_new = object.__new__


def new_transaction(
    id: str,
    account_iban: str | None,
    booking_date: dt.date,
    value_date: dt.date | None,
    amount: Money,
    counterparty_name: str | None,
    counterparty_iban: str | None,
    counterparty_bic: str | None,
    structured_reference: Reference | None,
    remittance_text: str | None,
    bank_transaction_code: str | None,
    bank_reference: str | None,
    end_to_end_id: str | None,
    raw: str | None,
) -> BankTransaction:
    """``BankTransaction(...)`` with every field given in order, for a reader's hot loop."""
    tx: BankTransaction = _new(BankTransaction)
    _set_id(tx, id)
    _set_account(tx, account_iban)
    _set_booking(tx, booking_date)
    _set_value(tx, value_date)
    _set_amount(tx, amount)
    _set_name(tx, counterparty_name)
    _set_iban(tx, counterparty_iban)
    _set_bic(tx, counterparty_bic)
    _set_reference(tx, structured_reference)
    _set_text(tx, remittance_text)
    _set_code(tx, bank_transaction_code)
    _set_bank_ref(tx, bank_reference)
    _set_e2e(tx, end_to_end_id)
    _set_raw(tx, raw)
    return tx
