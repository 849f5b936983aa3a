"""The customer-facing ASGI app: wiring only (routes, middleware, the 404 answer).

Thin by design: each page family parses the request, asks the service (``pl.pages`` for what a
page shows), and renders a template in the one dialect of :mod:`paylink.render`. Service calls
are synchronous (SQLAlchemy), so they run in a worker thread. The families:

- :mod:`paylink.web.pay` — the pay page, its QR code, the printable invoice, provider checkout;
- :mod:`paylink.web.quotes` — quote approval;
- :mod:`paylink.web.portal` — the customer portal and its one-time code;
- :mod:`paylink.web.webhooks` — providers', feeds' and Twilio's calls;
- :mod:`paylink.web.desk` — the merchant's desk at ``/desk`` (sign-in, API keys);
- :mod:`paylink.web.dashboard` — the merchant's dashboard (with a token or a desk API key).
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..service import Paylink
from ..service._base import require_base_url
from ._common import HERE, Site
from .dashboard import dashboard_routes
from .desk import DeskRoutes
from .pay import PayPages, epc_qr_from_payload
from .portal import PortalPages, customer_code
from .quotes import QuotePages
from .security import SecurityHeaders, mask_path
from .webhooks import Webhooks

__all__ = ["create_app", "customer_code", "epc_qr_from_payload"]

log = logging.getLogger("paylink.web")


class _AccessLog:
    """Logs requests with public tokens masked (uvicorn's own access log would print them)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, capture)
        log.info(
            "%s %s %s", scope["method"], mask_path(scope["path"]), status[0] if status else "-"
        )


def create_app(
    pl: Paylink,
    *,
    base_url: str | None = None,
    secret: str | bytes | None = None,
    dashboard_token: str | bytes | None = None,
) -> Starlette:
    """The ASGI app serving ``pl``'s customer pages.

    Mount it in FastAPI or Starlette (``app.mount("/billing", create_app(pl))``) or serve it
    with ``paylink serve``. ``base_url`` (default: ``pl.base_url``) must be where the app is
    reachable, since links and forms are absolute. ``secret`` signs CSRF tokens (default:
    ``$PAYLINK_SECRET``, else a key derived from the secret ``pl`` was opened with, else a
    random one per process, which is fine for one process; set one when several processes
    serve the same pages). ``dashboard_token`` (default: ``$PAYLINK_DASHBOARD_TOKEN``) opens
    the merchant dashboard at ``/dashboard/{org_id}`` to requests that present it (see
    :mod:`paylink.web.dashboard`); a desk API key of the organization
    (``Authorization: Bearer plk_…``) opens it too. The merchant's desk is at ``/desk`` (see
    :mod:`paylink.web.desk`): its sessions are signed with ``secret``.
    """
    if base_url is not None and base_url.rstrip("/") != pl.base_url:
        pl = Paylink(
            pl.store, clock=pl.clock, plugins=pl.plugins, base_url=base_url, secret=pl.token_key
        )
    require_base_url(pl.base_url, "serve the web app")
    key = secret if secret is not None else os.environ.get("PAYLINK_SECRET")
    if key is None:
        key = pl.token_key.subkey("csrf") if pl.token_key else secrets.token_bytes(32)
    key_bytes = key.encode() if isinstance(key, str) else key
    site = Site(pl, secret=key_bytes, static_url=f"{pl.base_url}/static")

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def not_found(request: Request, _exc: Exception) -> Response:
        return site.not_found(request)

    routes: list[BaseRoute] = [
        *PayPages(site).routes(),
        *QuotePages(site).routes(),
        *PortalPages(site).routes(),
        *Webhooks(site).routes(),
        *DeskRoutes(site).routes(),
        Route("/healthz", health, methods=["GET"]),
    ]
    board_token = dashboard_token or os.environ.get("PAYLINK_DASHBOARD_TOKEN")
    routes.extend(dashboard_routes(pl, token=board_token or None, api_keys=True))
    routes.append(Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(_AccessLog),
            Middleware(SecurityHeaders, https=pl.base_url.startswith("https://")),
        ],
        exception_handlers={404: not_found},
    )
    app.state.paylink = pl
    return app
