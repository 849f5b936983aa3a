"""Open items: what is still owed to us (sales) or by us (purchases), as the matcher sees it.

An :class:`OpenItem` is a flat, immutable view of one invoice's open amount and the facts that
help to recognise its payment: the structured reference, the invoice number, the customer's
IBANs and name, the SEPA end-to-end id of a purchase invoice we paid from our own file.

Build them from paylink's invoices (:meth:`OpenItem.from_invoice`,
:meth:`OpenItem.from_purchase_invoice`), from dicts (:meth:`OpenItem.from_record`) or from a
JSON or CSV file (:func:`load_open_items`). A malformed row is reported with its position, the
field and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs
from stdnum import iban as stdnum_iban

from .. import _tables
from ..exceptions import ValidationError, mask_iban
from ..money import Money, currency_exponent, to_decimal
from ..references import Reference, check

__all__ = [
    "OPEN_ITEM_COLUMNS",
    "Direction",
    "LoadedOpenItems",
    "OpenItem",
    "OpenItemsError",
    "RowProblem",
    "load_open_items",
    "normalize_iban",
    "open_items_to_dataframe",
]

Direction = Literal["sale", "purchase"]


def normalize_iban(value: str) -> str:
    """Return an IBAN in its compact electronic form: upper case, no spaces."""
    return "".join(value.split()).upper()


def _ibans(value: Iterable[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    return tuple(dict.fromkeys(normalize_iban(v) for v in value if v and v.strip()))


@attrs.frozen(kw_only=True)
class OpenItem:
    """One invoice with money still open, as the reconciliation engine sees it.

    ``number`` must be unique per ``direction`` within one reconciliation run (purchase invoices
    from different suppliers can set ``invoice_id`` to keep them apart). ``open_amount`` is what
    is still to be paid and must be positive; ``total`` is the invoice total (defaults to the open
    amount). ``customer_key`` identifies the customer (or supplier, for purchases); when it is
    not given, the first IBAN or else the name stands in for it.
    """

    number: str
    open_amount: Money
    direction: Direction = "sale"
    customer_key: str | None = None
    customer_name: str | None = None
    customer_ibans: tuple[str, ...] = attrs.field(
        default=(), converter=_ibans, repr=lambda v: repr([mask_iban(i) for i in v])
    )
    total: Money | None = None
    reference: Reference | None = None
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    end_to_end_id: str | None = None
    organization_id: str | None = None
    invoice_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.direction not in ("sale", "purchase"):
            raise ValidationError(
                f"expected 'sale' or 'purchase', got {self.direction!r}", field="direction"
            )
        if not self.number:
            raise ValidationError("an open item needs an invoice number", field="number")

    @property
    def currency(self) -> str:
        """The currency of the open amount."""
        return self.open_amount.currency

    @property
    def customer(self) -> str:
        """The key that groups this customer's items: ``customer_key``, first IBAN, or name."""
        if self.customer_key:
            return self.customer_key
        if self.customer_ibans:
            return self.customer_ibans[0]
        return self.customer_name or ""

    # -- named constructors -------------------------------------------------------------------
    @classmethod
    def from_invoice(cls, invoice: Any, customer: Any = None) -> OpenItem:
        """Build the open item of an issued :class:`paylink.documents.Invoice`.

        ``customer`` (a :class:`paylink.parties.Customer`) adds the name and known IBANs the
        matcher uses when the payment carries no reference.
        """
        open_amount = invoice.open_amount
        return cls(
            number=invoice.number or invoice.id,
            open_amount=open_amount,
            direction="sale",
            customer_key=getattr(invoice, "customer_id", None),
            customer_name=getattr(customer, "name", None),
            customer_ibans=tuple(getattr(customer, "ibans", ()) or ()),
            total=getattr(invoice, "total", open_amount),
            reference=getattr(invoice, "reference", None),
            issue_date=getattr(invoice, "issue_date", None),
            due_date=getattr(invoice, "due_date", None),
            organization_id=getattr(invoice, "organization_id", None),
            invoice_id=getattr(invoice, "id", None),
        )

    @classmethod
    def from_purchase_invoice(cls, invoice: Any) -> OpenItem:
        """Build the open item of a :class:`paylink.documents.PurchaseInvoice` (money going out).

        The end-to-end id of the SEPA file that paid it lets the matcher recognise the debit.
        """
        return cls(
            number=invoice.supplier_reference or invoice.id,
            open_amount=invoice.open_amount,
            direction="purchase",
            customer_key=None,  # the supplier is grouped by its IBAN (see ``customer``)
            customer_name=invoice.supplier_name,
            customer_ibans=(invoice.supplier_iban,) if invoice.supplier_iban else (),
            total=invoice.amount,
            reference=invoice.payment_reference,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            end_to_end_id=invoice.end_to_end_id,
            organization_id=invoice.organization_id,
            invoice_id=invoice.id,
        )

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, row: int | None = None) -> OpenItem:
        """Build an open item from a flat dict, as found in a JSON or CSV file.

        Keys: ``number``, ``amount`` (the open amount, a decimal string), ``currency``, and
        optionally ``customer_name``, ``customer_iban`` (one IBAN, or several separated by ``;``
        or a list), ``customer_key`` (or ``customer_id``), ``reference`` (OGM or RF),
        ``issue_date``, ``due_date`` (ISO dates), ``total``, ``direction`` (``sale`` or
        ``purchase``), ``end_to_end_id``, ``invoice_id``, ``organization_id``.

        Raises :class:`OpenItemsError` naming ``row`` (when given), the field and what was
        expected.
        """
        problems: list[RowProblem] = []
        item = _from_record(record, row or 0, None, problems)
        if item is None:
            raise OpenItemsError(problems)
        return item


