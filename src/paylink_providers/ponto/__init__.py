"""Ponto Connect (Ibanity): a PSD2 bank feed that brings the accounts' transactions in.

- **Authorization**: OAuth 2 with the integration's client id and secret (HTTP Basic) and a
  refresh token obtained when the organization linked its accounts. Ponto rotates refresh
  tokens: each sync stores the new one in the feed's state (never in a log or an error).
- **Mutual TLS**: production calls need the integration's client certificate and key
  (``cert_path``, ``key_path``, ``key_passphrase``); a sandbox or a mock server may go without.
- **Transactions**: JSON:API lists per account, newest first, followed through ``links.next``
  until the newest transaction of the previous sync (the cursor kept per account). Amounts are
  JSON numbers: they are read as decimals, never floats.
- **Webhooks**: the ``Signature`` header is a JWT signed RS512 by a key from Ibanity's JWKS
  (``/webhooks/keys``, cached, refreshed when a key id is unknown), whose ``digest`` claim is
  the base64 SHA-512 of the body, with ``iat``/``exp`` checked against the clock, ``iss`` the
  API host and ``aud`` the application id.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from paylink.context import PluginContext, Setting
from paylink.exceptions import ProviderUnavailable, ValidationError, WebhookRejected
from paylink.extras import require
from paylink.feeds import FeedResult, FeedWebhook
from paylink.hookspecs import hookimpl
from paylink.http import DEFAULT_TIMEOUT, ApiClient
from paylink.money import Money
from paylink.ports import WebhookRequest
from paylink.references import find, parse
from paylink.statements.model import BankTransaction

__all__ = ["Ponto", "from_api"]

DEFAULT_BASE_URL = "https://api.ibanity.com"
_TOLERANCE = 30  # seconds of clock skew accepted on webhook iat/exp
_SYNC_EVENTS = ("transactionsCreated", "transactionsUpdated", "succeededWithoutChange")
_MAX_PAGES = 1000


def _b64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _iban(value: str | None) -> str | None:
    if not value:
        return None
    compact = "".join(value.split()).upper()
    return compact if len(compact) >= 15 and compact[:2].isalpha() else None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def from_api(item: Mapping[str, Any], account_iban: str | None) -> BankTransaction:
    """Map a Ponto transaction resource to paylink's :class:`BankTransaction`."""
    attributes = item.get("attributes") or {}
    booking = _date(attributes.get("executionDate")) or _date(attributes.get("valueDate"))
    if booking is None:
        raise ProviderUnavailable(
            f"transaction {item.get('id')} has no execution date", provider="ponto"
        )
    amount = attributes.get("amount")
    if not isinstance(amount, (Decimal, int, str)):
        raise ProviderUnavailable(
            f"transaction {item.get('id')} has no readable amount", provider="ponto"
        )
    text = attributes.get("remittanceInformation") or None
    if attributes.get("remittanceInformationType") == "structured":
        reference = parse(text)
    else:
        found = find(text or "")
        reference = found[0] if found else None
    return BankTransaction(
        id=str(item["id"]),
        account_iban=account_iban,
        booking_date=booking,
        value_date=_date(attributes.get("valueDate")),
        amount=Money.of(str(amount), attributes.get("currency") or "EUR"),
        counterparty_name=attributes.get("counterpartName") or None,
        counterparty_iban=_iban(attributes.get("counterpartReference")),
        structured_reference=reference,
        remittance_text=text or attributes.get("description") or None,
        bank_transaction_code=attributes.get("bankTransactionCode") or None,
        bank_reference=attributes.get("internalReference") or None,
        end_to_end_id=attributes.get("endToEndId") or None,
        raw=json.dumps(item, default=str, sort_keys=True),
    )


