"""Reports on receivables and payables: aging, days sales outstanding, cash per month, customers.

Pure: each report is a function of plain items and the day it is drawn up, so a notebook can
build one from any data. Every report has ``to_records()`` (a list of dicts, amounts as
``Decimal``), ``to_dataframe()`` (pandas, imported only when called) and ``to_csv()`` (a file
a spreadsheet opens safely: see :func:`write_csv`).

>>> items = [AgingItem(id="i1", number="1", party="A", due_date=dt.date(2026, 1, 1),
...                   open_amount=Money.of("100", "EUR"))]
>>> report = aging(items, dt.date(2026, 2, 15), currency="EUR")
>>> [(b.label, str(b.amount.amount)) for b in report.buckets if b.count]
[('31-60', '100.00')]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, Literal

import attrs

from ._renamed import renamed
from .extras import require
from .money import Money

__all__ = [
    "AGING_BUCKETS",
    "AgingBucket",
    "AgingItem",
    "AgingReport",
    "CashMonth",
    "CashflowReport",
    "CustomerLine",
    "CustomersReport",
    "DsoReport",
    "InvoiceFigures",
    "ProviderFees",
    "aging",
    "bucket_of",
    "cashflow",
    "customers",
    "dso",
    "write_csv",
]

AGING_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not due", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("over 90", 91, None),
)
"""Bucket label, first and last day overdue (``None``: open-ended)."""


def bucket_of(days_overdue: int) -> str:
    """The aging bucket of an item ``days_overdue`` days past its due date (≤ 0: not due)."""
    for label, low, high in AGING_BUCKETS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return label
    raise AssertionError(days_overdue)  # pragma: no cover - the buckets cover every integer


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any, decimal: str) -> str:
    """One cell: numbers as numbers, text that a spreadsheet would run as a formula defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        # A number stays a number (a negative amount too): only text can carry a formula.
        text = str(value) if isinstance(value, int) else f"{value:f}"
        return text.replace(".", decimal)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(
    records: Sequence[Mapping[str, Any]],
    target: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    delimiter: Literal[";", ","] = ";",
    decimal: Literal[",", "."] | None = None,
    bom: bool = True,
) -> None:
    """Write ``records`` (dicts with the same keys) as CSV a spreadsheet opens safely.

    ``target`` is a path (created or replaced) or an open file, text or binary. The file is
    UTF-8, with a byte order mark by default so that Excel reads the accents right; the first
    row names the columns. ``delimiter`` is ``";"`` (what Excel expects where the decimal
    separator is a comma, as in Belgium and France) or ``","``; ``decimal`` defaults to ``","``
    with ``";"`` and ``"."`` with ``","``. Amounts and counts are written as numbers, dates as
    ISO 8601. A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    (a customer named ``=HYPERLINK(...)``) gets a leading ``'``, so that a spreadsheet shows
    it instead of running it; numbers are never touched, so a negative amount stays a number.
    """
    if delimiter not in (";", ","):
        raise ValueError(f"delimiter: expected ';' or ',', got {delimiter!r}")
    point = decimal or ("," if delimiter == ";" else ".")
    if point not in (",", "."):
        raise ValueError(f"decimal: expected ',' or '.', got {decimal!r}")
    if point == delimiter:
        raise ValueError("decimal: the decimal separator cannot be the delimiter")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    columns = list(records[0]) if records else []
    writer.writerow([_csv_cell(c, point) for c in columns])
    for record in records:
        writer.writerow([_csv_cell(record.get(c), point) for c in columns])
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8", newline="") as file:
            file.write(text)
    elif isinstance(target, io.RawIOBase | io.BufferedIOBase) or "b" in str(
        getattr(target, "mode", "")
    ):
        binary: Any = target
        binary.write(text.encode("utf-8"))
    else:
        textual: Any = target
        textual.write(text)


def _dataframe(records: list[dict[str, Any]]) -> Any:
    pd = require("pandas", extra="notebook", feature="to_dataframe() (or use to_records())")
    return pd.DataFrame.from_records(records)


