"""Quotes, invoices, credit notes and purchase invoices; their lines, totals and lifecycles.

Totals follow EN 16931 (the European e-invoicing norm):

1. each line's net amount is ``quantity × unit price − discount``, rounded to the currency;
2. per VAT rate, the VAT is computed **once** on the sum of that rate's line nets, and rounded;
3. the invoice totals are sums of those rounded amounts.

So a document's VAT never drifts by a cent from what an accountant or a tax portal computes.

Lifecycles (anything else raises :class:`~paylink.exceptions.StateError`)::

    Quote:          draft -> sent -> approved | declined | expired  (approval issues an invoice)
    Invoice:        draft -> issued -> partially_paid -> paid
                    issued | partially_paid (nothing paid) -> cancelled  (only by a credit note)
    PurchaseInvoice open -> payment_ordered -> paid;  open -> cancelled

"Overdue" is not a stored status: it is derived from the due date and the day you ask about
(:meth:`Invoice.is_overdue`), since the core never reads the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs

from .exceptions import StateError, ValidationError
from .money import Money, to_decimal
from .references import Reference

__all__ = [
    "VAT_CATEGORIES",
    "CreditNote",
    "Invoice",
    "InvoiceStatus",
    "Line",
    "PurchaseInvoice",
    "PurchaseStatus",
    "Quote",
    "QuoteStatus",
    "Totals",
    "VatLine",
    "compute_totals",
]

_HUNDRED = Decimal(100)


def _quantity(value: object) -> Decimal:
    q = to_decimal(value, field="quantity")
    if q < 0:
        raise ValidationError(f"expected a quantity of 0 or more, got {q}", field="quantity")
    return q


def _rate(value: object) -> Decimal:
    r = to_decimal(value, field="vat_rate")
    if not 0 <= r <= _HUNDRED:
        raise ValidationError(
            f"expected a VAT rate in percent, 0 to 100, got {r}", field="vat_rate"
        )
    # 21, 21.0 and 21.00 are one rate: group them under one key in the VAT breakdown.
    return r.quantize(Decimal(1)) if r == r.to_integral() else r.normalize()


def _discount(value: object) -> Decimal:
    d = to_decimal(value, field="discount")
    if not 0 <= d <= _HUNDRED:
        raise ValidationError(
            f"expected a discount in percent, 0 to 100, got {d}", field="discount"
        )
    return d


def _price(value: object) -> Decimal:
    return to_decimal(value, field="unit_price")


VAT_CATEGORIES: dict[str, str] = {
    "S": "standard rate",
    "Z": "zero rated",
    "E": "exempt from VAT",
    "AE": "reverse charge (the buyer pays the VAT)",
    "K": "intra-community supply (VAT exempt, the buyer declares it)",
    "G": "export outside the EU (VAT exempt)",
    "O": "outside the scope of VAT",
}
"""The EN 16931 VAT category codes (UNCL 5305 subset) paylink writes, and what each means."""

# Exemption reasons the EU defines a code for (the VATEX list): used when a line of these
# categories gives no reason of its own, since EN 16931 asks for one in the VAT breakdown.
DEFAULT_EXEMPTIONS: dict[str, tuple[str, str]] = {
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "K": ("VATEX-EU-IC", "Intra-Community supply"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}
"""Default exemption code and text per category (E has none: the seller must say why)."""

_UNIT_CODE = re.compile(r"^[A-Z0-9]{1,3}$")


def _default_category(line: Line) -> str:
    return "S" if line.vat_rate > 0 else "Z"


@attrs.frozen(kw_only=True)
class Line:
    """One line of a quote or an invoice.

    Amounts are given without currency (the document has one): ``unit_price`` excludes VAT,
    ``vat_rate`` and ``discount`` are percentages. Strings, ints and Decimals are accepted;
    floats are refused.

    >>> Line(description="Repair", quantity="2", unit_price="45.00", vat_rate="21").net("EUR")
    Money('90.00', 'EUR')
    """

    description: str = attrs.field()
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Decimal = attrs.field(converter=_price)
    vat_rate: Decimal = attrs.field(converter=_rate)
    discount: Decimal = attrs.field(default=Decimal(0), converter=_discount)
    unit: str = ""
    catalog_item_id: str | None = None
    vat_category: str = attrs.field(default=attrs.Factory(_default_category, takes_self=True))
    exemption_reason: str = ""
    exemption_code: str = attrs.field(default="")
    unit_code: str = attrs.field(default="C62")

    @description.validator
    def _check_description(self, _: Any, value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("expected a non-empty description", field="description")

    @vat_category.validator
    def _check_category(self, _: Any, value: str) -> None:
        if value not in VAT_CATEGORIES:
            raise ValidationError(
                f"expected a VAT category among {', '.join(VAT_CATEGORIES)}, got {value!r}",
                field="vat_category",
            )
        if value == "S" and self.vat_rate <= 0:
            raise ValidationError(
                "a line at the standard rate (S) needs a VAT rate above 0", field="vat_rate"
            )
        if value != "S" and self.vat_rate != 0:
            raise ValidationError(
                f"a line in VAT category {value} ({VAT_CATEGORIES[value]}) has a VAT rate of 0,"
                f" got {self.vat_rate}",
                field="vat_rate",
            )

    @exemption_code.validator
    def _check_exemption_code(self, _: Any, value: str) -> None:
        if value and not value.upper().startswith("VATEX-"):
            raise ValidationError(
                f"expected a VATEX exemption code like VATEX-EU-132, got {value!r}",
                field="exemption_code",
            )

    @unit_code.validator
    def _check_unit_code(self, _: Any, value: str) -> None:
        if not _UNIT_CODE.match(value):
            raise ValidationError(
                f"expected a UN/ECE Rec 20 unit code like C62 (piece) or HUR (hour), got {value!r}",
                field="unit_code",
            )

    @property
    def exemption(self) -> tuple[str, str]:
        """The line's VAT exemption ``(code, text)``: its own, else the category's default."""
        code, text = DEFAULT_EXEMPTIONS.get(self.vat_category, ("", ""))
        if self.exemption_reason or self.exemption_code:
            return self.exemption_code, self.exemption_reason
        return code, text

    def net(self, currency: str) -> Money:
        """The line's net amount (excluding VAT), rounded to ``currency``."""
        gross = self.quantity * self.unit_price
        if self.discount:
            gross = gross * (_HUNDRED - self.discount) / _HUNDRED
        return Money.of(gross, currency)

    def to_dict(self) -> dict[str, str | None]:
        """JSON-friendly form (decimals as strings)."""
        return {
            "description": self.description,
            "quantity": str(self.quantity),
            "unit_price": str(self.unit_price),
            "vat_rate": str(self.vat_rate),
            "discount": str(self.discount),
            "unit": self.unit,
            "catalog_item_id": self.catalog_item_id,
            "vat_category": self.vat_category,
            "exemption_reason": self.exemption_reason,
            "exemption_code": self.exemption_code,
            "unit_code": self.unit_code,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Line:
        """Inverse of :meth:`to_dict`."""
        return cls(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_rate=data["vat_rate"],
            discount=data.get("discount") or "0",
            unit=data.get("unit") or "",
            catalog_item_id=data.get("catalog_item_id"),
            exemption_reason=data.get("exemption_reason") or "",
            exemption_code=data.get("exemption_code") or "",
            unit_code=data.get("unit_code") or "C62",
            **({"vat_category": data["vat_category"]} if data.get("vat_category") else {}),
        )


@attrs.frozen
class VatLine:
    """One row of the VAT breakdown: the taxable base of a VAT category and rate, and the VAT
    on it (``category`` is an EN 16931 code, see :data:`VAT_CATEGORIES`)."""

    rate: Decimal
    base: Money
    vat: Money
    category: str = "S"


@attrs.frozen
class Totals:
    """A document's totals: net, VAT and gross, with the breakdown per VAT rate."""

    net: Money
    vat: Money
    total: Money
    breakdown: tuple[VatLine, ...]


def compute_totals(lines: Iterable[Line], currency: str) -> Totals:
    """Compute EN 16931 totals: VAT once per category and rate on the sum of its rounded line
    nets."""
    bases: dict[tuple[Decimal, str], Money] = {}
    for line in lines:
        key = (line.vat_rate, line.vat_category)
        bases[key] = bases.get(key, Money.zero(currency)) + line.net(currency)
    breakdown = tuple(
        VatLine(rate, base, Money.of(base.amount * rate / _HUNDRED, currency), category)
        for (rate, category), base in sorted(bases.items())
    )
    net = Money.sum((v.base for v in breakdown), currency)
    vat = Money.sum((v.vat for v in breakdown), currency)
    return Totals(net=net, vat=vat, total=net + vat, breakdown=breakdown)


def _lines(value: Iterable[Line]) -> tuple[Line, ...]:
    lines = tuple(value)
    for i, line in enumerate(lines):
        if not isinstance(line, Line):
            raise ValidationError(
                f"expected a Line, got {type(line).__name__}", field=f"lines[{i}]"
            )
    return lines


InvoiceStatus = Literal["draft", "issued", "partially_paid", "paid", "cancelled"]
QuoteStatus = Literal["draft", "sent", "approved", "declined", "expired"]
PurchaseStatus = Literal["open", "payment_ordered", "paid", "cancelled"]

_QUOTE_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"sent"},
    "sent": {"approved", "declined", "expired"},
    "approved": set(),
    "declined": set(),
    "expired": set(),
}


