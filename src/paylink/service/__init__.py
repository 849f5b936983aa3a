"""The service: :class:`Paylink`, the use cases behind resource namespaces.

Each use case is one unit of work (one transaction); events fire through the plugin hooks
after it commits. The service has two floors:

- the **lower floor**, private modules whose names start with ``_`` (:mod:`._base`,
  :mod:`._links`, :mod:`._payments`, :mod:`._messages`, :mod:`._documents`,
  :mod:`._provider_accounts`, :mod:`._provider_events`): operations that take a unit of work
  (make or find an invoice's link, settle a payment, queue a message, apply a provider event),
  shared by the use cases;
- the **upper floor**, one public namespace per module (``pl.invoices`` in
  :mod:`.documents`, ``pl.links`` in :mod:`.links`, ``pl.outbox`` in :mod:`.outbox` …), each
  importing the lower floor, the store and the domain, never another namespace.

Locks are taken in one order, the invoice before its links (see :mod:`._base`); units that
lock contended rows run again after a deadlock or serialization failure.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import warnings
from pathlib import Path
from typing import Any

import pluggy

from ..clock import Clock, SystemClock
from ..exceptions import ConfigurationError
from ..links import KEY_HELP, TokenKey
from ..parties import Organization
from ..plugins import Plugins
from ..store import Store
from ..store import links as link_queries
from ._base import Context, UnitRetry
from ._provider_accounts import ProviderClients
from .channels import Channels
from .desk import Desk
from .desk_pages import DeskPages
from .documents import Invoices, Purchases, Quotes
from .einvoices import EInvoices
from .feeds import Feeds
from .links import Links, Portal
from .messages import Messages
from .outbox import Outbox
from .pages import Pages
from .parties import Catalog, Customers, Organizations
from .payments import Payments
from .payouts import Payouts
from .providers import Providers
from .reconciliation import Reconciliation, ReconciliationRun
from .reminders import Reminders
from .renditions import Renditions
from .reports import Reports
from .statements import Statements
from .templates import Templates

__all__ = ["Paylink", "UnitRetry"]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""Where ``paylink serve`` and ``paylink demo`` serve the web app on this machine. Only they
use it: a :class:`Paylink` has no base URL unless one is given (``base_url=`` or
``$PAYLINK_BASE_URL``), so a link to this machine never reaches a customer."""

BASE_URL_ENV = "PAYLINK_BASE_URL"
"""The environment variable with the public base URL when ``base_url`` is not given."""


def _token_key(store: Store, secret: str | bytes | TokenKey | None) -> TokenKey | None:
    """The key of the URL tokens: the ``secret`` given, else ``$PAYLINK_SECRET``, else the
    contents of the file ``$PAYLINK_SECRET_FILE``; a database in memory, which nothing
    outlives, gets a random one. Otherwise None: making a link then says how to set it."""
    if isinstance(secret, TokenKey):
        return secret
    if secret is None:
        secret = os.environ.get("PAYLINK_SECRET") or None
    if secret is None and os.environ.get("PAYLINK_SECRET_FILE"):
        path = Path(os.environ["PAYLINK_SECRET_FILE"])
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"PAYLINK_SECRET_FILE names {str(path)!r}, which cannot be read: {KEY_HELP}"
            ) from exc
    if secret is None and store.in_memory:
        secret = secrets.token_bytes(32)
    return TokenKey.from_secret(secret) if secret is not None else None


