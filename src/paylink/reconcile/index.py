"""The open-item index: every way a rule may look an invoice up, built once, in linear time.

Rules never loop over all open items: they ask the index, which answers from dicts keyed by
structured reference, invoice number (and its digits), end-to-end id, customer IBAN, customer,
(customer, amount), (currency, amount) and normalised name tokens. The index also keeps what is
still open of each item during a run, so an amount proposed for one transaction is not offered
again to the next one.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal, TypeVar

import attrs

from ..exceptions import ValidationError, mask_iban
from ..money import CURRENCY_EXPONENTS, Money, to_decimal
from ..references import Reference, find
from ..statements.model import BankTransaction
from .items import Direction, OpenItem, normalize_iban

__all__ = [
    "LEGAL_SUFFIXES",
    "MatchSettings",
    "OpenItemIndex",
    "name_tokens",
    "normalize_number",
]

_LEGAL_WORDS = """
    ab ag as asbl bv bvba co comm corp cv cvba company ev gcv gmbh inc kg kft llc llp ltd
    limited nv oy plc pty sa sarl sas sc scrl scs sl snc spa sprl srl sro vof vzw the
"""
LEGAL_SUFFIXES = frozenset(_LEGAL_WORDS.split())
"""Legal-form words (and "the") ignored when comparing company names."""

_DOTTED = re.compile(r"[.'`´’]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TOKEN = re.compile(r"[A-Za-z0-9]+")


def name_tokens(name: str | None) -> frozenset[str]:
    """The words of a party name that identify it: case, accents, punctuation, word order and
    legal forms (BV, NV, SA, SRL, BVBA, SPRL, GmbH, Ltd, Inc …) do not matter.

    >>> sorted(name_tokens("Bakkerij Peeters B.V."))
    ['bakkerij', 'peeters']
    >>> name_tokens("PEETERS BAKKERIJ") == name_tokens("Bakkerij Peeters BV")
    True
    """
    if not name:
        return frozenset()
    if name.isascii():  # most names: no accents to strip, and casefold() is lower()
        text = name.lower()
    else:
        text = unicodedata.normalize("NFKD", name.casefold())
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = _NON_ALNUM.sub(" ", _DOTTED.sub("", text)).split()
    return frozenset(w for w in words if w not in LEGAL_SUFFIXES)


# What any reference paylink.references.find() accepts must contain: twelve digits with at
# most one separator between two of them (OGM), or "RF" and two check digits.
_MAYBE_REFERENCE = re.compile(r"\d(?:[ /.\-]?\d){11}|[Rr][Ff] ?\d\d")
_NOT_NUMBER = re.compile(r"[^0-9A-Z]+")
_NO_LETTERS = str.maketrans("", "", string.ascii_uppercase)  # normalised numbers: 0-9 A-Z


def normalize_number(number: str) -> str:
    """An invoice number as compared: letters and digits only, upper case (``INV-2026/7`` →
    ``INV20267``)."""
    return _NOT_NUMBER.sub("", number.upper())


@attrs.frozen(kw_only=True)
class MatchSettings:
    """Knobs the built-in rules read from the index.

    ``tolerance`` is the largest difference (in currency units, e.g. ``"2.50"``) between a
    credit and an invoice's open amount that the tolerance rule accepts, for bank fees deducted
    on the way. ``tolerance_policy`` says what happens to a shortfall: ``"leave_open"`` keeps it
    as the invoice's residual, ``"write_off"`` proposes to write it off. The subset-sum rule
    considers at most ``max_subset_items`` invoices of one customer and
    ``max_subset_combinations`` combinations.
    """

    tolerance: Decimal = attrs.field(default=Decimal("0"), converter=to_decimal)
    tolerance_policy: Literal["leave_open", "write_off"] = "leave_open"
    max_subset_items: int = 12
    max_subset_combinations: int = 4096
    min_number_length: int = 4

    def __attrs_post_init__(self) -> None:
        if self.tolerance < 0:
            raise ValidationError("expected a tolerance of zero or more", field="tolerance")
        if self.tolerance_policy not in ("leave_open", "write_off"):
            raise ValidationError(
                f"expected 'leave_open' or 'write_off', got {self.tolerance_policy!r}",
                field="tolerance_policy",
            )


def money_from_minor(minor: int, currency: str) -> Money:
    """``Money.from_minor`` without re-validating: an integer count of minor units scaled by
    the currency's exponent is exact by construction (the engine makes many of these)."""
    money = object.__new__(Money)
    object.__setattr__(money, "amount", Decimal(minor).scaleb(-CURRENCY_EXPONENTS[currency]))
    object.__setattr__(money, "currency", currency)
    return money