class _HasTotals:
    """Totals derived from ``lines`` and ``currency``, computed once per (frozen) document."""

    lines: tuple[Line, ...]
    currency: str

    @property
    def totals(self) -> Totals:
        """The document's :class:`Totals` (EN 16931)."""
        cached: Totals | None = self.__dict__.get("_totals")
        if cached is None:
            cached = compute_totals(self.lines, self.currency)
            self.__dict__["_totals"] = cached
        return cached

    @property
    def net_total(self) -> Money:
        """Sum of the line nets, excluding VAT."""
        return self.totals.net

    @property
    def vat_total(self) -> Money:
        """Total VAT."""
        return self.totals.vat

    @property
    def total(self) -> Money:
        """Amount including VAT."""
        return self.totals.total

    @property
    def vat_breakdown(self) -> tuple[VatLine, ...]:
        """One :class:`VatLine` per VAT rate, lowest rate first."""
        return self.totals.breakdown


@attrs.frozen(kw_only=True, slots=False)
class Quote(_HasTotals):
    """A quote (estimate) for a customer; approving it creates an invoice with the same lines."""

    id: str
    organization_id: str
    customer_id: str
    currency: str
    lines: tuple[Line, ...] = attrs.field(converter=_lines)
    status: QuoteStatus = "draft"
    number: str | None = None
    issue_date: dt.date | None = None
    valid_until: dt.date | None = None
    notes: str = ""
    invoice_id: str | None = None
    decided_at: dt.datetime | None = None
    decision: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    created_at: dt.datetime | None = None

    def can(self, status: str) -> bool:
        """Whether the quote may move to ``status`` now."""
        return status in _QUOTE_TRANSITIONS[self.status]

    def require(self, status: str) -> None:
        """Raise StateError unless the quote may move to ``status``."""
        if not self.can(status):
            raise StateError(
                f"quote {self.number or self.id} is {self.status}; it cannot become {status}"
            )

    def is_expired(self, today: dt.date) -> bool:
        """True when a sent quote's validity has passed on ``today``."""
        return self.status == "sent" and self.valid_until is not None and today > self.valid_until


