"""The quote family: ``/quote/{token}``, where the customer reads a quote and approves or
declines it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..exceptions import StateError
from ._common import Family, csrf_value, forbidden_form
from .security import csrf_token, verify_csrf

__all__ = ["QuotePages"]


class QuotePages(Family):
    """The approval page of a quote and its two answers."""

    def routes(self) -> list[Route]:
        """This family's routes."""
        return [
            Route("/quote/{token}", self.quote, methods=["GET"]),
            Route("/quote/{token}/approve", self.approve, methods=["POST"]),
            Route("/quote/{token}/decline", self.decline, methods=["POST"]),
        ]

    async def quote(self, request: Request) -> Response:
        """The quote, with the approve and decline forms while it is open."""
        token = request.path_params["token"]

        def load() -> tuple[Any, str | None] | None:
            page = self.pl.pages.quote_page(token)
            if page is None:
                return None
            invoice = page.invoice
            pay_url = None
            open_amount = invoice.open_amount.amount if invoice is not None else 0
            if invoice is not None and open_amount > 0 and invoice.status != "cancelled":
                pay_url = self.pl.links.create(invoice).url
            return page, pay_url

        found = await self.site.run(load)
        if found is None:
            return self.site.not_found(request)
        page, pay_url = found
        org = page.organization
        lang = self.site.lang(request, page.customer, org)
        return self.site.render(
            request,
            "quote.html",
            org=org,
            lang=lang,
            quote=page.quote,
            state=page.state,
            pay_url=pay_url,
            approve_url=f"{self.pl.base_url}/quote/{token}/approve",
            decline_url=f"{self.pl.base_url}/quote/{token}/decline",
            csrf=csrf_token(self.secret, "quote", token),
        )

    async def _action(self, request: Request) -> tuple[str, Any] | Response:
        token = request.path_params["token"]
        form = await request.form()
        if not verify_csrf(self.secret, "quote", token, csrf_value(form)):
            return forbidden_form()
        return token, form

    async def approve(self, request: Request) -> Response:
        """The customer approves: the invoice is issued and they go to its pay page."""
        checked = await self._action(request)
        if isinstance(checked, Response):
            return checked
        token, _form = checked
        ip = request.client.host if request.client else None
        agent = (request.headers.get("user-agent") or "")[:500]

        def approve() -> str | None:
            quote = self.pl.quotes.for_token(token)
            if quote is None:
                return None
            invoice = self.pl.quotes.approve(quote, ip=ip, user_agent=agent)
            return self.pl.links.create(invoice).url

        try:
            url = await self.site.run(approve)
        except StateError:
            return RedirectResponse(f"{self.pl.base_url}/quote/{token}", status_code=303)
        if url is None:
            return self.site.not_found(request)
        return RedirectResponse(url, status_code=303)

    async def decline(self, request: Request) -> Response:
        """The customer declines, with an optional reason."""
        checked = await self._action(request)
        if isinstance(checked, Response):
            return checked
        token, form = checked
        reason = str(form.get("reason") or "")[:1000]

        def decline() -> bool:
            quote = self.pl.quotes.for_token(token)
            if quote is None:
                return False
            self.pl.quotes.decline(quote, reason=reason)
            return True

        try:
            found = await self.site.run(decline)
        except StateError:
            found = True
        if not found:
            return self.site.not_found(request)
        return RedirectResponse(f"{self.pl.base_url}/quote/{token}", status_code=303)
