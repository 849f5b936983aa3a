"""Payconiq by Bancontact: the customer scans a QR code or follows a deep link in their app.

Payments through the merchant API v3 (``POST /v3/payments``: amount in cents, currency,
reference, description, callback and return URLs); the answer carries the deep link, the QR
code and, given a return URL, a hosted checkout page. Payconiq calls back with the payment as
JSON and a detached JWS in the ``Signature`` header: ES256 (ECDSA P-256 with SHA-256) over the
protected header and the body, with Payconiq's critical headers (``https://payconiq.com/sub``
the payment profile, ``…/iss`` ``"Payconiq"``, ``…/iat`` the time, ``…/jti`` a unique id,
``…/path`` the callback URL), verified against the keys Payconiq publishes as a JWKS (cached;
fetched again when a key id is unknown). PyJWT refuses unknown critical headers, so the JWS is
verified here with ``cryptography`` directly (install the ``payconiq`` extra).

Status mapping:

=========================  ===============
Payconiq                   paylink
=========================  ===============
``PENDING``                ``in_progress``
``IDENTIFIED``             ``in_progress``
``AUTHORIZED``             ``in_progress``
``AUTHORIZATION_FAILED``   ``interrupted``
``SUCCEEDED``              ``paid``
``FAILED``                 ``interrupted``
``CANCELLED``              ``interrupted``
``EXPIRED``                ``interrupted``
=========================  ===============
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import time
import urllib.parse
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

from paylink.context import PluginContext, Setting
from paylink.exceptions import ValidationError, WebhookRejected
from paylink.extras import require
from paylink.hookspecs import hookimpl
from paylink.money import Money
from paylink.ports import Checkout, PaymentRequest, ProviderEvent, ProviderOutcome, WebhookRequest

from .._base import OnlineProvider, online_settings

__all__ = [
    "CRITICAL_HEADERS",
    "INVOICE_FIELD_LIMIT",
    "INVOICE_URL",
    "JWS_TOLERANCE",
    "Payconiq",
    "b64url",
    "invoice_qr_payload",
    "verify_jws",
]

_PREFIX = "https://payconiq.com/"
CRITICAL_HEADERS = frozenset(f"{_PREFIX}{claim}" for claim in ("sub", "iss", "iat", "jti", "path"))
"""The critical protected headers Payconiq puts in its callback signatures (all understood)."""

JWS_TOLERANCE = 300
"""How far (in seconds) a signature's ``https://payconiq.com/iat`` may be from now."""

_JWKS_REFRESH_INTERVAL = 60.0

INVOICE_URL = "https://payconiq.com/t/1/"
"""Where the static QR of Payconiq's Invoice product points (followed by the profile id)."""

INVOICE_FIELD_LIMIT = 35
"""The most characters Payconiq takes in an invoice QR's description and reference."""


