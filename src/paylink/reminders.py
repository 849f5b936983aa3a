"""Dunning: which reminder goes out when, through which channels, and what it costs.

Pure domain: no I/O, no clock reads. The service (``pl.reminders``) stores policies, finds the
steps that fell due and queues their messages; everything here is a function of its inputs.

A :class:`DunningPolicy` is an ordered list of :class:`Step` objects. Each step has an offset
in days from the invoice's due date (negative = before it: ``-5`` is "due in 5 days"), the
channels it goes through (``email``, ``sms``, ``letter``), the message template, an optional
:class:`Fee` and an optional escalation (the ``paylink_reminder_escalated`` hook).

Fees are **fixed** amounts, a **percentage** of the open amount, or **statutory late-payment
interest** as the EU Late Payment Directive 2011/7/EU sets it: the reference rate (the ECB's
main refinancing rate on 1 January or 1 July of the half-year) plus 8 percentage points a
year, accrued per day on the open amount, plus a fixed €40 compensation for recovery costs
when the debtor is a business (customer kind ``company``).

>>> policy = DunningPolicy(steps=(
...     Step(name="friendly", offset_days=-3),
...     Step(name="first", offset_days=7, channels=("email", "sms")),
...     Step(name="formal", offset_days=30, channels=("email", "letter"),
...          fee=Fee.statutory(), escalate=True),
... ))
>>> policy.validate()
>>> policy.latest_due_step(dt.date(2026, 3, 1), dt.date(2026, 3, 20)).name
'first'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from .exceptions import ValidationError
from .money import Money, to_decimal
from .notify import MESSAGE_KINDS, QuietHours

__all__ = [
    "CHANNELS",
    "ECB_REFERENCE_RATES",
    "STATUTORY_COMPENSATION_EUR",
    "STATUTORY_MARGIN",
    "Channel",
    "ChargedFee",
    "DunningPolicy",
    "Fee",
    "FeeBreakdown",
    "FeeKind",
    "InterestPeriod",
    "Payments",
    "ReferenceRate",
    "ReferenceRates",
    "Step",
    "half_year_end",
    "half_year_start",
    "interest_periods",
    "is_business_day",
    "next_business_day",
    "statutory_interest",
    "statutory_percent_days",
]

Channel = Literal["email", "sms", "letter"]
CHANNELS: tuple[Channel, ...] = ("email", "sms", "letter")
"""The channels a step can use; ``letter`` is a printable reminder letter, not a message."""

FeeKind = Literal["fixed", "percent", "statutory"]
_FEE_KINDS: tuple[FeeKind, ...] = ("fixed", "percent", "statutory")

STATUTORY_MARGIN = Decimal(8)
"""Percentage points added to the reference rate (Directive 2011/7/EU, art. 2(6))."""

STATUTORY_COMPENSATION_EUR = Decimal(40)
"""Fixed compensation for recovery costs owed by a business debtor (art. 6(1))."""

_DAYS_PER_YEAR = Decimal(365)
_HUNDRED = Decimal(100)


# --- reference rates ---------------------------------------------------------------------------


def _rate_table(table: Mapping[dt.date, str | int | Decimal]) -> dict[dt.date, Decimal]:
    return dict(sorted((day, to_decimal(rate, field="rates")) for day, rate in table.items()))


@attrs.frozen
class ReferenceRates:
    """A dated table of reference rates (percent per year): each rate applies from its date
    until the next one.

    For dates after the last known period (:attr:`known_until`), the last rate is carried
    forward and :meth:`is_known` answers False, so a caller can flag the result as
    provisional. Pass your own table (``ReferenceRates({date: rate, ...})``) to use a newer one.
    """

    rates: Mapping[dt.date, Decimal] = attrs.field(converter=_rate_table)
    known_until: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        if not self.rates:
            raise ValidationError("expected at least one reference rate", field="rates")

    def rate_on(self, day: dt.date) -> Decimal:
        """The reference rate that applies on ``day`` (the earliest rate before the table)."""
        result = next(iter(self.rates.values()))
        for start, rate in self.rates.items():
            if start > day:
                break
            result = rate
        return result

    def is_known(self, day: dt.date) -> bool:
        """True when ``day`` falls inside a period whose rate is in the table."""
        return self.known_until is None or day <= self.known_until

    def missing_half_year(self, today: dt.date) -> dt.date | None:
        """The first day of ``today``'s half-year when its rate is not in the table (the last
        known rate is being carried forward), else None."""
        return None if self.is_known(today) else half_year_start(today)

    def extended(self, rates: Iterable[ReferenceRate]) -> ReferenceRates:
        """This table with ``rates`` added (a rate for a date already here replaces it); each
        added rate is known through the end of the half-year it starts in."""
        added = {r.effective_from: r.rate for r in rates}
        if not added:
            return self
        known = max(half_year_end(day) for day in added)
        if self.known_until is not None:
            known = max(known, self.known_until)
        return ReferenceRates({**self.rates, **added}, known_until=known)

    def periods(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, Decimal]]:
        """Split the days ``start`` .. ``end`` (both included) into runs of one rate:
        ``(first day, last day, rate)``; empty when ``end < start``."""
        if end < start:
            return []
        bounds = [d for d in self.rates if start < d <= end]
        result = []
        first = start
        for bound in bounds:
            result.append((first, bound - dt.timedelta(days=1), self.rate_on(first)))
            first = bound
        result.append((first, end, self.rate_on(first)))
        return result


def half_year_start(day: dt.date) -> dt.date:
    """1 January or 1 July: the first day of ``day``'s half-year."""
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_end(day: dt.date) -> dt.date:
    """30 June or 31 December: the last day of ``day``'s half-year."""
    return dt.date(day.year, 6, 30) if day.month <= 6 else dt.date(day.year, 12, 31)


