"""The database schema (SQLAlchemy Core) and its versioned migrations.

Money is stored as integer minor units (``*_minor`` columns) next to its currency; quantities
and prices, which may be finer than a cent, as decimal text. Every row carries its
``organization_id``: one database serves many organizations.

Migrations: a new database gets the current schema at once and is stamped with
:data:`SCHEMA_VERSION`; an older one runs the steps in :data:`MIGRATIONS` above its version,
each in the same transaction as its version bump.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from ..links import seal_tokens

__all__ = [
    "LINK_NOT_FINAL",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "VERSION_COLUMNS",
    "VERSION_DROPPED_COLUMNS",
    "VERSION_INDEXES",
    "VERSION_TABLES",
    "metadata",
    "migrate",
]


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes, stored as UTC on every engine (SQLite has no time zones)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware one")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


metadata = sa.MetaData()

ID = sa.String(40)


def _org() -> sa.Column[str]:
    return sa.Column(
        "organization_id", ID, sa.ForeignKey("organizations.id"), nullable=False, index=False
    )


schema_version = sa.Table(
    "paylink_schema", metadata, sa.Column("version", sa.Integer, nullable=False)
)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("phone", sa.String(20)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_customers_org", "organization_id", "name"),
    # who sent a reply: an SMS is matched by phone, an e-mail by address (version 9)
    sa.Index("ix_customers_org_phone", "organization_id", "phone"),
    sa.Index("ix_customers_org_email", "organization_id", "email"),
)

customer_ibans = sa.Table(
    "customer_ibans",
    metadata,
    _org(),
    sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("iban", sa.String(34), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("customer_id", "iban"),
    sa.Index("ix_customer_ibans_org_iban", "organization_id", "iban"),
)

catalog_items = sa.Table(
    "catalog_items",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index("ix_catalog_org", "organization_id", "name"),
)

number_series = sa.Table(
    "number_series",
    metadata,
    _org(),
    sa.Column("series", sa.String(40), nullable=False),
    sa.Column("next_value", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "series"),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("kind", sa.String(20), nullable=False),  # quote | invoice | credit_note
    sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("number", sa.String(60)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issue_date", sa.Date),
    sa.Column("due_date", sa.Date),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("vat_minor", sa.BigInteger, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("paid_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("credited_minor", sa.BigInteger, nullable=False, server_default="0"),
    # version 7: reminder fees charged (policies with fee_mode "charge"), part of what is owed
    sa.Column("fees_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("reference", sa.String(40)),
    sa.Column("reference_scheme", sa.String(3)),
    sa.Column("related_id", ID),  # quote -> invoice, credit note -> invoice, invoice -> quote
    sa.Column("disputed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("issued_at", UTCDateTime),
    sa.Column("paid_at", UTCDateTime),
    sa.UniqueConstraint("organization_id", "kind", "number", name="uq_documents_number"),
    sa.Index("ix_documents_org_kind_status_due", "organization_id", "kind", "status", "due_date"),
    sa.Index("ix_documents_org_reference", "organization_id", "reference"),
    sa.Index("ix_documents_customer", "customer_id", "kind"),
)

# Version 8, PostgreSQL: the reminder run's scan (every open, undisputed invoice of an
# organization due up to a day) read from the index alone: an index-only scan, no visit to
# the table's pages for the 90 % of invoices that are paid, not due or already reminded.
# SQLite keeps reading ``ix_documents_org_kind_status_due``.
_OPEN_INVOICE = "kind = 'invoice' AND status IN ('issued', 'partially_paid') AND NOT disputed"
ix_documents_open_due = sa.Index(
    "ix_documents_open_due",
    documents.c.organization_id,
    documents.c.due_date,
    postgresql_include=[
        "id", "customer_id", "currency", "total_minor", "fees_minor", "paid_minor",
        "credited_minor",
    ],
    postgresql_where=sa.text(_OPEN_INVOICE),
).ddl_if(dialect="postgresql")  # fmt: skip

document_lines = sa.Table(
    "document_lines",
    metadata,
    sa.Column("document_id", ID, sa.ForeignKey("documents.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("quantity", sa.String(40), nullable=False),
    sa.Column("unit_price", sa.String(40), nullable=False),
    sa.Column("vat_rate", sa.String(10), nullable=False),
    sa.Column("discount", sa.String(10), nullable=False),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("catalog_item_id", ID),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    # version 10: what an e-invoice line needs (EN 16931 VAT category, exemption, unit code);
    # an empty category means "derived from the rate" (S above 0, Z at 0), as before
    sa.Column("vat_category", sa.String(2), nullable=False, server_default=""),
    sa.Column("exemption_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("exemption_code", sa.String(30), nullable=False, server_default=""),
    sa.Column("unit_code", sa.String(3), nullable=False, server_default="C62"),
    sa.PrimaryKeyConstraint("document_id", "position"),
)

purchase_invoices = sa.Table(
    "purchase_invoices",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("supplier_name", sa.String(200), nullable=False),
    sa.Column("supplier_iban", sa.String(34), nullable=False),
    sa.Column("supplier_bic", sa.String(11)),
    sa.Column("supplier_reference", sa.String(100), nullable=False),
    sa.Column("payment_reference", sa.String(40)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("paid_minor", sa.BigInteger, nullable=False),
    sa.Column("issue_date", sa.Date),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("end_to_end_id", sa.String(35)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # version 10: purchase invoices received as e-invoices (their supplier, VAT, lines, and
    # the hash of the file, so the same file received twice is recorded once)
    sa.Column("supplier_id", ID),
    sa.Column("supplier_vat_id", sa.String(20)),
    sa.Column("vat_minor", sa.BigInteger),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("data", sa.JSON),
    sa.Index("ix_purchase_org_status_due", "organization_id", "status", "due_date"),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("customer_id", ID),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("method", sa.String(40), nullable=False),
    sa.Column("provider", sa.String(40)),
    sa.Column("provider_reference", sa.String(200)),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint(
        "organization_id", "provider", "provider_reference", name="uq_payments_provider_ref"
    ),
)

allocations = sa.Table(
    "allocations",
    metadata,
    sa.Column("payment_id", ID, sa.ForeignKey("payments.id"), nullable=False),
    sa.Column("invoice_id", ID, sa.ForeignKey("documents.id"), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("payment_id", "invoice_id"),
    sa.Index("ix_allocations_invoice", "invoice_id"),
)

# --- version 2: payment links and public access tokens ---------------------------------------

_FINAL_LINK_STATUSES = "('paid', 'expired', 'cancelled')"
LINK_NOT_FINAL = sa.text(f"payment_links.status NOT IN {_FINAL_LINK_STATUSES}")
"""A link still in play, in the very words of the partial indexes' predicates: a query that
binds the statuses as parameters cannot use those indexes (SQLite then reads every link)."""

payment_links = sa.Table(
    "payment_links",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("invoice_id", ID, sa.ForeignKey("documents.id")),
    sa.Column("customer_id", ID, sa.ForeignKey("customers.id")),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reference", sa.String(40)),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    # One active (not final) link per invoice.
    sa.Index(
        "uq_payment_links_active_invoice",
        "invoice_id",
        unique=True,
        sqlite_where=sa.text(f"status NOT IN {_FINAL_LINK_STATUSES} AND invoice_id IS NOT NULL"),
        postgresql_where=sa.text(
            f"status NOT IN {_FINAL_LINK_STATUSES} AND invoice_id IS NOT NULL"
        ),
    ),
    sa.Index("ix_payment_links_org_status", "organization_id", "status", "updated_at"),
    sa.Index("ix_payment_links_org_reference", "organization_id", "reference"),
    # A customer's open pay-all links, which a payment of one of its invoices may settle
    # (version 9; before it, every payment read all the links).
    sa.Index(
        "ix_payment_links_pay_all",
        "customer_id",
        sqlite_where=sa.text(f"status NOT IN {_FINAL_LINK_STATUSES} AND invoice_id IS NULL"),
        postgresql_where=sa.text(f"status NOT IN {_FINAL_LINK_STATUSES} AND invoice_id IS NULL"),
    ),
)

link_events = sa.Table(
    "link_events",
    metadata,
    sa.Column("link_id", ID, sa.ForeignKey("payment_links.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("link_id", "position"),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _org(),
    sa.Column("kind", sa.String(20), nullable=False),  # quote | portal
    sa.Column("object_id", ID, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_access_tokens_object", "kind", "object_id"),
)

# --- version 3: imported bank statements and transactions -------------------------------------

bank_statements = sa.Table(
    "bank_statements",
    metadata,
    sa.Column("row_id", sa.Integer, sa.Identity(), primary_key=True),
    _org(),
    sa.Column("statement_id", sa.String(100), nullable=False),
    sa.Column("account", sa.String(34), nullable=False),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("file_hash", sa.String(64), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("opening_minor", sa.BigInteger),
    sa.Column("closing_minor", sa.BigInteger),
    sa.Column("opening_date", sa.Date),
    sa.Column("closing_date", sa.Date),
    sa.Column("balance_ok", sa.Boolean),
    sa.Column("transactions", sa.Integer, nullable=False),
    sa.Column("new_transactions", sa.Integer, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Index("ix_bank_statements_org_hash", "organization_id", "file_hash"),
)

bank_transactions = sa.Table(
    "bank_transactions",
    metadata,
    _org(),
    sa.Column("account", sa.String(34), nullable=False),
    sa.Column("id", sa.String(100), nullable=False),
    sa.Column("statement_row", sa.Integer),
    sa.Column("booking_date", sa.Date, nullable=False),
    sa.Column("value_date", sa.Date),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("counterparty_name", sa.String(200)),
    sa.Column("counterparty_iban", sa.String(34)),
    sa.Column("counterparty_bic", sa.String(11)),
    sa.Column("structured_reference", sa.String(40)),
    sa.Column("remittance_text", sa.Text),
    sa.Column("bank_transaction_code", sa.String(40)),
    sa.Column("bank_reference", sa.String(100)),
    sa.Column("end_to_end_id", sa.String(100)),
    sa.Column("raw", sa.Text),
    sa.Column("status", sa.String(20), nullable=False),  # unmatched | matched | ignored
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "account", "id"),
    sa.Index("ix_bank_transactions_org_status", "organization_id", "status", "booking_date"),
)

feed_accounts = sa.Table(
    "feed_accounts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("feed", sa.String(40), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_sync_at", UTCDateTime),
    sa.UniqueConstraint("organization_id", "feed", name="uq_feed_accounts_org_feed"),
)

reconciliation_matches = sa.Table(
    "reconciliation_matches",
    metadata,
    _org(),
    sa.Column("account", sa.String(34), nullable=False),
    sa.Column("transaction_id", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # applied | review | rejected
    sa.Column("rule", sa.String(60), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("proposal", sa.JSON, nullable=False),
    sa.Column("payment_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.PrimaryKeyConstraint("organization_id", "account", "transaction_id"),
    sa.Index("ix_reconciliation_matches_org_status", "organization_id", "status"),
)

reconciliation_rejections = sa.Table(
    "reconciliation_rejections",
    metadata,
    _org(),
    sa.Column("account", sa.String(34), nullable=False),
    sa.Column("transaction_id", sa.String(100), nullable=False),
    sa.Column("invoices", sa.String(400), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "account", "transaction_id", "invoices"),
)

customer_aliases = sa.Table(
    "customer_aliases",
    metadata,
    _org(),
    sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # version 13: the decision that taught it ("accepted proposal for B0001", "manual match …")
    sa.Column("learned_from", sa.String(200), nullable=False, server_default=""),
    sa.PrimaryKeyConstraint("organization_id", "name_key"),
)


# --- version 4: outgoing messages (the outbox), saved templates, channel settings, opt-outs ----

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("channel_kind", sa.String(10), nullable=False),  # email | sms
    sa.Column("channel", sa.String(40), nullable=False),  # the channel plugin's name
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("customer_id", ID),
    sa.Column("document_id", ID),
    sa.Column("link_id", ID),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("claimed_until", UTCDateTime),
    sa.Column("claim_token", sa.String(40)),
    sa.Column("provider_message_id", sa.String(200)),
    sa.Column("provider_status", sa.String(40)),
    sa.Column("error", sa.Text),
    sa.Column("segments", sa.Integer),
    sa.Column("encoding", sa.String(10)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("delivered_at", UTCDateTime),
    sa.Index("ix_messages_due", "status", "next_attempt_at"),
    sa.Index("ix_messages_org", "organization_id", "created_at"),
    sa.Index("ix_messages_provider_id", "channel", "provider_message_id"),
)

message_templates = sa.Table(
    "message_templates",
    metadata,
    _org(),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("channel_kind", sa.String(10), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "kind", "channel_kind", "language"),
)

channel_settings = sa.Table(
    "channel_settings",
    metadata,
    _org(),
    sa.Column("channel", sa.String(40), nullable=False),  # a channel's name, or "messaging"
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "channel"),
)

message_optouts = sa.Table(
    "message_optouts",
    metadata,
    _org(),
    sa.Column("channel_kind", sa.String(10), nullable=False),
    sa.Column("address", sa.String(320), nullable=False),
    sa.Column("opted_out", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "channel_kind", "address"),
)

inbound_messages = sa.Table(
    "inbound_messages",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("sender", sa.String(320), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("provider_message_id", sa.String(200)),
    sa.Column("customer_id", ID),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("channel", "provider_message_id", name="uq_inbound_provider_id"),
    sa.Index("ix_inbound_org", "organization_id", "received_at"),
)

# --- version 5: payment provider accounts, checkout attempts, processed events, refunds -------

provider_accounts = sa.Table(
    "provider_accounts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),  # credentials included: never logged
    sa.Column("methods", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("organization_id", "provider", name="uq_provider_accounts_org"),
)

provider_checkouts = sa.Table(
    "provider_checkouts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("account_id", ID, sa.ForeignKey("provider_accounts.id"), nullable=False),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("link_id", ID, sa.ForeignKey("payment_links.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(80), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False),  # pending | open | closed
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("provider_reference", sa.String(200)),
    sa.Column("redirect_url", sa.Text),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Index("ix_provider_checkouts_link", "link_id", "status"),
    sa.Index("ix_provider_checkouts_ref", "provider", "provider_reference"),
    # the janitor's open attempts (version 9; it read every checkout ever made before)
    sa.Index("ix_provider_checkouts_status", "status", "created_at"),
)

provider_events = sa.Table(
    "provider_events",
    metadata,
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("account_id", ID, nullable=False),
    _org(),
    sa.Column("link_id", ID),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("applied", sa.String(20), nullable=False),  # applied | unknown_link | ignored …
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("provider", "event_id", name="pk_provider_events"),
)

refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("payment_id", ID, sa.ForeignKey("payments.id"), nullable=False),
    sa.Column("provider", sa.String(40)),
    sa.Column("provider_reference", sa.String(200)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("allocations", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("provider", "provider_reference", name="uq_refunds_provider_ref"),
    sa.Index("ix_refunds_payment", "payment_id"),
)

# --- version 6: dunning policies, reminder pauses, reminders sent (exactly once), digests -----

dunning_policies = sa.Table(
    "dunning_policies",
    metadata,
    _org(),
    sa.Column("customer_id", ID, nullable=False),  # "" for the organization's own policy
    sa.Column("policy", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("organization_id", "customer_id", name="pk_dunning_policies"),
)

reminder_pauses = sa.Table(
    "reminder_pauses",
    metadata,
    _org(),
    sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("until", UTCDateTime),  # NULL: until resumed
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("customer_id", name="pk_reminder_pauses"),
)

# One row per (invoice, step), inserted with INSERT … ON CONFLICT DO NOTHING: the primary key
# is what makes a step go out exactly once, whatever the number of workers.
reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("invoice_id", ID, sa.ForeignKey("documents.id"), nullable=False),
    sa.Column("step", sa.Integer, nullable=False),  # 1-based position in the policy
    # The invoice's organization, copied from it by the INSERT … SELECT that records the row;
    # no foreign key of its own (version 8): the invoice's key already holds it, and a second
    # check per row was a sixth of the run's time on PostgreSQL.
    sa.Column("organization_id", ID, nullable=False),
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("step_name", sa.String(100), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),  # the day the step fell due
    sa.Column("status", sa.String(20), nullable=False),  # pending | sent | skipped | cancelled
    sa.Column("run_id", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("open_minor", sa.BigInteger),
    sa.Column("fee_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("fee_mode", sa.String(10), nullable=False, server_default="info"),
    sa.Column("interest_through", sa.Date),
    sa.Column("compensation_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("data", sa.JSON),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("processed_at", UTCDateTime),
    sa.PrimaryKeyConstraint("invoice_id", "step", name="pk_reminders"),
    sa.Index("ix_reminders_org_status", "organization_id", "status", "customer_id"),
)

owner_digests = sa.Table(
    "owner_digests",
    metadata,
    sa.Column("organization_id", ID, sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("send_at", sa.String(5), nullable=False),  # "HH:MM", the organization's time
    sa.Column("last_sent_at", UTCDateTime),
)

# --- version 10: suppliers and received e-invoices -------------------------------------------

suppliers = sa.Table(
    "suppliers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("vat_id", sa.String(20)),
    sa.Column("registration", sa.String(60)),  # "scheme:id", e.g. 0208:0403170701
    sa.Column("iban", sa.String(34)),
    sa.Column("bic", sa.String(11)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_suppliers_org_vat", "organization_id", "vat_id"),
    sa.Index("ix_suppliers_org_registration", "organization_id", "registration"),
    sa.Index("ix_suppliers_org_iban", "organization_id", "iban"),
)

purchase_files = sa.Table(
    "purchase_files",
    metadata,
    sa.Column("purchase_id", ID, sa.ForeignKey("purchase_invoices.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("purchase_id", "name"),
)

# --- version 11: the payer's pages and the desk --------------------------------------------

portal_codes = sa.Table(
    "portal_codes",
    metadata,
    # One row per one-time code sent for a portal link: the sending limits (per link, per phone,
    # per organization) count these rows, and each code carries its own wrong-try counter, so
    # the limits hold across processes and one person's wrong tries never lock out a new code.
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("wrong_tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used_at", UTCDateTime),
    sa.Index("ix_portal_codes_token", "token_hash", "created_at"),
    sa.Index("ix_portal_codes_phone", "phone", "created_at"),
    sa.Index("ix_portal_codes_org", "organization_id", "created_at"),
)

# --- version 12: e-invoice networks (accounts, deliveries, participant cache, received) -----

einvoice_accounts = sa.Table(
    "einvoice_accounts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("network", sa.String(40), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),  # credentials included: never logged
    # the organization asks pl.messages.send to send its invoices over this network
    sa.Column("send_invoices", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("organization_id", "network", name="uq_einvoice_accounts_org"),
)

einvoice_deliveries = sa.Table(
    "einvoice_deliveries",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("document_id", ID, sa.ForeignKey("documents.id"), nullable=False),
    sa.Column("via", sa.String(10), nullable=False),  # network | email
    sa.Column("status", sa.String(20), nullable=False),  # queued | sent | delivered | refused
    sa.Column("receiver", sa.String(120)),
    sa.Column("network", sa.String(40)),
    sa.Column("account_id", ID),
    sa.Column("network_id", sa.String(200)),
    sa.Column("message_id", ID),
    sa.Column("reason", sa.Text),
    sa.Column("history", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_einvoice_deliveries_document", "document_id"),
    sa.Index("ix_einvoice_deliveries_status", "status", "via"),
    sa.Index("ix_einvoice_deliveries_network_id", "network", "network_id"),
)

# A lookup's answer, per network and participant, until it expires: a run of invoices to the
# same buyers asks the network once per buyer.
einvoice_participants = sa.Table(
    "einvoice_participants",
    metadata,
    sa.Column("network", sa.String(40), nullable=False),
    sa.Column("scheme", sa.String(4), nullable=False),
    sa.Column("identifier", sa.String(100), nullable=False),
    sa.Column("found", sa.Boolean, nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("document_types", sa.JSON, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("network", "scheme", "identifier", name="pk_einvoice_participants"),
)

# One row per document received over a network: the primary key makes a redelivered document
# a purchase invoice once.
einvoice_received = sa.Table(
    "einvoice_received",
    metadata,
    sa.Column("account_id", ID, nullable=False),
    sa.Column("network_id", sa.String(200), nullable=False),
    _org(),
    sa.Column("purchase_id", ID),
    sa.Column("error", sa.Text),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("account_id", "network_id", name="pk_einvoice_received"),
)


# --- version 13: customer credit ----------------------------------------------------------

# One row per movement of a customer's credit balance, signed: a payment's surplus adds
# (``kind="surplus"``), credit applied to an invoice (``"applied"``) or paid back
# (``"refunded"``) takes off. The balance is the sum; a surplus is credited once per payment
# (the unique source), and a unit that spends credit holds the customer's row first.
customer_credit = sa.Table(
    "customer_credit",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source_id", ID, nullable=False),  # the payment, refund or applying payment
    sa.Column("invoice_id", ID),  # the invoice credit was applied to
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("kind", "source_id", name="uq_customer_credit_source"),
    sa.Index("ix_customer_credit_customer", "organization_id", "customer_id"),
)

# --- version 14: the merchant's desk (users, API keys, login attempts) ---------------------

# A person who signs in to an organization's desk. The e-mail is unique over the database (a
# login names no organization); only an argon2 hash of the password is kept.
desk_users = sa.Table(
    "desk_users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # sessions signed before this moment are refused (a new password ends them)
    sa.Column("password_changed_at", UTCDateTime, nullable=False),
    # sessions signed before this moment are refused too (signing out ends them everywhere)
    sa.Column("signed_out_at", UTCDateTime),
    sa.Column("last_login_at", UTCDateTime),
    sa.Column("disabled_at", UTCDateTime),
    sa.UniqueConstraint("email", name="uq_desk_users_email"),
    sa.Index("ix_desk_users_org", "organization_id"),
)

# A machine's key to one organization's desk: the key is shown once, only its SHA-256 is kept
# (a 256-bit random key needs no slow hash), with its first characters to recognise it by.
desk_api_keys = sa.Table(
    "desk_api_keys",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.UniqueConstraint("key_hash", name="uq_desk_api_keys_hash"),
    sa.Index("ix_desk_api_keys_org", "organization_id"),
)

# One row per failed sign-in (per e-mail and per client address), counted over a window: the
# login limits hold across processes. A successful sign-in clears the account's failures.
desk_login_failures = sa.Table(
    "desk_login_failures",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("ip", sa.String(45), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_desk_login_failures_email", "email", "at"),
    sa.Index("ix_desk_login_failures_ip", "ip", "at"),
)

# Provider payouts (version 15): what a provider paid into the bank account, and its lines.
payouts = sa.Table(
    "payouts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _org(),
    sa.Column("account_id", ID, sa.ForeignKey("provider_accounts.id"), nullable=False),
    sa.Column("provider", sa.String(40), nullable=False),
    sa.Column("payout_id", sa.String(100), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("gross_minor", sa.BigInteger, nullable=False),
    sa.Column("fee_minor", sa.BigInteger, nullable=False),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("created_on", sa.Date, nullable=False),
    sa.Column("expected_on", sa.Date),
    sa.Column("arrived_on", sa.Date),
    sa.Column("transaction_account", sa.String(34)),
    sa.Column("transaction_id", sa.String(100)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("provider", "account_id", "payout_id", name="uq_payouts_provider_id"),
    sa.Index("ix_payouts_org_open", "organization_id", "transaction_id", "created_on"),
)

payout_items = sa.Table(
    "payout_items",
    metadata,
    sa.Column("payout", ID, sa.ForeignKey("payouts.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source_id", sa.String(100), nullable=False),
    sa.Column("payment_reference", sa.String(100)),
    sa.Column("payment_id", ID),
    sa.Column("invoice_id", ID),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("gross_minor", sa.BigInteger, nullable=False),
    sa.Column("fee_minor", sa.BigInteger, nullable=False),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.PrimaryKeyConstraint("payout", "position"),
)

# --- version 16: reference rates as data ---------------------------------------------------

# The reference rates of statutory late-payment interest (percent per year, decimal text), each
# from its half-year's first day; one table for the whole database (the rate is a public
# figure, not an organization's). Seeded with the table paylink ships
# (:data:`paylink.reminders.ECB_REFERENCE_RATES`); operators add the next half-years
# (``pl.reminders.rates.add``, ``paylink rates add``).
reference_rates = sa.Table(
    "reference_rates",
    metadata,
    sa.Column("effective_from", sa.Date, primary_key=True),
    sa.Column("rate", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("added_at", UTCDateTime),  # None: shipped with paylink
)

SHIPPED_RATES_SOURCE = "shipped with paylink (ECB main refinancing operations rate)"
"""The ``source`` of the rates the schema is seeded with."""


# --- version 17: URL tokens derived from the server secret, stored hashed only ---------------

# A token is rebuilt from the server secret and the row's random salt (see
# paylink.links.TokenKey); the store keeps the salt and the token's hash, never the token.
# ``previous_token_hash`` keeps a URL sent before the last re-keying resolving (a token made
# before version 17, or under the secret before a rotation). Rows made before version 17 have
# no salt until a process with the secret re-keys them (the partial index finds them).
_TOKEN_COLUMNS = (
    (payment_links, "token_salt"),
    (payment_links, "previous_token_hash"),
    (access_tokens, "token_salt"),
    (access_tokens, "previous_token_hash"),
)
for _table in (payment_links, access_tokens):
    _table.append_column(sa.Column("token_salt", sa.String(32)))
    _table.append_column(sa.Column("previous_token_hash", sa.String(64)))
    sa.Index(
        f"uq_{_table.name}_previous_token",
        _table.c.previous_token_hash,
        unique=True,
    )
    sa.Index(
        f"ix_{_table.name}_unsalted",
        _table.c.token_hash,
        sqlite_where=sa.text("token_salt IS NULL"),
        postgresql_where=sa.text("token_salt IS NULL"),
    )
del _table


def _hashed_tokens(conn: Connection) -> None:
    """Version 17: the clear tokens leave the store, the messages' URLs included (the token's
    hash takes its place there). Each row keeps its token's hash, so every URL already sent
    keeps resolving; the salt a derived token needs is given by the first process that opens
    the database with the secret (its URLs are then rebuilt from the secret, the old token's
    hash kept as the previous one)."""
    inspector = sa.inspect(conn)
    for table in (payment_links, access_tokens):
        present = {c["name"] for c in inspector.get_columns(table.name)}
        _add_columns(*(tc for tc in _TOKEN_COLUMNS if tc[0] is table and tc[1] not in present))(
            conn
        )
        for index in table.indexes:
            if index.name in (f"uq_{table.name}_previous_token", f"ix_{table.name}_unsalted"):
                index.create(conn, checkfirst=True)
        if "token" in present:
            conn.exec_driver_sql(f"ALTER TABLE {table.name} DROP COLUMN token")
    # The outbox kept the URLs in the messages' text: their tokens become hashes too.
    fields = (messages.c.subject, messages.c.text, messages.c.html)
    rows = conn.execute(
        sa.select(messages.c.id, *fields).where(
            sa.or_(
                *(f.contains(f"/{kind}/") for f in fields for kind in ("pay", "quote", "portal"))
            )
        )
    ).all()
    for row in rows:
        sealed = {f.name: seal_tokens(getattr(row, f.name)) for f in fields}
        if any(sealed[f.name] != getattr(row, f.name) for f in fields):
            conn.execute(messages.update().where(messages.c.id == row.id).values(**sealed))


SCHEMA_VERSION = 17
"""The version of the schema this code writes."""

Migration = Callable[[Connection], None]


def _create(*tables: sa.Table) -> Migration:
    def step(conn: Connection) -> None:
        metadata.create_all(conn, tables=list(tables))

    return step


def _add_columns(*columns: tuple[sa.Table, str]) -> Migration:
    def step(conn: Connection) -> None:
        for table, name in columns:
            column = table.c[name]
            ddl = column.type.compile(conn.dialect)
            default = column.server_default
            clause = ""
            if default is not None:
                assert isinstance(default, sa.DefaultClause)
                arg = default.arg
                # text defaults are quoted literals; numbers go as they are
                clause = (
                    f" DEFAULT '{arg}'" if isinstance(column.type, sa.String) else f" DEFAULT {arg}"
                )
            nullable = "" if column.nullable else " NOT NULL"
            conn.exec_driver_sql(
                f"ALTER TABLE {table.name} ADD COLUMN {name} {ddl}{clause}{nullable}"
            )

    return step


def _fees_on_documents(conn: Connection) -> None:
    """Version 7: charged reminder fees become part of what an open invoice owes.

    The fees already charged on open invoices (sent reminders of ``fee_mode="charge"``
    policies) are summed into ``documents.fees_minor``. Invoices already marked paid keep 0:
    they were settled under the old rule, where fees were a separate claim."""
    _add_columns((documents, "fees_minor"))(conn)
    r = reminders
    charged = (
        sa.select(sa.func.coalesce(sa.func.sum(r.c.fee_minor), 0))
        .where(r.c.invoice_id == documents.c.id, r.c.status == "sent", r.c.fee_mode == "charge")
        .scalar_subquery()
    )
    conn.execute(
        documents.update()
        .where(
            documents.c.kind == "invoice",
            documents.c.status.in_(("issued", "partially_paid")),
            documents.c.id.in_(
                sa.select(r.c.invoice_id).where(
                    r.c.status == "sent", r.c.fee_mode == "charge", r.c.fee_minor > 0
                )
            ),
        )
        .values(fees_minor=charged)
    )


def _faster_reminder_run(conn: Connection) -> None:
    """Version 8: the reminder run records in one statement. ``ix_reminders_run`` served the
    second statement it no longer makes; on PostgreSQL the covering partial index
    ``ix_documents_open_due`` replaces the heap reads of its scan, and the reminders'
    redundant foreign key to ``organizations`` goes (SQLite cannot drop a constraint without
    rebuilding the table: an older SQLite database keeps it, which costs little there)."""
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_reminders_run")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_organization_id_fkey"
        )
        ix_documents_open_due.create(conn, checkfirst=True)


_VERSION_9_INDEXES = {
    "customers": ("ix_customers_org_phone", "ix_customers_org_email"),
    "payment_links": ("ix_payment_links_pay_all",),
    "provider_checkouts": ("ix_provider_checkouts_status",),
}


def _lookup_indexes(conn: Connection) -> None:
    """Version 9: indexes for lookups that read whole tables before: a reply matched to its
    customer by phone or e-mail, the open pay-all links a payment may settle, and the open
    checkout attempts the janitor (``refresh_pending``) asks the providers about."""
    for table, names in _VERSION_9_INDEXES.items():
        for index in metadata.tables[table].indexes:
            if index.name in names:
                index.create(conn, checkfirst=True)


_VERSION_10_COLUMNS = (
    (document_lines, "vat_category"),
    (document_lines, "exemption_reason"),
    (document_lines, "exemption_code"),
    (document_lines, "unit_code"),
    (purchase_invoices, "supplier_id"),
    (purchase_invoices, "supplier_vat_id"),
    (purchase_invoices, "vat_minor"),
    (purchase_invoices, "content_hash"),
    (purchase_invoices, "data"),
)


def _einvoices(conn: Connection) -> None:
    """Version 10: e-invoices. Lines get their VAT category (empty: derived from the rate as
    before), exemption and unit code; purchase invoices their supplier, VAT, lines and file
    hash; suppliers and the files received with a purchase invoice get their tables."""
    # idempotent, as the steps before it: a column already there is left alone
    inspector = sa.inspect(conn)
    present = {
        (table.name, c["name"])
        for table in (document_lines, purchase_invoices)
        for c in inspector.get_columns(table.name)
    }
    _add_columns(*(tc for tc in _VERSION_10_COLUMNS if (tc[0].name, tc[1]) not in present))(conn)
    metadata.create_all(conn, tables=[suppliers, purchase_files])


_VERSION_13_COLUMNS = ((customer_aliases, "learned_from"),)


def _credit_and_learning(conn: Connection) -> None:
    """Version 13: the customers' credit ledger, and where each learned payer name came from
    (old aliases keep an empty source)."""
    inspector = sa.inspect(conn)
    present = {c["name"] for c in inspector.get_columns(customer_aliases.name)}
    _add_columns(*(tc for tc in _VERSION_13_COLUMNS if tc[1] not in present))(conn)
    metadata.create_all(conn, tables=[customer_credit])


def _seed_reference_rates(conn: Connection) -> None:
    """Add the shipped reference rates the table lacks (a rate already there is kept)."""
    from ..reminders import ECB_REFERENCE_RATES

    present = set(conn.execute(sa.select(reference_rates.c.effective_from)).scalars())
    rows = [
        {"effective_from": day, "rate": str(rate), "source": SHIPPED_RATES_SOURCE}
        for day, rate in ECB_REFERENCE_RATES.rates.items()
        if day not in present
    ]
    if rows:
        conn.execute(reference_rates.insert(), rows)


def _reference_rates(conn: Connection) -> None:
    """Version 14: the statutory interest's reference rates become data, seeded with the
    table this paylink ships."""
    metadata.create_all(conn, tables=[reference_rates])
    _seed_reference_rates(conn)


MIGRATIONS: dict[int, Migration] = {
    2: _create(payment_links, link_events, access_tokens),
    3: _create(
        bank_statements,
        bank_transactions,
        feed_accounts,
        reconciliation_matches,
        reconciliation_rejections,
        customer_aliases,
    ),
    4: _create(messages, message_templates, channel_settings, message_optouts, inbound_messages),
    5: _create(provider_accounts, provider_checkouts, provider_events, refunds),
    6: _create(dunning_policies, reminder_pauses, reminders, owner_digests),
    7: _fees_on_documents,
    8: _faster_reminder_run,
    9: _lookup_indexes,
    10: _einvoices,
    11: _create(portal_codes),
    12: _create(einvoice_accounts, einvoice_deliveries, einvoice_participants, einvoice_received),
    13: _credit_and_learning,
    14: _create(desk_users, desk_api_keys, desk_login_failures),
    15: _create(payouts, payout_items),
    16: _reference_rates,
    17: _hashed_tokens,
}
"""Steps from version ``n - 1`` to ``n``, keyed by ``n``. Version 1 is the initial schema."""

VERSION_TABLES: dict[int, tuple[str, ...]] = {
    2: ("payment_links", "link_events", "access_tokens"),
    3: (
        "bank_statements",
        "bank_transactions",
        "feed_accounts",
        "reconciliation_matches",
        "reconciliation_rejections",
        "customer_aliases",
    ),
    4: (
        "messages",
        "message_templates",
        "channel_settings",
        "message_optouts",
        "inbound_messages",
    ),
    5: ("provider_accounts", "provider_checkouts", "provider_events", "refunds"),
    6: ("dunning_policies", "reminder_pauses", "reminders", "owner_digests"),
    7: (),
    8: (),
    9: (),
    10: ("suppliers", "purchase_files"),
    11: ("portal_codes",),
    12: (
        "einvoice_accounts",
        "einvoice_deliveries",
        "einvoice_participants",
        "einvoice_received",
    ),
    13: ("customer_credit",),
    14: ("desk_users", "desk_api_keys", "desk_login_failures"),
    15: ("payouts", "payout_items"),
    16: ("reference_rates",),
    17: (),
}
"""The tables each version added (for tests that rebuild an older schema)."""

VERSION_COLUMNS: dict[int, tuple[tuple[str, str], ...]] = {
    7: (("documents", "fees_minor"),),
    10: tuple((table.name, name) for table, name in _VERSION_10_COLUMNS),
    13: tuple((table.name, name) for table, name in _VERSION_13_COLUMNS),
    17: tuple((table.name, name) for table, name in _TOKEN_COLUMNS),
}
"""The columns each version added to older tables, as ``(table, column)``."""

VERSION_INDEXES: dict[int, tuple[str, ...]] = {
    17: tuple(
        name
        for table in (payment_links, access_tokens)
        for name in (f"uq_{table.name}_previous_token", f"ix_{table.name}_unsalted")
    ),
}
"""The indexes each version added to older tables (dropped before their columns)."""

VERSION_DROPPED_COLUMNS: dict[int, tuple[tuple[str, str], ...]] = {
    17: (("payment_links", "token"), ("access_tokens", "token")),
}
"""The (text) columns each version dropped, as ``(table, column)``."""


def migrate(conn: Connection) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION` inside ``conn``'s transaction; return it.

    Safe to call on every open: a current database costs one query.
    """
    inspector = sa.inspect(conn)
    if not inspector.has_table(schema_version.name):
        metadata.create_all(conn)
        _seed_reference_rates(conn)
        conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
        return SCHEMA_VERSION
    current = conn.execute(sa.select(schema_version.c.version)).scalar_one()
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"this database has schema version {current}, newer than this paylink "
            f"({SCHEMA_VERSION}); upgrade paylink"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(schema_version.update().values(version=version))
    return SCHEMA_VERSION
