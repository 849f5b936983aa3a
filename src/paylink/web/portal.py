"""The portal family: ``/portal/{token}``, a customer's invoices, what they owe and their
identification code, behind a one-time SMS code when the organization asks for one."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import logging
from collections.abc import Mapping
from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..exceptions import NotFound, PaylinkError, StateError
from ..parties import Customer
from ..render import fee_line_view, words
from ._common import Family, csrf_value, forbidden_form
from .security import csrf_token, verify_csrf

__all__ = ["PortalPages", "customer_code"]

log = logging.getLogger("paylink.web")


def customer_code(customer: Customer) -> str:
    """What the customer's identification QR code carries: the organization and customer ids."""
    return f"PAYLINK:{customer.organization_id}:{customer.id}"


def _due_note(due: dt.date, today: dt.date, t: Mapping[str, str]) -> tuple[str, bool]:
    """What an open invoice's due date means today, and whether it is overdue."""
    days = (due - today).days
    if days < 0:
        return t["overdue_days"].format(n=-days), True
    if days == 0:
        return t["due_today"], False
    if days == 1:
        return t["due_tomorrow"], False
    return t["due_in_days"].format(n=days), False


class PortalPages(Family):
    """The customer portal and its sign-in with a one-time code."""

    def routes(self) -> list[Route]:
        """This family's routes."""
        return [
            Route("/portal/{token}", self.portal, methods=["GET"]),
            Route("/portal/{token}/pay", self.pay, methods=["POST"]),
            Route("/portal/{token}/pay-all", self.pay_all, methods=["POST"]),
            Route("/portal/{token}/code.svg", self.code_svg, methods=["GET"]),
            Route("/portal/{token}/send-code", self.send_code, methods=["POST"]),
            Route("/portal/{token}/verify", self.verify, methods=["POST"]),
        ]

    # -- sign-in with a one-time code (made, limited and checked by pl.portal, in the store) --
    def _session_value(self, token: str, until: int) -> str:
        mac = hmac.new(self.secret, f"portal:{token}:{until}".encode(), hashlib.sha256)
        return f"{until}.{mac.hexdigest()}"

    def _signed_in(self, request: Request, token: str) -> bool:
        value = request.cookies.get("paylink_portal", "")
        until, _, _mac = value.partition(".")
        if not until.isdigit() or int(until) < self.pl.clock.now().timestamp():
            return False
        return hmac.compare_digest(value, self._session_value(token, int(until)))

    async def _gate(self, request: Request) -> Customer | Response:
        """The customer a portal token opens, or the answer to give instead: the same 404 as
        any unknown token, or (when the portal needs a code and none was given) the code page
        for a GET and 403 for anything else."""
        token = request.path_params["token"]
        found = await self.site.run(lambda: self.pl.portal.access(token))
        if found is None:
            return self.site.not_found(request)
        customer, needs_code = found
        if not needs_code or self._signed_in(request, token):
            return customer
        if request.method != "GET" or request.url.path.endswith(".svg"):
            return PlainTextResponse("forbidden: sign in with your code first", status_code=403)
        return await self._code_page(request, customer, token)

    async def _code_page(
        self,
        request: Request,
        customer: Customer,
        token: str,
        *,
        sent: str = "",
        error: str = "",
        status_code: int = 200,
    ) -> Response:
        org = await self.site.run(lambda: self.pl.organizations.get(customer.organization_id))
        lang = self.site.lang(request, customer, org)
        return self.site.render(
            request,
            "portal_code.html",
            org=org,
            lang=lang,
            status_code=status_code,
            sent=sent,
            error=error,
            csrf=csrf_token(self.secret, "portal", token),
            send_url=f"{self.pl.base_url}/portal/{token}/send-code",
            verify_url=f"{self.pl.base_url}/portal/{token}/verify",
        )

    async def send_code(self, request: Request) -> Response:
        """Send a one-time code by SMS to the customer's phone."""
        checked = await self._post(request, gate=False)
        if isinstance(checked, Response):
            return checked
        token, _form = checked
        found = await self.site.run(lambda: self.pl.portal.access(token))
        if found is None or not found[1]:
            return self.site.not_found(request)
        customer = found[0]
        try:
            masked = await self.site.run(lambda: self.pl.portal.request_code(token))
        except StateError:
            return await self._code_page(
                request, customer, token, error="code_too_many", status_code=429
            )
        except PaylinkError as exc:
            log.warning("portal code not sent: %s", exc)
            return await self._code_page(request, customer, token, error="code_not_sent")
        return await self._code_page(request, customer, token, sent=masked)

    async def verify(self, request: Request) -> Response:
        """Check the code; a right one sets the signed session cookie for an hour."""
        checked = await self._post(request, gate=False)
        if isinstance(checked, Response):
            return checked
        token, form = checked
        found = await self.site.run(lambda: self.pl.portal.access(token))
        if found is None or not found[1]:
            return self.site.not_found(request)
        customer = found[0]
        given = str(form.get("code") or "")
        answer = await self.site.run(lambda: self.pl.portal.check_code(token, given))
        if answer == "too_many":
            return await self._code_page(
                request, customer, token, error="code_too_many", status_code=429
            )
        if answer != "ok":
            return await self._code_page(
                request, customer, token, error="code_wrong", status_code=403
            )
        until = int(self.pl.clock.now().timestamp()) + 3600
        response = RedirectResponse(f"{self.pl.base_url}/portal/{token}", status_code=303)
        response.set_cookie(
            "paylink_portal",
            self._session_value(token, until),
            max_age=3600,
            path=f"/portal/{token}",
            httponly=True,
            samesite="strict",
            secure=self.pl.base_url.startswith("https://"),
        )
        return response

    # -- the portal ----------------------------------------------------------------------------
    async def portal(self, request: Request) -> Response:
        """The customer's invoices and open balance."""
        token = request.path_params["token"]
        gate = await self._gate(request)
        if isinstance(gate, Response):
            return gate
        page = await self.site.run(lambda: self.pl.pages.portal(token))
        if page is None:
            return self.site.not_found(request)
        org = page.organization
        lang = self.site.lang(request, page.customer, org)
        return self.site.render(
            request,
            "portal.html",
            org=org,
            lang=lang,
            customer=page.customer,
            invoices=page.invoices,
            fee_lines={
                invoice_id: [fee_line_view(f, lang) for f in fees]
                for invoice_id, fees in page.fee_lines.items()
            },
            balance=page.balance,
            open_count=page.open_count,
            due_notes={
                i.id: _due_note(i.due_date, page.today, words(lang))
                for i in page.invoices
                if i.open_amount.amount > 0 and i.due_date and page.today
            },
            csrf=csrf_token(self.secret, "portal", token),
            pay_all_url=f"{self.pl.base_url}/portal/{token}/pay-all",
            pay_one_url=f"{self.pl.base_url}/portal/{token}/pay",
            code_url=f"{self.pl.base_url}/portal/{token}/code.svg",
        )

    async def _post(self, request: Request, *, gate: bool = True) -> tuple[str, Any] | Response:
        token = request.path_params["token"]
        if gate:
            checked = await self._gate(request)
            if isinstance(checked, Response):
                return checked
        form = await request.form()
        if not verify_csrf(self.secret, "portal", token, csrf_value(form)):
            return forbidden_form()
        return token, form

    async def pay(self, request: Request) -> Response:
        """Pay one invoice: off to its pay page."""
        checked = await self._post(request)
        if isinstance(checked, Response):
            return checked
        token, form = checked
        invoice_id = str(form.get("invoice") or "")

        def pay() -> str | None:
            customer = self.pl.portal.customer_for(token)
            if customer is None:
                return None
            try:
                invoice = self.pl.invoices.get(customer.organization_id, invoice_id)
            except NotFound:
                return None
            if invoice.customer_id != customer.id:
                return None  # another customer's invoice: same answer as an unknown one
            return self.pl.links.create(invoice).url

        try:
            url = await self.site.run(pay)
        except PaylinkError:
            url = None
        if url is None:
            return self.site.not_found(request)
        return RedirectResponse(url, status_code=303)

    async def pay_all(self, request: Request) -> Response:
        """Pay every open invoice in one payment: off to the pay-all link's page."""
        checked = await self._post(request)
        if isinstance(checked, Response):
            return checked
        token, _form = checked

        def pay_all() -> str | None:
            customer = self.pl.portal.customer_for(token)
            if customer is None:
                return None
            return self.pl.links.pay_all(customer).url

        try:
            url = await self.site.run(pay_all)
        except PaylinkError:
            return RedirectResponse(f"{self.pl.base_url}/portal/{token}", status_code=303)
        if url is None:
            return self.site.not_found(request)
        return RedirectResponse(url, status_code=303)

    async def code_svg(self, request: Request) -> Response:
        """The customer's identification QR code, to show at a counter."""
        customer = await self._gate(request)
        if isinstance(customer, Response):
            return customer
        code = segno.make(customer_code(customer), error="m")
        buffer = io.BytesIO()
        code.save(buffer, kind="svg", scale=6, border=4, xmldecl=False)
        return Response(buffer.getvalue(), media_type="image/svg+xml")
