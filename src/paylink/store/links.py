"""Queries for payment links, their history, and public access tokens.

No token is stored: a row keeps its token's random salt and the token's SHA-256 hash. A link
read here gets its token and URL rebuilt from the salt with the :class:`~paylink.links.Addresses`
key; a link found by a token a customer presented carries that very token. Lookups go by hash
(the current one or, for a URL sent before the last re-keying, the previous one), through a
unique index: their cost does not depend on how much of a guessed token is right.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..exceptions import ConfigurationError, NotFound
from ..links import Addresses, LinkEvent, PaymentLink, TokenKey, token_hash
from ..money import Money
from ._bulk import execute_many, insert_many
from .schema import LINK_NOT_FINAL, access_tokens, documents, link_events, payment_links

__all__ = [
    "access_token_for",
    "access_token_key",
    "active_for_invoice",
    "create_access_token",
    "find_by_token",
    "get_link",
    "insert_link",
    "link_token",
    "links_settling",
    "list_links",
    "new_salt",
    "rekey_tokens",
    "resolve_access_token",
    "resolve_access_token_kind",
    "revoke_access_tokens",
    "token_for_hash",
    "token_hash",
    "update_link",
]


def new_salt() -> str:
    """A fresh random salt for a token (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def link_token(key: TokenKey | Addresses, link_id: str, salt: str) -> str:
    """The token of the link ``link_id`` with ``salt``."""
    return key.token("link", link_id, salt)


def _by_hash(table: sa.Table, token: str) -> sa.ColumnElement[bool]:
    digest = token_hash(token)
    return sa.or_(table.c.token_hash == digest, table.c.previous_token_hash == digest)


def _values(link: PaymentLink) -> dict[str, Any]:
    return {
        "organization_id": link.organization_id,
        "invoice_id": link.invoice_id,
        "customer_id": link.customer_id,
        "currency": link.amount.currency,
        "amount_minor": link.amount.minor_units,
        "status": link.status,
        "reference": link.reference,
        "description": link.description,
        "data": {"invoice_ids": list(link.invoice_ids)},
        "expires_at": link.expires_at,
    }


def insert_link(conn: Connection, link: PaymentLink, salt: str, now: dt.datetime) -> None:
    """Store a new link: the salt its token was derived with and the token's hash only."""
    conn.execute(
        payment_links.insert(),
        {
            "id": link.id,
            "token_salt": salt,
            "token_hash": token_hash(link.token),
            "created_at": link.created_at or now,
            "updated_at": now,
            **_values(link),
        },
    )
    _insert_events(conn, link.id, link.history, 0)


_INSERT_EVENTS = link_events.insert()


def _event_rows(link_id: str, events: Sequence[LinkEvent], start: int) -> list[dict[str, Any]]:
    return [
        {
            "link_id": link_id,
            "position": start + i,
            "at": e.at,
            "status": e.status,
            "source": e.source,
            "detail": e.detail,
        }
        for i, e in enumerate(events)
    ]


def _insert_events(conn: Connection, link_id: str, events: Sequence[LinkEvent], start: int) -> None:
    if events:
        conn.execute(_INSERT_EVENTS, _event_rows(link_id, events, start))


_UPDATED_COLUMNS = (
    "organization_id", "invoice_id", "customer_id", "currency", "amount_minor", "status",
    "reference", "description", "data", "expires_at", "updated_at",
)  # fmt: skip
# built once, as every status change of every link runs it
_UPDATE_LINK = (
    payment_links.update()
    .where(payment_links.c.id == sa.bindparam("p_id"))
    .values({name: sa.bindparam(f"p_{name}") for name in _UPDATED_COLUMNS})
)


def update_link(
    conn: Connection, before: PaymentLink, after: PaymentLink, now: dt.datetime
) -> None:
    """Write ``after``; history entries it has beyond ``before`` are appended."""
    values = {**_values(after), "updated_at": now}
    conn.execute(
        _UPDATE_LINK, {"p_id": after.id, **{f"p_{name}": values[name] for name in _UPDATED_COLUMNS}}
    )
    _insert_events(conn, after.id, after.history[len(before.history) :], len(before.history))


_SET_STATUS = (
    payment_links.update()
    .where(payment_links.c.id == sa.bindparam("p_id"))
    .values(status=sa.bindparam("p_status"), updated_at=sa.bindparam("p_now"))
)
_SET_STATUSES_PG = sa.text(
    "UPDATE payment_links AS l SET status = v.status, updated_at = :now "
    "FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[])) AS v(id, status) "
    "WHERE l.id = v.id"
)


def update_link_statuses(
    conn: Connection, changes: Sequence[tuple[PaymentLink, PaymentLink]], now: dt.datetime
) -> None:
    """Write many ``(before, after)`` pairs of links whose status moved (nothing else): the
    statuses in one statement on PostgreSQL (an executemany on SQLite), and the history
    entries they gained in one multi-row insert."""
    if not changes:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _SET_STATUSES_PG,
            {
                "ids": [after.id for _, after in changes],
                "statuses": [after.status for _, after in changes],
                "now": now.astimezone(dt.UTC).replace(tzinfo=None),
            },
        )
    else:
        execute_many(
            conn,
            _SET_STATUS,
            [{"p_id": after.id, "p_status": after.status, "p_now": now} for _, after in changes],
        )
    events: list[dict[str, Any]] = []
    for before, after in changes:
        events.extend(
            _event_rows(after.id, after.history[len(before.history) :], len(before.history))
        )
    insert_many(conn, _INSERT_EVENTS, events)


