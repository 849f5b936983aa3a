"""The webhook family: payment providers' and bank feeds' calls, and Twilio's callbacks.

Each is verified by its plugin (through the service) before anything is applied, and answered
2xx or 4xx as the caller expects.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..exceptions import WebhookRejected
from ._common import Family, incoming

__all__ = ["Webhooks"]

log = logging.getLogger("paylink.web")


class Webhooks(Family):
    """The routes the outside parties call."""

    def routes(self) -> list[Route]:
        """This family's routes."""
        return [
            Route("/webhooks/twilio/{org_id}", self.twilio, methods=["POST"]),
            Route("/webhooks/{provider}/{account_id}", self.webhook, methods=["POST"]),
            Route("/feeds/{account_id}/webhook", self.feed_webhook, methods=["POST"]),
        ]

    async def webhook(self, request: Request) -> Response:
        """A provider's webhook: verified by its plugin, applied once, answered 2xx or 4xx."""
        provider = request.path_params["provider"]
        account_id = request.path_params["account_id"]
        call = await incoming(request)
        try:
            results = await self.site.run(
                lambda: self.pl.providers.handle_webhook(provider, account_id, call)
            )
        except WebhookRejected as exc:
            log.warning("webhook for %s rejected: %s", provider, exc)
            return PlainTextResponse("rejected", status_code=exc.status_code)
        return JSONResponse({"received": True, "results": results})

    async def twilio(self, request: Request) -> Response:
        """Twilio's status callbacks and inbound SMS for one organization."""
        from paylink_providers.twilio import handle_status_callback

        # Twilio signs the URL it called: the public one, under the configured base URL.
        public = f"{self.pl.base_url}{request.url.path}"
        if request.url.query:
            public += f"?{request.url.query}"
        call = await incoming(request, public)
        org_id = request.path_params["org_id"]
        status, body = await self.site.run(lambda: handle_status_callback(self.pl, org_id, call))
        media = "text/xml" if body.startswith("<?xml") else "text/plain"
        return Response(body, status_code=status, media_type=media)

    async def feed_webhook(self, request: Request) -> Response:
        """A bank feed's webhook (Ponto's "transactions created"): verified, then synced."""
        call = await incoming(request)
        account_id = request.path_params["account_id"]
        try:
            report = await self.site.run(lambda: self.pl.feeds.handle_webhook(account_id, call))
        except WebhookRejected as exc:
            log.warning("feed webhook rejected: %s", exc)
            return PlainTextResponse("rejected", status_code=exc.status_code)
        return JSONResponse(
            {"received": True, "new_transactions": report.new_transactions if report else 0}
        )
