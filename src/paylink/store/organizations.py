"""Queries for organizations, customers and their catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..catalog import CatalogItem
from ..exceptions import NotFound
from ..parties import Address, Customer, Organization
from .schema import catalog_items, customer_ibans, customers, organizations

_ORG_COLUMNS = {"id", "name", "country"}
_CUSTOMER_COLUMNS = {"id", "organization_id", "name", "email", "phone", "ibans"}


def _address_to_json(address: Address) -> dict[str, str]:
    return attrs.asdict(address)


def _party_ids_to_json(data: dict[str, Any]) -> None:
    for key in ("registration", "endpoint"):
        value = data.get(key)
        data[key] = attrs.asdict(value) if value is not None else None


def insert_organization(conn: Connection, org: Organization, now: dt.datetime) -> None:
    data = attrs.asdict(org, recurse=False)
    data["address"] = _address_to_json(org.address)
    _party_ids_to_json(data)
    conn.execute(
        organizations.insert().values(
            id=org.id,
            name=org.name,
            country=org.country,
            data={k: v for k, v in data.items() if k not in _ORG_COLUMNS},
            created_at=now,
        )
    )


def _org_from_row(row: Any) -> Organization:
    data = dict(row.data)
    data["address"] = Address(**data.get("address", {}))
    return Organization(id=row.id, name=row.name, country=row.country, **data)


_GET_ORGANIZATION = sa.select(organizations).where(organizations.c.id == sa.bindparam("id"))
_CUSTOMER_EXISTS = sa.select(customers.c.id).where(
    customers.c.id == sa.bindparam("id"), customers.c.organization_id == sa.bindparam("org")
)


def get_organization(conn: Connection, org_id: str) -> Organization:
    row = conn.execute(_GET_ORGANIZATION, {"id": org_id}).first()
    if row is None:
        raise NotFound(f"no organization {org_id!r}")
    return _org_from_row(row)


def list_organizations(conn: Connection) -> list[Organization]:
    rows = conn.execute(sa.select(organizations).order_by(organizations.c.created_at))
    return [_org_from_row(r) for r in rows]


def update_organization(conn: Connection, org: Organization) -> None:
    data = attrs.asdict(org, recurse=False)
    data["address"] = _address_to_json(org.address)
    _party_ids_to_json(data)
    conn.execute(
        organizations.update()
        .where(organizations.c.id == org.id)
        .values(
            name=org.name,
            country=org.country,
            data={k: v for k, v in data.items() if k not in _ORG_COLUMNS},
        )
    )


# --- customers --------------------------------------------------------------------------------


def insert_customer(conn: Connection, customer: Customer, now: dt.datetime) -> None:
    data = attrs.asdict(customer, recurse=False)
    data["address"] = _address_to_json(customer.address)
    _party_ids_to_json(data)
    conn.execute(
        customers.insert().values(
            id=customer.id,
            organization_id=customer.organization_id,
            name=customer.name,
            email=customer.email,
            phone=customer.phone,
            data={k: v for k, v in data.items() if k not in _CUSTOMER_COLUMNS},
            created_at=now,
        )
    )
    add_ibans(conn, customer, customer.ibans)


def add_ibans(conn: Connection, customer: Customer, ibans: Iterable[str]) -> None:
    """Record accounts the customer pays from (duplicates are ignored)."""
    known = set(
        conn.execute(
            sa.select(customer_ibans.c.iban).where(customer_ibans.c.customer_id == customer.id)
        ).scalars()
    )
    rows = []
    for iban in ibans:
        if iban not in known:
            known.add(iban)
            rows.append(
                {
                    "organization_id": customer.organization_id,
                    "customer_id": customer.id,
                    "iban": iban,
                    "position": len(known),
                }
            )
    if rows:
        conn.execute(customer_ibans.insert(), rows)


def _customers_from_rows(conn: Connection, rows: Sequence[Any]) -> list[Customer]:
    ids = [r.id for r in rows]
    ibans: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, iban in conn.execute(
            sa.select(customer_ibans.c.customer_id, customer_ibans.c.iban)
            .where(customer_ibans.c.customer_id.in_(ids))
            .order_by(customer_ibans.c.position)
        ):
            ibans[cid].append(iban)
    result = []
    for row in rows:
        data = dict(row.data)
        data["address"] = Address(**data.get("address", {}))
        result.append(
            Customer(
                id=row.id,
                organization_id=row.organization_id,
                name=row.name,
                email=row.email,
                phone=row.phone,
                ibans=tuple(ibans[row.id]),
                **data,
            )
        )
    return result


def require_customer(conn: Connection, org_id: str, customer_id: str) -> None:
    """Raise NotFound unless the customer exists in this organization (one cheap query)."""
    if conn.execute(_CUSTOMER_EXISTS, {"id": customer_id, "org": org_id}).first() is None:
        raise NotFound(f"no customer {customer_id!r} in organization {org_id!r}")


def get_customer(conn: Connection, org_id: str, customer_id: str) -> Customer:
    rows = conn.execute(
        sa.select(customers).where(
            customers.c.id == customer_id, customers.c.organization_id == org_id
        )
    ).all()
    if not rows:
        raise NotFound(f"no customer {customer_id!r} in organization {org_id!r}")
    return _customers_from_rows(conn, rows)[0]


def get_customers(
    conn: Connection, org_id: str, customer_ids: Iterable[str]
) -> dict[str, Customer]:
    """The organization's customers with these ids, by id (unknown ids are left out); one
    query for the customers and one for their IBANs, however many are asked for."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(customers).where(
            customers.c.id.in_(wanted), customers.c.organization_id == org_id
        )
    ).all()
    return {c.id: c for c in _customers_from_rows(conn, rows)}