@attrs.frozen(kw_only=True, slots=False)
class Invoice(_HasTotals):
    """A sales invoice.

    ``paid_amount`` is what payments allocated to it; ``credited_amount`` what credit notes took
    off; ``fees_amount`` the reminder fees and interest charged on it (dunning policies with
    ``fee_mode="charge"``, each one a line of ``pl.reminders.fee_lines``). :attr:`open_amount`
    is what the customer still owes, fees included.

    Payments go to the principal (:attr:`total` − :attr:`credited`) first, then to the fees:
    :attr:`principal_open` and :attr:`fees_open` split :attr:`open_amount` that way. The
    invoice is paid only when both are.
    """

    id: str
    organization_id: str
    customer_id: str
    currency: str
    lines: tuple[Line, ...] = attrs.field(converter=_lines)
    status: InvoiceStatus = "draft"
    number: str | None = None
    reference: Reference | None = None
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    paid_amount: Money | None = None
    credited_amount: Money | None = None
    fees_amount: Money | None = None
    quote_id: str | None = None
    notes: str = ""
    disputed: bool = False
    buyer_reference: str = ""
    order_reference: str = ""
    issued_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    def __attrs_post_init__(self) -> None:
        zero = Money.zero(self.currency)
        if self.paid_amount is None:
            object.__setattr__(self, "paid_amount", zero)
        if self.credited_amount is None:
            object.__setattr__(self, "credited_amount", zero)
        if self.fees_amount is None:
            object.__setattr__(self, "fees_amount", zero)

    @property
    def paid(self) -> Money:
        """What payments allocated to this invoice."""
        assert self.paid_amount is not None
        return self.paid_amount

    @property
    def credited(self) -> Money:
        """What credit notes took off this invoice."""
        assert self.credited_amount is not None
        return self.credited_amount

    @property
    def fees(self) -> Money:
        """The reminder fees and interest charged on this invoice (paid or not)."""
        assert self.fees_amount is not None
        return self.fees_amount

    @property
    def principal(self) -> Money:
        """What the invoice itself claims: total − credited."""
        return self.total - self.credited

    @property
    def open_amount(self) -> Money:
        """What the customer still owes: total + charged fees − paid − credited (zero when
        cancelled)."""
        if self.status in ("draft", "cancelled"):
            return Money.zero(self.currency) if self.status == "cancelled" else self.total
        return self.total + self.fees - self.paid - self.credited

    @property
    def principal_open(self) -> Money:
        """The part of :attr:`open_amount` that is the invoice's own (payments settle it
        first); the base of percentage fees and of interest."""
        if self.status in ("draft", "cancelled"):
            return self.open_amount
        left = self.principal - self.paid
        return left if left.amount > 0 else Money.zero(self.currency)

    @property
    def fees_open(self) -> Money:
        """The part of :attr:`open_amount` that is charged fees not paid yet."""
        return self.open_amount - self.principal_open

    def is_overdue(self, today: dt.date) -> bool:
        """True when money is still owed after the due date, as seen on ``today``."""
        return (
            self.status in ("issued", "partially_paid")
            and self.due_date is not None
            and today > self.due_date
            and self.open_amount.amount > 0
        )

    def days_overdue(self, today: dt.date) -> int:
        """Days past the due date on ``today`` (0 when not overdue)."""
        if not self.is_overdue(today):
            return 0
        assert self.due_date is not None
        return (today - self.due_date).days

    def settled(self, paid: Money, at: dt.datetime) -> Invoice:
        """This invoice with ``paid`` as its paid amount, the status that implies
        (:meth:`status_after_settlement`) and ``paid_at`` set to ``at`` when it is paid in
        full (cleared otherwise). Its lines do not change, so neither do its totals: they are
        kept, not computed again."""
        # A copy of the fields (and of the cached totals) rather than attrs.evolve: nothing
        # else changes, so there is nothing to convert or check again, and a reconciliation
        # run settles thousands of invoices.
        updated = object.__new__(type(self))
        updated.__dict__.update(self.__dict__)
        updated.__dict__["paid_amount"] = paid
        status = updated.status_after_settlement()
        updated.__dict__["status"] = status
        updated.__dict__["paid_at"] = at if status == "paid" else None
        return updated

    def status_after_settlement(self) -> InvoiceStatus:
        """The status that the paid and credited amounts imply for an issued invoice.

        Paid when nothing is open, fees included; cancelled when credit notes took off the
        whole principal before anything was paid (the fees of an invoice that was wrong in
        full go with it)."""
        if self.principal.amount <= 0 and self.paid.amount <= 0:
            return "cancelled"
        if self.open_amount.amount <= 0:
            return "paid" if self.paid.amount > 0 else "cancelled"
        if self.paid.amount > 0:
            return "partially_paid"
        return "issued"


