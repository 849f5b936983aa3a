"""``pl.desk``: users with argon2 hashes, sign-in limits kept in the store, API keys kept as
hashes, and one organization never reaching another's desk; ``pl.desk_pages`` reads one
organization only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from paylink import FixedClock, Paylink
from paylink.exceptions import NotFound, StateError, ValidationError
from paylink.store.schema import desk_api_keys, desk_users

from ..conftest import START, lines

BASE = "http://desk.example"
PASSWORD = "correct horse battery"


def _open(db_url: str, clock: FixedClock) -> Paylink:
    return Paylink.open(db_url, clock=clock, base_url=BASE)


def _two_orgs(pl: Paylink) -> tuple[str, str]:
    a = pl.organizations.create(name="Alpha SRL", country="BE", iban="BE71096123456769")
    b = pl.organizations.create(name="Beta BV", country="BE", iban="BE68539007547034")
    return a.id, b.id


def test_a_password_is_kept_as_an_argon2_hash_and_checked(db_url: str) -> None:
    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, _ = _two_orgs(pl)
    user = pl.desk.add_user(org, email="  Owner@Alpha.example ", password=PASSWORD)
    assert user.email == "owner@alpha.example"
    assert "argon2" not in repr(user)
    with pl.store.transaction() as conn:
        stored = conn.execute(sa.select(desk_users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    ok = pl.desk.login("OWNER@alpha.example", PASSWORD, ip="10.0.0.1")
    assert ok.outcome == "ok" and ok.user is not None and ok.user.id == user.id
    assert ok.user.last_login_at == START
    assert pl.desk.login("owner@alpha.example", "wrong password!", ip="10.0.0.1").outcome == (
        "wrong"
    )
    # an unknown e-mail gets the very same answer as a wrong password
    unknown = pl.desk.login("nobody@alpha.example", PASSWORD, ip="10.0.0.1")
    assert unknown.outcome == "wrong" and unknown.user is None
    with pytest.raises(StateError, match="exists already"):
        pl.desk.add_user(org, email="owner@alpha.example", password=PASSWORD)
    with pytest.raises(ValidationError, match="password"):
        pl.desk.add_user(org, email="short@alpha.example", password="short")
    with pytest.raises(ValidationError, match="email"):
        pl.desk.add_user(org, email="not-an-address", password=PASSWORD)
    pl.close()


def test_a_new_password_ends_older_sessions_and_a_disabled_user_cannot_sign_in(
    db_url: str,
) -> None:
    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, other = _two_orgs(pl)
    user = pl.desk.add_user(org, email="owner@alpha.example", password=PASSWORD)
    assert pl.desk.session_user(user.id, START) is not None
    clock.advance(hours=1)
    pl.desk.set_password(org, user.id, "another long password")
    assert pl.desk.session_user(user.id, START) is None
    assert pl.desk.session_user(user.id, clock.now()) is not None
    assert pl.desk.login("owner@alpha.example", PASSWORD).outcome == "wrong"
    assert pl.desk.login("owner@alpha.example", "another long password").outcome == "ok"
    with pytest.raises(NotFound):
        pl.desk.set_password(other, user.id, "hijacked password!!")
    pl.desk.disable_user(org, user.id)
    assert pl.desk.login("owner@alpha.example", "another long password").outcome == "wrong"
    assert pl.desk.session_user(user.id, clock.now()) is None
    pl.close()


def test_the_login_limit_holds_across_two_paylinks_on_one_database(db_url: str) -> None:
    clock = FixedClock(START)
    one = _open(db_url, clock)
    org, _ = _two_orgs(one)
    one.desk.add_user(org, email="owner@alpha.example", password=PASSWORD)
    two = _open(db_url, clock)  # another process, the same database
    for i in range(5):
        server = one if i % 2 else two
        assert server.desk.login("owner@alpha.example", f"guess {i}", ip=f"10.0.0.{i}").outcome == (
            "wrong"
        )
    # locked for the account, even with the right password, from any address and process
    locked = one.desk.login("owner@alpha.example", PASSWORD, ip="10.9.9.9")
    assert locked.outcome == "locked" and locked.retry_after == dt.timedelta(minutes=15)
    assert two.desk.login("owner@alpha.example", PASSWORD, ip="10.9.9.8").outcome == "locked"
    # an unknown e-mail locks the same way (no one learns which e-mails exist)
    for i in range(5):
        two.desk.login("ghost@alpha.example", f"guess {i}", ip=f"10.1.0.{i}")
    assert one.desk.login("ghost@alpha.example", "x", ip="10.1.9.9").outcome == "locked"
    clock.advance(minutes=16)
    assert two.desk.login("owner@alpha.example", PASSWORD, ip="10.9.9.9").outcome == "ok"
    one.close()
    two.close()


def test_one_address_is_limited_over_all_accounts(db_url: str) -> None:
    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, _ = _two_orgs(pl)
    pl.desk.add_user(org, email="owner@alpha.example", password=PASSWORD)
    for i in range(20):
        assert pl.desk.login(f"user{i}@alpha.example", "guess", ip="203.0.113.7").outcome == (
            "wrong"
        )
    assert pl.desk.login("owner@alpha.example", PASSWORD, ip="203.0.113.7").outcome == "locked"
    assert pl.desk.login("owner@alpha.example", PASSWORD, ip="203.0.113.8").outcome == "ok"
    pl.close()


def test_api_keys_are_hashed_scoped_revocable_and_noted_when_used(db_url: str) -> None:
    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, other = _two_orgs(pl)
    made = pl.desk.create_key(org, name="accounting sync")
    assert made.secret.startswith("plk_") and made.secret not in repr(made)
    with pl.store.transaction() as conn:
        row = conn.execute(sa.select(desk_api_keys)).one()
    assert made.secret not in str(tuple(row)) and row.prefix == made.secret[:12]
    clock.advance(minutes=5)
    found = pl.desk.authenticate_key(made.secret)
    assert found is not None and found.organization_id == org
    assert found.last_used_at == clock.now()
    assert pl.desk.authenticate_key(made.secret + "x") is None
    assert pl.desk.authenticate_key("not a key") is None
    # another organization can neither see nor revoke it
    assert pl.desk.keys(other) == []
    with pytest.raises(NotFound):
        pl.desk.revoke_key(other, made.key.id)
    revoked = pl.desk.revoke_key(org, made.key.id)
    assert not revoked.active
    assert pl.desk.authenticate_key(made.secret) is None
    with pytest.raises(NotFound):
        pl.desk.revoke_key(org, made.key.id)
    assert [k.id for k in pl.desk.keys(org)] == [made.key.id]
    pl.close()


def test_the_desk_pages_read_one_organization_only(db_url: str) -> None:
    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, other = _two_orgs(pl)
    customer = pl.customers.create(org, name="Client A", email="a@client.example")
    invoice = pl.invoices.issue(org, customer, lines=lines())
    link = pl.links.create(invoice)
    pl.links.mark(link, "opened", source="web")
    home = pl.desk_pages.home(org)
    assert home.receivables == invoice.total and home.opened_not_paid == 1
    assert home.fees is None or home.fees.currency == "EUR"
    rows = pl.desk_pages.invoices(org, search="client a")
    assert [r.invoice.id for r in rows] == [invoice.id] and rows[0].link_state == "opened"
    assert pl.desk_pages.invoices(org, search="nobody") == []
    detail = pl.desk_pages.invoice(org, invoice.id)
    assert [e.what for e in detail.timeline][:1] == ["desk_ev_issued"]
    assert "desk_ev_link_opened" in [e.what for e in detail.timeline]
    with pytest.raises(NotFound):
        pl.desk_pages.invoice(other, invoice.id)
    assert pl.desk_pages.invoices(other) == []
    assert pl.desk_pages.customers(other) == []
    assert pl.desk_pages.home(other).receivables.amount == 0
    pl.close()


def test_the_invoice_list_reads_one_page_at_a_time_with_the_filters_in_the_store(
    db_url: str,
) -> None:
    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, other = _two_orgs(pl)
    names = ["Élise Dupré", "Jan Peeters", "ÉLISE 100% Bakery", "Marc_Lenoir"]
    people = [
        pl.customers.create(org, name=n, email=f"c{i}@x.example") for i, n in enumerate(names)
    ]
    pl.customers.create(other, name="Élise elsewhere", email="e@y.example")
    issued = []
    for month in range(1, 5):  # four issue dates, older ones overdue by START
        issued += pl.invoices.issue_many(
            org,
            [(people[i % 4], lines()) for i in range(30)],
            issue_date=dt.date(2025, 11, month),
            due_date=dt.date(2026, month, 28),
        )
    pl.payments.record(issued[0], issued[0].total)  # paid: never overdue
    pl.invoices.cancel(issued[1], reason="typo")
    pl.invoices.create_draft(org, people[1], lines=lines())  # drafts never listed
    today = START.date()

    def expected(match: Any) -> list[str]:
        rows = [pl.invoices.get(org, i.id) for i in issued]
        chosen = [i for i in rows if match(i)]
        chosen.sort(key=lambda i: (i.issue_date, i.number, i.id), reverse=True)
        return [i.id for i in chosen]

    def listed(**filters: Any) -> list[str]:
        found: list[str] = []
        offset = 0
        while True:
            page = pl.desk_pages.invoices(org, limit=50, offset=offset, **filters)
            found += [r.invoice.id for r in page]
            if len(page) < 50:
                return found
            offset += 50

    every = listed()
    assert every == expected(lambda i: True) and len(every) == 120
    customer_of = {p.id: p.name for p in people}
    assert listed(search="élise") == expected(
        lambda i: "élise" in customer_of[i.customer_id].casefold()
    )
    assert listed(search="100%") == expected(lambda i: i.customer_id == people[2].id)
    assert listed(search="_") == expected(lambda i: i.customer_id == people[3].id)
    number = issued[57].number
    assert number is not None
    assert listed(search=number.lower()) == [issued[57].id]
    assert listed(status="open") == expected(lambda i: i.status in ("issued", "partially_paid"))
    assert listed(status="cancelled") == [issued[1].id]
    overdue = listed(overdue=True)
    assert overdue == expected(lambda i: i.is_overdue(today)) and 0 < len(overdue) < 120
    rows = pl.desk_pages.invoices(org, search="jan", overdue=True, limit=5)
    assert len(rows) == 5 and all(r.overdue and r.customer_name == "Jan Peeters" for r in rows)
    with pytest.raises(ValidationError, match="limit"):
        pl.desk_pages.invoices(org, limit=0)
    pl.close()


def test_a_burst_of_concurrent_sign_ins_gets_no_more_tries_than_the_limits(db_url: str) -> None:
    import concurrent.futures

    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, _ = _two_orgs(pl)
    pl.desk.add_user(org, email="owner@alpha.example", password=PASSWORD)

    def burst(attempts: list[tuple[str, str]]) -> list[str]:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda a: pl.desk.login(a[0], "guess", ip=a[1]).outcome, attempts))

    # one account, guessed from many addresses at once: five tries, then locked
    outcomes = burst([("owner@alpha.example", f"10.0.0.{i}") for i in range(12)])
    assert sorted(outcomes) == ["locked"] * 7 + ["wrong"] * 5
    # one address spraying e-mails that mostly do not exist: twenty tries, then locked
    outcomes = burst([(f"ghost{i}@alpha.example", "203.0.113.7") for i in range(28)])
    assert sorted(outcomes) == ["locked"] * 8 + ["wrong"] * 20
    pl.close()


def test_a_weaker_hash_is_upgraded_at_sign_in(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import argon2

    from paylink.service import _desk_auth

    clock = FixedClock(START)
    pl = _open(db_url, clock)
    org, _ = _two_orgs(pl)
    pl.desk.add_user(org, email="owner@alpha.example", password=PASSWORD)  # the tests' cheap hash
    monkeypatch.setattr(_desk_auth, "_hasher", None)  # what production uses: the defaults
    default = argon2.PasswordHasher()
    with pl.store.transaction() as conn:
        weak = conn.execute(sa.select(desk_users.c.password_hash)).scalar_one()
    assert default.check_needs_rehash(weak)
    assert pl.desk.login("owner@alpha.example", PASSWORD, ip="10.0.0.1").outcome == "ok"
    with pl.store.transaction() as conn:
        upgraded = conn.execute(sa.select(desk_users.c.password_hash)).scalar_one()
    params = argon2.extract_parameters(upgraded)
    assert (params.time_cost, params.memory_cost) == (default.time_cost, default.memory_cost)
    assert not default.check_needs_rehash(upgraded) and default.verify(upgraded, PASSWORD)
    assert pl.desk.login("owner@alpha.example", PASSWORD, ip="10.0.0.1").outcome == "ok"
    pl.close()