def _load(
    conn: Connection, query: sa.Select[Any], addresses: Addresses, presented: str | None = None
) -> list[PaymentLink]:
    rows = conn.execute(query).all()
    ids = [r.id for r in rows]
    history: dict[str, list[LinkEvent]] = {i: [] for i in ids}
    if ids:
        for e in conn.execute(
            sa.select(link_events)
            .where(link_events.c.link_id.in_(ids))
            .order_by(link_events.c.link_id, link_events.c.position)
        ):
            m = e._mapping  # by key: a Row's attribute access costs eight times as much
            history[m["link_id"]].append(LinkEvent(m["at"], m["status"], m["source"], m["detail"]))
    links = []
    for r in rows:
        token = presented if presented is not None else _rebuilt(addresses, r)
        links.append(_link(r, token, addresses, tuple(history[r.id])))
    return links


def _rebuilt(addresses: Addresses, row: Any) -> str:
    if row.token_salt is None:
        # made before tokens were derived, and not yet re-keyed: only its hash is known
        addresses.token("link", row.id, "")  # raises without a secret
        raise NotFound(
            f"payment link {row.id!r} predates derived tokens; open paylink with its secret "
            "once to re-key it"
        )
    token = link_token(addresses, row.id, row.token_salt)
    _check_key(token, row, f"payment link {row.id!r}")
    return token


def _check_key(token: str, row: Any, what: str) -> None:
    """A token rebuilt with another secret than the one it was made with would give a URL
    that resolves to nothing: say so rather than send it."""
    if token_hash(token) not in (row.token_hash, row.previous_token_hash):
        raise ConfigurationError(
            f"the token of {what} was made with another secret than this process has: every "
            "process needs the same secret; after rotating it, call Paylink.rekey_tokens() once"
        )


def _link(r: Any, token: str, addresses: Addresses, history: tuple[LinkEvent, ...]) -> PaymentLink:
    m = r._mapping  # by key: a Row's attribute access costs eight times as much
    return PaymentLink(
        id=m["id"],
        organization_id=m["organization_id"],
        token=token,
        amount=Money.from_minor(m["amount_minor"], m["currency"]),
        status=m["status"],
        invoice_id=m["invoice_id"],
        invoice_ids=tuple((m["data"] or {}).get("invoice_ids", ())),
        customer_id=m["customer_id"],
        reference=m["reference"],
        description=m["description"],
        url=addresses.url("pay", token),
        history=history,
        created_at=m["created_at"],
        expires_at=m["expires_at"],
    )