def invoice_qr_payload(profile_id: str, amount: Money, description: str, reference: str) -> str:
    """The text of the static QR of Payconiq's Invoice product (it does not expire).

    ``https://payconiq.com/t/1/{profile_id}?A={cents}&D={description}&R={reference}``, the
    parameters URL-encoded. ``amount`` must be a positive amount in euros (Payconiq pays in
    euros only); ``description`` and ``reference`` are cut to
    :data:`INVOICE_FIELD_LIMIT` characters after their spaces are trimmed, and must not be
    empty. Raises :class:`~paylink.exceptions.ValidationError` naming the field.
    """
    profile = profile_id.strip()
    if not profile or not profile.isalnum():
        raise ValidationError(
            "expected the Payconiq Invoice payment profile id (letters and digits)",
            field="invoice_profile_id",
        )
    if amount.currency != "EUR":
        raise ValidationError(
            f"Payconiq takes payments in EUR only, not {amount.currency}", field="amount"
        )
    if amount.amount <= 0:
        raise ValidationError("expected a positive amount", field="amount")
    fields = {"description": description.strip(), "reference": reference.strip()}
    for name, value in fields.items():
        if not value:
            raise ValidationError(f"the Payconiq {name} is empty", field=name)
    query = urllib.parse.urlencode(
        {
            "A": str(amount.minor_units),
            "D": fields["description"][:INVOICE_FIELD_LIMIT],
            "R": fields["reference"][:INVOICE_FIELD_LIMIT],
        },
        quote_via=urllib.parse.quote,
    )
    return f"{INVOICE_URL}{profile}?{query}"


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_key(jwk: Mapping[str, Any]) -> Any:
    require("cryptography", extra="payconiq", feature="Payconiq signatures")
    from cryptography.hazmat.primitives.asymmetric import ec

    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not a P-256 EC key")
    x = int.from_bytes(_unb64url(str(jwk["x"])), "big")
    y = int.from_bytes(_unb64url(str(jwk["y"])), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def verify_jws(
    signature: str | None,
    body: bytes,
    keys: Callable[[str], Any],
    *,
    profile_id: str | Collection[str] | None,
    path: str | None,
    now: dt.datetime,
    tolerance: int = JWS_TOLERANCE,
) -> Mapping[str, Any]:
    """Verify Payconiq's detached JWS ``signature`` over ``body``; return its protected header.

    ``keys(kid)`` returns the public key for a key id (or ``None``). Checks, in order: the
    compact form with an empty payload part, ``alg`` ES256, that every critical header is one
    this function understands and that Payconiq's are all there, the issuer, the payment
    profile (``profile_id``, when given), the callback ``path`` (when given), the time
    (``tolerance`` seconds around ``now``) and the ECDSA signature (raw ``r || s``, converted
    to DER). ``profile_id`` may be several ids (the checkout's and the Invoice product's
    profiles call back to the same URL). Raises :class:`~paylink.exceptions.WebhookRejected`
    on the first failure.
    """
    require("cryptography", extra="payconiq", feature="Payconiq signatures")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    def reject(reason: str, status: int = 401) -> WebhookRejected:
        return WebhookRejected(f"payconiq: {reason}", status_code=status)

    if not signature:
        raise reject("the Signature header is missing", 400)
    parts = signature.strip().split(".")
    if len(parts) != 3 or parts[1] != "" or not parts[0] or not parts[2]:
        raise reject("the signature is not a detached JWS", 400)
    try:
        header = json.loads(_unb64url(parts[0]))
        raw = _unb64url(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise reject("the signature's header is not base64url JSON", 400) from exc
    if not isinstance(header, dict):
        raise reject("the signature's header is not a JSON object", 400)
    if header.get("alg") != "ES256":
        raise reject("the signature is not ES256")
    crit = header.get("crit")
    if not isinstance(crit, list) or not all(isinstance(c, str) for c in crit):
        raise reject("the signature has no list of critical headers")
    unknown = set(crit) - CRITICAL_HEADERS
    if unknown:
        raise reject("the signature has critical headers this verifier does not understand")
    if set(crit) != CRITICAL_HEADERS or any(c not in header for c in crit):
        raise reject("the signature lacks Payconiq's critical headers")
    if header[f"{_PREFIX}iss"] != "Payconiq":
        raise reject("the signature was not issued by Payconiq")
    profiles = {profile_id} if isinstance(profile_id, str) else set(profile_id or ())
    profiles.discard("")
    if profiles and header[f"{_PREFIX}sub"] not in profiles:
        raise reject("the signature is for another payment profile", 403)
    if path and header[f"{_PREFIX}path"] != path:
        raise reject("the signature is for another callback URL")
    try:
        issued = dt.datetime.fromisoformat(str(header[f"{_PREFIX}iat"]).replace("Z", "+00:00"))
    except ValueError as exc:
        raise reject("the signature's time is not a time", 400) from exc
    if issued.tzinfo is None or abs((now - issued).total_seconds()) > tolerance:
        raise reject(f"the signature's time is more than {tolerance}s from now", 400)
    kid = header.get("kid")
    key = keys(str(kid)) if kid else None
    if key is None:
        raise reject("the signature's key is not one Payconiq publishes")
    if len(raw) != 64:
        raise reject("the signature is not a raw P-256 signature")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signing_input = f"{parts[0]}.{b64url(body)}".encode()
    try:
        key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise reject("the signature does not match the body") from None
    return header


class Payconiq(OnlineProvider):
    """Payconiq by Bancontact, merchant API v3.

    Settings: ``api_key`` (the payment profile's API key), ``payment_profile_id`` (checked
    against each callback's signature), ``base_url`` (default ``https://api.payconiq.com``;
    ``https://api.ext.payconiq.com`` for the test environment), ``jwks_url`` (the published
    keys, default ``https://jwks.bancontact.net/``) and, optionally, ``invoice_profile_id``
    (the payment profile of Payconiq's Invoice product: with it, invoices carry a Payconiq QR,
    :meth:`invoice_qr`, and its callbacks are accepted too).
    """

    name: ClassVar[str] = "payconiq"
    label: ClassVar[str] = "Payconiq by Bancontact"
    supports_refunds: ClassVar[bool] = False
    default_base_url: ClassVar[str] = "https://api.payconiq.com"
    default_methods: ClassVar[tuple[str, ...]] = ("payconiq",)
    settings_spec: ClassVar[dict[str, Setting]] = online_settings(
        payment_profile_id=Setting(required=True, help="checked against each callback"),
        jwks_url=Setting(help="where Payconiq publishes its keys"),
        invoice_profile_id=Setting(
            help="the payment profile of Payconiq's Invoice product: puts its QR on invoices"
        ),
    )
    default_jwks_url: ClassVar[str] = "https://jwks.bancontact.net/"
    statuses: ClassVar[Mapping[str, ProviderOutcome]] = {
        "PENDING": "in_progress",
        "IDENTIFIED": "in_progress",
        "AUTHORIZED": "in_progress",
        "AUTHORIZATION_FAILED": "interrupted",
        "SUCCEEDED": "paid",
        "FAILED": "interrupted",
        "CANCELLED": "interrupted",
        "EXPIRED": "interrupted",
    }

    def __init__(self, *, context: PluginContext | None = None, **settings: Any) -> None:
        super().__init__(context=context, **settings)
        self.profile_id = str(self._settings.get("payment_profile_id") or "")
        self.invoice_profile_id = str(self._settings.get("invoice_profile_id") or "").strip()
        self.jwks_url = str(self._settings.get("jwks_url") or self.default_jwks_url)
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None

    @staticmethod
    def _error_message(body: Any) -> str | None:
        if isinstance(body, Mapping):
            parts = [str(body[k]) for k in ("code", "message") if body.get(k)]
            return ": ".join(parts) or None
        return None

    # -- keys ----------------------------------------------------------------------------------
    def _key(self, kid: str) -> Any:
        """The published key ``kid``; the JWKS is fetched again (at most once a minute) when
        the key id is unknown, so Payconiq's key rotation needs no restart."""
        if kid not in self._keys and (
            self._fetched_at is None
            or time.monotonic() - self._fetched_at >= _JWKS_REFRESH_INTERVAL
        ):
            self._fetched_at = time.monotonic()
            jwks = self.api.json("GET", self.jwks_url, authenticated=False)
            keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
            for jwk in keys if isinstance(keys, list) else []:
                if isinstance(jwk, Mapping) and jwk.get("kid"):
                    try:
                        self._keys[str(jwk["kid"])] = _public_key(jwk)
                    except (ValueError, KeyError):
                        continue
        return self._keys.get(kid)

    # -- payments ------------------------------------------------------------------------------
    def start_payment(self, request: PaymentRequest) -> Checkout:
        """``POST /v3/payments``; the checkout carries the deep link as its QR payload."""
        body: dict[str, Any] = {
            "amount": request.amount.minor_units,
            "currency": request.amount.currency,
            "reference": (request.reference or request.link_id)[:35],
            "description": request.description[:140],
            "callbackUrl": request.webhook_url,
            "returnUrl": request.return_url,
        }
        payment = self.api.json(
            "POST", "/v3/payments", json=body, idempotency_key=request.idempotency_key or None
        )
        links = payment.get("_links") if isinstance(payment.get("_links"), Mapping) else {}

        def href(name: str) -> str | None:
            item = links.get(name)
            return str(item["href"]) if isinstance(item, Mapping) and item.get("href") else None

        expires = payment.get("expiresAt")
        deeplink = href("deeplink")
        return Checkout(
            provider=self.name,
            method="payconiq",
            provider_reference=str(payment["paymentId"]),
            redirect_url=href("checkout"),
            qr_payload=deeplink,
            instructions={
                k: v for k, v in {"deeplink": deeplink, "qrcode": href("qrcode")}.items() if v
            },
            expires_at=dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
            if isinstance(expires, str)
            else None,
        )

    def invoice_qr(self, amount: Money, description: str, reference: str) -> str | None:
        """The payload of the static Payconiq QR for an invoice (:func:`invoice_qr_payload`),
        or ``None`` when the account has no ``invoice_profile_id`` or ``amount`` is not in
        euros (such an invoice cannot be paid with Payconiq)."""
        if not self.invoice_profile_id or amount.currency != "EUR":
            return None
        return invoice_qr_payload(self.invoice_profile_id, amount, description, reference)

    def _from_api(self, payment: Mapping[str, Any]) -> ProviderEvent:
        status = str(payment.get("status"))
        amount = payment.get("amount")
        currency = payment.get("currency") or "EUR"
        return self._event(
            event_id=f"{payment.get('paymentId')}:{status}",
            outcome=self.statuses.get(status, "ignored"),
            provider_status=status,
            provider_reference=str(payment.get("paymentId")),
            payment_reference=str(payment.get("paymentId")),
            amount=Money.from_minor(amount, str(currency))
            if isinstance(amount, int) and not isinstance(amount, bool)
            else None,
            method="payconiq",
            reference=str(payment["reference"]) if payment.get("reference") else None,
        )

    def fetch_payment(self, provider_reference: str) -> ProviderEvent:
        """``GET /v3/payments/{paymentId}``."""
        if not provider_reference.isalnum():
            raise ValidationError(f"not a Payconiq payment id: {provider_reference[:40]!r}")
        return self._from_api(self.api.json("GET", f"/v3/payments/{provider_reference}"))

    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        """Verify the detached JWS (keys from the JWKS, the service clock), then read the body."""
        verify_jws(
            request.headers.get("signature"),
            request.body,
            self._key,
            profile_id=(self.profile_id, self.invoice_profile_id),
            path=request.url,
            now=self._now(),
        )
        try:
            payment = json.loads(request.body)
        except ValueError as exc:
            raise WebhookRejected("payconiq: the body is not JSON", status_code=400) from exc
        if not isinstance(payment, Mapping) or not payment.get("paymentId"):
            raise WebhookRejected("payconiq: the body is not a payment", status_code=400)
        return (self._from_api(payment),)


@hookimpl
def paylink_register_payment_providers(register: Callable[[Any], None]) -> None:
    """Register :class:`Payconiq`."""
    register(Payconiq)