def _rate(value: str | int | Decimal) -> Decimal:
    rate = to_decimal(value, field="rate")
    if not Decimal(-10) <= rate <= Decimal(50):
        raise ValidationError(
            f"expected a rate in percent between -10 and 50, got {rate}", field="rate"
        )
    return rate


def _half_year_day(value: dt.date | str) -> dt.date:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            f"expected a date (YYYY-MM-DD), got {value!r}", field="effective_from"
        ) from None
    if isinstance(day, dt.datetime) or day != half_year_start(day):
        raise ValidationError(
            f"expected the first day of a half-year (1 January or 1 July), got {day}",
            field="effective_from",
        )
    return day


@attrs.frozen(kw_only=True)
class ReferenceRate:
    """A reference rate an operator recorded: ``rate`` (percent per year) applies from
    ``effective_from`` (1 January or 1 July) until the next one; ``source`` says where it was
    read (an Official Journal notice, the ECB's page)."""

    effective_from: dt.date = attrs.field(converter=_half_year_day)
    rate: Decimal = attrs.field(converter=_rate)
    source: str = ""
    added_at: dt.datetime | None = None


def _half_years(table: Mapping[str, str]) -> dict[dt.date, Decimal]:
    return {dt.date.fromisoformat(day): Decimal(rate) for day, rate in table.items()}


