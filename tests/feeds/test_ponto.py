"""The Ponto Connect feed, against Ponto's documented request and response shapes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money, Paylink, ProviderError, WebhookRejected
from paylink.parties import Organization
from paylink.ports import WebhookRequest
from paylink_providers.ponto import Ponto

DATA = Path(__file__).parents[1] / "providers" / "data" / "ponto"
API = "https://api.ibanity.com"
ACCOUNT = "953934eb-229a-4fd2-8675-07794078cc7d"
TXS = f"{API}/ponto-connect/accounts/{ACCOUNT}/transactions"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def settings() -> dict[str, Any]:
    return {
        "client_id": "client-abc",
        "client_secret": "s3cr3t-client",
        "refresh_token": "refresh-1",
        "base_url": API,
        "page_limit": 2,
        "application_id": "app-123",
    }


def mock_sync(httpx_mock: HTTPXMock, *, refresh: str = "refresh-1", pages: int = 2) -> None:
    token = load("token.json")
    httpx_mock.add_response(
        method="POST",
        url=f"{API}/ponto-connect/oauth2/token",
        json=token,
        match_content=f"grant_type=refresh_token&refresh_token={refresh}"
        "&client_id=client-abc".encode(),
    )
    httpx_mock.add_response(
        method="GET",
        url=f"{API}/ponto-connect/accounts?page%5Blimit%5D=2",
        json=load("accounts.json"),
    )
    httpx_mock.add_response(
        method="GET", url=f"{TXS}?page%5Blimit%5D=2", json=load("transactions_page1.json")
    )
    if pages == 2:
        httpx_mock.add_response(
            method="GET",
            url=f"{TXS}?page%5Bafter%5D=a6f5b2c1-0002-4c1e-9f1a-000000000002&page%5Blimit%5D=2",
            json=load("transactions_page2.json"),
        )


def test_sync_imports_new_transactions_and_keeps_the_cursor(
    pl: Paylink, org: Organization, httpx_mock: HTTPXMock
) -> None:
    pl.feeds.connect(org, "ponto", **settings())
    mock_sync(httpx_mock)
    [report] = pl.feeds.sync(org)
    assert (report.new_transactions, report.duplicates) == (3, 0)

    token_call, accounts_call, *_ = httpx_mock.get_requests()
    expected = "Basic " + base64.b64encode(b"client-abc:s3cr3t-client").decode()
    assert token_call.headers["authorization"] == expected
    assert accounts_call.headers["authorization"] == "Bearer access-1"

    txs = pl.statements.transactions(org)
    assert [t.amount for t in txs] == [
        Money.of("50.00", "EUR"),
        Money.of("-1210.00", "EUR"),
        Money.of("154.90", "EUR"),
    ]
    assert txs[2].amount.amount == Decimal("154.90")
    assert str(txs[2].structured_reference) == "+++202/6000/19289+++"
    assert str(txs[0].structured_reference) == "+++900/0000/00116+++"  # found in the text
    assert txs[2].counterparty_iban == "BE43068999999501"
    assert txs[1].end_to_end_id == "pur_0001"
    assert txs[2].account_iban == "BE71096123456769"

    # The next sync uses the rotated refresh token and stops at the cursor.
    mock_sync(httpx_mock, refresh="refresh-2", pages=1)
    [again] = pl.feeds.sync(org)
    assert again.new_transactions == 0
    assert len(pl.statements.transactions(org)) == 3


def test_errors_never_show_the_credentials(
    pl: Paylink, org: Organization, httpx_mock: HTTPXMock
) -> None:
    account = pl.feeds.connect(org, "ponto", **settings())
    assert "s3cr3t-client" not in repr(account) and "refresh-1" not in repr(account)
    assert "s3cr3t-client" not in repr(Ponto(**settings()))
    httpx_mock.add_response(
        method="POST",
        url=f"{API}/ponto-connect/oauth2/token",
        status_code=401,
        json={"errors": [{"code": "invalidGrant", "detail": "refresh token s3cr3t-client bad"}]},
        headers={"ibanity-request-id": "req-77"},
    )
    with pytest.raises(ProviderError) as info:
        pl.feeds.sync(org)
    assert info.value.request_id == "req-77" and info.value.status_code == 401
    assert "s3cr3t-client" not in str(info.value) and "refresh-1" not in str(info.value)
    assert pl.statements.transactions(org) == []


# --- webhooks ----------------------------------------------------------------------------

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwks(kid: str = "key-1") -> dict[str, Any]:
    numbers = KEY.public_key().public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "kid": kid,
                "use": "sig",
                "alg": "RS512",
                "n": b64url(numbers.n.to_bytes(256, "big")),
                "e": b64url(numbers.e.to_bytes(3, "big")),
            }
        ]
    }


def sign(body: bytes, *, now: dt.datetime, kid: str = "key-1", **claims: Any) -> str:
    header = {"alg": "RS512", "kid": kid, "typ": "JWT"}
    payload = {
        "digest": base64.b64encode(hashlib.sha512(body).digest()).decode(),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 30,
        "iss": API,
        "aud": "app-123",
        "jti": "j-1",
        **claims,
    }
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA512())
    return f"{signing_input}.{b64url(signature)}"


def request(body: bytes, signature: str) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://pay.example.com/feeds/x/webhook",
        headers={"signature": signature},
        body=body,
    )


def test_a_verified_webhook_triggers_a_sync(
    pl: Paylink, org: Organization, clock: FixedClock, httpx_mock: HTTPXMock
) -> None:
    account = pl.feeds.connect(org, "ponto", **settings())
    body = (DATA / "webhook_transactions_created.json").read_bytes()
    httpx_mock.add_response(method="GET", url=f"{API}/webhooks/keys", json=jwks())
    mock_sync(httpx_mock)
    report = pl.feeds.handle_webhook(account.id, request(body, sign(body, now=clock.now())))
    assert report is not None and report.new_transactions == 3


@pytest.mark.parametrize(
    "case", ["tampered", "expired", "future", "issuer", "audience", "garbage", "missing"]
)
def test_bad_webhooks_are_rejected(clock: FixedClock, httpx_mock: HTTPXMock, case: str) -> None:
    feed = Ponto(**settings(), clock=clock)
    body = (DATA / "webhook_transactions_created.json").read_bytes()
    now = clock.now()
    signature = {
        "tampered": sign(body, now=now),
        "expired": sign(body, now=now - dt.timedelta(minutes=5)),
        "future": sign(body, now=now + dt.timedelta(minutes=5)),
        "issuer": sign(body, now=now, iss="https://evil.example"),
        "audience": sign(body, now=now, aud="another-app"),
        "garbage": "not.a.jwt",
        "missing": "",
    }[case]
    sent = body.replace(b'"count": 1', b'"count": 9') if case == "tampered" else body
    if case not in ("garbage", "missing"):
        httpx_mock.add_response(method="GET", url=f"{API}/webhooks/keys", json=jwks())
    with pytest.raises(WebhookRejected) as info:
        feed.parse_webhook(request(sent, signature))
    assert info.value.status_code == 401
    feed.close()


def test_an_unknown_key_refreshes_the_keys_once(clock: FixedClock, httpx_mock: HTTPXMock) -> None:
    feed = Ponto(**settings(), clock=clock, http=httpx.Client())
    body = (DATA / "webhook_transactions_created.json").read_bytes()
    httpx_mock.add_response(method="GET", url=f"{API}/webhooks/keys", json=jwks("old"))
    with pytest.raises(WebhookRejected, match="not one of Ibanity's"):
        feed.parse_webhook(request(body, sign(body, now=clock.now(), kid="new")))
    httpx_mock.add_response(method="GET", url=f"{API}/webhooks/keys", json=jwks("new"))
    data = feed.parse_webhook(request(body, sign(body, now=clock.now(), kid="new")))
    assert data["type"] == "pontoConnect.account.transactionsCreated"
