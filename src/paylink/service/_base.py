"""The lower floor's base: units of work, the shared context, the organization's local date.

A **unit of work** (:class:`Unit`) is one use case's transaction: its connection, the time it
runs at, and the events to fire once it has committed. :meth:`Context.run` runs a use case in
one, and runs it again (bounded, with a small jittered backoff) when the database gives up on
it for a deadlock or a serialization failure (PostgreSQL SQLSTATE ``40P01`` / ``40001``);
its events fire once, after the commit that stuck.

**Lock order.** A unit that changes an invoice and its payment links takes the row locks in
this order, and every use case keeps it:

1. the invoices, each ``SELECT … FOR UPDATE``, in ascending id order when there are several;
2. then their payment links (read, then updated);
3. then what hangs off them (payments, allocations, checkout attempts, messages).

A provider webhook settling a link, a manual payment and a reconciliation match therefore
queue behind each other on the invoice row instead of deadlocking. The payment idempotency
check (one payment per provider reference) runs after the invoice locks, so the second of two
concurrent deliveries of the same payment sees the first one's payment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import secrets
import time
import warnings
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

import attrs

from ..clock import Clock
from ..exceptions import ConfigurationError
from ..links import Addresses, TokenKey
from ..parties import Customer, Organization
from ..plugins import Plugins
from ..store import Connection, Store
from ..store import organizations as org_queries
from ._network_clients import NetworkClients
from ._provider_accounts import ProviderClients

__all__ = [
    "RETRYABLE_SQLSTATES",
    "Context",
    "Resource",
    "Unit",
    "UnitRetry",
    "is_retryable",
    "local_date",
    "new_id",
    "require_base_url",
    "unit_today",
]

T = TypeVar("T")

log = logging.getLogger("paylink.service")

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and
may simply run again."""


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` (or the DBAPI error it wraps) is a deadlock or serialization failure.

    Asks the driver's error for its SQLSTATE (psycopg 3 ``sqlstate``, psycopg2 ``pgcode``),
    following SQLAlchemy's ``orig`` and the ``__cause__`` chain.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if code in RETRYABLE_SQLSTATES:
            return True
        orig = getattr(current, "orig", None)
        pending.extend([orig if isinstance(orig, BaseException) else None, current.__cause__])
    return False


@attrs.define
class UnitRetry:
    """How often a unit of work runs again after a deadlock or serialization failure.

    ``attempts`` runs in all; between them a pause of ``base_delay * 2**n`` seconds (at most
    ``max_delay``), scaled by a random factor in [0.5, 1) so two losers do not meet again.
    ``sleep`` is injectable, so tests never wait.
    """

    attempts: int = 5
    base_delay: float = 0.01
    max_delay: float = 0.2
    sleep: Callable[[float], None] = time.sleep

    def delay(self, retry: int) -> float:
        """The pause before retry number ``retry`` (0 for the first)."""
        ceiling: float = min(self.max_delay, self.base_delay * 2**retry)
        return ceiling * random.uniform(0.5, 1.0)


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


def require_base_url(base_url: str, action: str) -> str:
    """``base_url``, for an ``action`` that hands a link to someone outside (a message, a
    reminder, a PDF, a provider checkout). When it is empty
    :class:`~paylink.exceptions.ConfigurationError` names the ways to set it: a link to this
    machine's ``127.0.0.1`` must never reach a customer."""
    if not base_url:
        raise ConfigurationError(
            f"cannot {action}: no public base URL is set, and links must point where the "
            "web app is served; pass base_url='https://pay.example.com' to Paylink.open() "
            "or set the environment variable PAYLINK_BASE_URL",
            setting="base URL",
        )
    return base_url


def local_date(moment: dt.datetime, org: Organization) -> dt.date:
    """The date it is at ``org`` (in its time zone) at ``moment``."""
    return moment.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()


def unit_today(unit: Unit, org: Organization) -> dt.date:
    """The date at ``org`` at the unit's time (its time zone)."""
    return local_date(unit.now, org)


@attrs.define
class Context:
    """The shared state of one :class:`~paylink.Paylink`."""

    store: Store
    clock: Clock
    plugins: Plugins
    base_url: str
    """The configured public base URL, or ``""`` when none is: links read then carry a
    relative URL (``/pay/…``) and anything that sends one refuses (:meth:`public_base_url`)."""
    providers: ProviderClients
    retry: UnitRetry = attrs.field(factory=UnitRetry)
    token_key: TokenKey | None = attrs.field(default=None, repr=False)
    networks: NetworkClients = attrs.field(init=False)
    addresses: Addresses = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.networks = NetworkClients(self.plugins, self.clock, self.base_url)
        self.addresses = Addresses(self.base_url, self.token_key)

    def public_base_url(self, action: str) -> str:
        """The public base URL, for an ``action`` that hands a link to someone outside (see
        :func:`require_base_url`)."""
        return require_base_url(self.base_url, action)

    @contextlib.contextmanager
    def unit(self) -> Iterator[Unit]:
        """Run a use case in one transaction; fire its events after the commit.

        For use cases that touch no row another use case locks; those that do (payments,
        provider events, reconciliation matches, reminder steps) go through :meth:`run`,
        which can run them again after a deadlock.
        """
        now = self.clock.now()
        with self.store.transaction() as conn:
            unit = Unit(conn, now)
            yield unit
        for event, kwargs in unit.events:
            self.plugins.fire(event, **kwargs)

    def run(self, work: Callable[[Unit], T]) -> T:
        """Run ``work`` in one unit of work and return what it returns.

        ``work`` may run more than once: after a deadlock or serialization failure the
        transaction is rolled back and ``work`` runs again in a new one (at most
        ``retry.attempts`` times; the last failure is raised). So ``work`` must not have
        effects outside the unit (a provider call belongs before it). Its events fire once,
        after the commit that succeeded.
        """
        retry = 0
        while True:
            now = self.clock.now()
            try:
                with self.store.transaction() as conn:
                    unit = Unit(conn, now)
                    result = work(unit)
            except Exception as exc:
                if retry + 1 >= self.retry.attempts or not is_retryable(exc):
                    raise
                log.info("unit of work lost a race (%s); running it again", type(exc).__name__)
                self.retry.sleep(self.retry.delay(retry))
                retry += 1
                continue
            for event, kwargs in unit.events:
                self.plugins.fire(event, **kwargs)
            return result

    def today(self, org: Organization, now: dt.datetime | None = None) -> dt.date:
        """The date it is at the organization (in its time zone)."""
        return local_date(now or self.clock.now(), org)


class _HasContext(Protocol):
    """What a namespace is built from: the :class:`~paylink.Paylink` it belongs to (typed by
    what it is asked for, so this module needs no import of the class)."""

    _ctx: Context


class Resource:
    """Base of the resource namespaces (``pl.invoices``, ``pl.customers`` …).

    A namespace keeps the shared :class:`Context` only, not the :class:`~paylink.Paylink`:
    it cannot reach another namespace, only the lower floor.
    """

    def __init__(self, pl: _HasContext) -> None:
        self._ctx: Context = pl._ctx

    @staticmethod
    def _org_id(org: Organization | str) -> str:
        return org if isinstance(org, str) else org.id

    @staticmethod
    def _scoped(
        namespace: str, org: Organization | str, object_id: str | None
    ) -> tuple[str | None, str]:
        """The organization id and object id of a ``get(org, id)`` call.

        Every ``get`` takes the organization first, so an id from a URL or a form cannot read
        another organization's object. The older one-argument form ``get(id)`` still works,
        unscoped, with a :class:`DeprecationWarning` (the organization is then ``None``).
        """
        if object_id is not None:
            return (org if isinstance(org, str) else org.id), object_id
        warnings.warn(
            f"pl.{namespace}.get(id) is deprecated; pass the organization first: "
            f"pl.{namespace}.get(org, id)",
            DeprecationWarning,
            stacklevel=3,
        )
        return None, (org if isinstance(org, str) else org.id)

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