# The ECB's main refinancing operations (MRO) rate applicable on the first calendar day of each
# half-year, which Directive 2011/7/EU art. 2(7) makes the reference rate for that half-year.
# Source: ECB key interest rates (ecb.europa.eu, "Key ECB interest rates"), as published in the
# Official Journal (C series, "Interest rate applied by the European Central Bank to its main
# refinancing operations"). MRO changes behind these values: 0.00 % from 16 March 2016;
# 0.50 % on 27 July 2022 (after 1 July, so 2022-H2 is still 0.00 %); 2.50 % on 21 December
# 2022; 4.00 % on 21 June 2023; 4.50 % on 20 September 2023; 4.25 % on 12 June 2024; 3.15 % on
# 18 December 2024; 2.15 % on 11 June 2025, unchanged through the first half of 2026.
ECB_REFERENCE_RATES = ReferenceRates(
    _half_years(
        {
            "2020-01-01": "0.00",
            "2020-07-01": "0.00",
            "2021-01-01": "0.00",
            "2021-07-01": "0.00",
            "2022-01-01": "0.00",
            "2022-07-01": "0.00",
            "2023-01-01": "2.50",
            "2023-07-01": "4.00",
            "2024-01-01": "4.50",
            "2024-07-01": "4.25",
            "2025-01-01": "3.15",
            "2025-07-01": "2.15",
            "2026-01-01": "2.15",
        }
    ),
    known_until=dt.date(2026, 6, 30),
)
"""Reference rates (ECB MRO rate on 1 January / 1 July) from 2020 to the first half of 2026.

The store is seeded with this table and the operator extends it (``pl.reminders.rates.add``,
``paylink rates add``); the reminder run uses the stored rates over these. After the last known
half-year the last rate is carried forward and interest computed on those days is marked
``provisional``. Belgium's law of 2 August 2002 rounds ECB + 8 up to the next half point: this
table does not (see the reminders documentation).
"""


def statutory_percent_days(
    due_date: dt.date,
    on: dt.date,
    *,
    rates: ReferenceRates = ECB_REFERENCE_RATES,
    margin: Decimal = STATUTORY_MARGIN,
    start: dt.date | None = None,
) -> Decimal:
    """Σ (days × annual rate in percent) of late-payment interest from the day after
    ``due_date`` (or from ``start``, if later) up to ``on`` included.

    Exact (no division), so it is additive: the percent-days of two adjacent periods sum to
    those of the whole. Zero on or before the due date.
    """
    first = due_date + dt.timedelta(days=1)
    if start is not None and start > first:
        first = start
    total = Decimal(0)
    for period_start, period_end, rate in rates.periods(first, on):
        days = (period_end - period_start).days + 1
        total += days * (rate + margin)
    return total


Payments = Iterable[tuple[dt.date, Money]]
"""Dated payments: ``(day received, amount)``."""