class Ponto:
    """The Ponto Connect feed for one organization's linked accounts."""

    name: ClassVar[str] = "ponto"
    secret_settings: ClassVar[frozenset[str]] = frozenset(
        {"client_secret", "refresh_token", "key_passphrase"}
    )
    settings_spec: ClassVar[dict[str, Setting]] = {
        "client_id": Setting(required=True, help="the integration's client id"),
        "client_secret": Setting(secret=True, required=True),
        "refresh_token": Setting(secret=True, required=True, help="rotated on every sync"),
        "base_url": Setting(default=DEFAULT_BASE_URL, help="the API host"),
        "cert_path": Setting(help="the client certificate (mutual TLS)"),
        "key_path": Setting(help="its private key"),
        "key_passphrase": Setting(secret=True),
        "application_id": Setting(help="checked against each webhook's aud"),
        "account_ids": Setting(type=(list, tuple), help="only these accounts"),
        "request_synchronization": Setting(type=bool, default=False),
        "page_limit": Setting(type=int, default=100),
    }

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        base_url: str = DEFAULT_BASE_URL,
        cert_path: str | None = None,
        key_path: str | None = None,
        key_passphrase: str | None = None,
        application_id: str | None = None,
        account_ids: Sequence[str] | None = None,
        request_synchronization: bool = False,
        page_limit: int = 100,
        http: httpx.Client | None = None,
        clock: Any = None,
        sleep: Callable[[float], None] | None = None,
        context: PluginContext | None = None,
    ) -> None:
        if context is not None:
            http = http if http is not None else context.http
            clock = clock or context.clock
            sleep = sleep or context.sleep
        self.context = context
        for field, value in (
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("refresh_token", refresh_token),
        ):
            if not value:
                raise ValidationError("expected a value", field=field)
        if bool(cert_path) != bool(key_path):
            raise ValidationError("give both the certificate and its key", field="cert_path")
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.base_url = base_url.rstrip("/")
        self.application_id = application_id
        self.account_ids = tuple(account_ids) if account_ids else None
        self.request_synchronization = request_synchronization
        self.page_limit = page_limit
        self._clock = clock
        self._own_http = http is None
        if http is None:
            cert: Any = None
            if cert_path and key_path:
                cert = (
                    (cert_path, key_path, key_passphrase)
                    if key_passphrase
                    else (cert_path, key_path)
                )
            http = httpx.Client(timeout=DEFAULT_TIMEOUT, cert=cert)
        self._http = http
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._api = ApiClient(
            provider="ponto",
            base_url=self.base_url,
            headers={"Accept": "application/vnd.api+json"},
            secrets=(client_secret, refresh_token, key_passphrase or ""),
            http=http,
            sleep=sleep,
            request_id_header="ibanity-request-id",
            error_message=lambda body: (
                "; ".join(str(e.get("detail") or e.get("code")) for e in (body.get("errors") or []))
                or None
            ),
        )
        self._basic = f"Basic {basic}"
        self._keys: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Ponto(client_id={self.client_id!r}, base_url={self.base_url!r})"

    # -- API ---------------------------------------------------------------------------------
    def _json(self, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise ProviderUnavailable("the answer is not JSON", provider="ponto") from exc

    def _token(self, refresh_token: str) -> tuple[str, str]:
        response = self._api.request(
            "POST",
            "/ponto-connect/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            },
            headers={"Authorization": self._basic},
        )
        body = self._json(response)
        access, rotated = body.get("access_token"), body.get("refresh_token")
        if not access:
            raise ProviderUnavailable("the token answer has no access token", provider="ponto")
        return str(access), str(rotated or refresh_token)

    def _pages(self, path: str, token: str) -> Iterator[Mapping[str, Any]]:
        url: str | None = f"{path}?page[limit]={self.page_limit}"
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            body = self._json(
                self._api.request("GET", url, headers={"Authorization": f"Bearer {token}"})
            )
            yield from body.get("data") or []
            url = (body.get("links") or {}).get("next")
        raise ProviderUnavailable(f"more than {_MAX_PAGES} pages at {path}", provider="ponto")

    def _synchronize(self, account_id: str, token: str) -> None:
        self._api.request(
            "POST",
            "/ponto-connect/synchronizations",
            json={
                "data": {
                    "type": "synchronization",
                    "attributes": {
                        "resourceType": "account",
                        "resourceId": account_id,
                        "subtype": "accountTransactions",
                    },
                }
            },
            headers={"Authorization": f"Bearer {token}"},
        )

    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        """The transactions booked since the last sync, on every linked account."""
        access, rotated = self._token(str(state.get("refresh_token") or self._refresh_token))
        cursors = dict(state.get("cursors") or {})
        found: list[BankTransaction] = []
        for account in self._pages("/ponto-connect/accounts", access):
            account_id = str(account["id"])
            if self.account_ids is not None and account_id not in self.account_ids:
                continue
            attributes = account.get("attributes") or {}
            iban = (
                _iban(attributes.get("reference"))
                if attributes.get("referenceType", "IBAN") == "IBAN"
                else None
            )
            if self.request_synchronization:
                self._synchronize(account_id, access)
            newest: str | None = None
            seen = cursors.get(account_id)
            for item in self._pages(f"/ponto-connect/accounts/{account_id}/transactions", access):
                if newest is None:
                    newest = str(item["id"])
                if str(item["id"]) == seen:
                    break
                found.append(from_api(item, iban))
            if newest is not None:
                cursors[account_id] = newest
        found.reverse()  # oldest first, as a statement lists them
        return FeedResult(transactions=found, state={"refresh_token": rotated, "cursors": cursors})

    # -- webhooks ----------------------------------------------------------------------------
    def _key(self, kid: str) -> Any:
        if kid not in self._keys:
            body = self._json(self._api.request("GET", "/webhooks/keys"))
            self._keys = {str(k.get("kid")): k for k in body.get("keys") or []}
        if kid not in self._keys:
            raise WebhookRejected("the signature's key is not one of Ibanity's", status_code=401)
        require("cryptography", extra="ponto", feature="Ponto signatures")
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

        jwk = self._keys[kid]
        numbers = RSAPublicNumbers(
            int.from_bytes(_b64url(jwk["e"]), "big"), int.from_bytes(_b64url(jwk["n"]), "big")
        )
        return numbers.public_key()

    def parse_webhook(self, request: WebhookRequest) -> Mapping[str, Any]:
        """Verify a webhook and return its ``data`` member; raise WebhookRejected otherwise."""
        require("cryptography", extra="ponto", feature="Ponto signatures")
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        token = request.headers.get("signature", "")
        parts = token.split(".")
        if len(parts) != 3:
            raise WebhookRejected("missing or malformed Signature header", status_code=401)
        try:
            header = json.loads(_b64url(parts[0]))
            claims = json.loads(_b64url(parts[1]))
            signature = _b64url(parts[2])
        except ValueError as exc:
            raise WebhookRejected("malformed Signature header", status_code=401) from exc
        if header.get("alg") != "RS512" or not header.get("kid"):
            raise WebhookRejected("the signature is not RS512 with a key id", status_code=401)
        key = self._key(str(header["kid"]))
        try:
            key.verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA512()
            )
        except InvalidSignature as exc:
            raise WebhookRejected("the signature does not verify", status_code=401) from exc
        digest = base64.b64encode(hashlib.sha512(request.body).digest()).decode()
        if claims.get("digest") != digest:
            raise WebhookRejected("the body does not match the signed digest", status_code=401)
        now = self._clock.now().timestamp() if self._clock is not None else time.time()
        if not (isinstance(claims.get("iat"), int) and claims["iat"] <= now + _TOLERANCE):
            raise WebhookRejected("the signature is issued in the future", status_code=401)
        if not (isinstance(claims.get("exp"), int) and claims["exp"] >= now - _TOLERANCE):
            raise WebhookRejected("the signature has expired", status_code=401)
        if claims.get("iss") != self.base_url:
            raise WebhookRejected("the signature is from another issuer", status_code=401)
        if self.application_id and claims.get("aud") != self.application_id:
            raise WebhookRejected("the webhook is for another application", status_code=401)
        try:
            body = json.loads(request.body, parse_float=Decimal)
        except ValueError as exc:
            raise WebhookRejected("the body is not JSON", status_code=400) from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise WebhookRejected("the body has no data member", status_code=400)
        return data

    def parse_callback(self, request: WebhookRequest) -> FeedWebhook:
        """Verify a webhook (:meth:`parse_webhook`) and say whether it asks for a sync: new or
        updated transactions, or a synchronization that finished, do."""
        data = self.parse_webhook(request)
        kind = str(data.get("type", ""))
        return FeedWebhook(sync=kind.endswith(_SYNC_EVENTS), event=kind)

    def close(self) -> None:
        """Release the HTTP connections (when this feed opened them)."""
        if self._own_http:
            self._http.close()


@hookimpl
def paylink_register_bank_feeds(register: Callable[[Any], None]) -> None:
    """Register :class:`Ponto`."""
    register(Ponto)