class _Records:
    def to_records(self) -> list[dict[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dataframe(self) -> Any:
        """The records as a pandas DataFrame (needs pandas; amounts stay ``Decimal``)."""
        return _dataframe(self.to_records())

    def to_csv(
        self,
        target: str | os.PathLike[str] | IO[str] | IO[bytes],
        *,
        delimiter: Literal[";", ","] = ";",
        decimal: Literal[",", "."] | None = None,
        bom: bool = True,
    ) -> None:
        """Write the records to ``target`` (a path or an open file) as CSV for a spreadsheet:
        UTF-8 with a byte order mark, ``;`` or ``,`` between cells, formulas in text cells
        neutralised (see :func:`write_csv`)."""
        write_csv(self.to_records(), target, delimiter=delimiter, decimal=decimal, bom=bom)


@attrs.frozen(kw_only=True)
class AgingItem:
    """Something still owed, to us (a receivable) or by us (a payable), as the aging report
    sorts it into buckets.

    Named apart from :class:`paylink.reconcile.OpenItem` (an invoice as the reconciliation
    engine matches it): this one carries only what the aging needs.
    """

    id: str
    number: str
    party: str
    due_date: dt.date
    open_amount: Money
    party_id: str = ""


@attrs.frozen
class AgingBucket:
    """One aging bucket: how many items and how much."""

    label: str
    count: int
    amount: Money


@attrs.frozen(kw_only=True)
class AgingReport(_Records):
    """Open amounts by how late they are, on ``today``."""

    kind: Literal["receivables", "payables"]
    today: dt.date
    currency: str
    buckets: tuple[AgingBucket, ...]

    @property
    def total(self) -> Money:
        """Everything open."""
        return Money.sum((b.amount for b in self.buckets), self.currency)

    @property
    def overdue(self) -> Money:
        """Everything open past its due date."""
        return Money.sum((b.amount for b in self.buckets if b.label != "not due"), self.currency)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per bucket."""
        return [
            {
                "kind": self.kind,
                "bucket": b.label,
                "count": b.count,
                "amount": b.amount.amount,
                "currency": self.currency,
            }
            for b in self.buckets
        ]


def aging(
    items: Iterable[AgingItem],
    today: dt.date,
    *,
    currency: str,
    kind: Literal["receivables", "payables"] = "receivables",
) -> AgingReport:
    """Sort ``items`` (in ``currency``; others are left out) into :data:`AGING_BUCKETS`."""
    counts = {label: 0 for label, _, _ in AGING_BUCKETS}
    sums = {label: Money.zero(currency) for label, _, _ in AGING_BUCKETS}
    for item in items:
        if item.open_amount.currency != currency or item.open_amount.amount <= 0:
            continue
        label = bucket_of((today - item.due_date).days)
        counts[label] += 1
        sums[label] += item.open_amount
    return AgingReport(
        kind=kind,
        today=today,
        currency=currency,
        buckets=tuple(
            AgingBucket(label, counts[label], sums[label]) for label, _, _ in AGING_BUCKETS
        ),
    )


@attrs.frozen(kw_only=True)
class DsoReport(_Records):
    """Days sales outstanding: ``receivables / sales × days`` over the ``days`` before
    ``today``. ``dso`` is None when there were no sales in the period."""

    today: dt.date
    days: int
    receivables: Money
    sales: Money
    dso: Decimal | None

    def to_records(self) -> list[dict[str, Any]]:
        """One record."""
        return [
            {
                "today": self.today,
                "days": self.days,
                "receivables": self.receivables.amount,
                "sales": self.sales.amount,
                "currency": self.sales.currency,
                "dso": self.dso,
            }
        ]


def dso(receivables: Money, sales: Money, *, today: dt.date, days: int = 90) -> DsoReport:
    """Days sales outstanding, rounded to one decimal (None without sales)."""
    value = None
    if sales.amount > 0:
        value = (receivables.amount / sales.amount * days).quantize(Decimal("0.1"))
    return DsoReport(today=today, days=days, receivables=receivables, sales=sales, dso=value)


@attrs.frozen
class CashMonth:
    """Cash in and out in one month (``month`` is its first day)."""

    month: dt.date
    cash_in: Money
    cash_out: Money

    @property
    def net(self) -> Money:
        """In minus out."""
        return self.cash_in - self.cash_out


@attrs.frozen
class ProviderFees:
    """What one payment provider paid out in one month (``month`` is its first day): the
    ``gross`` its payouts carried (payments less refunds and chargebacks), its ``fee``, the
    ``net`` that reached the bank, and how many ``payouts``."""

    month: dt.date
    provider: str
    gross: Money
    fee: Money
    net: Money
    payouts: int


@attrs.frozen(kw_only=True)
class CashflowReport(_Records):
    """Cash in and out per month, oldest first; ``source`` says where the figures come from
    (``"bank"``: bank transactions; ``"payments"``: recorded payments and purchase invoices
    paid or ordered). ``fees`` are the payment providers' payouts per month and provider:
    gross revenue through the provider, its fees, and the net that reached the bank."""

    currency: str
    months: tuple[CashMonth, ...]
    source: str
    fees: tuple[ProviderFees, ...] = ()

    def fees_in(self, month: dt.date) -> Money:
        """The providers' fees of the payouts of ``month`` (its first day)."""
        return Money.sum((f.fee for f in self.fees if f.month == month), self.currency)

    @property
    def fee_total(self) -> Money:
        """The providers' fees over the whole report."""
        return Money.sum((f.fee for f in self.fees), self.currency)

    def fees_by_provider(self) -> dict[str, tuple[Money, Money, Money]]:
        """``provider -> (gross, fee, net)`` over the whole report, by provider name."""
        totals: dict[str, tuple[Money, Money, Money]] = {}
        zero = Money.zero(self.currency)
        for f in self.fees:
            gross, fee, net = totals.get(f.provider, (zero, zero, zero))
            totals[f.provider] = (gross + f.gross, fee + f.fee, net + f.net)
        return dict(sorted(totals.items()))

    def to_records(self) -> list[dict[str, Any]]:
        """One record per month; ``provider_fees`` is what the providers kept of that month's
        payouts."""
        return [
            {
                "month": m.month,
                "cash_in": m.cash_in.amount,
                "cash_out": m.cash_out.amount,
                "net": m.net.amount,
                "provider_fees": self.fees_in(m.month).amount,
                "currency": self.currency,
            }
            for m in self.months
        ]

    def fee_records(self) -> list[dict[str, Any]]:
        """One record per month and provider that paid out: ``gross`` (revenue through the
        provider), ``fee``, ``net`` (what reached the bank), ``payouts``."""
        return [
            {
                "month": f.month,
                "provider": f.provider,
                "gross": f.gross.amount,
                "fee": f.fee.amount,
                "net": f.net.amount,
                "payouts": f.payouts,
                "currency": self.currency,
            }
            for f in self.fees
        ]

    def fees_to_dataframe(self) -> Any:
        """:meth:`fee_records` as a pandas DataFrame (needs pandas; amounts stay ``Decimal``)."""
        return _dataframe(self.fee_records())


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    year, month = today.year, today.month
    result = []
    for _ in range(count):
        result.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return result[::-1]


def cashflow(
    movements: Iterable[tuple[dt.date, Money]],
    *,
    today: dt.date,
    months: int = 12,
    currency: str,
    source: str = "payments",
    payouts: Iterable[tuple[dt.date, str, Money, Money, Money]] = (),
) -> CashflowReport:
    """Sum signed ``movements`` (positive in, negative out) per month over the last
    ``months`` months up to ``today``; other currencies are left out. ``payouts`` are the
    providers' payouts as ``(date, provider, gross, fee, net)``, summed per month and
    provider into the report's ``fees``."""
    keys = _months_back(today, months)
    cash_in = {k: Money.zero(currency) for k in keys}
    cash_out = {k: Money.zero(currency) for k in keys}
    for day, amount in movements:
        key = _month(day)
        if key not in cash_in or amount.currency != currency or day > today:
            continue
        if amount.amount >= 0:
            cash_in[key] += amount
        else:
            cash_out[key] += -amount
    per: dict[tuple[dt.date, str], tuple[Money, Money, Money, int]] = {}
    zero = Money.zero(currency)
    for day, provider, gross, fee, net in payouts:
        key = _month(day)
        if key not in cash_in or net.currency != currency or day > today:
            continue
        g, f, n, count = per.get((key, provider), (zero, zero, zero, 0))
        per[(key, provider)] = (g + gross, f + fee, n + net, count + 1)
    return CashflowReport(
        currency=currency,
        months=tuple(CashMonth(k, cash_in[k], cash_out[k]) for k in keys),
        source=source,
        fees=tuple(
            ProviderFees(month, provider, *totals)
            for (month, provider), totals in sorted(per.items())
        ),
    )


@attrs.frozen(kw_only=True)
class CustomerLine:
    """One customer's revenue (invoiced in the period), open balance and credit (now): the
    credit is what they paid beyond what was open and is not yet applied or paid back."""

    customer_id: str
    name: str
    revenue: Money
    open_balance: Money
    overdue: Money
    invoices: int
    credit: Money | None = None


@attrs.frozen(kw_only=True)
class CustomersReport(_Records):
    """Revenue and open balance per customer, largest open balance first."""

    currency: str
    since: dt.date | None
    lines: tuple[CustomerLine, ...]

    def top(self, count: int = 10) -> tuple[CustomerLine, ...]:
        """The ``count`` largest open balances."""
        return tuple(line for line in self.lines if line.open_balance.amount > 0)[:count]

    def to_records(self) -> list[dict[str, Any]]:
        """One record per customer."""
        return [
            {
                "customer_id": c.customer_id,
                "name": c.name,
                "revenue": c.revenue.amount,
                "open_balance": c.open_balance.amount,
                "overdue": c.overdue.amount,
                "invoices": c.invoices,
                "credit": c.credit.amount if c.credit is not None else Decimal(0),
                "currency": self.currency,
            }
            for c in self.lines
        ]


@attrs.frozen(kw_only=True)
class InvoiceFigures:
    """What the customers report needs of one invoice."""

    customer_id: str
    customer_name: str
    issue_date: dt.date | None
    due_date: dt.date | None
    total: Money
    open_amount: Money


def customers(
    invoices: Sequence[InvoiceFigures],
    *,
    today: dt.date,
    currency: str,
    since: dt.date | None = None,
    credit: Mapping[str, tuple[str, Money]] | None = None,
) -> CustomersReport:
    """Revenue (totals of invoices issued on or after ``since``) and open balance per
    customer, sorted by open balance, then revenue, largest first. ``credit`` maps a
    customer id to its name and credit balance in ``currency``; a customer with credit and
    no invoice is listed too."""
    acc: dict[str, dict[str, Any]] = {}
    zero = Money.zero(currency)
    for inv in invoices:
        if inv.total.currency != currency:
            continue
        entry = acc.setdefault(
            inv.customer_id,
            {"name": inv.customer_name, "revenue": zero, "open": zero, "overdue": zero, "n": 0},
        )
        if since is None or (inv.issue_date is not None and inv.issue_date >= since):
            entry["revenue"] += inv.total
            entry["n"] += 1
        if inv.open_amount.amount > 0:
            entry["open"] += inv.open_amount
            if inv.due_date is not None and inv.due_date < today:
                entry["overdue"] += inv.open_amount
    for cid, (name, _amount) in (credit or {}).items():
        acc.setdefault(cid, {"name": name, "revenue": zero, "open": zero, "overdue": zero, "n": 0})
    lines = [
        CustomerLine(
            customer_id=cid,
            name=e["name"],
            revenue=e["revenue"],
            open_balance=e["open"],
            overdue=e["overdue"],
            invoices=e["n"],
            credit=(credit or {}).get(cid, ("", zero))[1],
        )
        for cid, e in acc.items()
    ]
    lines.sort(key=lambda c: (-c.open_balance.amount, -c.revenue.amount, c.name))
    return CustomersReport(currency=currency, since=since, lines=tuple(lines))


__getattr__ = renamed(__name__, globals(), {"OpenItem": "AgingItem"})