# Buckets hold item positions. Most keys have one item, so a bucket is a bare int until a
# second item arrives: at a million items that saves millions of small lists and dicts.
_Bucket = int | list[int]
_SetBucket = int | dict[int, None]
_K = TypeVar("_K")


def _add(table: dict[_K, _Bucket], key: _K, pos: int) -> None:
    old = table.get(key)
    if old is None:
        table[key] = pos
    else:
        _grow(table, key, old, pos)


def _grow(table: dict[_K, _Bucket], key: _K, old: _Bucket, pos: int) -> None:
    # a second (third, ...) item under one key: the bucket becomes a list
    if isinstance(old, int):
        table[key] = [old, pos]
    else:
        old.append(pos)


def _add_set(table: dict[_K, _SetBucket], key: _K, pos: int) -> None:
    old = table.get(key)
    if old is None:
        table[key] = pos
    elif isinstance(old, int):
        table[key] = {old: None, pos: None}
    else:
        old[pos] = None


def _discard(table: dict[_K, _SetBucket], key: _K, pos: int) -> None:
    old = table.get(key)
    if old is None:
        return
    if isinstance(old, int):
        if old == pos:
            del table[key]
    else:
        old.pop(pos, None)


def _positions(bucket: _Bucket | _SetBucket | None) -> Iterable[int]:
    if bucket is None:
        return ()
    if isinstance(bucket, int):
        return (bucket,)
    return bucket


_IBAN_LIKE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")


def _display_key(customer: str) -> str:
    # a customer without a name is shown by its key, masked when the key is an IBAN
    return mask_iban(customer) if _IBAN_LIKE.fullmatch(customer) else customer


def _per_direction() -> dict[str, dict[Any, Any]]:
    return {"sale": {}, "purchase": {}}


class _Customer:
    """What the index keeps of one customer (or supplier): its items, those items by open
    amount, its IBANs and the name to show. One record per customer, shared by its items.

    A run does not tidy the record when it takes an item's whole open amount: at a million
    items the record is seldom in the processor's cache, and most customers are never looked up
    again. ``open`` may therefore hold items with nothing left, and ``amounts`` items filed
    under an amount they no longer have open; readers check what is open now. A part payment
    files the item under its new open amount, so it can be found by it.
    """

    __slots__ = ("amounts", "ibans", "name", "open")

    def __init__(self, pos: int, minor: int, ibans: tuple[str, ...], name: str) -> None:
        self.open: dict[int, None] = {pos: None}
        self.amounts: dict[int, _SetBucket] = {minor: pos}
        self.ibans = ibans
        self.name = name


