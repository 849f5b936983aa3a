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

# Robots that fetch links on their own and say so: a fetch by one of these is never a person.
_ROBOTS = re.compile(
    r"bot\b|bot/|crawler|spider|preview|facebookexternalhit|facebookcatalog|"
    r"skypeuripreview|microsoftpreview|googleimageproxy|yahoomailproxy|embedly|vkshare|"
    r"msoffice|ms-office|safelinks|proofpoint|mimecast|barracuda|"
    r"curl|wget|python-requests|httpx|go-http-client|headless",
    re.IGNORECASE,
)
# The browsers built into apps (LinkedIn, Outlook, Telegram, X/Twitter, Facebook, Instagram,
# WhatsApp ...): a payer tapping the link inside the app. Their user agent is a full browser's
# with the app's mark added, so the app's name alone must not make them robots.
_IN_APP_BROWSERS = re.compile(
    r"\[?LinkedInApp\]?|Outlook-(?:iOS|Android)|Telegram-(?:Android|iOS)|Twitter for |"
    r"TwitterAndroid|FBAN/|FBAV/|FB_IAB|FBIOS|Instagram \d|WhatsApp/\S+ (?:Mobile|Android)|"
    r"\bLine/\d|Snapchat|Pinterest/|musical_ly|BytedanceWebview",
    re.IGNORECASE,
)
# Apps' own fetchers of a link's preview (no browser engine behind them), and the link
# scanners of chat and mail apps.
_PREVIEW_AGENTS = re.compile(
    r"whatsapp|telegram|slack|discord|linkedin|twitter|pinterest|outlook",
    re.IGNORECASE,
)
_BROWSER_ENGINE = re.compile(r"^Mozilla/5\.0 \(.+\) (?:AppleWebKit/|Gecko/)")


def is_preview_agent(user_agent: str | None) -> bool:
    """True for user agents that are robots fetching a link, not a person opening it.

    A missing user agent counts as a robot. A browser inside an app (a browser engine's user
    agent carrying the app's mark, e.g. ``[LinkedInApp]`` or ``FBAN/``) is a person.
    """
    if not user_agent:
        return True
    if _ROBOTS.search(user_agent):
        return True
    if _BROWSER_ENGINE.search(user_agent) and _IN_APP_BROWSERS.search(user_agent):
        return False
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
    https (merchant logos), and forbids framing. Served over https (``https=True``, or a
    request whose scheme is https), browsers are told to keep to https for a year (HSTS).
    """

    def __init__(self, app: ASGIApp, *, form_action: str = "'self'", https: bool = False) -> None:
        self.app = app
        self.form_action = form_action
        self.https = https

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
                if self.https or scope.get("scheme") == "https":
                    headers.append(
                        (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
                    )
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