def get_link(
    conn: Connection, link_id: str, addresses: Addresses, *, for_update: bool = False
) -> PaymentLink:
    query = sa.select(payment_links).where(payment_links.c.id == link_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = _load(conn, query, addresses)
    if not found:
        raise NotFound(f"no payment link {link_id!r}")
    return found[0]


def find_by_token(conn: Connection, token: str, addresses: Addresses) -> PaymentLink | None:
    """The link with this token, or None (also for malformed tokens); it carries ``token``."""
    found = _load(
        conn, sa.select(payment_links).where(_by_hash(payment_links, token)), addresses, token
    )
    return found[0] if found else None


def active_for_invoice(
    conn: Connection, invoice_id: str, addresses: Addresses
) -> PaymentLink | None:
    found = _load(
        conn,
        sa.select(payment_links).where(
            payment_links.c.invoice_id == invoice_id,
            LINK_NOT_FINAL,
        ),
        addresses,
    )
    return found[0] if found else None


def list_links(
    conn: Connection,
    org_id: str,
    addresses: Addresses,
    *,
    invoice_id: str | None = None,
    invoice_ids: Sequence[str] | None = None,
    customer_id: str | None = None,
    statuses: Sequence[str] | None = None,
    without_invoice: bool = False,
) -> list[PaymentLink]:
    """The organization's links, oldest first; ``invoice_ids`` keeps those of these invoices,
    ``without_invoice`` those that are not one invoice's (quick requests and pay-all links)."""
    query = sa.select(payment_links).where(payment_links.c.organization_id == org_id)
    if invoice_id is not None:
        query = query.where(payment_links.c.invoice_id == invoice_id)
    if invoice_ids is not None:
        query = query.where(payment_links.c.invoice_id.in_(sorted(set(invoice_ids))))
    if without_invoice:
        query = query.where(payment_links.c.invoice_id.is_(None))
    if customer_id is not None:
        query = query.where(payment_links.c.customer_id == customer_id)
    if statuses is not None:
        query = query.where(payment_links.c.status.in_(list(statuses)))
    return _load(conn, query.order_by(payment_links.c.created_at, payment_links.c.id), addresses)


def links_settling(conn: Connection, invoice_id: str, addresses: Addresses) -> list[PaymentLink]:
    """Open links through which ``invoice_id`` can be paid: its own, and pay-all links
    (oldest first)."""
    own = active_for_invoice(conn, invoice_id, addresses)
    result = [own] if own else []
    rows = _load(
        conn,
        sa.select(payment_links)
        .where(
            payment_links.c.invoice_id.is_(None),
            LINK_NOT_FINAL,
            payment_links.c.customer_id.in_(
                sa.select(documents.c.customer_id).where(documents.c.id == invoice_id)
            ),
        )
        .order_by(payment_links.c.created_at, payment_links.c.id),
        addresses,
    )
    result.extend(link for link in rows if invoice_id in link.invoice_ids)
    return result


def open_links_of(
    conn: Connection, invoice_ids: Sequence[str], customer_ids: Sequence[str], addresses: Addresses
) -> tuple[dict[str, PaymentLink], list[PaymentLink]]:
    """For many invoices at once, what :func:`links_settling` reads for each: the active link
    of each invoice (by invoice id) and the open pay-all links of these customers (oldest
    first). Links are read after their invoices were locked (the lock order)."""
    own: dict[str, PaymentLink] = {}
    if invoice_ids:
        for link in _load(
            conn,
            sa.select(payment_links).where(
                payment_links.c.invoice_id.in_(sorted(set(invoice_ids))), LINK_NOT_FINAL
            ),
            addresses,
        ):
            assert link.invoice_id is not None
            own[link.invoice_id] = link
    pay_all: list[PaymentLink] = []
    if customer_ids:
        pay_all = _load(
            conn,
            sa.select(payment_links)
            .where(
                payment_links.c.invoice_id.is_(None),
                LINK_NOT_FINAL,
                payment_links.c.customer_id.in_(sorted(set(customer_ids))),
            )
            .order_by(payment_links.c.created_at, payment_links.c.id),
            addresses,
        )
    return own, pay_all


# --- access tokens (quote approval, customer portal) ------------------------------------------


def create_access_token(
    conn: Connection,
    *,
    key: TokenKey | Addresses,
    org_id: str,
    kind: str,
    object_id: str,
    now: dt.datetime,
) -> str:
    """Make the token giving access to ``object_id`` (a quote or a customer); return it."""
    salt = new_salt()
    token = key.token(kind, object_id, salt)
    conn.execute(
        access_tokens.insert(),
        {
            "token_hash": token_hash(token),
            "token_salt": salt,
            "organization_id": org_id,
            "kind": kind,
            "object_id": object_id,
            "created_at": now,
            "expires_at": None,
            "revoked": False,
        },
    )
    return token


def access_token_for(
    conn: Connection, key: TokenKey | Addresses, kind: str, object_id: str
) -> str | None:
    """The current token giving access to ``object_id``, rebuilt from its salt, if one was
    made (one made before tokens were derived and not re-keyed yet gets its salt here)."""
    row = conn.execute(
        sa.select(
            access_tokens.c.token_hash,
            access_tokens.c.token_salt,
            access_tokens.c.previous_token_hash,
        ).where(
            access_tokens.c.kind == kind,
            access_tokens.c.object_id == object_id,
            access_tokens.c.revoked.is_(False),
        )
    ).first()
    if row is None:
        return None
    if row.token_salt is None:
        # made before tokens were derived and not re-keyed yet: given a salt now, its old hash
        # kept as the previous one, so the URL sent before keeps working
        salt = new_salt()
        token = key.token(kind, object_id, salt)  # raises without a secret
        conn.execute(
            access_tokens.update()
            .where(access_tokens.c.token_hash == row.token_hash)
            .values(
                token_salt=salt, token_hash=token_hash(token), previous_token_hash=row.token_hash
            )
        )
        return token
    token = key.token(kind, object_id, row.token_salt)
    _check_key(token, row, f"the {kind} page of {object_id!r}")
    return token


def resolve_access_token(
    conn: Connection, token: str, kind: str | tuple[str, ...], now: dt.datetime
) -> tuple[str, str] | None:
    """``(organization_id, object_id)`` for a valid token of ``kind``, else None."""
    found = resolve_access_token_kind(conn, token, kind, now)
    return None if found is None else (found[0], found[1])


def resolve_access_token_kind(
    conn: Connection, token: str, kind: str | tuple[str, ...], now: dt.datetime
) -> tuple[str, str, str] | None:
    """``(organization_id, object_id, kind)`` for a valid token of one of ``kind``, else None."""
    kinds = (kind,) if isinstance(kind, str) else kind
    row = conn.execute(sa.select(access_tokens).where(_by_hash(access_tokens, token))).first()
    if row is None or row.kind not in kinds or row.revoked:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row.organization_id, row.object_id, row.kind


def access_token_key(conn: Connection, token: str) -> str:
    """The key the portal's codes of ``token`` are counted and locked under: its row's current
    hash, also when ``token`` is a URL from before the last re-keying (so a customer's old and
    new URLs share one count); the token's own hash when no row has it."""
    row = conn.execute(
        sa.select(access_tokens.c.token_hash).where(_by_hash(access_tokens, token))
    ).first()
    return str(row.token_hash) if row else token_hash(token)


def revoke_access_tokens(conn: Connection, kind: str, object_id: str) -> None:
    conn.execute(
        access_tokens.update()
        .where(access_tokens.c.kind == kind, access_tokens.c.object_id == object_id)
        .values(revoked=True)
    )


def rekey_tokens(conn: Connection, key: TokenKey, *, all_rows: bool = False) -> int:
    """Give the tokens derived from ``key`` to the rows made before tokens were derived (those
    without a salt), or with ``all_rows`` to every row (after the secret was rotated); return
    how many rows changed.

    A row's hash before the change is kept as its previous hash, so a URL sent with it keeps
    resolving (one generation back). Safe with several processes: a row is changed only if it
    still has the hash it was read with.
    """
    changed = 0
    for table, purpose_of in (
        (payment_links, lambda row: ("link", row.id)),
        (access_tokens, lambda row: (row.kind, row.object_id)),
    ):
        query = sa.select(table)
        if not all_rows:
            query = query.where(table.c.token_salt.is_(None))
        for row in conn.execute(query).all():
            salt = row.token_salt or new_salt()
            purpose, object_id = purpose_of(row)
            digest = token_hash(key.token(purpose, object_id, salt))
            if digest == row.token_hash:
                continue
            changed += conn.execute(
                table.update()
                .where(table.c.token_hash == row.token_hash)
                .values(token_salt=salt, token_hash=digest, previous_token_hash=row.token_hash)
            ).rowcount
    return changed


def token_for_hash(conn: Connection, kind: str, digest: str, key: Addresses) -> str | None:
    """The current token of the row whose token (current or previous) has the hash ``digest``:
    a payment link's for ``kind == "pay"``, else an access token's; None when no row has it.
    Raises :class:`~paylink.exceptions.ConfigurationError` without a secret."""
    table = payment_links if kind == "pay" else access_tokens
    row = conn.execute(
        sa.select(table).where(
            sa.or_(table.c.token_hash == digest, table.c.previous_token_hash == digest)
        )
    ).first()
    if row is None:
        return None
    if kind == "pay":
        return _rebuilt(key, row)
    if row.token_salt is None:
        return access_token_for(conn, key, row.kind, row.object_id)
    token = key.token(row.kind, row.object_id, row.token_salt)
    _check_key(token, row, f"the {row.kind} page of {row.object_id!r}")
    return token
