"""The merchant's desk over real HTTP: sign-in, sessions, CSRF, API keys, every action, and
one organization never reaching another's data."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import uvicorn

from paylink import Line, Money
from paylink.testing import StatementLine, camt053
from paylink.web import create_app
from tests.web.conftest import Live, _free_port

PASSWORD = "correct horse battery"
IBAN_A = "BE71096123456769"
IBAN_B = "BE68539007547034"


@attrs.define
class Shop:
    org: Any
    customer: Any
    invoices: list[Any]
    key: str
    email: str


def _shop(live: Live, tmp_path: Path, name: str, iban: str, email: str) -> Shop:
    pl = live.pl
    org = pl.organizations.create(name=name, country="BE", iban=iban, language="en")
    customer = pl.customers.create(
        org,
        name=f"Client of {name}",
        email="client@example.be",
        phone="0470 12 34 56",
        ibans=["BE62 5100 0754 7061"],
    )
    invoices = [
        pl.invoices.issue(
            org,
            customer,
            lines=[Line(description="Work", quantity="1", unit_price=amount, vat_rate="0")],
        )
        for amount in ("80.00", "40.00", "25.00", "60.00")
    ]
    path = tmp_path / f"{org.id}.xml"
    path.write_bytes(
        camt053(
            account_iban=iban,
            statement_id=f"S-{org.id}",
            opening=Money.of("0", "EUR"),
            lines=[
                # the customer's known IBAN, 0.50 short: proposed for review only
                StatementLine(
                    amount=Money.of("79.50", "EUR"),
                    booking_date=dt.date(2026, 3, 2),
                    bank_reference="B0001",
                    counterparty_name="Peeters M.",
                    counterparty_iban="BE62510007547061",
                ),
                StatementLine(
                    amount=Money.of("40.00", "EUR"),
                    booking_date=dt.date(2026, 3, 2),
                    bank_reference="B0002",
                    counterparty_name="Somebody",
                    text="no reference",
                ),
                StatementLine(
                    amount=Money.of("79.50", "EUR"),
                    booking_date=dt.date(2026, 3, 2),
                    bank_reference="B0003",
                    counterparty_name="Peeters M.",
                    counterparty_iban="BE62510007547061",
                ),
            ],
            created_at=dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC),
        )
    )
    pl.statements.import_file(org, path)
    pl.reconciliation.run(org, tolerance="1.00")
    pl.desk.add_user(org, email=email, password=PASSWORD)
    key = pl.desk.create_key(org, name="sync").secret
    return Shop(org, customer, invoices, key, email)


@pytest.fixture
def shops(live: Live, tmp_path: Path) -> tuple[Shop, Shop]:
    a = _shop(live, tmp_path, "Alpha SRL", IBAN_A, "owner@alpha.example")
    b = _shop(live, tmp_path, "Beta BV", IBAN_B, "owner@beta.example")
    return a, b


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def sign_in(live: Live, email: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(timeout=30)
    form = client.get(f"{live.base}/desk/login")
    assert form.status_code == 200
    done = client.post(
        f"{live.base}/desk/login",
        data={"email": email, "password": password, "csrf": _csrf(form.text)},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{live.base}/desk"
    return client


def test_a_session_cookie_is_signed_httponly_and_strict(live: Live, shops: Any) -> None:
    a, _b = shops
    client = httpx.Client(timeout=30)
    form = client.get(f"{live.base}/desk/login")
    assert "script-src 'self'" in form.headers["content-security-policy"]
    response = client.post(
        f"{live.base}/desk/login",
        data={"email": a.email, "password": PASSWORD, "csrf": _csrf(form.text)},
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "paylink_desk=" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/desk" in cookie
    assert "Max-Age=43200" in cookie
    home = client.get(f"{live.base}/desk")
    assert home.status_code == 200 and "Alpha SRL" in home.text
    # a cookie changed by hand is no session
    client.cookies.set("paylink_desk", client.cookies["paylink_desk"][:-2] + "xx", path="/desk")
    assert client.get(f"{live.base}/desk").status_code == 303
    client.close()


def test_sign_in_answers_the_same_for_unknown_and_wrong_and_then_locks(
    live: Live, shops: Any, http: httpx.Client
) -> None:
    a, _b = shops
    form = http.get(f"{live.base}/desk/login")
    token = _csrf(form.text)
    unknown = http.post(
        f"{live.base}/desk/login",
        data={"email": "ghost@alpha.example", "password": PASSWORD, "csrf": token},
    )
    wrong = http.post(
        f"{live.base}/desk/login", data={"email": a.email, "password": "nope nope", "csrf": token}
    )
    assert unknown.status_code == wrong.status_code == 401
    assert "The e-mail or the password is not right." in unknown.text
    message = re.search(r'role="alert">([^<]+)<', wrong.text)
    assert message and message.group(1) in unknown.text
    # no CSRF token, no sign-in attempt
    bare = http.post(f"{live.base}/desk/login", data={"email": a.email, "password": PASSWORD})
    assert bare.status_code == 403
    for _ in range(4):
        http.post(
            f"{live.base}/desk/login", data={"email": a.email, "password": "nope", "csrf": token}
        )
    locked = http.post(
        f"{live.base}/desk/login", data={"email": a.email, "password": PASSWORD, "csrf": token}
    )
    assert locked.status_code == 429 and "Wait 15 minutes" in locked.text
    live.clock.advance(minutes=16)
    sign_in(live, a.email).close()


def test_nothing_opens_without_a_session_or_key(live: Live, shops: Any, http: httpx.Client) -> None:
    a, _b = shops
    invoice = a.invoices[0]
    for path in ("", "/invoices", f"/invoices/{invoice.id}", "/review", "/quotes", "/customers"):
        response = http.get(f"{live.base}/desk{path}")
        assert response.status_code == 303, path
        assert response.headers["location"] == f"{live.base}/desk/login"
    assert http.get(f"{live.base}/desk/api/home").status_code == 401
    refused = http.post(f"{live.base}/desk/invoices/{invoice.id}/cancel", data={"csrf": "x"})
    assert refused.status_code == 401
    bad_key = http.get(
        f"{live.base}/desk/api/home", headers={"authorization": "Bearer plk_not-a-key"}
    )
    assert bad_key.status_code == 401
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "issued"


def test_the_pages_show_the_organizations_figures(live: Live, shops: Any) -> None:
    a, _b = shops
    pl = live.pl
    pl.links.mark(pl.links.create(a.invoices[1]), "opened", source="web")
    client = sign_in(live, a.email)
    home = client.get(f"{live.base}/desk").text
    assert "€205.00" in home  # 80 + 40 + 25 + 60 open
    assert "1 payments to review" in home and "1 links opened but not paid" in home
    assert "Payment provider fees" in home
    listed = client.get(f"{live.base}/desk/invoices", params={"q": a.invoices[1].number}).text
    assert a.invoices[1].number in listed and "Payment link: opened" in listed
    assert a.invoices[0].number not in listed
    french = client.get(f"{live.base}/desk/invoices", params={"lang": "fr"}).text
    assert "Factures" in french and "80,00\u00a0€" in french
    # the language sticks for the next page
    assert "Accueil" in client.get(f"{live.base}/desk").text
    detail = client.get(f"{live.base}/desk/invoices/{a.invoices[1].id}?lang=de").text
    assert "Link geöffnet" in detail and "Rechnung ausgestellt" in detail
    review = client.get(f"{live.base}/desk/review?lang=en").text
    assert "Peeters M." in review and "Somebody" in review and "Why" in review
    customers = client.get(f"{live.base}/desk/customers").text
    assert "Client of Alpha SRL" in customers and "Beta" not in customers
    client.close()


def test_the_invoice_list_pages_keep_the_filters(live: Live, shops: Any) -> None:
    a, _b = shops
    line = Line(description="Subscription", quantity="1", unit_price="10.00", vat_rate="21")
    live.pl.invoices.issue_many(a.org, [(a.customer, [line]) for _ in range(56)])
    client = sign_in(live, a.email)
    first = client.get(f"{live.base}/desk/invoices", params={"q": "client"})
    assert first.text.count('class="card row"') == 50  # 60 of "Client of Alpha SRL"
    older = re.search(r'<a href="([^"]+)" rel="next">Older', first.text)
    assert older is not None and 'rel="prev"' not in first.text
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count('class="card row"') == 10 and "Page 2" in second.text
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text
    shown = re.findall(r'class="title">([^<]+)<', first.text + second.text)
    assert len(set(shown)) == 60
    api = client.get(f"{live.base}/desk/api/invoices", params={"page": "2"}).json()
    assert api["page"] == 2 and api["next_page"] is None and len(api["invoices"]) == 10
    odd = client.get(f"{live.base}/desk/invoices", params={"page": "-3"})
    assert odd.status_code == 200 and odd.text.count('class="card row"') == 50
    client.close()


def _post(client: httpx.Client, live: Live, path: str, **data: Any) -> httpx.Response:
    page = client.get(f"{live.base}/desk/invoices")
    return client.post(f"{live.base}/desk{path}", data={"csrf": _csrf(page.text), **data})


def test_every_invoice_action_works_from_the_desk(live: Live, shops: Any) -> None:
    a, _b = shops
    pl = live.pl
    first, second, third, fourth = a.invoices
    client = sign_in(live, a.email)
    before = len(pl.outbox.list(a.org))
    done = _post(client, live, f"/invoices/{first.id}/send_email")
    assert done.status_code == 303 and done.headers["location"].endswith("?done=1")
    _post(client, live, f"/invoices/{first.id}/send_sms")
    _post(client, live, f"/invoices/{first.id}/remind")
    sent = pl.outbox.list(a.org)[before:]
    assert sorted((m.channel_kind, m.kind) for m in sent) == [
        ("email", "invoice_issued"),
        ("email", "reminder"),
        ("sms", "invoice_issued"),
        ("sms", "reminder"),
    ]
    timeline = client.get(f"{live.base}/desk/invoices/{first.id}").text
    assert "Message reminder · sms · queued" in timeline
    _post(client, live, f"/invoices/{first.id}/pause")
    assert pl.reminders.is_paused(a.customer)
    assert "Reminders are paused" in client.get(f"{live.base}/desk/invoices/{first.id}").text
    _post(client, live, f"/invoices/{first.id}/resume")
    assert not pl.reminders.is_paused(a.customer)
    _post(client, live, f"/invoices/{second.id}/paid", amount="15,00", received_on="2026-03-01")
    paid = pl.invoices.get(second.organization_id, second.id)
    assert paid.status == "partially_paid" and paid.paid == Money.of("15.00", "EUR")
    [payment] = pl.payments.list(a.org.id, invoice=second)
    assert payment.received_on == dt.date(2026, 3, 1) and payment.method == "manual"
    bad = _post(client, live, f"/invoices/{second.id}/paid", amount="lots")
    assert "failed=" in bad.headers["location"]
    _post(client, live, f"/invoices/{second.id}/credit", amount="10", reason="goodwill")
    [note] = pl.invoices.credit_notes(second)
    assert note.total == Money.of("10.00", "EUR")
    assert pl.invoices.get(second.organization_id, second.id).open_amount == Money.of(
        "15.00", "EUR"
    )
    _post(client, live, f"/invoices/{third.id}/cancel", reason="wrong customer")
    assert pl.invoices.get(third.organization_id, third.id).status == "cancelled"
    _post(client, live, f"/invoices/{fourth.id}/paid")
    assert pl.invoices.get(fourth.organization_id, fourth.id).status == "paid"
    timeline = client.get(f"{live.base}/desk/invoices/{fourth.id}").text
    assert "Payment received" in timeline
    # a paid invoice is credited: what was paid is kept as credit, or paid back
    assert 'name="settle" value="refund"' in timeline
    _post(
        client, live, f"/invoices/{fourth.id}/credit", amount="20", reason="late", settle="credit"
    )
    assert pl.customers.balance(a.customer) == Money.of("20.00", "EUR")
    _post(client, live, f"/invoices/{fourth.id}/credit", amount="10", reason="x", settle="refund")
    assert pl.customers.balance(a.customer) == Money.of("20.00", "EUR")
    kinds = [(e.kind, e.amount) for e in pl.customers.credit(a.customer)]
    assert kinds[-2:] == [
        ("credit_note", Money.of("10.00", "EUR")),
        ("refunded", Money.of("-10.00", "EUR")),
    ]
    refused = _post(client, live, f"/invoices/{fourth.id}/credit", amount="5", reason="no")
    assert "failed=" in refused.headers["location"]  # paid: it must say what becomes of it
    assert len(pl.invoices.credit_notes(fourth)) == 2
    client.close()


def test_the_review_queue_accepts_rejects_and_matches_by_hand(live: Live, shops: Any) -> None:
    a, _b = shops
    pl = live.pl
    client = sign_in(live, a.email)
    [item] = pl.reconciliation.review(a.org)
    _post(client, live, f"/review/{item.transaction.id}/reject")
    assert pl.reconciliation.review(a.org) == []
    pl.reconciliation.run(a.org, tolerance="1.00", auto_threshold=0.99)
    [again] = pl.reconciliation.review(a.org)
    response = _post(client, live, f"/review/{again.transaction.id}/accept")
    assert response.status_code == 303 and response.headers["location"].endswith("?done=1")
    assert pl.invoices.get(a.invoices[0].organization_id, a.invoices[0].id).open_amount == Money.of(
        "0.50", "EUR"
    )
    unmatched = [t.id for t in pl.statements.transactions(a.org, status="unmatched")]
    assert "B0002" in unmatched
    # The page offers the invoice owing the same 40.00, not every open invoice; any other is
    # matched by its number.
    page = client.get(f"{live.base}/desk/review?lang=en").text
    form = page.split("/review/B0002/match", 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<option value="([^"]+)">', form) == [a.invoices[1].id]
    assert 'name="numbers"' in page and "Or invoice numbers" in page
    missing = _post(client, live, "/review/B0002/match", numbers="2099-999999")
    assert missing.status_code == 303, (missing.status_code, missing.text[:300])
    assert "failed=" in missing.headers["location"]
    _post(client, live, "/review/B0002/match", numbers=f" {a.invoices[1].number} ")
    assert pl.invoices.get(a.invoices[1].organization_id, a.invoices[1].id).status == "paid"
    assert "B0002" not in [t.id for t in pl.statements.transactions(a.org, status="unmatched")]
    client.close()


def test_a_post_without_the_csrf_token_changes_nothing(live: Live, shops: Any) -> None:
    a, _b = shops
    client = sign_in(live, a.email)
    invoice = a.invoices[0]
    for data in ({}, {"csrf": "0" * 64}):
        refused = client.post(f"{live.base}/desk/invoices/{invoice.id}/cancel", data=data)
        assert refused.status_code == 403
    assert live.pl.invoices.get(invoice.organization_id, invoice.id).status == "issued"
    [item] = live.pl.reconciliation.review(a.org)
    assert client.post(f"{live.base}/desk/review/{item.transaction.id}/accept").status_code == 403
    assert len(live.pl.reconciliation.review(a.org)) == 1
    assert client.post(f"{live.base}/desk/logout").status_code == 403
    client.close()


def test_another_organizations_session_opens_nothing_of_this_one(live: Live, shops: Any) -> None:
    a, b = shops
    pl = live.pl
    client = sign_in(live, b.email)
    target = a.invoices[0]
    assert client.get(f"{live.base}/desk/invoices/{target.id}").status_code == 404
    assert "Client of Alpha SRL" not in client.get(f"{live.base}/desk/invoices").text
    for action in ("cancel", "paid", "send_email", "pause", "credit"):
        refused = _post(client, live, f"/invoices/{target.id}/{action}")
        assert refused.status_code == 404, action
    assert pl.invoices.get(target.organization_id, target.id).status == "issued"
    assert not pl.reminders.is_paused(a.customer)
    # the same transaction id in another organization is not this one's
    [mine] = pl.reconciliation.review(a.org)
    [theirs] = pl.reconciliation.review(b.org)
    assert mine.transaction.id == theirs.transaction.id == "B0001"
    _post(client, live, "/review/B0001/accept")
    assert len(pl.reconciliation.review(a.org)) == 1
    assert pl.invoices.get(a.invoices[0].organization_id, a.invoices[0].id).status == "issued"
    match = _post(client, live, "/review/B0002/match", invoice=a.invoices[1].id)
    assert match.status_code in (303, 404)
    assert pl.invoices.get(a.invoices[1].organization_id, a.invoices[1].id).status == "issued"
    client.close()


def test_an_api_key_opens_its_organizations_json_and_actions_only(
    live: Live, shops: Any, http: httpx.Client
) -> None:
    a, b = shops
    pl = live.pl
    as_a = {"authorization": f"Bearer {a.key}"}
    as_b = {"authorization": f"Bearer {b.key}"}
    home = http.get(f"{live.base}/desk/api/home", headers=as_a)
    assert home.status_code == 200
    assert home.json()["organization"] == a.org.id
    assert home.json()["receivables"] == {"amount": "205.00", "currency": "EUR"}
    listed = http.get(f"{live.base}/desk/api/invoices", headers=as_a).json()["invoices"]
    assert {i["id"] for i in listed} == {i.id for i in a.invoices}
    one = http.get(f"{live.base}/desk/api/invoices/{a.invoices[0].id}", headers=as_b)
    assert one.status_code == 404
    review = http.get(f"{live.base}/desk/api/review", headers=as_a).json()
    assert [p["transaction_id"] for p in review["proposals"]] == ["B0001"]
    # an action with a key needs no CSRF token (no cookie is involved)
    cancel = http.post(f"{live.base}/desk/invoices/{a.invoices[2].id}/cancel", headers=as_a)
    assert cancel.status_code == 200 and cancel.json()["ok"] is True
    assert pl.invoices.get(a.invoices[2].organization_id, a.invoices[2].id).status == "cancelled"
    refused = http.post(f"{live.base}/desk/invoices/{a.invoices[3].id}/cancel", headers=as_b)
    assert refused.status_code == 404
    assert pl.invoices.get(a.invoices[3].organization_id, a.invoices[3].id).status == "issued"
    # the dashboard opens to the organization's key, not another's
    assert http.get(f"{live.base}/dashboard/{a.org.id}", headers=as_a).status_code == 200
    assert http.get(f"{live.base}/dashboard/{a.org.id}", headers=as_b).status_code == 404
    [key] = pl.desk.keys(a.org)
    assert key.last_used_at is not None
    pl.desk.revoke_key(a.org, key.id)
    assert http.get(f"{live.base}/desk/api/home", headers=as_a).status_code == 401
    assert http.get(f"{live.base}/dashboard/{a.org.id}", headers=as_a).status_code == 404


def test_signing_out_ends_the_session_and_its_copies(live: Live, shops: Any) -> None:
    a, _b = shops
    client = sign_in(live, a.email)
    copied = client.cookies["paylink_desk"]
    live.clock.advance(seconds=5)
    page = client.get(f"{live.base}/desk")
    out = client.post(f"{live.base}/desk/logout", data={"csrf": _csrf(page.text)})
    assert out.status_code == 303 and out.headers["location"].endswith("/desk/login")
    other = httpx.Client(timeout=30, cookies={"paylink_desk": copied})
    again = other.get(f"{live.base}/desk")
    assert again.status_code == 303 and "expired=1" in again.headers["location"]
    other.close()
    client.close()
    # a session expires after 12 hours
    live.clock.advance(seconds=5)
    fresh = sign_in(live, a.email)
    assert fresh.get(f"{live.base}/desk").status_code == 200
    live.clock.advance(hours=13)
    assert fresh.get(f"{live.base}/desk").status_code == 303
    fresh.close()


def test_served_over_https_the_cookies_are_secure_and_hsts_is_sent(
    live: Live, shops: Any, http: httpx.Client
) -> None:
    a, _b = shops
    port = _free_port()
    app = create_app(live.pl, base_url=f"https://127.0.0.1:{port}", secret="test-secret")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        base = f"http://127.0.0.1:{port}"  # the TLS proxy in front is left out here
        form = http.get(f"{base}/desk/login")
        assert "max-age=31536000" in form.headers["strict-transport-security"]
        assert "Secure" in form.headers["set-cookie"]
        token = _csrf(form.text)
        signed = http.post(
            f"{base}/desk/login",
            data={"email": a.email, "password": PASSWORD, "csrf": token},
            headers={"cookie": form.headers["set-cookie"].split(";")[0]},
        )
        assert signed.status_code == 303
        session = next(
            v for k, v in signed.headers.multi_items() if k == "set-cookie" and "paylink_desk=" in v
        )
        assert "Secure" in session and "HttpOnly" in session
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_keys_are_made_shown_once_and_revoked_on_the_desk(
    live: Live, shops: Any, http: httpx.Client
) -> None:
    a, b = shops
    pl = live.pl
    client = sign_in(live, a.email)
    page = client.get(f"{live.base}/desk/keys")
    assert a.email in page.text and "sync" in page.text and a.key not in page.text
    made = client.post(
        f"{live.base}/desk/keys", data={"csrf": _csrf(page.text), "name": "bookkeeping"}
    )
    secret = re.search(r'data-testid="new-key">(plk_[^<]+)<', made.text)
    assert made.status_code == 200 and secret is not None
    assert "no-store" in made.headers["cache-control"]
    key = pl.desk.authenticate_key(secret.group(1))
    assert key is not None and key.organization_id == a.org.id and key.name == "bookkeeping"
    assert secret.group(1) not in client.get(f"{live.base}/desk/keys").text
    # a key cannot make keys, nor revoke them
    as_key = {"authorization": f"Bearer {secret.group(1)}"}
    assert http.post(f"{live.base}/desk/keys", headers=as_key).status_code == 403
    assert http.post(f"{live.base}/desk/keys/{key.id}/revoke", headers=as_key).status_code == 403
    # another organization's person cannot revoke it
    other = sign_in(live, b.email)
    theirs = other.get(f"{live.base}/desk/keys")
    refused = other.post(
        f"{live.base}/desk/keys/{key.id}/revoke", data={"csrf": _csrf(theirs.text)}
    )
    assert refused.status_code == 404 and pl.desk.authenticate_key(secret.group(1)) is not None
    other.close()
    revoked = client.post(f"{live.base}/desk/keys/{key.id}/revoke", data={"csrf": _csrf(page.text)})
    assert revoked.status_code == 303
    assert pl.desk.authenticate_key(secret.group(1)) is None
    client.close()


def test_every_action_is_refused_without_login_csrf_or_the_right_organization(
    live: Live, shops: Any, http: httpx.Client
) -> None:
    a, b = shops
    pl = live.pl
    invoice = a.invoices[0]
    [key] = pl.desk.keys(a.org)
    actions = [
        f"/invoices/{invoice.id}/{name}"
        for name in ("send_email", "send_sms", "remind", "pause", "resume", "paid", "cancel")
    ] + [f"/invoices/{invoice.id}/credit", "/review/B0001/accept", "/review/B0001/reject"]
    actions += ["/review/B0002/match", f"/keys/{key.id}/revoke"]
    messages = len(pl.outbox.list(a.org))
    # Beta's own B0001 (same bank reference) leaves its queue: its accept and reject would
    # otherwise act, rightly, on Beta's transaction
    pl.reconciliation.reject(b.org, "B0001")
    other = sign_in(live, b.email)
    mine = sign_in(live, a.email)
    other_csrf = _csrf(other.get(f"{live.base}/desk/keys").text)
    for path in actions:
        url = f"{live.base}/desk{path}"
        form = {"invoice": a.invoices[1].id, "amount": "10"}
        assert http.post(url, data=form).status_code == 401, path
        assert mine.post(url, data=form).status_code == 403, path
        assert mine.post(url, data={**form, "csrf": other_csrf}).status_code == 403, path
        assert other.post(url, data={**form, "csrf": other_csrf}).status_code == 404, path
        by_key = http.post(url, data=form, headers={"authorization": f"Bearer {b.key}"})
        assert by_key.status_code == (403 if "/keys/" in path else 404), path
    # nothing changed for the organization
    assert len(pl.outbox.list(a.org)) == messages
    assert [pl.invoices.get(i.organization_id, i.id).status for i in a.invoices] == ["issued"] * 4
    assert pl.invoices.credit_notes(invoice) == []
    assert not pl.reminders.is_paused(a.customer)
    assert [i.transaction.id for i in pl.reconciliation.review(a.org)] == ["B0001"]
    assert pl.desk.keys(a.org)[0].active and len(pl.desk.keys(a.org)) == 1
    assert len(pl.desk.keys(b.org)) == 1
    mine.close()
    other.close()