@attrs.frozen
class InterestPeriod:
    """A run of days with one interest rate and one amount open: ``days`` from ``start`` to
    ``end`` (both included) at ``rate`` percent a year (reference rate + margin) on ``base``."""

    start: dt.date
    end: dt.date
    rate: Decimal
    reference_rate: Decimal
    base: Money

    @property
    def days(self) -> int:
        """The number of days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def percent_days(self) -> Decimal:
        """``base × days × rate`` (in the currency's units × percent), exact."""
        return self.base.amount * self.days * self.rate


def interest_periods(
    open_amount: Money,
    due_date: dt.date,
    on: dt.date,
    *,
    payments: Payments = (),
    rates: ReferenceRates = ECB_REFERENCE_RATES,
    margin: Decimal = STATUTORY_MARGIN,
    start: dt.date | None = None,
) -> list[InterestPeriod]:
    """The days from the day after ``due_date`` (or from ``start``, if later) up to ``on``
    included, in runs of one rate and one open amount.

    ``open_amount`` is what is open on ``on``; ``payments`` are the payments that brought it
    there, each ``(day, amount)``: a payment received on day D was open on the days before D
    and no longer from D on, so the amount open on a day is ``open_amount`` plus the payments
    received after that day. A refund is a negative amount (open again from its day on).
    Payments received on or before the first day change nothing. Runs whose open amount is
    zero or less are left out.
    """
    currency = open_amount.currency
    first = due_date + dt.timedelta(days=1)
    if start is not None and start > first:
        first = start
    if on < first:
        return []
    paid: dict[dt.date, Decimal] = {}
    for i, (day, amount) in enumerate(payments):
        if not isinstance(day, dt.date) or not isinstance(amount, Money):
            raise ValidationError("expected (date, Money) pairs", field=f"payments[{i}]")
        if amount.currency != currency:
            raise ValidationError(
                f"expected a payment in {currency}, got {amount.currency}",
                field=f"payments[{i}]",
            )
        if day > first:
            paid[day] = paid.get(day, Decimal(0)) + amount.amount
    # The base on ``first`` is what is open now plus every payment received after ``first``;
    # from each payment day on, that payment no longer counts.
    base = open_amount.amount + sum(paid.values(), Decimal(0))
    cuts = sorted(day for day in paid if day <= on)
    result: list[InterestPeriod] = []
    segment_start = first
    for cut in [*cuts, on + dt.timedelta(days=1)]:
        if cut > segment_start and base > 0:
            for p_start, p_end, rate in rates.periods(segment_start, cut - dt.timedelta(days=1)):
                result.append(
                    InterestPeriod(p_start, p_end, rate + margin, rate, Money.of(base, currency))
                )
        segment_start = max(segment_start, cut)
        base -= paid.get(cut, Decimal(0))
    return result


def statutory_interest(
    open_amount: Money,
    due_date: dt.date,
    on: dt.date,
    *,
    payments: Payments = (),
    rates: ReferenceRates = ECB_REFERENCE_RATES,
    margin: Decimal = STATUTORY_MARGIN,
    start: dt.date | None = None,
) -> Money:
    """Late-payment interest from the day after ``due_date`` (or from ``start``) to ``on``:
    simple interest accrued per day on the amount open that day,
    ``Σ(open amount × days × (reference rate + margin)) / 100 / 365``, rounded once to the
    currency (half-up).

    ``open_amount`` is what is open on ``on``; ``payments`` (``(day, amount)``) are the partial
    payments that reduced it, each lowering the base from its day on (see
    :func:`interest_periods`).

    >>> str(statutory_interest(Money.of("1000", "EUR"), dt.date(2025, 12, 31),
    ...                        dt.date(2026, 1, 31)))
    '8.62 EUR'
    >>> str(statutory_interest(Money.of("500", "EUR"), dt.date(2025, 12, 31),
    ...                        dt.date(2026, 1, 31),
    ...                        payments=[(dt.date(2026, 1, 16), Money.of("500", "EUR"))]))
    '6.40 EUR'
    """
    periods = interest_periods(
        open_amount, due_date, on, payments=payments, rates=rates, margin=margin, start=start
    )
    return _interest(periods, open_amount.currency)


def _interest(periods: Sequence[InterestPeriod], currency: str) -> Money:
    total = sum((p.percent_days for p in periods), Decimal(0))
    return Money.of(total / (_HUNDRED * _DAYS_PER_YEAR), currency)


# --- fees --------------------------------------------------------------------------------------


@attrs.frozen
class FeeBreakdown:
    """What one reminder step charges, and why.

    ``interest`` is the statutory interest accrued since the last charge, ``compensation`` the
    fixed recovery compensation (charged once per invoice), ``fixed`` and ``percent`` the other
    kinds. ``total`` is their sum; ``explanation`` says how each part was computed;
    ``provisional`` is True when interest used a reference rate past the known table.
    """

    total: Money
    fixed: Money
    percent: Money
    interest: Money
    compensation: Money
    explanation: tuple[str, ...] = ()
    provisional: bool = False
    interest_from: dt.date | None = None
    interest_through: dt.date | None = None

    @classmethod
    def zero(cls, currency: str) -> FeeBreakdown:
        """No fee."""
        z = Money.zero(currency)
        return cls(total=z, fixed=z, percent=z, interest=z, compensation=z)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (amounts as strings)."""
        return {
            "total": str(self.total.amount),
            "fixed": str(self.fixed.amount),
            "percent": str(self.percent.amount),
            "interest": str(self.interest.amount),
            "compensation": str(self.compensation.amount),
            "currency": self.total.currency,
            "explanation": list(self.explanation),
            "provisional": self.provisional,
            "interest_from": self.interest_from.isoformat() if self.interest_from else None,
            "interest_through": (
                self.interest_through.isoformat() if self.interest_through else None
            ),
        }


@attrs.frozen(kw_only=True)
class ChargedFee:
    """One fee line added to what the customer owes (a sent reminder step of a policy with
    ``fee_mode="charge"``): which step charged it, on which day, how much, and what it is
    made of.

    ``interest`` covers the days ``interest_from`` to ``interest_through`` (both included);
    ``compensation`` is the fixed recovery compensation; ``other`` the fixed and percentage
    fees.
    """

    step: int
    step_name: str
    charged_on: dt.date
    amount: Money
    interest: Money
    compensation: Money
    other: Money
    interest_from: dt.date | None = None
    interest_through: dt.date | None = None
    provisional: bool = False

    @classmethod
    def from_breakdown(
        cls, step: int, step_name: str, charged_on: dt.date, fees: Mapping[str, Any], currency: str
    ) -> ChargedFee:
        """Build it from a step number, a name, a date and :meth:`FeeBreakdown.as_dict`."""

        def money(key: str) -> Money:
            return Money.of(str(fees.get(key) or "0"), currency)

        def day(key: str) -> dt.date | None:
            value = fees.get(key)
            return dt.date.fromisoformat(value) if value else None

        return cls(
            step=step,
            step_name=step_name,
            charged_on=charged_on,
            amount=money("total"),
            interest=money("interest"),
            compensation=money("compensation"),
            other=money("fixed") + money("percent"),
            interest_from=day("interest_from"),
            interest_through=day("interest_through"),
            provisional=bool(fees.get("provisional", False)),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (amounts as strings)."""
        return {
            "step": self.step,
            "step_name": self.step_name,
            "charged_on": self.charged_on.isoformat(),
            "amount": str(self.amount.amount),
            "interest": str(self.interest.amount),
            "compensation": str(self.compensation.amount),
            "other": str(self.other.amount),
            "currency": self.amount.currency,
            "interest_from": self.interest_from.isoformat() if self.interest_from else None,
            "interest_through": (
                self.interest_through.isoformat() if self.interest_through else None
            ),
            "provisional": self.provisional,
        }


@attrs.frozen(kw_only=True)
class Fee:
    """A reminder fee. Build it with :meth:`fixed`, :meth:`percent` or :meth:`statutory`.

    ``amount`` is a fixed amount in the invoice's currency; ``rate`` a percentage of the open
    amount; a statutory fee accrues interest at the reference rate + ``margin`` and adds the
    €40 compensation for business customers when ``compensation`` is True.
    """

    kind: FeeKind
    amount: Decimal | None = None
    rate: Decimal | None = None
    margin: Decimal = STATUTORY_MARGIN
    compensation: bool = True
    rates: ReferenceRates = attrs.field(default=ECB_REFERENCE_RATES, eq=False, repr=False)

    @classmethod
    def fixed(cls, amount: str | int | Decimal) -> Fee:
        """A fixed amount, e.g. ``Fee.fixed("7.50")``."""
        return cls(kind="fixed", amount=to_decimal(amount, field="fee"))

    @classmethod
    def percent(cls, rate: str | int | Decimal) -> Fee:
        """A percentage of the open amount, e.g. ``Fee.percent("10")``."""
        return cls(kind="percent", rate=to_decimal(rate, field="fee"))

    @classmethod
    def statutory(
        cls,
        *,
        compensation: bool = True,
        margin: str | int | Decimal = STATUTORY_MARGIN,
        rates: ReferenceRates = ECB_REFERENCE_RATES,
    ) -> Fee:
        """Statutory late-payment interest (reference rate + ``margin`` points), plus the €40
        compensation for business customers when ``compensation``."""
        return cls(
            kind="statutory",
            margin=to_decimal(margin, field="fee"),
            compensation=compensation,
            rates=rates,
        )

    def check(self, field: str) -> None:
        """Raise :class:`ValidationError` naming ``field`` when the fee is not usable."""
        if self.kind not in _FEE_KINDS:
            raise ValidationError(
                f"expected a fee kind among {', '.join(_FEE_KINDS)}, got {self.kind!r}",
                field=field,
            )
        if self.kind == "fixed" and (self.amount is None or self.amount < 0):
            raise ValidationError(
                f"expected a fixed fee of 0 or more, got {self.amount}", field=field
            )
        if self.kind == "percent" and (self.rate is None or not 0 <= self.rate <= _HUNDRED):
            raise ValidationError(
                f"expected a percentage between 0 and 100, got {self.rate}", field=field
            )
        if self.kind == "statutory" and self.margin < 0:
            raise ValidationError(f"expected a margin of 0 or more, got {self.margin}", field=field)

    def compute(
        self,
        *,
        open_amount: Money,
        due_date: dt.date,
        on: dt.date,
        customer_kind: str,
        interest_from: dt.date | None = None,
        compensation_charged: bool = False,
        payments: Payments = (),
    ) -> FeeBreakdown:
        """What this fee charges at a reminder dated ``on``.

        ``open_amount`` is what is open on ``on`` (the base of a percentage and of interest);
        ``payments`` (``(day, amount)``) are the partial payments that reduced it, so interest
        accrues each day on what was open that day (see :func:`interest_periods`).
        ``interest_from`` is the first day whose interest was not charged yet (the day after
        the previous charge), so interest is never charged twice; ``compensation_charged``
        says whether the €40 compensation was already charged for this invoice.
        """
        currency = open_amount.currency
        zero = Money.zero(currency)
        if open_amount.amount <= 0:
            return FeeBreakdown.zero(currency)
        if self.kind == "fixed":
            assert self.amount is not None
            fee = Money.of(self.amount, currency)
            return FeeBreakdown(
                total=fee, fixed=fee, percent=zero, interest=zero, compensation=zero,
                explanation=(f"fixed fee {fee}",),
            )  # fmt: skip
        if self.kind == "percent":
            assert self.rate is not None
            fee = open_amount * (self.rate / _HUNDRED)
            return FeeBreakdown(
                total=fee, fixed=zero, percent=fee, interest=zero, compensation=zero,
                explanation=(f"{self.rate}% of the open amount {open_amount} = {fee}",),
            )  # fmt: skip
        periods = interest_periods(
            open_amount,
            due_date,
            on,
            payments=payments,
            rates=self.rates,
            margin=self.margin,
            start=interest_from,
        )
        interest = _interest(periods, currency)
        lines = [
            f"{p.days} days from {p.start} to {p.end} at {p.rate}% "
            f"(reference {p.reference_rate}% + {self.margin}) on {p.base}"
            for p in periods
        ]
        if lines:
            lines.append(f"interest: {interest} (simple interest, 365-day year)")
        compensation = zero
        if (
            self.compensation
            and not compensation_charged
            and customer_kind == "company"
            and currency == "EUR"
            and on > due_date
        ):
            compensation = Money.of(STATUTORY_COMPENSATION_EUR, currency)
            lines.append(f"fixed compensation for recovery costs {compensation}")
        return FeeBreakdown(
            total=interest + compensation,
            fixed=zero,
            percent=zero,
            interest=interest,
            compensation=compensation,
            explanation=tuple(lines),
            provisional=any(not self.rates.is_known(p.end) for p in periods),
            interest_from=periods[0].start if periods else None,
            interest_through=periods[-1].end if periods else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (a custom rate table is not stored: the built-in one is used)."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.amount is not None:
            data["amount"] = str(self.amount)
        if self.rate is not None:
            data["rate"] = str(self.rate)
        if self.kind == "statutory":
            data["margin"] = str(self.margin)
            data["compensation"] = self.compensation
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], field: str = "fee") -> Fee:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, Mapping):
            raise ValidationError("expected a fee mapping with a 'kind'", field=field)
        kind = data.get("kind")
        if kind == "fixed":
            return cls(kind="fixed", amount=to_decimal(data.get("amount"), field=field))
        if kind == "percent":
            return cls(kind="percent", rate=to_decimal(data.get("rate"), field=field))
        if kind == "statutory":
            return cls(
                kind="statutory",
                margin=to_decimal(data.get("margin", "8"), field=field),
                compensation=bool(data.get("compensation", True)),
            )
        raise ValidationError(
            f"expected a fee kind among {', '.join(_FEE_KINDS)}, got {kind!r}", field=field
        )


