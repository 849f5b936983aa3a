"""The merchant's desk: ``/desk``, where an organization's people sign in and act.

Pages: home (bank position, receivables and payables, cash this month, what to do today),
invoices (search, filters, each with its payment link's state; one invoice with its timeline
and actions), the review queue (accept, reject, match by hand), quotes waiting and customers.
Every page reads ``pl.desk_pages`` for the signed-in organization only, and acts through the
service on objects read there first, so an id of another organization's object is a 404.

Access:

- a **session**: ``POST /desk/login`` with an e-mail and password (``pl.desk.login``: same
  answer for an unknown e-mail and a wrong password, limits kept in the store) sets the cookie
  ``paylink_desk``, signed with the app's secret (itsdangerous), ``HttpOnly``,
  ``SameSite=Strict``, ``Secure`` when served over https, valid for :data:`SESSION_HOURS`
  hours; each request asks ``pl.desk.session_user`` whether the user still may sign in (a new
  password or a disabled user ends it). Every form POST carries a CSRF token bound to the
  session (to a cookie before sign-in);
- an **API key** (``Authorization: Bearer plk_…``, made with ``paylink desk key create``):
  the JSON under ``/desk/api/`` and the actions, for that key's organization only. A bearer
  request carries no cookie, so it needs no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import itsdangerous
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..documents import Invoice, Line
from ..exceptions import NotFound, PaylinkError, ValidationError
from ..parties import LANGUAGES, Organization
from ..render import label
from ._common import Family, csrf_value, forbidden_form, pick_language
from ._desk_json import home_json, invoice_json, review_json
from .security import csrf_token, verify_csrf

__all__ = ["SESSION_COOKIE", "SESSION_HOURS", "DeskRoutes", "Viewer"]

SESSION_COOKIE = "paylink_desk"
"""The signed session cookie."""
LOGIN_COOKIE = "paylink_desk_login"
LANG_COOKIE = "paylink_desk_lang"
SESSION_HOURS = 12
PAGE_SIZE = 50  # invoices per page of the list
_MAX_PAGE = 100_000  # a page number past this is read as the last one asked for
"""How long a session lasts after sign-in."""

Handler = Callable[[Request, "Viewer"], Awaitable[Response]]


@attrs.frozen
class Viewer:
    """Who is asking: the organization, and the session's CSRF secret (None for an API key)."""

    org: Organization
    csrf_secret: str | None
    user_email: str = ""


