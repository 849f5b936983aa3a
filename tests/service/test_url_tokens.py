"""URL tokens (payment links, quote pages, portals) are derived from the server secret and a
per-token salt: the store keeps the salt and the token's hash only, so a dump of every table
yields no URL a payer could open, while the server rebuilds each URL from the secret."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.exceptions import ConfigurationError, StateError
from paylink.links import TokenKey
from paylink.parties import Customer, Organization
from paylink.store import links as link_queries
from paylink.store.schema import (
    SCHEMA_VERSION,
    VERSION_COLUMNS,
    VERSION_DROPPED_COLUMNS,
    VERSION_INDEXES,
    access_tokens,
    payment_links,
    schema_version,
)

from ..conftest import SECRET, lines


def _dump(db_url: str) -> str:
    """Every cell of every table, as text (JSON included), one line per row."""
    engine = sa.create_engine(db_url)
    rows = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                rows.append(f"{table}: " + json.dumps([str(v) for v in row]))
    engine.dispose()
    return "\n".join(rows)


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _everything(pl: Paylink, org: Organization, customer: Customer, tmp_path: Path) -> list[str]:
    """Every kind of URL token: an invoice's link, a pay-all link, a quick request, a quote's
    page, a portal without and one with a code (and a code asked for it)."""
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    invoice = pl.invoices.issue(org, customer, lines=lines())
    other = pl.invoices.issue(org, customer, lines=lines())
    quote = pl.quotes.send(pl.quotes.create(org, customer, lines=lines()))
    twin = pl.customers.create(org, name="Jan Peeters", phone="+32470999888")
    coded = pl.portal.url(twin, require_code=True)
    pl.portal.request_code(_token(coded))
    urls = [
        pl.links.create(invoice).url,
        pl.links.pay_all(customer).url,
        pl.links.request(org, customer, amount="25.00", description="Deposit").url,
        pl.quotes.url(quote),
        pl.portal.url(customer),
        coded,
    ]
    assert other.id  # a second open invoice, so the pay-all link settles two
    # The messages carrying them: queued, and one sent (the outbox keeps both).
    sent = pl.messages.send(invoice, "email")
    pl.messages.send(quote, "email")
    assert urls[0] in sent[0].text and urls[0] in pl.outbox.get(sent[0].organization_id, sent[0].id).text
    pl.outbox.dispatch()
    assert urls[0] in pl.outbox.get(sent[0].organization_id, sent[0].id).text
    return urls


def test_no_table_keeps_a_token_and_every_url_resolves(
    pl: Paylink, org: Organization, customer: Customer, db_url: str, tmp_path: Path
) -> None:
    urls = _everything(pl, org, customer, tmp_path)
    tokens = [_token(u) for u in urls]
    assert len(set(tokens)) == len(tokens) and all(len(t) == 32 for t in tokens)
    dump = _dump(db_url)
    for table in ("payment_links", "access_tokens", "portal_codes", "messages"):
        assert f"{table}: " in dump
    assert "/pay/{token:" in dump and "/quote/{token:" in dump
    assert not [t for t in tokens if t in dump]
    # ... nor any column that could hold one
    engine = sa.create_engine(db_url)
    for table in ("payment_links", "access_tokens"):
        assert "token" not in {c["name"] for c in sa.inspect(engine).get_columns(table)}
    engine.dispose()

    pay, pay_all, request, quote, portal, coded = tokens
    for token in (pay, pay_all, request):
        found = pl.pages.pay_page(token)
        assert found is not None and found.link.token == token
    assert pl.pages.quote_page(quote) is not None
    assert pl.pages.portal(portal) is not None
    assert pl.portal.access(coded) is not None
    # The URLs are rebuilt from the secret, the same each time and in another process.
    again = Paylink.open(db_url, secret=SECRET)
    assert sorted(link.url for link in again.links.list(org)) == sorted(urls[:3])
    assert again.portal.url(customer) == urls[4]
    again.close()


def test_without_a_secret_links_are_refused_with_how_to_set_one(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    monkeypatch.delenv("PAYLINK_SECRET", raising=False)
    monkeypatch.delenv("PAYLINK_SECRET_FILE", raising=False)
    bare = Paylink.open(db_url, clock=pl.clock)
    try:
        invoice = bare.invoices.issue(org, customer, lines=lines())
        with pytest.raises(ConfigurationError, match="PAYLINK_SECRET") as refused:
            bare.links.create(invoice)
        assert SECRET not in str(refused.value)
        with pytest.raises(ConfigurationError, match="PAYLINK_SECRET"):
            bare.portal.url(customer)
        # The pages still open for the tokens customers present: lookup needs no secret.
        page = bare.pages.pay_page(link.token)
        assert page is not None and page.link.url == link.url
    finally:
        bare.close()


def test_a_secret_from_a_file_and_a_database_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYLINK_SECRET", raising=False)
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    monkeypatch.setenv("PAYLINK_SECRET_FILE", str(secret_file))
    url = f"sqlite:///{tmp_path / 'file.db'}"
    with Paylink.open(url) as pl:
        org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
        made = pl.links.request(org, None, amount="10.00", description="x")
    with Paylink.open(url, secret=SECRET) as same:
        assert same.links.get(made.organization_id, made.id).url == made.url
    monkeypatch.setenv("PAYLINK_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        Paylink.open(url)
    monkeypatch.delenv("PAYLINK_SECRET_FILE")
    # Nothing outlives a database in memory: a random secret is as good as any.
    with Paylink.open("sqlite://") as memory:
        org = memory.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
        link = memory.links.request(org, None, amount="10.00", description="x")
        assert memory.links.get_by_token(link.token) == link
    with pytest.raises(ValueError, match="at least 16"):
        Paylink.open("sqlite://", secret="short")


def test_rotating_the_secret(
    pl: Paylink,
    org: Organization,
    customer: Customer,
    db_url: str,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    portal = pl.portal.url(customer)
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    jan = pl.customers.create(org, name="Jan Peeters", phone="+32470999888")
    coded = pl.portal.url(jan, require_code=True)
    rotated = Paylink.open(db_url, clock=clock, secret="a-new-secret-0123456789abcdef")
    try:
        # Before re-keying, a URL rebuilt with the new secret would lead nowhere: refused.
        with pytest.raises(ConfigurationError, match="rekey_tokens"):
            rotated.links.get(link.organization_id, link.id)
        assert rotated.rekey_tokens() == 3
        assert rotated.rekey_tokens() == 0
        fresh = rotated.links.get(link.organization_id, link.id)
        assert fresh.url != link.url
        new_portal = rotated.portal.url(customer)
        assert new_portal != portal
        # The URLs already sent keep resolving, and so do the new ones.
        for token in (link.token, fresh.token):
            page = rotated.pages.pay_page(token)
            assert page is not None and page.link.id == link.id
        assert rotated.pages.portal(_token(portal)) is not None
        assert rotated.pages.portal(_token(new_portal)) is not None
        # The old and the new URL of a portal share its limit of codes.
        new_coded = rotated.portal.url(jan, require_code=True)
        for url in (coded, new_coded, coded):
            rotated.portal.request_code(_token(url))
        with pytest.raises(StateError, match="link"):
            rotated.portal.request_code(_token(new_coded))
        # A process still on the old secret rebuilds the old URL, which still resolves.
        assert pl.links.get(link.organization_id, link.id).url == link.url
    finally:
        rotated.close()


def _downgrade_to_16(conn: sa.Connection) -> None:
    for index in VERSION_INDEXES[17]:
        conn.exec_driver_sql(f"DROP INDEX {index}")
    for table, column in VERSION_COLUMNS[17]:
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table, column in VERSION_DROPPED_COLUMNS[17]:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(64)")
    conn.execute(schema_version.update().values(version=16))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_version_17_drops_the_clear_tokens_and_old_urls_keep_working(
    db_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    pl = Paylink.open(db_url, clock=clock, secret=SECRET)
    org = pl.organizations.create(name="Old SRL", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Client", email="client@example.be")
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    pl.portal.url(customer)
    pl.channels.configure(org, "outbox", directory=str(tmp_path / "outbox"))
    [message] = pl.messages.send(link, "email")
    # As versions before 17 kept them: the random token in clear beside its hash, and in the outbox.
    old_link, old_portal = "L" * 32, "P" * 32
    with pl.store.transaction() as conn:
        _downgrade_to_16(conn)
        conn.execute(
            sa.text("UPDATE messages SET text = :t WHERE id = :i"),
            {"t": f"Pay here: {link.url[: -len(link.token)]}{old_link} thanks", "i": message.id},
        )
        legacy: list[tuple[sa.Table, Any, str]] = [
            (payment_links, payment_links.c.id == link.id, old_link),
            (access_tokens, access_tokens.c.object_id == customer.id, old_portal),
        ]
        for table, where, token in legacy:
            conn.execute(
                sa.text(f"UPDATE {table.name} SET token = :t, token_hash = :h WHERE {where}"),
                {"t": token, "h": _sha(token), **where.compile().params},
            )
    pl.close()

    assert old_link in _dump(db_url)
    # Opened without the secret, it migrates; the old URLs resolve by their hash.
    migrated = Paylink.open(db_url, clock=clock, secret=None)
    with migrated.store.transaction() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
    page = migrated.pages.pay_page(old_link)
    assert page is not None and page.link.url.endswith(f"/pay/{old_link}")
    # A portal's token asked for before any process re-keyed it gets its salt there and then.
    with migrated.store.transaction() as conn:
        salted = link_queries.access_token_for(
            conn, TokenKey.from_secret(SECRET), "portal", customer.id
        )
    assert salted is not None and salted != old_portal
    assert migrated.pages.portal(salted) is not None
    assert migrated.pages.portal(old_portal) is not None
    migrated.close()
    dump = _dump(db_url)
    assert old_link not in dump and old_portal not in dump

    # The first process with the secret gives those rows salts: their URLs are rebuilt from
    # the secret from now on, and the old URLs still resolve.
    keyed = Paylink.open(db_url, clock=clock, secret=SECRET)
    rebuilt = keyed.links.get(link.organization_id, link.id)
    assert rebuilt.token != old_link
    # The message sent before reads with the URL that works now.
    assert f"Pay here: {rebuilt.url} thanks" == keyed.outbox.get(message.organization_id, message.id).text
    for token in (old_link, rebuilt.token):
        found = keyed.pages.pay_page(token)
        assert found is not None and found.link.id == link.id
    new_portal = _token(keyed.portal.url(customer))
    assert new_portal == salted
    assert keyed.pages.portal(old_portal) is not None
    assert keyed.pages.portal(new_portal) is not None
    assert rebuilt.token not in _dump(db_url) and new_portal not in _dump(db_url)
    keyed.close()