# --- steps and policies ------------------------------------------------------------------------


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen(kw_only=True)
class Step:
    """One step of a dunning policy.

    ``offset_days`` counts from the due date (``-5``: five days before it, ``0``: on it,
    ``14``: two weeks late). ``template`` is the message kind (``"reminder"`` by default);
    ``text`` optionally replaces its body for this step (a template in the sandbox).
    ``escalate`` calls the ``paylink_reminder_escalated`` hook once the step has gone out.
    """

    name: str
    offset_days: int
    channels: tuple[str, ...] = attrs.field(default=("email",), converter=_strings)
    template: str = "reminder"
    text: str | None = None
    fee: Fee | None = None
    escalate: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "name": self.name,
            "offset_days": self.offset_days,
            "channels": list(self.channels),
            "template": self.template,
            "text": self.text,
            "fee": self.fee.to_dict() if self.fee else None,
            "escalate": self.escalate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], field: str = "step") -> Step:
        """Inverse of :meth:`to_dict`."""
        fee = data.get("fee")
        return cls(
            name=str(data.get("name", "")),
            offset_days=data.get("offset_days"),  # type: ignore[arg-type]  # checked by validate
            channels=tuple(data.get("channels") or ()),
            template=str(data.get("template", "reminder")),
            text=data.get("text"),
            fee=Fee.from_dict(fee, f"{field}.fee") if fee else None,
            escalate=bool(data.get("escalate", False)),
        )