class Paylink:
    """The entry point: a store, a clock and the plugins, with one namespace per resource.

    >>> pl = Paylink.open("sqlite://", base_url="https://pay.example.com")  # in memory
    >>> org = pl.organizations.create(name="Garage Dupont", country="BE",
    ...                               iban="BE71096123456769")
    >>> org.reference_scheme
    'ogm'
    >>> pl.close()

    Namespaces: :attr:`organizations`, :attr:`customers`, :attr:`catalog`, :attr:`quotes`,
    :attr:`invoices`, :attr:`purchases`, :attr:`payments`, :attr:`links`, :attr:`portal`,
    :attr:`renditions` (``documents`` is its deprecated alias), :attr:`templates`,
    :attr:`channels`, :attr:`messages` (``send`` is its deprecated shortcut),
    :attr:`outbox`, :attr:`providers`, :attr:`payouts`, :attr:`reminders`, :attr:`reports`,
    :attr:`statements`, :attr:`feeds`, :attr:`reconciliation`, :attr:`einvoices`, :attr:`desk`
    (the merchant's desk: users, sign-in, API keys) and :attr:`desk_pages` (what the desk's pages
    show).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        plugins: Plugins | None = None,
        base_url: str | None = None,
        retry: UnitRetry | None = None,
        secret: str | bytes | TokenKey | None = None,
    ) -> None:
        clock = clock or SystemClock()
        plugins = plugins or Plugins()
        base_url = (base_url or os.environ.get(BASE_URL_ENV) or "").rstrip("/")
        key = _token_key(store, secret)
        self._ctx = Context(
            store=store,
            clock=clock,
            plugins=plugins,
            base_url=base_url,
            providers=ProviderClients(plugins, clock, base_url),
            retry=retry or UnitRetry(),
            token_key=key,
        )
        if key is not None:
            # Tokens made before they were derived get theirs now (once; a partial index finds
            # them), so every URL can be rebuilt from the secret from here on.
            with store.transaction() as conn:
                link_queries.rekey_tokens(conn, key)
        self.organizations = Organizations(self)
        self.customers = Customers(self)
        self.catalog = Catalog(self)
        self.quotes = Quotes(self)
        self.invoices = Invoices(self)
        self.purchases = Purchases(self)
        self.payments = Payments(self)
        self.links = Links(self)
        self.portal = Portal(self)
        self.pages = Pages(self)
        self.renditions = Renditions(self)
        self.templates = Templates(self)
        self.channels = Channels(self)
        self.messages = Messages(self)
        self.outbox = Outbox(self)
        self.providers = Providers(self)
        self.payouts = Payouts(self)
        self.reminders = Reminders(self)
        self.reports = Reports(self)
        self.statements = Statements(self)
        self.feeds = Feeds(self)
        self.reconciliation = Reconciliation(self)
        self.einvoices = EInvoices(self)
        self.desk = Desk(self)
        self.desk_pages = DeskPages(self)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        clock: Clock | None = None,
        base_url: str | None = None,
        plugins: pluggy.PluginManager | None = None,
        secret: str | bytes | None = None,
        create: bool | None = None,
    ) -> Paylink:
        """Open (and migrate) the database at ``url``.

        ``url`` is ``sqlite:///path/to/file.db``, ``sqlite://`` for memory, or
        ``postgresql://user@host/db``; without it ``$PAYLINK_DATABASE_URL``, and with neither
        :class:`~paylink.exceptions.ConfigurationError` (there is no default database).

        ``create`` says whether a new store may be made: ``True`` yes, ``False`` only an
        existing one opens; ``None`` (the default) creates it when ``url`` is given here and
        refuses when the URL came from the environment.

        ``base_url`` is where the web app is served, the start of every payment-link URL
        (default ``$PAYLINK_BASE_URL``). Without one, links read carry a relative URL and
        sending anything with a link raises
        :class:`~paylink.exceptions.ConfigurationError`. ``clock`` defaults to the system
        clock.

        ``secret`` (default: ``$PAYLINK_SECRET``, or the contents of the file
        ``$PAYLINK_SECRET_FILE``) is the server secret the tokens of payment, quote and portal
        URLs are derived from: the database keeps only their hashes, so every process serving
        it needs the same secret. Without one (and not in memory), making a link or rebuilding
        its URL raises :class:`~paylink.exceptions.ConfigurationError`; pages still open for
        the tokens customers present. After rotating it, call :meth:`rekey_tokens` once.
        """
        return cls(
            Store.open(url, create=create),
            clock=clock,
            plugins=Plugins(plugins) if plugins is not None else None,
            base_url=base_url,
            secret=secret,
        )

    def rekey_tokens(self) -> int:
        """After the secret was rotated: derive every stored token from the current secret;
        return how many changed. The URLs already sent keep resolving (each row keeps its
        hash before the change as the previous one; a second rotation retires them).

        Raises :class:`~paylink.exceptions.ConfigurationError` without a secret.
        """
        key = self._ctx.token_key
        if key is None:
            raise ConfigurationError(f"paylink has no secret to derive tokens from: {KEY_HELP}")
        with self._ctx.store.transaction() as conn:
            return link_queries.rekey_tokens(conn, key, all_rows=True)

    @property
    def documents(self) -> Renditions:
        """Deprecated alias of :attr:`renditions` (rendered HTML and PDF files).

        The name clashed with :mod:`paylink.documents`, the invoices and quotes themselves.
        """
        warnings.warn(
            "pl.documents is deprecated; use pl.renditions (documents rendered as HTML/PDF)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.renditions

    @property
    def store(self) -> Store:
        """The underlying :class:`~paylink.store.Store`."""
        return self._ctx.store

    @property
    def clock(self) -> Clock:
        """The clock every use case reads the time from."""
        return self._ctx.clock

    @property
    def plugins(self) -> Plugins:
        """The loaded plugins (providers, channels, feeds, formats, rules) and event hooks."""
        return self._ctx.plugins

    @property
    def retry(self) -> UnitRetry:
        """How a unit of work that lost a deadlock or serialization race runs again (its
        ``sleep`` can be replaced, so tests never wait)."""
        return self._ctx.retry

    @property
    def token_key(self) -> TokenKey | None:
        """The key the URL tokens derive from (from the configured secret), or None."""
        return self._ctx.token_key

    @property
    def base_url(self) -> str:
        """Where the web app is served (``""`` when no public base URL is set)."""
        return self._ctx.base_url

    @property
    def send(self) -> Any:
        """Deprecated alias of :meth:`Messages.send <paylink.service.messages.Messages.send>`:
        use ``pl.messages.send``."""
        warnings.warn(
            "pl.send is deprecated; use pl.messages.send",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.messages.send

    def reconcile(self, org: Organization | str, **options: Any) -> ReconciliationRun:
        """Deprecated alias of :meth:`Reconciliation.run
        <paylink.service.reconciliation.Reconciliation.run>`: use ``pl.reconciliation.run``."""
        warnings.warn(
            "pl.reconcile is deprecated; use pl.reconciliation.run",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.reconciliation.run(org, **options)

    def today(self, org: Organization) -> dt.date:
        """The date it is now at ``org`` (in its time zone), by this Paylink's clock."""
        return self._ctx.today(org)

    def close(self) -> None:
        """Release database connections (and the provider accounts' HTTP clients)."""
        self.providers.close()
        self._ctx.networks.close()
        self._ctx.store.close()

    def __enter__(self) -> Paylink:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Paylink {self._ctx.store!r}>"
