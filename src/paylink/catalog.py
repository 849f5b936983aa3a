"""Products and services an organization sells, to pick invoice and quote lines from."""

from __future__ import annotations

from decimal import Decimal

import attrs

from .exceptions import ValidationError
from .money import to_decimal

__all__ = ["CatalogItem"]


@attrs.frozen(kw_only=True)
class CatalogItem:
    """A product or service with its default price and VAT rate.

    ``unit_price`` is the price excluding VAT in the organization's currency; ``unit`` is what
    one quantity means (``"hour"``, ``"piece"``, ``"month"``).
    """

    id: str
    organization_id: str
    name: str
    unit_price: Decimal
    vat_rate: Decimal
    unit: str = ""
    sku: str | None = None
    description: str = ""
    active: bool = True

    @classmethod
    def create(
        cls,
        *,
        id: str,
        organization_id: str,
        name: str,
        unit_price: str | int | Decimal,
        vat_rate: str | int | Decimal,
        unit: str = "",
        sku: str | None = None,
        description: str = "",
    ) -> CatalogItem:
        """Validate and build a catalog item."""
        if not str(name).strip():
            raise ValidationError("expected a name", field="name")
        rate = to_decimal(vat_rate, field="vat_rate")
        if not Decimal(0) <= rate <= Decimal(100):
            raise ValidationError(f"expected a percentage 0-100, got {rate}", field="vat_rate")
        return cls(
            id=id,
            organization_id=organization_id,
            name=str(name).strip(),
            unit_price=to_decimal(unit_price, field="unit_price"),
            vat_rate=rate,
            unit=unit,
            sku=sku,
            description=description,
        )
