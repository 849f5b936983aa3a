"""``pl.organizations``, ``pl.customers`` and ``pl.catalog``."""

from __future__ import annotations

import builtins
from decimal import Decimal
from typing import Any

import attrs

from ..catalog import CatalogItem
from ..documents import Line
from ..exceptions import ValidationError
from ..money import Money
from ..parties import Customer, Organization, normalize_iban
from ..payments import CreditEntry
from ..store import credit as credit_queries
from ..store import organizations as q
from ._base import Resource, new_id

__all__ = ["Catalog", "Customers", "Organizations"]


class Organizations(Resource):
    """Create and read the organizations (issuers) kept in this database."""

    def create(self, *, name: str, country: str, **fields: Any) -> Organization:
        """Create an organization; every field is validated (see :meth:`Organization.create`).

        >>> org = pl.organizations.create(name="Garage Dupont", country="BE",
        ...                               iban="BE71 0961 2345 6769", vat_id="BE0403170701")
        """
        org = Organization.create(id=new_id("org"), name=name, country=country, **fields)
        with self._ctx.unit() as unit:
            q.insert_organization(unit.conn, org, unit.now)
        return org

    def get(self, org_id: str) -> Organization:
        """The organization with this id, or NotFound."""
        with self._ctx.store.transaction() as conn:
            return q.get_organization(conn, org_id)

    def list(self) -> builtins.list[Organization]:
        """All organizations, oldest first."""
        with self._ctx.store.transaction() as conn:
            return q.list_organizations(conn)

    def update(self, org: Organization | str, **changes: Any) -> Organization:
        """Change fields of an organization (validated as on create); return it updated."""
        with self._ctx.unit() as unit:
            current = self._org(unit.conn, org)
            fields = attrs.asdict(current, recurse=False)
            fields.update(changes)
            updated = Organization.create(**fields)
            q.update_organization(unit.conn, updated)
        return updated


class Customers(Resource):
    """Create, read and update an organization's customers."""

    def create(self, org: Organization | str, *, name: str, **fields: Any) -> Customer:
        """Create a customer of ``org``; e-mail, phone (to E.164), IBANs and VAT id are checked."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            customer = Customer.create(
                id=new_id("cus"), organization=organization, name=name, **fields
            )
            q.insert_customer(unit.conn, customer, unit.now)
        return customer

    def get(self, org: Organization | str, customer_id: str) -> Customer:
        """The customer with this id in ``org``, or NotFound."""
        with self._ctx.store.transaction() as conn:
            return q.get_customer(conn, self._org_id(org), customer_id)

    def list(self, org: Organization | str) -> builtins.list[Customer]:
        """The organization's customers, by name."""
        with self._ctx.store.transaction() as conn:
            return q.list_customers(conn, self._org_id(org))

    def update(self, customer: Customer, **changes: Any) -> Customer:
        """Change fields of a customer (validated as on create); return it updated."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, customer.organization_id)
            current = self._customer(unit.conn, organization.id, customer)
            fields = attrs.asdict(current, recurse=False)
            fields.pop("organization_id")
            fields.update(changes)
            updated = Customer.create(organization=organization, **fields)
            q.update_customer(unit.conn, updated)
        return updated

    def balance(self, customer: Customer, currency: str | None = None) -> Money:
        """The customer's credit: what they paid beyond what was open, less what was applied
        to their invoices or paid back, in ``currency`` (default: the organization's)."""
        with self._ctx.store.transaction() as conn:
            cur = currency or self._org(conn, customer.organization_id).currency
            found = credit_queries.balances(conn, customer.organization_id, customer.id)
        return found.get(cur, Money.zero(cur))

    def credit(self, customer: Customer) -> builtins.list[CreditEntry]:
        """The movements of the customer's credit, oldest first (see
        :class:`~paylink.payments.CreditEntry`)."""
        with self._ctx.store.transaction() as conn:
            return credit_queries.list_entries(conn, customer.organization_id, customer.id)

    def add_iban(self, customer: Customer, iban: str) -> Customer:
        """Remember an account the customer pays from."""
        value = normalize_iban(iban)
        if value in customer.ibans:
            return customer
        return self.update(customer, ibans=(*customer.ibans, value))


class Catalog(Resource):
    """Products and services to pick lines from."""

    def add(
        self,
        org: Organization | str,
        *,
        name: str,
        unit_price: str | int | Decimal,
        vat_rate: str | int | Decimal,
        **fields: Any,
    ) -> CatalogItem:
        """Add an item to the organization's catalog."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            item = CatalogItem.create(
                id=new_id("itm"),
                organization_id=organization.id,
                name=name,
                unit_price=unit_price,
                vat_rate=vat_rate,
                **fields,
            )
            q.insert_catalog_item(unit.conn, item)
        return item

    def get(self, org: Organization | str, item_id: str) -> CatalogItem:
        """The item with this id, or NotFound."""
        with self._ctx.store.transaction() as conn:
            return q.get_catalog_item(conn, self._org_id(org), item_id)

    def list(
        self, org: Organization | str, *, include_inactive: bool = False
    ) -> builtins.list[CatalogItem]:
        """The organization's items, by name."""
        with self._ctx.store.transaction() as conn:
            return q.list_catalog_items(conn, self._org_id(org), active_only=not include_inactive)

    def deactivate(self, item: CatalogItem) -> CatalogItem:
        """Hide an item from new documents; documents that used it keep their lines."""
        with self._ctx.unit() as unit:
            q.set_catalog_item_active(unit.conn, item, False)
        return attrs.evolve(item, active=False)

    @staticmethod
    def line(
        item: CatalogItem,
        quantity: str | int | Decimal = 1,
        *,
        discount: str | int | Decimal = 0,
        description: str | None = None,
    ) -> Line:
        """A document line for ``quantity`` of ``item`` at its catalog price and VAT rate."""
        if not item.active:
            raise ValidationError(f"catalog item {item.name!r} is no longer sold", field="item")
        return Line(
            description=description or item.name,
            quantity=quantity,
            unit_price=item.unit_price,
            vat_rate=item.vat_rate,
            discount=discount,
            unit=item.unit,
            catalog_item_id=item.id,
        )