FeeMode = Literal["charge", "info"]


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


def _dates(value: Iterable[dt.date | str]) -> frozenset[dt.date]:
    return frozenset(d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in value)


@attrs.frozen(kw_only=True)
class DunningPolicy:
    """When and how an organization reminds its customers; overridable per customer.

    - ``steps``: strictly increasing offsets, each step's channels among :data:`CHANNELS`.
    - ``fee_mode``: ``"charge"`` adds the fees to what the customer owes (each reminder record
      is a fee line of its invoice, :class:`ChargedFee`: the invoice's open amount, pay page,
      payment link and bank-transfer amount include it, and payments settle it after the
      principal); ``"info"`` only shows them on the reminder.
    - ``consolidate``: a customer with several invoices due for a reminder in the same run gets
      one message listing them all.
    - ``business_days_only`` and ``holidays``: reminders wait for the next business day in the
      organization's time zone (weekends and the listed dates are not business days).
    - ``quiet_hours``: ``("21:00", "08:00")`` holds reminders at night (default: the
      organization's quiet hours from ``pl.channels.set_quiet_hours``).
    """

    steps: tuple[Step, ...] = attrs.field(converter=_steps)
    fee_mode: FeeMode = "info"
    consolidate: bool = False
    business_days_only: bool = True
    holidays: frozenset[dt.date] = attrs.field(factory=frozenset, converter=_dates)
    quiet_hours: tuple[str, str] | None = None

    @property
    def uses_statutory_interest(self) -> bool:
        """True when a step charges statutory interest (the reference rates matter)."""
        return any(s.fee is not None and s.fee.kind == "statutory" for s in self.steps)

    def with_rates(self, rates: ReferenceRates) -> DunningPolicy:
        """This policy with ``rates`` for its statutory fees that use the shipped table
        (:data:`ECB_REFERENCE_RATES`); a fee given its own table keeps it."""
        steps = tuple(
            attrs.evolve(s, fee=attrs.evolve(s.fee, rates=rates))
            if s.fee is not None
            and s.fee.kind == "statutory"
            and s.fee.rates is ECB_REFERENCE_RATES
            else s
            for s in self.steps
        )
        return attrs.evolve(self, steps=steps)

    def validate(self) -> None:
        """Raise :class:`ValidationError` naming the first bad field (``steps[2].fee``)."""
        if not self.steps:
            raise ValidationError("expected at least one step", field="steps")
        previous: int | None = None
        names: set[str] = set()
        for i, step in enumerate(self.steps):
            where = f"steps[{i}]"
            if not isinstance(step, Step):
                raise ValidationError(f"expected a Step, got {type(step).__name__}", field=where)
            if not str(step.name).strip():
                raise ValidationError("expected a name", field=f"{where}.name")
            if step.name in names:
                raise ValidationError(
                    f"step name {step.name!r} is used twice", field=f"{where}.name"
                )
            names.add(step.name)
            if isinstance(step.offset_days, bool) or not isinstance(step.offset_days, int):
                raise ValidationError(
                    f"expected a whole number of days, got {step.offset_days!r}",
                    field=f"{where}.offset_days",
                )
            if previous is not None and step.offset_days <= previous:
                what = "overlaps" if step.offset_days == previous else "comes before"
                raise ValidationError(
                    f"offset {step.offset_days} {what} the previous step's ({previous}); "
                    "steps must be in strictly increasing order of offset",
                    field=f"{where}.offset_days",
                )
            previous = step.offset_days
            if not step.channels:
                raise ValidationError("expected at least one channel", field=f"{where}.channels")
            for j, channel in enumerate(step.channels):
                if channel not in CHANNELS:
                    raise ValidationError(
                        f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}",
                        field=f"{where}.channels[{j}]",
                    )
            if step.template not in MESSAGE_KINDS:
                raise ValidationError(
                    f"unknown template {step.template!r}; expected a message kind such as "
                    "'reminder'",
                    field=f"{where}.template",
                )
            if step.fee is not None:
                if not isinstance(step.fee, Fee):
                    raise ValidationError("expected a Fee", field=f"{where}.fee")
                step.fee.check(f"{where}.fee")
        if self.fee_mode not in ("charge", "info"):
            raise ValidationError(
                f"expected 'charge' or 'info', got {self.fee_mode!r}", field="fee_mode"
            )
        if self.quiet_hours is not None:
            try:
                QuietHours(*self.quiet_hours)
            except (TypeError, ValidationError) as exc:
                raise ValidationError(str(exc), field="quiet_hours") from None

    # -- time -----------------------------------------------------------------------------------
    def step_date(self, step: Step, due_date: dt.date) -> dt.date:
        """The day ``step`` falls due for an invoice due on ``due_date``."""
        return due_date + dt.timedelta(days=step.offset_days)

    def latest_due_index(self, due_date: dt.date, today: dt.date) -> int | None:
        """Index of the last step whose date is on or before ``today``, or None."""
        found = None
        for i, step in enumerate(self.steps):
            if self.step_date(step, due_date) <= today:
                found = i
        return found

    def latest_due_step(self, due_date: dt.date, today: dt.date) -> Step | None:
        """The last step whose date is on or before ``today``, or None."""
        index = self.latest_due_index(due_date, today)
        return None if index is None else self.steps[index]

    def is_business_day(self, day: dt.date) -> bool:
        """Whether reminders may go out on ``day`` (always True without ``business_days_only``)."""
        return not self.business_days_only or is_business_day(day, self.holidays)

    # -- storage --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "steps": [s.to_dict() for s in self.steps],
            "fee_mode": self.fee_mode,
            "consolidate": self.consolidate,
            "business_days_only": self.business_days_only,
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "quiet_hours": list(self.quiet_hours) if self.quiet_hours else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DunningPolicy:
        """Inverse of :meth:`to_dict`; the result is validated."""
        steps: Sequence[Any] = data.get("steps") or ()
        quiet = data.get("quiet_hours")
        policy = cls(
            steps=tuple(Step.from_dict(s, f"steps[{i}]") for i, s in enumerate(steps)),
            fee_mode=data.get("fee_mode", "info"),
            consolidate=bool(data.get("consolidate", False)),
            business_days_only=bool(data.get("business_days_only", True)),
            holidays=data.get("holidays") or (),
            quiet_hours=(str(quiet[0]), str(quiet[1])) if quiet else None,
        )
        policy.validate()
        return policy


def is_business_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> bool:
    """Monday to Friday, and not one of ``holidays``."""
    return day.weekday() < 5 and day not in set(holidays)


def next_business_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> dt.date:
    """``day`` itself when it is a business day, else the next one."""
    off = set(holidays)
    while not is_business_day(day, off):
        day += dt.timedelta(days=1)
    return day