class OpenItemIndex:
    """Open items indexed for the rules, with what is still open of each during a run.

    Lookups return only items that still have money open, in the order the items were given.
    Building the index is linear in the number of items; each lookup costs a few dict accesses.
    Items are identified by ``(direction, number)``, which must be unique.
    """

    def __init__(self, items: Iterable[OpenItem], settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self.items: list[OpenItem] = []
        self._remaining: list[int] = []
        self._currency: list[str] = []  # per position: the item's currency
        self._owner: list[_Customer] = []  # per position: the item's customer record
        self._contested: set[int] = set()
        # per direction ("sale", "purchase"): plain string keys, no tuple per entry
        self._pos: dict[str, dict[str, int]] = _per_direction()
        self._reference: dict[str, dict[str, _Bucket]] = _per_direction()
        self._number: dict[str, dict[str, _Bucket]] = _per_direction()
        self._digits: dict[str, dict[str, _Bucket]] = _per_direction()
        self._customers: dict[str, dict[str, _Customer]] = _per_direction()
        self._iban: dict[str, dict[str, tuple[str, ...]]] = _per_direction()
        self._name: dict[str, dict[str, tuple[str, ...]]] = _per_direction()
        self._e2e: dict[str, _Bucket] = {}
        # (currency, direction) -> open amount -> items: only custom rules ask for it, so it is
        # built on the first by_amount() call, from what is open then
        self._amount: dict[tuple[str, str], dict[int, _SetBucket]] | None = None
        self._memo_tx: BankTransaction | None = None
        self._memo_minor = 0
        self._memo: dict[str, Any] = {}
        self._numbers_memo: tuple[tuple[str, str], tuple[int, ...]] | None = None
        self.consumed = False
        """True once a run has used this index: its open amounts then hold what that run
        reserved, and another run on it would see only what is left."""
        self._build(items)
        # the lengths a normalised number (or its digits) can have: what the text scan looks up
        self._number_lengths: dict[str, frozenset[int]] = {
            d: frozenset(len(k) for table in (self._number[d], self._digits[d]) for k in table)
            for d in ("sale", "purchase")
        }

    def _build(self, items: Iterable[OpenItem]) -> None:
        # One pass with every table filled inline: at a million items, each function call and
        # each dict lookup saved per item is a visible share of the run.
        min_len = self.settings.min_number_length
        exponents = CURRENCY_EXPONENTS
        not_number = _NOT_NUMBER.sub
        names: dict[str, str] = {}
        tables = {
            d: (
                self._pos[d],
                self._reference[d],
                self._number[d],
                self._digits[d],
                self._customers[d],
                self._iban[d],
                self._name[d],
            )
            for d in ("sale", "purchase")
        }
        last_d = ""
        all_items, remaining, owners, e2e = self.items, self._remaining, self._owner, self._e2e
        currencies = self._currency
        for pos, item in enumerate(items):
            try:
                d = item.direction
            except AttributeError:
                raise ValidationError(
                    f"open items: item {pos + 1} is a {type(item).__name__}; expected an OpenItem "
                    "(load_open_items() builds them from dicts, files, DataFrames and invoices)",
                    field="open_items",
                ) from None
            if d != last_d:
                pos_t, ref_t, num_t, dig_t, cust_t, iban_t, name_t = tables[d]
                last_d = d
            number = item.number
            if pos_t.setdefault(number, pos) != pos:
                raise ValidationError(
                    f"invoice number {number!r} appears twice among the {d} items",
                    field="number",
                )
            amount = item.open_amount
            minor = int(amount.amount.scaleb(exponents[amount.currency]))
            if minor <= 0:
                raise ValidationError(
                    f"invoice {number!r} has nothing open ({amount})", field="open_amount"
                )
            all_items.append(item)
            remaining.append(minor)
            currencies.append(amount.currency)
            ref = item.reference
            if ref is not None:
                key = ref.value
                old = ref_t.setdefault(key, pos)
                if old != pos:
                    _grow(ref_t, key, old, pos)
            norm = number.upper()
            if not (norm.isascii() and norm.isalnum()):
                plain = norm.replace("-", "")  # most numbers: letters, digits and dashes
                norm = plain if plain.isascii() and plain.isalnum() else not_number("", norm)
            if len(norm) >= min_len:
                old = num_t.setdefault(norm, pos)
                if old != pos:
                    _grow(num_t, norm, old, pos)
                digits = norm.translate(_NO_LETTERS)
                if len(digits) > min_len and digits != norm:
                    old = dig_t.setdefault(digits, pos)
                    if old != pos:
                        _grow(dig_t, digits, old, pos)
            if item.end_to_end_id:
                _add(e2e, item.end_to_end_id, pos)
            ibans = item.customer_ibans
            customer = item.customer_key or (ibans[0] if ibans else item.customer_name or "")
            record = cust_t.get(customer)
            if record is None:
                raw = item.customer_name or ""
                record = cust_t[customer] = _Customer(
                    pos, minor, ibans, raw or _display_key(customer)
                )
                name_key = names.get(raw)
                if name_key is None:
                    name_key = names[raw] = " ".join(sorted(name_tokens(raw)))
                if name_key:
                    same_name = name_t.get(name_key, ())
                    if customer not in same_name:
                        name_t[name_key] = (*same_name, customer)
                new_ibans: tuple[str, ...] = ibans
            else:
                record.open[pos] = None
                _add_set(record.amounts, minor, pos)
                # the IBANs are usually those of the customer's first item: nothing to add
                if ibans == record.ibans:
                    new_ibans = ()
                else:
                    new_ibans = tuple(i for i in ibans if i not in record.ibans)
                    record.ibans = (*record.ibans, *new_ibans)
            owners.append(record)
            for iban in new_ibans:
                payers = iban_t.get(iban)
                if payers is None:
                    iban_t[iban] = (customer,)
                elif customer not in payers:
                    iban_t[iban] = (*payers, customer)

    def __repr__(self) -> str:
        state = "consumed by a run" if self.consumed else "fresh"
        return f"<OpenItemIndex: {len(self.items):,} items, {state}>"

    def __len__(self) -> int:
        return len(self.items)

    # -- per-transaction memo (rules of one transaction share this work) ---------------------
    def _memo_for(self, tx: BankTransaction) -> dict[str, Any]:
        if self._memo_tx is not tx:
            self._start(tx)
        return self._memo

    def _start(self, tx: BankTransaction) -> None:
        # a new transaction: forget what was worked out for the previous one
        self._memo_tx = tx
        self._memo = {}
        amount = tx.amount
        self._memo_minor = abs(int(amount.amount.scaleb(CURRENCY_EXPONENTS[amount.currency])))

    def amount_minor(self, tx: BankTransaction) -> int:
        """The transaction's amount in minor units, without sign (computed once per
        transaction)."""
        if self._memo_tx is not tx:
            self._start(tx)
        return self._memo_minor

    def text_references(self, tx: BankTransaction) -> list[Reference]:
        """The valid references in the transaction's remittance text (found once per
        transaction, see :func:`paylink.references.find`)."""
        return list(self._text_references(tx))

    def _text_references(self, tx: BankTransaction) -> list[Reference]:
        # the memoised list itself: for the built-in rules, which do not change it
        text = tx.remittance_text
        if not text:
            return []
        memo = self._memo_for(tx)
        refs: list[Reference] | None = memo.get("refs")
        if refs is None:
            # most texts cannot hold a reference: skip the full search for those
            refs = memo["refs"] = find(text) if _MAYBE_REFERENCE.search(text) else []
        return refs

    def counterparty(
        self, tx: BankTransaction, direction: Direction = "sale"
    ) -> tuple[list[str], str]:
        """Who the transaction's counterparty is among the customers: ``(keys, "iban")`` when
        the IBAN is known, else ``(keys, "name")`` by a loose name match (once per
        transaction)."""
        keys, how = self._counterparty(tx, direction)
        return list(keys), how

    def _counterparty(
        self, tx: BankTransaction, direction: Direction = "sale"
    ) -> tuple[tuple[str, ...], str]:
        memo = self._memo_for(tx)
        slot = "who-" + direction
        found: tuple[tuple[str, ...], str] | None = memo.get(slot)
        if found is None:
            by_iban = self._customers_by_iban(tx.counterparty_iban, direction)
            if by_iban:
                found = (by_iban, "iban")
            else:
                found = (tuple(self.customers_by_name(tx.counterparty_name, direction)), "name")
            memo[slot] = found
        return found

    # -- state during a run -------------------------------------------------------------------
    def _position(self, item: OpenItem) -> int:
        try:
            return self._pos[item.direction][item.number]
        except KeyError:
            raise ValidationError(
                f"invoice {item.number!r} is not in this index", field="number"
            ) from None

    def remaining(self, item: OpenItem) -> Money:
        """What is still open of ``item`` in this run."""
        return money_from_minor(self._remaining[self._position(item)], item.currency)

    def remaining_minor(self, item: OpenItem) -> int:
        """What is still open of ``item``, in minor units."""
        return self._remaining[self._position(item)]

    def is_open(self, item: OpenItem) -> bool:
        """True while ``item`` still has money open in this run."""
        return self._remaining[self._position(item)] > 0

    def is_contested(self, item: OpenItem) -> bool:
        """True when an ambiguous proposal earlier in the run could also have taken ``item``."""
        return self._position(item) in self._contested

    def contest(self, item: OpenItem) -> None:
        """Mark ``item`` as wanted by an ambiguous proposal: later matches to it are not auto."""
        self._contested.add(self._position(item))

    def allocate(self, item: OpenItem, amount: Money) -> None:
        """Take ``amount`` off what is open of ``item``; refuse to take more than is open."""
        pos = self._position(item)
        if amount.currency != item.currency:
            raise ValidationError(
                f"cannot allocate {amount.currency} to invoice {item.number!r} in {item.currency}",
                field="currency",
            )
        old = self._remaining[pos]
        take = amount.minor_units
        if take <= 0 or take > old:
            raise ValidationError(
                f"cannot allocate {amount} to invoice {item.number!r}: "
                f"{Money.from_minor(old, item.currency)} is open",
                field="amount",
            )
        self._take(pos, take)

    def _find(self, item: OpenItem) -> int | None:
        """The item's position, or ``None`` when it is not in this index."""
        return self._pos[item.direction].get(item.number)

    def _take(self, pos: int, take: int) -> None:
        """Take ``take`` minor units off the item at ``pos`` (the caller checked the amount)."""
        remaining = self._remaining
        old = remaining[pos]
        new = remaining[pos] = old - take
        if new:  # what is left must be found by its amount (the old filing goes stale)
            _add_set(self._owner[pos].amounts, new, pos)
        if self._amount is not None:
            item = self.items[pos]
            table = self._amount[(item.currency, item.direction)]
            _discard(table, old, pos)
            if new:
                _add_set(table, new, pos)

    def _amounts(self) -> dict[tuple[str, str], dict[int, _SetBucket]]:
        # built on first use, from what is open now; _take keeps it current from then on
        if self._amount is None:
            table: dict[tuple[str, str], dict[int, _SetBucket]] = {}
            for pos, (item, left) in enumerate(zip(self.items, self._remaining, strict=True)):
                if left > 0:
                    key = (item.currency, item.direction)
                    amounts = table.get(key)
                    if amounts is None:
                        amounts = table[key] = {}
                    _add_set(amounts, left, pos)
            self._amount = table
        return self._amount

    # -- lookups ------------------------------------------------------------------------------
    # The public lookups return open items; the built-in rules use the positions behind them
    # (_open_positions and friends), which saves finding each item's position again.
    def _open(self, positions: Iterable[int]) -> list[OpenItem]:
        remaining, items = self._remaining, self.items
        return [items[p] for p in positions if remaining[p] > 0]

    def _open_positions(self, bucket: _Bucket | None) -> list[int]:
        if bucket is None:
            return []
        remaining = self._remaining
        if isinstance(bucket, int):
            return [bucket] if remaining[bucket] > 0 else []
        return [p for p in bucket if remaining[p] > 0]

    def by_reference(self, value: str, direction: Direction = "sale") -> list[OpenItem]:
        """Open items whose structured reference has the compact form ``value``."""
        return self._open(self._open_positions(self._reference[direction].get(value)))

    def by_number(self, number: str, direction: Direction = "sale") -> list[OpenItem]:
        """Open items whose invoice number is ``number`` once normalised (or has its digits)."""
        norm = normalize_number(number)
        found = self._number[direction].get(norm)
        if found is None and norm.isdigit():
            found = self._digits[direction].get(norm)
        return self._open(_positions(found))

    def numbers_in_text(self, text: str | None, direction: Direction = "sale") -> list[OpenItem]:
        """Open items whose invoice number appears in ``text``, in order of appearance.

        The text is cut into runs of letters and digits; one to three consecutive runs are
        glued and looked up, so ``INV 2026-0042`` and ``inv2026/0042`` both find
        ``INV-2026-0042``; a run of digits alone also finds it by its digits (``20260042``).
        """
        items = self.items
        return [items[p] for p in self._numbers_in_text(text, direction)]

    def _numbers_in_text(self, text: str | None, direction: Direction = "sale") -> list[int]:
        if not text:
            return []
        memo_key = (text, direction)
        if self._numbers_memo is not None and self._numbers_memo[0] == memo_key:
            found: Iterable[int] = self._numbers_memo[1]
        else:
            if text.isascii():
                tokens = _TOKEN.findall(text.upper())[:80]
            else:  # upper() could turn a letter outside the tokens into ASCII ones ("ß": "SS")
                tokens = [token.upper() for token in _TOKEN.findall(text)[:80]]
            hits_at: dict[int, None] = {}
            lengths = self._number_lengths[direction]
            longest = max(lengths, default=0)
            numbers, digits_table = self._number[direction], self._digits[direction]
            for i in range(len(tokens)):
                joined = ""
                for token in tokens[i : i + 3]:
                    joined += token
                    size = len(joined)
                    if size not in lengths:
                        if size > longest:
                            break
                        continue
                    hits = numbers.get(joined)
                    if hits is None and joined.isdigit():
                        hits = digits_table.get(joined)
                    if hits is not None:
                        for p in _positions(hits):
                            hits_at[p] = None
            found = tuple(hits_at)
            self._numbers_memo = (memo_key, found)
        remaining = self._remaining
        return [p for p in found if remaining[p] > 0]

    def by_end_to_end_id(self, end_to_end_id: str) -> list[OpenItem]:
        """Open purchase items paid from our SEPA file with this end-to-end id."""
        return self._open(_positions(self._e2e.get(end_to_end_id.strip())))

    def customers_by_iban(self, iban: str | None, direction: Direction = "sale") -> list[str]:
        """Keys of the customers known to pay from (or, for purchases, be paid to) ``iban``."""
        return list(self._customers_by_iban(iban, direction))

    def _customers_by_iban(self, iban: str | None, direction: Direction) -> tuple[str, ...]:
        if not iban:
            return ()
        table = self._iban[direction]
        found = table.get(iban)  # most IBANs arrive in their compact form already
        if found is None:
            found = table.get(normalize_iban(iban), ())
        return found

    def customers_by_name(self, name: str | None, direction: Direction = "sale") -> list[str]:
        """Keys of the customers whose name matches ``name`` loosely.

        First the exact normalised name (case, accents, word order and legal forms ignored);
        failing that, the customers all of whose name words appear in ``name`` (a bank often
        adds a city or an account holder); a one-word name must have five letters or more.
        """
        tokens = name_tokens(name)
        if not tokens:
            return []
        table = self._name[direction]
        exact = table.get(" ".join(sorted(tokens)))
        if exact:
            return list(exact)
        # the customers whose whole name is some of these words: look each subset of the
        # words up as a name (at most 2^8 lookups, whatever the number of customers), the
        # largest subsets first, so the most specific name wins
        words = sorted(sorted(tokens, key=len, reverse=True)[:8])
        for size in range(len(words) - 1, 0, -1):
            found: dict[str, None] = {}
            for subset in itertools.combinations(words, size):
                if size == 1 and len(subset[0]) < 5:
                    continue  # a one-word name must be distinctive enough to stand alone
                for customer in table.get(" ".join(subset), ()):
                    found[customer] = None
            if found:
                return list(found)
        return []

    def customer_name(self, customer: str, direction: Direction = "sale") -> str:
        """The customer's name as the items give it (``customer`` itself when none)."""
        record = self._customers[direction].get(customer)
        return customer if record is None else record.name

    def items_of_customer(self, customer: str, direction: Direction = "sale") -> list[OpenItem]:
        """The customer's open items, in the order given."""
        record = self._customers[direction].get(customer)
        return [] if record is None else self._open(record.open)

    def count_of_customer(self, customer: str, direction: Direction = "sale") -> int:
        """How many open items the customer has (cheap: no list is built)."""
        record = self._customers[direction].get(customer)
        if record is None:
            return 0
        remaining = self._remaining
        return sum(1 for p in record.open if remaining[p] > 0)

    def by_customer_amount(
        self, customer: str, amount: Money, direction: Direction = "sale"
    ) -> list[OpenItem]:
        """The customer's items whose open amount is exactly ``amount``."""
        items = self.items
        return [
            items[p]
            for p in self._by_customer_minor(customer, amount.minor_units, direction)
            if items[p].currency == amount.currency
        ]

    def _by_customer_minor(self, customer: str, minor: int, direction: Direction) -> list[int]:
        record = self._customers[direction].get(customer)
        if record is None:
            return []
        bucket = record.amounts.get(minor)
        if bucket is None:
            return []
        remaining = self._remaining
        if isinstance(bucket, int):
            return [bucket] if remaining[bucket] == minor else []
        return [p for p in bucket if remaining[p] == minor]

    def by_amount(self, amount: Money, direction: Direction = "sale") -> list[OpenItem]:
        """All open items of ``amount``'s currency whose open amount is exactly ``amount``."""
        amounts = self._amounts().get((amount.currency, direction))
        if not amounts:
            return []
        return [self.items[p] for p in _positions(amounts.get(amount.minor_units))]
