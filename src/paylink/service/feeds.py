"""``pl.feeds``: connect bank feeds and sync them into the store."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

import attrs

from ..context import PluginContext, build_plugin, secrets_of
from ..exceptions import NotFound, PaylinkError, PluginError, WebhookRejected
from ..feeds import FeedResult, FeedWebhook
from ..parties import Organization
from ..ports import WebhookRequest
from ..store import bank as bank_queries
from ..store import feeds as feed_queries
from ._base import Resource, new_id
from ._statements import import_statement, statement_seen

__all__ = ["FeedAccount", "Feeds", "SyncReport"]


@attrs.frozen
class FeedAccount:
    """A feed connected for an organization. Secret settings are never shown."""

    id: str
    organization_id: str
    feed: str
    settings: Mapping[str, Any] = attrs.field(repr=False)
    webhook_url: str = ""
    """Where the feed's webhooks reach paylink (for a feed that sends them, such as Ponto's
    ``transactionsCreated``): the URL to configure at the bank feed's side."""


@attrs.frozen
class SyncReport:
    """What one sync of one feed did.

    ``new_transactions`` and ``duplicates`` count every transaction the sync brought, those
    the feed handed over and those in the statement files it delivered.
    """

    feed: str
    new_transactions: int = 0
    duplicates: int = 0
    files_imported: tuple[str, ...] = ()
    files_skipped: tuple[str, ...] = ()
    files_rejected: tuple[tuple[str, str], ...] = ()


class Feeds(Resource):
    """Bank feeds (Ponto, a CODA delivery folder …) that bring transactions in by themselves."""

    def connect(self, org: Organization | str, feed: str, **settings: Any) -> FeedAccount:
        """Connect ``feed`` for ``org`` with its settings (checked by instantiating the feed);
        connecting again replaces the settings and keeps the sync state."""
        registry = self._ctx.plugins.bank_feeds
        if feed not in registry:
            known = ", ".join(sorted(registry)) or "none"
            raise PluginError(f"no bank feed {feed!r} is installed (known: {known})")
        self._build(registry[feed], settings, "")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            account_id = feed_queries.save_feed_account(
                unit.conn,
                new_id=new_id("fed"),
                org_id=organization.id,
                feed=feed,
                settings=settings,
                now=unit.now,
            )
        return self._account(account_id, organization.id, feed, settings)

    def list(self, org: Organization | str) -> builtins.list[FeedAccount]:
        """The organization's connected feeds."""
        with self._ctx.store.transaction() as conn:
            rows = feed_queries.list_feed_accounts(conn, self._org_id(org))
        return [self._account(r.id, r.organization_id, r.feed, r.settings) for r in rows]

    def sync(self, org: Organization | str, feed: str | None = None) -> builtins.list[SyncReport]:
        """Sync the organization's feeds (or only ``feed``): import what is new."""
        accounts = [a for a in self.list(org) if feed is None or a.feed == feed]
        if feed is not None and not accounts:
            raise NotFound(f"feed {feed!r} is not connected for this organization")
        return [self._sync_one(account) for account in accounts]

    def handle_webhook(
        self, account_id: str, request: WebhookRequest, *, feed: str | None = None
    ) -> SyncReport | None:
        """Verify a feed's webhook and sync that feed when the feed says so.

        The feed plugin verifies and reads the call
        (:meth:`~paylink.feeds.FeedCallbacks.parse_callback`, returning a
        :class:`~paylink.feeds.FeedWebhook`); a feed with only the older ``parse_webhook`` is
        synced on every verified call. ``feed``, when given, must be the account's feed.
        Raises :class:`~paylink.exceptions.WebhookRejected` when verification fails (404 for an
        unknown account or a feed that takes no webhooks); returns None for a verified event
        that needs no sync.
        """
        with self._ctx.store.transaction() as conn:
            row = feed_queries.get_feed_account(conn, account_id)
        if row is None or (feed is not None and row.feed != feed):
            raise WebhookRejected("unknown feed account", status_code=404)
        account = self._account(row.id, row.organization_id, row.feed, row.settings)
        instance = self._build(
            self._ctx.plugins.bank_feeds[account.feed], account.settings, account.id
        )
        parse_callback = getattr(instance, "parse_callback", None)
        parse = getattr(instance, "parse_webhook", None)
        try:
            if callable(parse_callback):
                answer = parse_callback(request)
                if not isinstance(answer, FeedWebhook):
                    raise PluginError(
                        f"the {account.feed} feed's parse_callback must return a FeedWebhook"
                    )
                wanted = answer.sync
            elif callable(parse):
                parse(request)
                wanted = True  # an older feed: every verified call syncs (a sync is idempotent)
            else:
                raise WebhookRejected(f"the {account.feed} feed takes no webhooks", status_code=404)
        finally:
            close = getattr(instance, "close", None)
            if callable(close):
                close()
        return self._sync_one(account) if wanted else None

    def _account(
        self, account_id: str, org_id: str, feed: str, settings: Mapping[str, Any]
    ) -> FeedAccount:
        url = f"{self._ctx.base_url}/webhooks/feeds/{feed}/{account_id}"
        return FeedAccount(account_id, org_id, feed, settings, webhook_url=url)

    def _build(self, cls: Any, settings: Mapping[str, Any], account_id: str) -> Any:
        """The feed ``cls`` built with ``settings``, the way every plugin is built: a wrong
        setting raises :class:`~paylink.exceptions.ValidationError` naming it."""
        context = PluginContext(
            name=str(cls.name),
            account_id=account_id,
            clock=self._ctx.clock,
            secrets=secrets_of(cls, settings),
        )
        return build_plugin(
            cls, settings, context=context, legacy={"http": None, "clock": self._ctx.clock}
        )

    def _sync_one(self, account: FeedAccount) -> SyncReport:
        cls = self._ctx.plugins.bank_feeds[account.feed]
        instance = self._build(cls, account.settings, account.id)
        with self._ctx.store.transaction() as conn:
            found = feed_queries.get_feed_account(conn, account.id)
            state = found.state if found is not None else {}
        try:
            result: FeedResult = instance.sync(dict(state or {}))
        finally:
            close = getattr(instance, "close", None)
            if callable(close):
                close()
        imported, skipped, rejected = [], [], []
        # Transactions that arrive in files count as much as those the feed hands over.
        from_files = from_files_duplicates = 0
        for file in result.files:
            if statement_seen(self._ctx, account.organization_id, file.data):
                file.done(True, "already imported")
                skipped.append(file.name)
                continue
            try:
                done = import_statement(
                    self._ctx, account.organization_id, file.data, filename=file.name
                )
            except PaylinkError as exc:
                file.done(False, str(exc))
                rejected.append((file.name, str(exc)))
            else:
                file.done(True, "")
                imported.append(file.name)
                from_files += done.new_transactions
                from_files_duplicates += done.duplicates
        with self._ctx.unit() as unit:
            rows = [
                bank_queries.transaction_row(account.organization_id, tx, None, unit.now)
                for tx in result.transactions
            ]
            new = bank_queries.insert_transactions(unit.conn, rows)
            feed_queries.save_sync_state(unit.conn, account.id, result.state, unit.now)
        return SyncReport(
            feed=account.feed,
            new_transactions=new + from_files,
            duplicates=len(rows) - new + from_files_duplicates,
            files_imported=tuple(imported),
            files_skipped=tuple(skipped),
            files_rejected=tuple(rejected),
        )
