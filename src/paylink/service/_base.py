"""What every resource namespace shares: the store, the clock, the plugins, and units of work."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy.engine import Connection

from ..clock import Clock
from ..parties import Customer, Organization
from ..plugins import Plugins
from ..store import Store
from ..store import organizations as org_queries

if TYPE_CHECKING:
    from . import Paylink

__all__ = ["Context", "Resource", "Unit", "new_id", "unit_today"]


def new_id(prefix: str) -> str:
    """A new random id like ``inv_3f9c…`` (96 random bits; ids are not secrets)."""
    return f"{prefix}_{secrets.token_hex(12)}"


@attrs.define
class Unit:
    """One use case's transaction: its connection, its time, and the events to fire after commit."""

    conn: Connection
    now: dt.datetime
    events: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list)
    _organizations: dict[str, Organization] = attrs.field(factory=dict, repr=False)

    def emit(self, event: str, **kwargs: Any) -> None:
        """Queue ``paylink_<event>`` to be called once the transaction has committed."""
        self.events.append((event, kwargs))

    def organization(self, org_id: str) -> Organization:
        """The organization, read once per unit: for the events a use case fires (a
        reconciliation run settles many invoices of one organization in one unit). A use case
        that changes the organization reads it from the store instead."""
        found = self._organizations.get(org_id)
        if found is None:
            found = self._organizations[org_id] = org_queries.get_organization(self.conn, org_id)
        return found


def unit_today(unit: Unit, org: Organization) -> dt.date:
    """The date at ``org`` at the unit's time (its time zone)."""
    return unit.now.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()


@attrs.define
class Context:
    """The shared state of one :class:`~paylink.Paylink`."""

    store: Store
    clock: Clock
    plugins: Plugins
    base_url: str

    @contextlib.contextmanager
    def unit(self) -> Iterator[Unit]:
        """Run a use case in one transaction; fire its events after the commit."""
        now = self.clock.now()
        with self.store.transaction() as conn:
            unit = Unit(conn, now)
            yield unit
        for event, kwargs in unit.events:
            self.plugins.fire(event, **kwargs)

    def today(self, org: Organization, now: dt.datetime | None = None) -> dt.date:
        """The date it is at the organization (in its time zone)."""
        moment = now or self.clock.now()
        return moment.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()


class Resource:
    """Base of the resource namespaces (``pl.invoices``, ``pl.customers`` …)."""

    def __init__(self, pl: Paylink) -> None:
        self._pl = pl
        self._ctx: Context = pl._ctx

    @staticmethod
    def _org_id(org: Organization | str) -> str:
        return org if isinstance(org, str) else org.id

    def _org(self, conn: Connection, org: Organization | str) -> Organization:
        return org_queries.get_organization(conn, self._org_id(org))

    def _customer(self, conn: Connection, org_id: str, customer: Customer | str) -> Customer:
        cid = customer if isinstance(customer, str) else customer.id
        return org_queries.get_customer(conn, org_id, cid)

    def _customer_id(self, conn: Connection, org_id: str, customer: Customer | str) -> str:
        """The customer's id, after checking it belongs to the organization."""
        cid = customer if isinstance(customer, str) else customer.id
        org_queries.require_customer(conn, org_id, cid)
        return cid
