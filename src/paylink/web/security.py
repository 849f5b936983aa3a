"""Security for the customer-facing pages: headers, CSRF tokens, link-preview robots, masking."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = [
    "SecurityHeaders",
    "csrf_token",
    "is_preview_agent",
    "mask_path",
    "verify_csrf",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Link-preview and scanning robots that fetch links on their own: chat and SMS apps, social
# networks, mail security scanners. A fetch by one of these is never a person opening the link.
_PREVIEW_AGENTS = re.compile(
    r"bot\b|crawler|spider|preview|facebookexternalhit|whatsapp|telegram|slack|discord|"
    r"skypeuripreview|microsoftpreview|googleimageproxy|yahoomailproxy|linkedin|twitter|"
    r"embedly|vkshare|pinterest|outlook|msoffice|safelinks|proofpoint|mimecast|barracuda|"
    r"curl|wget|python-requests|httpx|go-http-client|headless",
    re.IGNORECASE,
)


def is_preview_agent(user_agent: str | None) -> bool:
    """True for user agents that are robots fetching a link, not a person opening it.

    A missing user agent counts as a robot.
    """
    if not user_agent:
        return True
    return bool(_PREVIEW_AGENTS.search(user_agent))


def csrf_token(secret: bytes, purpose: str, subject: str) -> str:
    """A CSRF token bound to what the form acts on (``purpose``, e.g. the page's token)."""
    return hmac.new(secret, f"{purpose}\x00{subject}".encode(), hashlib.sha256).hexdigest()


def verify_csrf(secret: bytes, purpose: str, subject: str, presented: str | None) -> bool:
    """Check a presented CSRF token in constant time."""
    if not presented:
        return False
    return hmac.compare_digest(csrf_token(secret, purpose, subject), presented)


_TOKEN_IN_PATH = re.compile(r"/(pay|quote|portal)/([A-Za-z0-9_-]{6})[A-Za-z0-9_-]+")


def mask_path(path: str) -> str:
    """A path safe for logs: public tokens cut to their first six characters."""
    return _TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1)}/{m.group(2)}…", path)


class SecurityHeaders:
    """ASGI middleware adding the security headers every page needs.

    The Content-Security-Policy allows scripts and styles from the app itself only (plus one
    per-response nonce for the brand-colour style block), images from the app, data: URIs and
    https (merchant logos), and forbids framing.
    """

    def __init__(self, app: ASGIApp, *, form_action: str = "'self'") -> None:
        self.app = app
        self.form_action = form_action

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        csp = (
            "default-src 'none'; "
            "script-src 'self'; "
            f"style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data: https:; "
            "connect-src 'self'; "
            f"form-action {self.form_action} https:; "
            "frame-ancestors 'none'; base-uri 'none'"
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
