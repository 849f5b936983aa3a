"""Payconiq-style detached JWS, made with a test EC key and published as a test JWKS."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from paylink_providers.payconiq import b64url

PROFILE = "5fxxxxxxxxxxxxxxxxxxxx52"
JWKS_URL = "https://jwks.example/payconiq"


class TestSigner:
    """Holds a P-256 key pair, publishes it as a JWKS and signs like Payconiq signs."""

    __test__ = False

    def __init__(self, kid: str = "es256-test-1") -> None:
        self.kid = kid
        self.key = ec.generate_private_key(ec.SECP256R1())

    def jwk(self) -> dict[str, str]:
        numbers = self.key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "use": "sig",
            "kid": self.kid,
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    def sign(
        self,
        body: bytes,
        *,
        path: str,
        at: dt.datetime,
        profile: str = PROFILE,
        **header_changes: Any,
    ) -> str:
        header: dict[str, Any] = {
            "typ": "jose+json",
            "kid": self.kid,
            "alg": "ES256",
            "https://payconiq.com/iat": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "https://payconiq.com/jti": "a3c9bd1e-5ee8-4b9f-8ef6-2c7b6f0e2f01",
            "https://payconiq.com/path": path,
            "https://payconiq.com/iss": "Payconiq",
            "https://payconiq.com/sub": profile,
            "crit": [
                "https://payconiq.com/sub",
                "https://payconiq.com/iss",
                "https://payconiq.com/iat",
                "https://payconiq.com/jti",
                "https://payconiq.com/path",
            ],
        }
        header.update(header_changes)
        protected = b64url(json.dumps(header).encode())
        der = self.key.sign(f"{protected}.{b64url(body)}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{protected}..{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