@attrs.frozen
class RowProblem:
    """Why one row of open items was refused: where it is, which field, what was expected."""

    row: int
    """1-based position of the record among the records (the header line is not a record)."""
    field: str
    expected: str
    got: str
    line: int | None = None
    """The line in a CSV file, when the row comes from one."""
    source: str | None = None
    """The file name, when the row comes from a file."""

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        where.append(f"line {self.line} (row {self.row})" if self.line else f"row {self.row}")
        return f"{', '.join(where)}, field {self.field!r}: expected {self.expected}, got {self.got}"


class OpenItemsError(ValidationError):
    """Rows of open items are malformed; ``problems`` lists each with its position."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = tuple(problems)
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", field=first.field)


OPEN_ITEM_COLUMNS: tuple[str, ...] = (
    "number",
    "direction",
    "amount",
    "currency",
    "total",
    "customer_key",
    "customer_name",
    "customer_iban",
    "reference",
    "issue_date",
    "due_date",
    "end_to_end_id",
    "invoice_id",
    "organization_id",
)
"""The columns of an open-items DataFrame, in order; also the keys
:meth:`OpenItem.from_record` reads (``amount`` is the open amount)."""


def _item_row(item: OpenItem, amounts: _tables.Amounts) -> dict[str, Any]:
    def value(money: Money | None) -> Any:
        if money is None:
            return None
        return money.minor_units if amounts == "minor" else money.amount

    return {
        "number": item.number,
        "direction": item.direction,
        "amount": value(item.open_amount),
        "currency": item.currency,
        "total": value(item.total),
        "customer_key": item.customer_key,
        "customer_name": item.customer_name,
        "customer_iban": ";".join(item.customer_ibans) or None,
        "reference": str(item.reference) if item.reference else None,
        "issue_date": item.issue_date,
        "due_date": item.due_date,
        "end_to_end_id": item.end_to_end_id,
        "invoice_id": item.invoice_id,
        "organization_id": item.organization_id,
    }


def open_items_to_dataframe(
    items: Iterable[OpenItem],
    *,
    backend: _tables.Backend = "pandas",
    amounts: _tables.Amounts = "decimal",
) -> Any:
    """Open items as a DataFrame with the columns of :data:`OPEN_ITEM_COLUMNS`: amounts exact
    (``Decimal``, or integer minor units with ``amounts="minor"``), dates as dates, several
    IBANs joined by ``;`` (as :meth:`OpenItem.from_record` reads them back)."""
    return _tables.frame(
        [_item_row(item, amounts) for item in items],
        OPEN_ITEM_COLUMNS,
        backend=backend,
        dates=("issue_date", "due_date"),
    )


@attrs.frozen
class LoadedOpenItems:
    """What :func:`load_open_items` read: the items, and the refused rows when skipping."""

    items: tuple[OpenItem, ...]
    problems: tuple[RowProblem, ...] = attrs.field(default=())

    def __iter__(self) -> Iterator[OpenItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        # Thousands of items: say how many and of what, not each one.
        totals: dict[str, Money] = {}
        for item in self.items:
            key = item.currency
            totals[key] = totals[key] + item.open_amount if key in totals else item.open_amount
        open_ = ", ".join(str(v) for _, v in sorted(totals.items())) or "nothing"
        refused = f", {len(self.problems)} row(s) refused" if self.problems else ""
        return f"<LoadedOpenItems: {len(self.items):,} items, {open_} open{refused}>"

    def _repr_html_(self) -> str:
        return _tables.html_table(
            f"{len(self.items):,} open items",
            ("number", "direction", "open", "customer", "reference", "due"),
            (
                (i.number, i.direction, i.open_amount, i.customer_name, i.reference, i.due_date)
                for i in self.items
            ),
            total=len(self.items),
            summary=[("refused rows", len(self.problems))] if self.problems else (),
        )

    def to_dataframe(
        self, *, backend: _tables.Backend = "pandas", amounts: _tables.Amounts = "decimal"
    ) -> Any:
        """The items as a DataFrame; see :func:`open_items_to_dataframe`."""
        return open_items_to_dataframe(self.items, backend=backend, amounts=amounts)


_REQUIRED = ("number", "amount", "currency")


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    return value or None


def _from_record(
    record: Mapping[str, Any],
    row: int,
    line: int | None,
    problems: list[RowProblem],
    source: str | None = None,
) -> OpenItem | None:
    start = len(problems)

    def bad(field: str, expected: str, got: object) -> None:
        problems.append(RowProblem(row, field, expected, repr(got), line, source))

    if not isinstance(record, Mapping):
        bad("*", "an object with the keys number, amount, currency", type(record).__name__)
        return None
    for key in _REQUIRED:
        if _text(record, key) is None:
            bad(key, "a value (the field is required)", record.get(key, "nothing"))
    currency = (_text(record, "currency") or "").upper()
    if currency:
        try:
            currency_exponent(currency)
        except ValidationError:
            bad("currency", "an ISO 4217 code such as 'EUR'", record.get("currency"))
            currency = ""

    def money(key: str) -> Money | None:
        raw = record.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, float):
            bad(
                key,
                "a decimal string such as '12.50' (floats are not exact; read the column as "
                "text, e.g. pandas.read_csv(..., dtype={'amount': str}))",
                raw,
            )
            return None
        try:
            value = to_decimal(raw, field=key)
        except ValidationError:
            bad(key, "a decimal amount such as '12.50'", raw)
            return None
        if not currency:
            return None
        result = Money.of(value, currency)
        if result.amount != value:
            bad(key, f"at most {result.exponent} decimals for {currency}", raw)
            return None
        return result

    amount = money("amount")
    if amount is not None and amount.amount <= 0:
        bad("amount", "a positive open amount", record.get("amount"))
    total = money("total")

    def date(key: str) -> dt.date | None:
        raw = _text(record, key)
        if raw is None:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            bad(key, "an ISO date such as '2026-03-31'", raw)
            return None

    issue_date, due_date = date("issue_date"), date("due_date")

    reference: Reference | None = None
    raw_ref = _text(record, "reference")
    if raw_ref is not None:
        try:
            reference = check(raw_ref)
        except ValidationError:
            bad("reference", "a valid OGM (+++123/4567/89002+++) or RF reference", raw_ref)

    raw_ibans = record.get("customer_iban", record.get("customer_ibans"))
    ibans: tuple[str, ...] = ()
    if raw_ibans is not None:
        if not isinstance(raw_ibans, str | list | tuple):
            bad("customer_iban", "an IBAN or a list of IBANs", raw_ibans)
        else:
            ibans = _ibans(raw_ibans)
            for value in ibans:
                if not stdnum_iban.is_valid(value, check_country=False):
                    bad("customer_iban", "a valid IBAN such as 'BE68 5390 0754 7034'", value)

    direction = _text(record, "direction") or "sale"
    if direction not in ("sale", "purchase"):
        bad("direction", "'sale' or 'purchase'", direction)

    if len(problems) > start or amount is None:
        return None
    return OpenItem(
        number=_text(record, "number") or "",
        open_amount=amount,
        direction="purchase" if direction == "purchase" else "sale",
        customer_key=_text(record, "customer_key") or _text(record, "customer_id"),
        customer_name=_text(record, "customer_name"),
        customer_ibans=ibans,
        total=total,
        reference=reference,
        issue_date=issue_date,
        due_date=due_date,
        end_to_end_id=_text(record, "end_to_end_id"),
        organization_id=_text(record, "organization_id"),
        invoice_id=_text(record, "invoice_id"),
    )


def _records_from_file(path: Path) -> Iterator[tuple[int, int | None, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".csv" and text.lstrip()[:1] in ("[", "{")
    ):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise OpenItemsError(
                [RowProblem(0, "*", "a JSON list of objects", exc.msg, exc.lineno, str(path))]
            ) from exc
        if isinstance(data, dict) and isinstance(data.get("invoices"), list):
            data = data["invoices"]
        if not isinstance(data, list):
            raise OpenItemsError(
                [RowProblem(0, "*", "a JSON list of objects", type(data).__name__, None, str(path))]
            )
        for n, record in enumerate(data, start=1):
            yield n, None, record
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for n, record in enumerate(reader, start=1):
        yield n, reader.line_num, record


def load_open_items(
    source: str | Path | Iterable[Any] | Any,
    *,
    on_error: Literal["raise", "skip"] = "raise",
) -> LoadedOpenItems:
    """Load open items from a JSON or CSV file, a pandas or polars DataFrame (the columns of
    :data:`OPEN_ITEM_COLUMNS`; at least ``number``, ``amount``, ``currency``), or an iterable of
    dicts or invoices.

    A file is JSON (a list of objects, or ``{"invoices": [...]}``) or CSV with a header row;
    both use the keys of :meth:`OpenItem.from_record`. An iterable may mix dicts,
    :class:`OpenItem` objects and paylink invoices.

    With ``on_error="raise"`` (the default) the first malformed row raises
    :class:`OpenItemsError` saying where (file, line, row), which field and what was expected.
    With ``on_error="skip"`` malformed rows are left out and listed in the result's
    ``problems``, so one bad row does not hide the good ones.
    """
    if on_error not in ("raise", "skip"):
        raise ValidationError(f"expected 'raise' or 'skip', got {on_error!r}", field="on_error")
    problems: list[RowProblem] = []
    items: list[OpenItem] = []
    src: str | None = None
    records: Iterable[tuple[int, int | None, Any]]
    if isinstance(source, str | Path):
        path = Path(source)
        src = str(path)
        records = _records_from_file(path)
    elif _tables.is_dataframe(source):
        rows = _tables.records_of(source, what="open items", required=_REQUIRED)
        records = ((n, None, r) for n, r in enumerate(rows, start=1))
    else:
        records = ((n, None, r) for n, r in enumerate(source, start=1))
    for row, line, record in records:
        if isinstance(record, OpenItem):
            items.append(record)
            continue
        if not isinstance(record, Mapping) and hasattr(record, "open_amount"):
            if getattr(record, "direction", "sale") == "purchase":
                items.append(OpenItem.from_purchase_invoice(record))
            else:
                items.append(OpenItem.from_invoice(record))
            continue
        seen = len(problems)
        item = _from_record(record, row, line, problems, src)
        if item is not None:
            items.append(item)
        elif on_error == "raise":
            raise OpenItemsError(problems[seen:])
    return LoadedOpenItems(tuple(items), tuple(problems))