def list_customers(conn: Connection, org_id: str) -> list[Customer]:
    rows = conn.execute(
        sa.select(customers)
        .where(customers.c.organization_id == org_id)
        .order_by(customers.c.name, customers.c.id)
    ).all()
    return _customers_from_rows(conn, rows)


def find_customer_by_contact(
    conn: Connection, org_id: str, *, phone: str | None = None, email: str | None = None
) -> Customer | None:
    """The organization's customer with this phone number (E.164) or e-mail address, exactly
    as stored; the first by name when several share it."""
    c = customers.c
    if (phone is None) == (email is None):
        raise ValueError("give a phone number or an e-mail address")
    match = c.phone == phone if phone is not None else c.email == email
    rows = conn.execute(
        sa.select(customers)
        .where(c.organization_id == org_id, match)
        .order_by(c.name, c.id)
        .limit(1)
    ).all()
    return _customers_from_rows(conn, rows)[0] if rows else None


def update_customer(conn: Connection, customer: Customer) -> None:
    data = attrs.asdict(customer, recurse=False)
    data["address"] = _address_to_json(customer.address)
    _party_ids_to_json(data)
    conn.execute(
        customers.update()
        .where(customers.c.id == customer.id)
        .values(
            name=customer.name,
            email=customer.email,
            phone=customer.phone,
            data={k: v for k, v in data.items() if k not in _CUSTOMER_COLUMNS},
        )
    )
    add_ibans(conn, customer, customer.ibans)


# --- catalog ----------------------------------------------------------------------------------


def insert_catalog_item(conn: Connection, item: CatalogItem) -> None:
    conn.execute(
        catalog_items.insert().values(
            id=item.id,
            organization_id=item.organization_id,
            name=item.name,
            active=item.active,
            data={
                "unit_price": str(item.unit_price),
                "vat_rate": str(item.vat_rate),
                "unit": item.unit,
                "sku": item.sku,
                "description": item.description,
            },
        )
    )


def _item_from_row(row: Any) -> CatalogItem:
    data = row.data
    return CatalogItem(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        active=row.active,
        unit_price=Decimal(data["unit_price"]),
        vat_rate=Decimal(data["vat_rate"]),
        unit=data["unit"],
        sku=data["sku"],
        description=data["description"],
    )


def get_catalog_item(conn: Connection, org_id: str, item_id: str) -> CatalogItem:
    row = conn.execute(
        sa.select(catalog_items).where(
            catalog_items.c.id == item_id, catalog_items.c.organization_id == org_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no catalog item {item_id!r} in organization {org_id!r}")
    return _item_from_row(row)


def list_catalog_items(
    conn: Connection, org_id: str, *, active_only: bool = True
) -> list[CatalogItem]:
    query = sa.select(catalog_items).where(catalog_items.c.organization_id == org_id)
    if active_only:
        query = query.where(catalog_items.c.active.is_(True))
    return [_item_from_row(r) for r in conn.execute(query.order_by(catalog_items.c.name))]


def set_catalog_item_active(conn: Connection, item: CatalogItem, active: bool) -> None:
    conn.execute(catalog_items.update().where(catalog_items.c.id == item.id).values(active=active))
