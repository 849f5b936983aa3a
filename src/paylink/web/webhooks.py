"""The webhook family: payment providers', message channels', bank feeds' and e-invoice
networks' calls.

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
            Route("/webhooks/channels/{name}/{org_id}", self.channel, methods=["POST"]),
            # The path Twilio accounts were configured with before channels had one route.
            Route("/webhooks/twilio/{org_id}", self.channel, methods=["POST"]),
            Route("/webhooks/providers/{provider}/{account_id}", self.webhook, methods=["POST"]),
            Route("/webhooks/feeds/{name}/{account_id}", self.feed_webhook, methods=["POST"]),
            Route("/webhooks/einvoice/{network}/{account_id}", self.einvoice, methods=["POST"]),
            # The paths accounts were configured with before every kind had one route.
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

    async def einvoice(self, request: Request) -> Response:
        """An e-invoice network's delivery report: verified by its plugin, applied once (a
        status only moves forward), answered 2xx or 4xx."""
        network = request.path_params["network"]
        account_id = request.path_params["account_id"]
        call = await incoming(request)
        try:
            deliveries = await self.site.run(
                lambda: self.pl.einvoices.handle_webhook(network, account_id, call)
            )
        except WebhookRejected as exc:
            log.warning("e-invoice webhook for %s rejected: %s", network, exc)
            return PlainTextResponse("rejected", status_code=exc.status_code)
        return JSONResponse(
            {"received": True, "deliveries": [{"id": d.id, "status": d.status} for d in deliveries]}
        )

    async def channel(self, request: Request) -> Response:
        """A message channel's callback (delivery statuses, inbound replies) for one
        organization: verified by the channel's plugin, applied once, answered as the channel
        says (Twilio: 204, or an empty TwiML document for a reply)."""
        name = request.path_params.get("name", "twilio")
        org_id = request.path_params["org_id"]
        # Providers sign the URL they called: the public one, under the configured base URL.
        public = f"{self.pl.base_url}{request.url.path}"
        if request.url.query:
            public += f"?{request.url.query}"
        call = await incoming(request, public)
        try:
            answer = await self.site.run(
                lambda: self.pl.channels.handle_webhook(org_id, name, call)
            )
        except WebhookRejected as exc:
            log.warning("%s callback rejected: %s", name, exc)
            return PlainTextResponse("rejected", status_code=exc.status_code)
        return Response(
            answer.answer_body, status_code=answer.answer_status, media_type=answer.answer_type
        )

    async def feed_webhook(self, request: Request) -> Response:
        """A bank feed's webhook: verified by its plugin, then synced when the plugin says so."""
        call = await incoming(request)
        account_id = request.path_params["account_id"]
        name = request.path_params.get("name")
        try:
            report = await self.site.run(
                lambda: self.pl.feeds.handle_webhook(account_id, call, feed=name)
            )
        except WebhookRejected as exc:
            log.warning("feed webhook rejected: %s", exc)
            return PlainTextResponse("rejected", status_code=exc.status_code)
        return JSONResponse(
            {"received": True, "new_transactions": report.new_transactions if report else 0}
        )