@attrs.frozen(kw_only=True, slots=False)
class CreditNote(_HasTotals):
    """A credit note: takes (part of) an issued invoice back. Its lines are positive amounts
    that are subtracted from the invoice's open amount."""

    id: str
    organization_id: str
    customer_id: str
    invoice_id: str
    currency: str
    lines: tuple[Line, ...] = attrs.field(converter=_lines)
    number: str
    issue_date: dt.date
    reason: str = ""
    preceding_invoice_number: str = ""
    buyer_reference: str = ""
    created_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class PurchaseInvoice:
    """An invoice received from a supplier, to be paid by SEPA credit transfer.

    ``supplier_reference`` is the supplier's own invoice number; ``payment_reference`` the
    structured reference (OGM or RF) the supplier asks to quote, if any. One received as an
    e-invoice also keeps its ``lines``, its ``vat_amount``, the supplier's ``supplier_vat_id``
    and ``supplier_id`` (see ``pl.einvoices.receive``); one entered by hand has none of them.
    """

    id: str
    organization_id: str
    supplier_name: str
    supplier_iban: str = attrs.field(repr=False)
    amount: Money
    due_date: dt.date
    supplier_bic: str | None = None
    supplier_reference: str = ""
    payment_reference: Reference | None = None
    issue_date: dt.date | None = None
    description: str = ""
    status: PurchaseStatus = "open"
    paid_amount: Money | None = None
    end_to_end_id: str | None = None
    created_at: dt.datetime | None = None
    supplier_id: str | None = None
    supplier_vat_id: str | None = None
    lines: tuple[Line, ...] = attrs.field(default=(), converter=_lines)
    vat_amount: Money | None = None

    def __attrs_post_init__(self) -> None:
        if self.paid_amount is None:
            object.__setattr__(self, "paid_amount", Money.zero(self.amount.currency))

    direction = "purchase"

    @property
    def currency(self) -> str:
        """The invoice's currency."""
        return self.amount.currency

    @property
    def open_amount(self) -> Money:
        """What is still to pay."""
        assert self.paid_amount is not None
        if self.status == "cancelled":
            return Money.zero(self.currency)
        return self.amount - self.paid_amount