class DeskRoutes(Family):
    """The desk's routes (see the module doc)."""

    def __init__(self, site: Any) -> None:
        super().__init__(site)
        self.signer = itsdangerous.URLSafeSerializer(self.secret, salt="paylink-desk-session")
        self.root = f"{self.pl.base_url}/desk"
        self.cookie_path = (urllib.parse.urlsplit(self.pl.base_url).path or "") + "/desk"
        self.https = self.pl.base_url.startswith("https://")

    def routes(self) -> list[Route]:
        """This family's routes."""
        page, act, api = self._page, self._action, self._api
        return [
            Route("/desk/login", self.login_form, methods=["GET"]),
            Route("/desk/login", self.login, methods=["POST"]),
            Route("/desk/logout", self.logout, methods=["POST"]),
            Route("/desk", page(self.home), methods=["GET"]),
            Route("/desk/invoices", page(self.invoices), methods=["GET"]),
            Route("/desk/invoices/{invoice_id}", page(self.invoice), methods=["GET"]),
            Route(
                "/desk/invoices/{invoice_id}/{action}", act(self.invoice_action), methods=["POST"]
            ),
            Route("/desk/review", page(self.review), methods=["GET"]),
            Route("/desk/review/{tx_id}/{action}", act(self.review_action), methods=["POST"]),
            Route("/desk/quotes", page(self.quotes), methods=["GET"]),
            Route("/desk/customers", page(self.customers), methods=["GET"]),
            Route("/desk/keys", page(self.keys), methods=["GET"]),
            Route("/desk/keys", act(self.key_create), methods=["POST"]),
            Route("/desk/keys/{key_id}/revoke", act(self.key_revoke), methods=["POST"]),
            Route("/desk/api/home", api(self.api_home), methods=["GET"]),
            Route("/desk/api/invoices", api(self.api_invoices), methods=["GET"]),
            Route("/desk/api/invoices/{invoice_id}", api(self.api_invoice), methods=["GET"]),
            Route("/desk/api/review", api(self.api_review), methods=["GET"]),
        ]

    # -- who is asking --------------------------------------------------------------------------
    def _session(self, request: Request) -> dict[str, Any] | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self.signer.loads(raw)
        except itsdangerous.BadData:
            return None
        if not isinstance(data, dict) or not {"u", "o", "t", "c"} <= data.keys():
            return None
        return data

    async def _viewer(self, request: Request) -> Viewer | None:
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() == "bearer" and presented.strip():
            key = await self.site.run(lambda: self.pl.desk.authenticate_key(presented.strip()))
            if key is None:
                return None
            org = await self.site.run(lambda: self.pl.organizations.get(key.organization_id))
            return Viewer(org, None)
        data = self._session(request)
        if data is None:
            return None
        now = self.pl.clock.now()
        signed = dt.datetime.fromtimestamp(int(data["t"]), dt.UTC)
        if now - signed > dt.timedelta(hours=SESSION_HOURS) or signed > now + dt.timedelta(
            minutes=5
        ):
            return None

        def load() -> Viewer | None:
            user = self.pl.desk.session_user(str(data["u"]), signed)
            if user is None or user.organization_id != data["o"]:
                return None
            return Viewer(self.pl.organizations.get(user.organization_id), data["c"], user.email)

        return await self.site.run(load)

    def _lang(self, request: Request, org: Organization) -> str:
        asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
        if asked in LANGUAGES:
            return asked
        return pick_language(org.language, request.headers.get("accept-language"))

    def _csrf(self, viewer: Viewer) -> str:
        return csrf_token(self.secret, "desk", viewer.csrf_secret or "")

    def _to_login(self, request: Request, expired: bool = False) -> Response:
        if request.url.path.startswith(f"{self.cookie_path}/api/") or (
            request.headers.get("authorization")
        ):
            return PlainTextResponse(
                "authentication required", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        if request.method != "GET":
            return PlainTextResponse("authentication required", status_code=401)
        target = f"{self.root}/login" + ("?expired=1" if expired else "")
        response = RedirectResponse(target, status_code=303)
        if expired:
            response.delete_cookie(SESSION_COOKIE, path=self.cookie_path)
        return response

    def _page(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            viewer = await self._viewer(request)
            if viewer is None:
                return self._to_login(request, expired=SESSION_COOKIE in request.cookies)
            try:
                response = await handler(request, viewer)
            except NotFound:
                return self.site.not_found(request)
            asked = request.query_params.get("lang")
            if asked in LANGUAGES:
                response.set_cookie(
                    LANG_COOKIE, asked, path=self.cookie_path, samesite="strict", httponly=True
                )
            return response

        return endpoint

    def _api(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            viewer = await self._viewer(request)
            if viewer is None:
                return PlainTextResponse(
                    "authentication required",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            try:
                return await handler(request, viewer)
            except NotFound:
                return JSONResponse({"error": "not found"}, status_code=404)

        return endpoint

    def _action(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            viewer = await self._viewer(request)
            if viewer is None:
                return self._to_login(request)
            form = await request.form()
            if viewer.csrf_secret is not None and not verify_csrf(
                self.secret, "desk", viewer.csrf_secret, csrf_value(form)
            ):
                return forbidden_form()
            request.state.form = form
            try:
                return await handler(request, viewer)
            except NotFound:
                if viewer.csrf_secret is None:
                    return JSONResponse({"error": "not found"}, status_code=404)
                return self.site.not_found(request)

        return endpoint

    def _render(self, request: Request, viewer: Viewer, template: str, **context: Any) -> Response:
        lang = self._lang(request, viewer.org)
        return self.site.render(
            request,
            f"desk/{template}",
            org=viewer.org,
            lang=lang,
            root=self.root,
            csrf=self._csrf(viewer),
            user_email=viewer.user_email,
            path=request.url.path,
            done=request.query_params.get("done") == "1",
            failed=request.query_params.get("failed", "")[:300],
            **context,
        )

    def _back(self, viewer: Viewer, url: str, *, failed: str = "", **data: Any) -> Response:
        if viewer.csrf_secret is None:  # an API key: the answer is JSON
            if failed:
                return JSONResponse({"ok": False, "error": failed}, status_code=409)
            return JSONResponse({"ok": True, **data})
        query = urllib.parse.urlencode({"failed": failed} if failed else {"done": "1"})
        return RedirectResponse(f"{url}?{query}", status_code=303)

    # -- sign-in --------------------------------------------------------------------------------
    async def login_form(self, request: Request) -> Response:
        """The sign-in form (with a CSRF token bound to a fresh cookie)."""
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        return self._login_page(request, nonce)

    def _login_page(
        self, request: Request, nonce: str, message: str = "", status_code: int = 200
    ) -> Response:
        lang = pick_language(
            request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
        )
        if not message and request.query_params.get("expired"):
            message = label(lang, "desk_login_expired")
        neutral = Organization(id="", name="paylink", country="BE")
        response = self.site.render(
            request,
            "desk/login.html",
            org=neutral,
            lang=lang,
            root=self.root,
            csrf=csrf_token(self.secret, "desk-login", nonce),
            message=message,
            status_code=status_code,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            nonce,
            path=self.cookie_path,
            httponly=True,
            samesite="strict",
            secure=self.https,
        )
        return response

    async def login(self, request: Request) -> Response:
        """Check the e-mail and password; on success, start a session."""
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        form = await request.form()
        if not nonce or not verify_csrf(self.secret, "desk-login", nonce, csrf_value(form)):
            return forbidden_form()
        email = str(form.get("email") or "")[:254]
        password = str(form.get("password") or "")[:1000]
        ip = request.client.host if request.client else ""
        result = await self.site.run(lambda: self.pl.desk.login(email, password, ip=ip))
        lang = pick_language(
            request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
        )
        if result.outcome != "ok" or result.user is None:
            if result.outcome == "locked":
                minutes = int(
                    (result.retry_after or dt.timedelta(minutes=15)).total_seconds() // 60
                )
                text = label(lang, "desk_login_locked", minutes=minutes)
                return self._login_page(request, nonce, text, status_code=429)
            return self._login_page(
                request, nonce, label(lang, "desk_login_wrong"), status_code=401
            )
        user = result.user
        session = {
            "u": user.id,
            "o": user.organization_id,
            "t": int(self.pl.clock.now().timestamp()),
            "c": secrets.token_urlsafe(24),
        }
        response = RedirectResponse(self.root, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            self.signer.dumps(session),
            max_age=SESSION_HOURS * 3600,
            path=self.cookie_path,
            httponly=True,
            samesite="strict",
            secure=self.https,
        )
        response.delete_cookie(LOGIN_COOKIE, path=self.cookie_path)
        return response

    async def logout(self, request: Request) -> Response:
        """End the session: the cookie is cleared and the user's sessions signed until now stop
        working, also a copy of the cookie (its CSRF token must match)."""
        data = self._session(request)
        form = await request.form()
        if data is None or not verify_csrf(self.secret, "desk", data["c"], csrf_value(form)):
            return forbidden_form()
        user_id = str(data["u"])
        await self.site.run(lambda: self.pl.desk.sign_out(user_id))
        response = RedirectResponse(f"{self.root}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=self.cookie_path)
        return response

    # -- pages ----------------------------------------------------------------------------------
    async def home(self, request: Request, viewer: Viewer) -> Response:
        """Bank position, receivables, cash this month, what to do today."""
        home = await self.site.run(lambda: self.pl.desk_pages.home(viewer.org))
        return self._render(request, viewer, "home.html", home=home)

    def _filters(self, request: Request) -> dict[str, Any]:
        status = request.query_params.get("status", "")
        return {
            "search": request.query_params.get("q", "")[:100],
            "status": status if status in ("open", "paid", "cancelled") else "",
            "overdue": request.query_params.get("overdue") == "1",
        }

    async def _invoice_page(
        self, request: Request, viewer: Viewer
    ) -> tuple[dict[str, Any], int, list[Any], bool]:
        """The filters, the page number, its rows and whether an older page follows."""
        filters = self._filters(request)
        raw = request.query_params.get("page", "1")
        page = min(int(raw), _MAX_PAGE) if raw.isdigit() and int(raw) >= 1 else 1
        rows = await self.site.run(
            lambda: self.pl.desk_pages.invoices(
                viewer.org, **filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
            )
        )
        return filters, page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

    async def invoices(self, request: Request, viewer: Viewer) -> Response:
        """The invoices, searched and filtered, a page at a time (newest first)."""
        filters, page, rows, more = await self._invoice_page(request, viewer)
        query = {
            k: v
            for k, v in (
                ("q", filters["search"]),
                ("status", filters["status"]),
                ("overdue", "1" if filters["overdue"] else ""),
            )
            if v
        }

        def page_url(number: int) -> str:
            return f"{self.root}/invoices?" + urllib.parse.urlencode({**query, "page": number})

        return self._render(
            request,
            viewer,
            "invoices.html",
            rows=rows,
            page=page,
            newer_url=page_url(page - 1) if page > 1 else "",
            older_url=page_url(page + 1) if more else "",
            **filters,
        )

    async def invoice(self, request: Request, viewer: Viewer) -> Response:
        """One invoice: its link's state, timeline and actions."""
        invoice_id = request.path_params["invoice_id"]
        detail = await self.site.run(lambda: self.pl.desk_pages.invoice(viewer.org, invoice_id))
        return self._render(request, viewer, "invoice.html", d=detail)

    async def review(self, request: Request, viewer: Viewer) -> Response:
        """The review queue and the unmatched transactions."""
        page = await self.site.run(lambda: self.pl.desk_pages.review(viewer.org))
        return self._render(request, viewer, "review.html", page=page)

    async def quotes(self, request: Request, viewer: Viewer) -> Response:
        """Quotes waiting for the customer's approval."""
        rows = await self.site.run(lambda: self.pl.desk_pages.quotes(viewer.org))
        return self._render(request, viewer, "quotes.html", rows=rows)

    async def customers(self, request: Request, viewer: Viewer) -> Response:
        """Customers with revenue, balance and credit."""
        rows = await self.site.run(lambda: self.pl.desk_pages.customers(viewer.org))
        return self._render(request, viewer, "customers.html", rows=rows)

    async def keys(self, request: Request, viewer: Viewer, secret: str = "") -> Response:
        """The organization's users and API keys; a key just made is shown here once."""

        def load() -> tuple[Any, Any]:
            return self.pl.desk.users(viewer.org), self.pl.desk.keys(viewer.org)

        users, keys = await self.site.run(load)
        return self._render(request, viewer, "keys.html", users=users, keys=keys, secret=secret)

    async def key_create(self, request: Request, viewer: Viewer) -> Response:
        """Make an API key and show it once (a key cannot make keys: a person signs in)."""
        if viewer.csrf_secret is None:
            return PlainTextResponse("sign in to manage API keys", status_code=403)
        name = str(request.state.form.get("name") or "")[:100]
        made = await self.site.run(lambda: self.pl.desk.create_key(viewer.org, name=name))
        return await self.keys(request, viewer, secret=made.secret)

    async def key_revoke(self, request: Request, viewer: Viewer) -> Response:
        """Revoke one of the organization's keys (NotFound for another organization's)."""
        if viewer.csrf_secret is None:
            return PlainTextResponse("sign in to manage API keys", status_code=403)
        key_id = request.path_params["key_id"]
        await self.site.run(lambda: self.pl.desk.revoke_key(viewer.org, key_id))
        return self._back(viewer, f"{self.root}/keys")

    # -- actions --------------------------------------------------------------------------------
    async def invoice_action(self, request: Request, viewer: Viewer) -> Response:
        """Resend the link, remind now, pause or resume reminders, mark paid, cancel, credit."""
        invoice_id = request.path_params["invoice_id"]
        action = request.path_params["action"]
        form = request.state.form
        reason = str(form.get("reason") or "")[:500]
        pl = self.pl

        def work() -> None:
            detail = pl.desk_pages.invoice(viewer.org, invoice_id)  # NotFound for another org
            invoice = detail.invoice
            if action in ("send_email", "send_sms"):
                pl.messages.send(invoice, via=[action.removeprefix("send_")])
            elif action == "remind":
                sent = sum(1 for e in detail.timeline if e.what == "desk_ev_reminder")
                pl.messages.send(invoice, template="reminder", step=sent + 1)
            elif action == "pause":
                pl.reminders.pause(detail.customer)
            elif action == "resume":
                pl.reminders.resume(detail.customer)
            elif action == "paid":
                pl.payments.record(
                    invoice,
                    _amount(form.get("amount")),
                    received_on=_date(form.get("received_on")),
                    method="manual",
                    note=reason or "marked paid on the desk",
                )
            elif action == "cancel":
                pl.invoices.cancel(invoice, reason=reason)
            elif action == "credit":
                amount = _amount(form.get("amount"))
                lines = None if amount is None else _credit_lines(invoice, amount, reason)
                settle = form.get("settle")
                pl.invoices.credit(
                    invoice,
                    lines=lines,
                    reason=reason or "credit note",
                    settle=settle if settle in ("credit", "refund") else None,
                )
            else:
                raise NotFound(f"no action {action!r}")

        url = f"{self.root}/invoices/{invoice_id}"
        try:
            await self.site.run(work)
        except NotFound:
            raise
        except (PaylinkError, ValueError) as exc:
            return self._back(viewer, url, failed=str(exc))
        return self._back(viewer, url, action=action)

    async def review_action(self, request: Request, viewer: Viewer) -> Response:
        """Accept or reject a proposal, or match a transaction to invoices by hand."""
        tx_id = request.path_params["tx_id"]
        action = request.path_params["action"]
        form = request.state.form
        chosen: list[str | Invoice] = [v for v in form.getlist("invoice")[:50] if type(v) is str]
        numbers = [n for n in re.split(r"[,;\s]+", str(form.get("numbers") or ""))[:50] if n]
        pl = self.pl

        def work() -> None:
            if action == "accept":
                pl.reconciliation.accept(viewer.org, tx_id)
            elif action == "reject":
                pl.reconciliation.reject(viewer.org, tx_id)
            elif action == "match":
                # Any invoice by number (the page offers a few); a wrong one is said on the page.
                for number in numbers:
                    try:
                        chosen.append(pl.invoices.get_by_number(viewer.org, number))
                    except NotFound:
                        raise ValidationError(f"no invoice {number}", field="numbers") from None
                pl.reconciliation.match(viewer.org, tx_id, chosen)
            else:
                raise NotFound(f"no action {action!r}")

        url = f"{self.root}/review"
        try:
            await self.site.run(work)
        except NotFound:
            raise
        except (PaylinkError, ValueError) as exc:
            return self._back(viewer, url, failed=str(exc))
        return self._back(viewer, url, action=action)

    # -- JSON -----------------------------------------------------------------------------------
    async def api_home(self, request: Request, viewer: Viewer) -> Response:
        """The home page's figures as JSON."""
        home = await self.site.run(lambda: self.pl.desk_pages.home(viewer.org))
        return JSONResponse(home_json(home))

    async def api_invoices(self, request: Request, viewer: Viewer) -> Response:
        """The invoice list as JSON (same search, filters and pages as the page)."""
        _filters, page, rows, more = await self._invoice_page(request, viewer)
        return JSONResponse(
            {
                "invoices": [invoice_json(r.invoice, r.link_state, r) for r in rows],
                "page": page,
                "next_page": page + 1 if more else None,
            }
        )

    async def api_invoice(self, request: Request, viewer: Viewer) -> Response:
        """One invoice with its timeline as JSON."""
        invoice_id = request.path_params["invoice_id"]
        d = await self.site.run(lambda: self.pl.desk_pages.invoice(viewer.org, invoice_id))
        data = invoice_json(d.invoice, d.link_state, d)
        data["timeline"] = [
            {"at": e.at.isoformat(), "what": e.what, "detail": e.detail} for e in d.timeline
        ]
        return JSONResponse(data)

    async def api_review(self, request: Request, viewer: Viewer) -> Response:
        """The review queue as JSON."""
        page = await self.site.run(lambda: self.pl.desk_pages.review(viewer.org))
        return JSONResponse(review_json(page))


def _amount(value: Any) -> Decimal | None:
    """An amount typed in a form (``12,50`` or ``12.50``); None when left empty."""
    text = str(value or "").strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount: expected a number like 12.50, got {text[:20]!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount: expected a positive amount")
    return amount


def _credit_lines(invoice: Invoice, gross: Decimal, reason: str) -> list[Line]:
    """One credit line worth ``gross`` (VAT included) at the invoice's VAT rate; an invoice
    with lines at several rates is credited line by line in the service, not here."""
    rates = {line.vat_rate for line in invoice.lines}
    if len(rates) != 1:
        raise ValueError(
            "amount: this invoice has lines at several VAT rates; credit it in full instead"
        )
    rate = rates.pop()
    net = (gross * 100 / (100 + rate)).quantize(Decimal("0.0001"))
    return [Line(description=reason or "credit", quantity="1", unit_price=net, vat_rate=rate)]


def _date(value: Any) -> dt.date | None:
    """A date from a form's date field; None when left empty."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"received_on: expected a date like 2026-03-02, got {text[:20]!r}"
        ) from None
