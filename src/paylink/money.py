"""Money: a :class:`~decimal.Decimal` amount in one ISO 4217 currency.

Amounts are always exact. A ``float`` is refused, because ``0.1 + 0.2`` is not ``0.3`` and an
invoice must add up to the cent. Every amount is kept at its currency's exponent (EUR: 2 decimals,
JPY: 0, KWD: 3); arithmetic and comparison only work within one currency.

>>> Money.of("12.50", "EUR") + Money.of("0.5", "EUR")
Money('13.00', 'EUR')
>>> sum([Money.of("1", "EUR"), Money.of("2", "EUR")])
Money('3.00', 'EUR')
>>> [str(m) for m in Money.of("100", "EUR").allocate([1, 1, 1])]
['33.34 EUR', '33.33 EUR', '33.33 EUR']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import attrs

from .exceptions import ValidationError

__all__ = ["CURRENCY_EXPONENTS", "Money", "currency_exponent", "to_decimal"]

# ISO 4217 active codes and their minor-unit exponents. Codes not listed under 0, 3 or 4 use 2.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK "
    "LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK "
    "NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD "
    "SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG "
    "YER ZAR ZMW ZWG ZWL"
)
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}
"""Every active ISO 4217 currency code, mapped to the number of decimals of its minor unit."""

_QUANTA = {exp: Decimal(1).scaleb(-exp) for exp in set(CURRENCY_EXPONENTS.values())}
_ZEROS = {exp: Decimal(0).scaleb(-exp) for exp in _QUANTA}


def currency_exponent(currency: str) -> int:
    """Return the minor-unit exponent of an ISO 4217 code, or raise :class:`ValidationError`."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise ValidationError(
            f"expected an ISO 4217 currency code such as 'EUR', got {currency!r}", field="currency"
        ) from None


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Turn a ``str``, ``int`` or ``Decimal`` into a finite ``Decimal``; refuse anything else.

    Floats are refused on purpose: ``Decimal(0.1)`` is ``0.1000000000000000055511151231…``.
    """
    if isinstance(value, bool):
        raise ValidationError(f"expected a decimal amount, got {value!r}", field=field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValidationError(
                f"expected a decimal number such as '12.50', got {value!r}", field=field
            ) from None
    elif isinstance(value, float):
        raise ValidationError(
            f"floats are not exact; pass the amount as a string, e.g. '{value!r}'", field=field
        )
    else:
        raise ValidationError(
            f"expected str, int or Decimal, got {type(value).__name__}", field=field
        )
    if not result.is_finite():
        raise ValidationError(f"expected a finite number, got {value!r}", field=field)
    return result


def _quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(_QUANTA[currency_exponent(currency)], rounding=ROUND_HALF_UP)


def _convert_amount(value: object) -> Decimal:
    return to_decimal(value)


def _exact(amount: Decimal, currency: str) -> Money:
    """A Money built without the constructor's checks, for an ``amount`` already exact at the
    (known) currency's exponent: minor units scaled, or the sum, difference or negation of
    such amounts. Money is everywhere (totals, open amounts, allocations), and the checks
    cost ten times the arithmetic."""
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    object.__setattr__(money, "currency", currency)
    return money


@attrs.frozen(repr=False, order=False)
class Money:
    """An exact amount of one currency, kept at the currency's exponent.

    Build it with :meth:`of` (rounds half-up to the currency's minor unit) or
    :meth:`from_minor` (integer minor units, as the store keeps them). Constructing
    ``Money(amount, currency)`` directly requires an amount that is already exact at the
    currency's exponent and raises otherwise, so no amount is ever silently rounded.
    """

    amount: Decimal = attrs.field(converter=_convert_amount)
    currency: str = attrs.field()

    def __attrs_post_init__(self) -> None:
        exponent = currency_exponent(self.currency)
        exact = self.amount.quantize(_QUANTA[exponent], rounding=ROUND_HALF_UP)
        if exact != self.amount:
            raise ValidationError(
                f"{self.amount} has more decimals than {self.currency} allows ({exponent}); "
                "use Money.of() to round",
                field="amount",
            )
        # Normalise the exponent (Decimal("12.5") -> Decimal("12.50")); the value is unchanged.
        object.__setattr__(self, "amount", exact)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Return ``amount`` of ``currency``, rounded half-up to the currency's minor unit."""
        exact = _quantize(to_decimal(amount), currency)
        return _exact(exact, currency) if cls is Money else cls(exact, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in ``currency``."""
        exponent = currency_exponent(currency)
        if cls is not Money:
            return cls(Decimal(0), currency)
        return _exact(_ZEROS[exponent], currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """Return the amount of ``minor`` minor units (cents) of ``currency``."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise ValidationError(f"expected an integer number of minor units, got {minor!r}")
        amount = Decimal(minor).scaleb(-currency_exponent(currency))
        return _exact(amount, currency) if cls is Money else cls(amount, currency)

    # -- views --------------------------------------------------------------------------------
    @property
    def minor_units(self) -> int:
        """The amount as an integer number of minor units (what the store keeps)."""
        return int(self.amount.scaleb(currency_exponent(self.currency)))

    @property
    def exponent(self) -> int:
        """The currency's number of decimals."""
        return currency_exponent(self.currency)

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec) if spec else str(self)

    def __bool__(self) -> bool:
        return bool(self.amount)

    # -- arithmetic ---------------------------------------------------------------------------
    def _same(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(
                f"cannot {op} {self.currency} and {other.currency}", field="currency"
            )
        return other

    def __add__(self, other: object) -> Money:
        if isinstance(other, int) and other == 0 and not isinstance(other, bool):
            return self  # lets sum() start from 0
        return _exact(self.amount + self._same(other, "add").amount, self.currency)

    def __radd__(self, other: object) -> Money:
        return self.__add__(other)

    def __sub__(self, other: object) -> Money:
        return _exact(self.amount - self._same(other, "subtract").amount, self.currency)

    def __neg__(self) -> Money:
        return _exact(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return _exact(abs(self.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        """Multiply by an exact factor (``int``, ``Decimal`` or ``str``), rounding half-up."""
        if isinstance(factor, Money):
            raise TypeError("cannot multiply Money by Money")
        return Money.of(self.amount * to_decimal(factor, field="factor"), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Any:
        raise TypeError("dividing Money loses cents; use Money.allocate() to split an amount")

    def __lt__(self, other: object) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._same(other, "compare").amount

    # -- splitting ----------------------------------------------------------------------------
    def allocate(self, weights: Sequence[int | Decimal | str]) -> list[Money]:
        """Split this amount by ``weights`` without losing or creating a minor unit.

        Each part gets its share rounded down; the minor units left over go one each to the
        parts with the largest remainders (earliest first on ties). The parts always sum to
        exactly this amount. Negative amounts split the same way, with signs preserved.
        """
        ws = [to_decimal(w, field="weights") for w in weights]
        if not ws:
            raise ValidationError("expected at least one weight", field="weights")
        if any(w < 0 for w in ws):
            raise ValidationError("weights must not be negative", field="weights")
        total_weight = sum(ws, Decimal(0))
        if total_weight == 0:
            raise ValidationError("weights must not all be zero", field="weights")
        total = self.minor_units
        sign = -1 if total < 0 else 1
        magnitude = abs(total)
        shares = [magnitude * w / total_weight for w in ws]
        floors = [int(s) for s in shares]  # shares are >= 0, so int() is floor
        left = magnitude - sum(floors)
        order = sorted(range(len(ws)), key=lambda i: (-(shares[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
        return [Money.from_minor(sign * f, self.currency) for f in floors]

    @staticmethod
    def sum(values: Iterable[Money], currency: str) -> Money:
        """Sum ``values``; unlike builtin ``sum()``, returns zero of ``currency`` when empty."""
        result = Money.zero(currency)
        for value in values:
            result = result + value
        return result
