"""The customer-facing ASGI app: pay pages, quote approval, customer portal, receipts.

Thin by design: each endpoint parses the request, asks the service, renders a template. Service
calls are synchronous (SQLAlchemy), so they run in a worker thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..documents import Invoice, Quote
from ..exceptions import NotFound, PaylinkError, ProviderError, StateError, WebhookRejected
from ..links import PaymentLink
from ..money import Money
from ..parties import Customer, Organization
from ..ports import PaymentRequest, WebhookRequest
from ..references import parse as parse_reference
from ..render import fee_line_view
from ..service import Paylink
from ..store import links as link_queries
from ..store import organizations as org_queries
from .i18n import MESSAGES, pick_language, translator
from .security import SecurityHeaders, csrf_token, is_preview_agent, mask_path, verify_csrf

__all__ = ["create_app"]

log = logging.getLogger("paylink.web")
T = TypeVar("T")

_HERE = Path(__file__).parent
_OPEN_STATUSES = ("created", "sent", "opened", "in_progress", "interrupted")


def _money(value: Money, lang: str = "en") -> str:
    exp = value.exponent
    text = f"{abs(value.amount):,.{exp}f}"  # 1,234.50
    if lang in ("fr", "nl", "de"):
        group = "\u202f" if lang == "fr" else "."
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", group)
    sign = "-" if value.amount < 0 else ""
    if value.currency == "EUR":
        return f"{sign}€{text}" if lang == "en" else f"{sign}{text}\u00a0€"
    return f"{sign}{text}\u00a0{value.currency}"


def _date(value: dt.date | dt.datetime | None, lang: str = "en") -> str:
    if value is None:
        return ""
    sep = {"nl": "-", "de": "."}.get(lang, "/")
    return f"{value.day:02d}{sep}{value.month:02d}{sep}{value.year}"


def _decimal(value: Decimal, lang: str = "en") -> str:
    text = f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else format(value, "f")
    return text.replace(".", ",") if lang in ("fr", "nl", "de") else text


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _iban(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


class _Pages:
    """The endpoints, bound to one Paylink and one secret."""

    def __init__(self, pl: Paylink, *, secret: bytes, static_url: str) -> None:
        self.pl = pl
        self.secret = secret
        self.static_url = static_url
        # Wrong-code attempts per portal token in the current code window (this process).
        self._tries: dict[str, tuple[int, int]] = {}
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(_HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(qty=_qty, iban=_iban)

    async def _run(self, fn: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(fn)

    # -- rendering ---------------------------------------------------------------------------
    def _render(
        self,
        request: Request,
        template: str,
        *,
        org: Organization,
        lang: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        env = self.env.overlay()
        env.filters["money"] = lambda v: _money(v, lang)
        env.filters["date"] = lambda v: _date(v, lang)
        env.filters["decimal"] = lambda v: _decimal(v, lang)
        html = env.get_template(template).render(
            org=org,
            lang=lang,
            t=translator(lang),
            languages=list(MESSAGES),
            nonce=request.scope.get("state", {}).get("csp_nonce", ""),
            static_url=self.static_url,
            beacon=context.pop("beacon", None),
            beacon_csrf=context.pop("beacon_csrf", ""),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def _lang(self, request: Request, customer: Customer | None, org: Organization) -> str:
        asked = request.query_params.get("lang")
        if asked in MESSAGES:
            return asked
        preferred = customer.language if customer else org.language
        return pick_language(preferred, request.headers.get("accept-language"))

    def not_found(self, request: Request) -> HTMLResponse:
        """The one answer for unknown, expired and cancelled tokens alike."""
        lang = pick_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        neutral = Organization(id="", name="paylink", country="BE")
        return self._render(request, "not_found.html", org=neutral, lang=lang, status_code=404)

    # -- lookups (run in a thread) -------------------------------------------------------------
    def _load_link(self, token: str) -> dict[str, Any] | None:
        with self.pl.store.transaction() as conn:
            link = link_queries.find_by_token(conn, token, self.pl.base_url)
            if link is None or link.status in ("expired", "cancelled"):
                return None
            now = self.pl.clock.now()
            if link.expires_at is not None and link.expires_at <= now and link.status != "paid":
                return None
            org = org_queries.get_organization(conn, link.organization_id)
            customer = (
                org_queries.get_customer(conn, org.id, link.customer_id)
                if link.customer_id
                else None
            )
        invoice = self.pl.invoices.get(link.invoice_id) if link.invoice_id else None
        fees = self.pl.reminders.fee_lines(invoice) if invoice and invoice.fees.amount else []
        return {"link": link, "org": org, "customer": customer, "invoice": invoice, "fees": fees}

    def _bank_transfer(
        self, data: dict[str, Any], token: str, amount: Money
    ) -> dict[str, Any] | None:
        org: Organization = data["org"]
        link: PaymentLink = data["link"]
        if not org.iban or amount.amount <= 0:
            return None
        provider = self.pl.plugins.payment_providers.get("bank_transfer")
        if provider is None:
            return None
        checkout = provider().start_payment(
            PaymentRequest(
                link_id=link.id,
                amount=amount,
                description=link.description,
                reference=link.reference,
                beneficiary_name=org.name,
                beneficiary_iban=org.iban,
                beneficiary_bic=org.bic,
            )
        )
        t = data["t"]
        info = checkout.instructions
        rows = [
            {
                "key": "beneficiary",
                "label": t["beneficiary"],
                "value": info["beneficiary"],
                "clip": info["beneficiary"],
            },
            {"key": "iban", "label": t["iban"], "value": _iban(info["iban"]), "clip": info["iban"]},
        ]
        if info.get("bic"):
            rows.append(
                {"key": "bic", "label": t["bic"], "value": info["bic"], "clip": info["bic"]}
            )
        rows.append(
            {
                "key": "transfer-amount",
                "label": t["amount"],
                "value": _money(amount, data["lang"]),
                "clip": info["amount"],
            }
        )
        if info.get("reference"):
            rows.append(
                {
                    "key": "reference",
                    "label": t["reference"],
                    "value": info["reference"],
                    "clip": info["reference"],
                }
            )
        elif info.get("text"):
            rows.append(
                {
                    "key": "communication",
                    "label": t["communication"],
                    "value": info["text"],
                    "clip": info["text"],
                }
            )
        return {
            "rows": rows,
            "qr_url": f"{self.pl.base_url}/pay/{token}/qr.png" if checkout.qr_payload else None,
            "qr_payload": checkout.qr_payload,
        }

    def _amount_due(self, data: dict[str, Any]) -> Money:
        invoice: Invoice | None = data["invoice"]
        if invoice is not None:
            return invoice.open_amount
        return self.pl.links.amount_due(data["link"])

    # -- pay page ----------------------------------------------------------------------------
    async def pay(self, request: Request) -> Response:
        token = request.path_params["token"]
        data = await self._run(lambda: self._load_link(token))
        if data is None:
            return self.not_found(request)
        if await self._provider_return(request, data):  # back from a provider (issue 4)
            data = await self._run(lambda: self._load_link(token))
            if data is None:
                return self.not_found(request)
        org: Organization = data["org"]
        link: PaymentLink = data["link"]
        lang = self._lang(request, data["customer"], org)
        data.update(lang=lang, t=translator(lang))
        reference = parse_reference(link.reference)
        common = {
            "link": link,
            "invoice": data["invoice"],
            "invoice_url": f"{self.pl.base_url}/pay/{token}/invoice?lang={lang}",
            "reference_display": reference.display if reference else link.reference,
            "fee_lines": [fee_line_view(f, lang) for f in data["fees"]],
        }
        if link.status == "paid":
            paid_at = next((e.at for e in reversed(link.history) if e.status == "paid"), None)
            return self._render(
                request,
                "receipt.html",
                org=org,
                lang=lang,
                paid_at=paid_at,
                paid_amount=link.amount if data["invoice"] is None else data["invoice"].paid,
                **common,
            )
        amount = await self._run(lambda: self._amount_due(data))
        transfer = await self._run(lambda: self._bank_transfer(data, token, amount))
        title = translator(lang)["invoice" if data["invoice"] else "payment_request"]
        if data["invoice"] is None and link.description:
            title = link.description
        return self._render(
            request,
            "pay.html",
            org=org,
            lang=lang,
            amount=amount,
            title=title,
            transfer=transfer,
            methods=await self._run(lambda: self._provider_methods(org, token, link)),
            beacon=f"{self.pl.base_url}/pay/{token}/opened",
            beacon_csrf=csrf_token(self.secret, "opened", token),
            **common,
        )

    async def opened(self, request: Request) -> Response:
        """The page's beacon: a person's browser ran the page's script."""
        token = request.path_params["token"]
        form = await request.form()
        csrf = form.get("csrf")
        if not verify_csrf(self.secret, "opened", token, csrf if isinstance(csrf, str) else None):
            return PlainTextResponse("forbidden", status_code=403)
        if is_preview_agent(request.headers.get("user-agent")):
            return Response(status_code=204)

        def mark() -> None:
            link = self.pl.links.get_by_token(token)
            if link is not None and link.status in _OPEN_STATUSES:
                self.pl.links.mark(link, "opened", source="web")

        await self._run(mark)
        return Response(status_code=204)

    async def qr_png(self, request: Request) -> Response:
        token = request.path_params["token"]
        data = await self._run(lambda: self._load_link(token))
        if data is None or data["link"].status == "paid":
            return self.not_found(request)
        lang = data["org"].language
        data.update(lang=lang, t=translator(lang))
        amount = await self._run(lambda: self._amount_due(data))
        transfer = await self._run(lambda: self._bank_transfer(data, token, amount))
        if not transfer or not transfer["qr_payload"]:
            return self.not_found(request)
        import io

        buffer = io.BytesIO()
        code = epc_qr_from_payload(transfer["qr_payload"])
        code.save(buffer, kind="png", scale=8, border=4)
        return Response(buffer.getvalue(), media_type="image/png")

    async def invoice_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        data = await self._run(lambda: self._load_link(token))
        if data is None or data["invoice"] is None:
            return self.not_found(request)
        org: Organization = data["org"]
        invoice: Invoice = data["invoice"]
        customer = data["customer"] or await self._run(
            lambda: self.pl.customers.get(org, invoice.customer_id)
        )
        lang = self._lang(request, customer, org)
        return self._render(
            request,
            "invoice.html",
            org=org,
            lang=lang,
            invoice=invoice,
            customer=customer,
            fee_lines=[fee_line_view(f, lang) for f in data["fees"]],
        )

    # -- quotes ------------------------------------------------------------------------------
    def _load_quote(self, token: str) -> dict[str, Any] | None:
        quote = self.pl.quotes.for_token(token)
        if quote is None:
            return None
        org = self.pl.organizations.get(quote.organization_id)
        customer = self.pl.customers.get(org, quote.customer_id)
        pay_url = None
        if quote.status == "approved" and quote.invoice_id:
            invoice = self.pl.invoices.get(quote.invoice_id)
            if invoice.open_amount.amount > 0 and invoice.status != "cancelled":
                pay_url = self.pl.links.create(invoice).url
        return {"quote": quote, "org": org, "customer": customer, "pay_url": pay_url}

    async def quote(self, request: Request) -> Response:
        token = request.path_params["token"]
        data = await self._run(lambda: self._load_quote(token))
        if data is None:
            return self.not_found(request)
        quote: Quote = data["quote"]
        org: Organization = data["org"]
        today = self.pl.today(org)
        state: str = quote.status
        if state == "sent":
            state = "expired" if quote.is_expired(today) else "open"
        lang = self._lang(request, data["customer"], org)
        return self._render(
            request,
            "quote.html",
            org=org,
            lang=lang,
            quote=quote,
            state=state,
            pay_url=data["pay_url"],
            approve_url=f"{self.pl.base_url}/quote/{token}/approve",
            decline_url=f"{self.pl.base_url}/quote/{token}/decline",
            csrf=csrf_token(self.secret, "quote", token),
        )

    async def _quote_action(self, request: Request) -> tuple[str, Any] | Response:
        token = request.path_params["token"]
        form = await request.form()
        csrf = form.get("csrf")
        if not verify_csrf(self.secret, "quote", token, csrf if isinstance(csrf, str) else None):
            return PlainTextResponse(
                "forbidden: the form has expired, reload the page", status_code=403
            )
        return token, form

    async def approve(self, request: Request) -> Response:
        checked = await self._quote_action(request)
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
            url = await self._run(approve)
        except StateError:
            return RedirectResponse(f"{self.pl.base_url}/quote/{token}", status_code=303)
        if url is None:
            return self.not_found(request)
        return RedirectResponse(url, status_code=303)

    async def decline(self, request: Request) -> Response:
        checked = await self._quote_action(request)
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
            found = await self._run(decline)
        except StateError:
            found = True
        if not found:
            return self.not_found(request)
        return RedirectResponse(f"{self.pl.base_url}/quote/{token}", status_code=303)

    # -- card and wallet providers (issue 4): methods, checkout, return, webhooks ---------------
    def _provider_methods(
        self, org: Organization, token: str, link: PaymentLink
    ) -> list[dict[str, str]]:
        """The pay page's buttons: one per connected provider account, and the QR code and
        deep link of an open attempt that has one (Payconiq)."""
        methods = []
        open_qr = {
            a.provider: a
            for a in self.pl.providers.attempts(link)
            if a.status == "open" and a.data.get("qr_payload")
        }
        for account, label in self.pl.providers.offers(org):
            base = f"{self.pl.base_url}/pay/{token}/checkout/{account.provider}"
            if account.provider in open_qr and link.status == "in_progress":
                deeplink = str(open_qr[account.provider].data["qr_payload"])
                methods.append(
                    {
                        "kind": "qr",
                        "label": label,
                        "qr_url": f"{base}/qr.svg",
                        "deeplink": deeplink if deeplink.startswith("https://") else "",
                    }
                )
            methods.append(
                {
                    "kind": "redirect",
                    "action": base,
                    "csrf": csrf_token(self.secret, "checkout", f"{token}:{account.provider}"),
                    "label": label,
                }
            )
        return methods

    async def checkout_qr(self, request: Request) -> Response:
        """The QR code of the link's open attempt at a provider (what Payconiq's app scans)."""
        token = request.path_params["token"]
        provider = request.path_params["provider"]

        def payload() -> str | None:
            link = self.pl.links.get_by_token(token)
            if link is None or link.status != "in_progress":
                return None
            for attempt in reversed(self.pl.providers.attempts(link)):
                if attempt.provider == provider and attempt.status == "open":
                    value = attempt.data.get("qr_payload")
                    return str(value) if value else None
            return None

        value = await self._run(payload)
        if value is None:
            return self.not_found(request)
        import io

        import segno

        buffer = io.BytesIO()
        segno.make(value, error="m").save(buffer, kind="svg", scale=6, border=4, xmldecl=False)
        return Response(buffer.getvalue(), media_type="image/svg+xml")

    async def _provider_return(self, request: Request, data: dict[str, Any]) -> bool:
        """The customer came back from a provider's page; True when the link may have moved."""
        kind = request.query_params.get("checkout")
        attempt = request.query_params.get("attempt")
        if kind not in ("return", "cancel") or not attempt:
            return False
        link: PaymentLink = data["link"]
        if link.status == "paid":
            return False
        await self._run(
            lambda: self.pl.providers.returned(link, attempt, cancelled=kind == "cancel")
        )
        return True

    async def checkout(self, request: Request) -> Response:
        """The customer chose a provider's method: start its checkout, send them there."""
        token = request.path_params["token"]
        provider = request.path_params["provider"]
        form = await request.form()
        csrf = form.get("csrf")
        if not verify_csrf(
            self.secret, "checkout", f"{token}:{provider}", csrf if isinstance(csrf, str) else None
        ):
            return PlainTextResponse(
                "forbidden: the form has expired, reload the page", status_code=403
            )
        data = await self._run(lambda: self._load_link(token))
        if data is None:
            return self.not_found(request)
        link: PaymentLink = data["link"]
        lang = self._lang(request, data["customer"], data["org"])
        try:
            checkout = await self._run(
                lambda: self.pl.providers.checkout(link, provider, language=lang)
            )
        except NotFound:
            return self.not_found(request)
        except StateError:
            return RedirectResponse(f"{self.pl.base_url}/pay/{token}", status_code=303)
        except ProviderError as exc:
            log.warning("checkout through %s failed: %s", provider, exc)
            return PlainTextResponse(
                "the payment provider is not available right now; go back and try again",
                status_code=503,
            )
        target = checkout.redirect_url or f"{self.pl.base_url}/pay/{token}"
        return RedirectResponse(target, status_code=303)

    @staticmethod
    async def _incoming(request: Request, url: str | None = None) -> WebhookRequest:
        """The webhook as plugins see it: method, full URL, lower-case headers, raw body."""
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        form: dict[str, str] = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        return WebhookRequest(
            method=request.method,
            url=url or str(request.url),
            headers=headers,
            body=body,
            form=form,
        )

    async def webhook(self, request: Request) -> Response:
        """A provider's webhook: verified by its plugin, applied once, answered 2xx or 4xx."""
        provider = request.path_params["provider"]
        account_id = request.path_params["account_id"]
        incoming = await self._incoming(request)
        try:
            results = await self._run(
                lambda: self.pl.providers.handle_webhook(provider, account_id, incoming)
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
        incoming = await self._incoming(request, public)
        org_id = request.path_params["org_id"]
        status, body = await self._run(lambda: handle_status_callback(self.pl, org_id, incoming))
        media = "text/xml" if body.startswith("<?xml") else "text/plain"
        return Response(body, status_code=status, media_type=media)

    async def feed_webhook(self, request: Request) -> Response:
        """A bank feed's webhook (Ponto's "transactions created"): verified, then synced."""
        incoming = await self._incoming(request)
        account_id = request.path_params["account_id"]
        try:
            report = await self._run(lambda: self.pl.feeds.handle_webhook(account_id, incoming))
        except WebhookRejected as exc:
            log.warning("feed webhook rejected: %s", exc)
            return PlainTextResponse("rejected", status_code=exc.status_code)
        return JSONResponse(
            {"received": True, "new_transactions": report.new_transactions if report else 0}
        )

    # -- portal ------------------------------------------------------------------------------
    # -- portal sign-in with a one-time code -------------------------------------------------
    _CODE_WINDOW = 600  # seconds a code stays valid (the current and the previous window)
    _CODE_TRIES = 5

    def _code(self, token: str, window: int) -> str:
        digest = hmac.new(self.secret, f"code:{token}:{window}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"

    def _window(self) -> int:
        return int(self.pl.clock.now().timestamp()) // self._CODE_WINDOW

    def _session_value(self, token: str, until: int) -> str:
        mac = hmac.new(self.secret, f"portal:{token}:{until}".encode(), hashlib.sha256)
        return f"{until}.{mac.hexdigest()}"

    def _signed_in(self, request: Request, token: str) -> bool:
        value = request.cookies.get("paylink_portal", "")
        until, _, _mac = value.partition(".")
        if not until.isdigit() or int(until) < self.pl.clock.now().timestamp():
            return False
        return hmac.compare_digest(value, self._session_value(token, int(until)))

    async def _portal_gate(self, request: Request) -> Customer | Response:
        """The customer a portal token opens, or the answer to give instead: the same 404 as
        any unknown token, or (when the portal needs a code and none was given) the code page
        for a GET and 403 for anything else."""
        token = request.path_params["token"]
        found = await self._run(lambda: self.pl.portal.access(token))
        if found is None:
            return self.not_found(request)
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
        org = await self._run(lambda: self.pl.organizations.get(customer.organization_id))
        lang = self._lang(request, customer, org)
        return self._render(
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

    async def portal_send_code(self, request: Request) -> Response:
        checked = await self._portal_post(request, gate=False)
        if isinstance(checked, Response):
            return checked
        token, _form = checked
        found = await self._run(lambda: self.pl.portal.access(token))
        if found is None or not found[1]:
            return self.not_found(request)
        customer = found[0]
        try:
            masked = await self._run(
                lambda: self.pl.portal.send_code(customer, self._code(token, self._window()))
            )
        except PaylinkError as exc:
            log.warning("portal code not sent: %s", exc)
            return await self._code_page(request, customer, token, error="code_not_sent")
        return await self._code_page(request, customer, token, sent=masked)

    async def portal_verify(self, request: Request) -> Response:
        checked = await self._portal_post(request, gate=False)
        if isinstance(checked, Response):
            return checked
        token, form = checked
        found = await self._run(lambda: self.pl.portal.access(token))
        if found is None or not found[1]:
            return self.not_found(request)
        customer = found[0]
        window = self._window()
        tries = self._tries.get(token)
        if tries is None or tries[0] != window:
            tries = (window, 0)
        if tries[1] >= self._CODE_TRIES:
            return await self._code_page(
                request, customer, token, error="code_too_many", status_code=429
            )
        self._tries[token] = (window, tries[1] + 1)
        given = "".join(ch for ch in str(form.get("code") or "") if ch.isdigit())
        if not any(hmac.compare_digest(given, self._code(token, w)) for w in (window, window - 1)):
            return await self._code_page(
                request, customer, token, error="code_wrong", status_code=403
            )
        self._tries.pop(token, None)
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

    async def portal(self, request: Request) -> Response:
        token = request.path_params["token"]
        gate = await self._portal_gate(request)
        if isinstance(gate, Response):
            return gate

        def load() -> dict[str, Any] | None:
            customer = self.pl.portal.customer_for(token)
            if customer is None:
                return None
            org = self.pl.organizations.get(customer.organization_id)
            invoices = [
                i
                for i in self.pl.invoices.list(org, customer=customer)
                if i.status in ("issued", "partially_paid", "paid", "cancelled")
            ]
            invoices.sort(key=lambda i: (i.open_amount.amount <= 0, i.due_date or dt.date.max))
            fees = self.pl.reminders.fee_lines_by_invoice(i for i in invoices if i.fees_open.amount)
            return {"customer": customer, "org": org, "invoices": invoices, "fees": fees}

        data = await self._run(load)
        if data is None:
            return self.not_found(request)
        org = data["org"]
        invoices: list[Invoice] = data["invoices"]
        open_invoices = [i for i in invoices if i.open_amount.amount > 0]
        balance = (
            Money.sum((i.open_amount for i in open_invoices), org.currency)
            if all(i.currency == org.currency for i in open_invoices)
            else Money.zero(org.currency)
        )
        lang = self._lang(request, data["customer"], org)
        return self._render(
            request,
            "portal.html",
            org=org,
            lang=lang,
            customer=data["customer"],
            invoices=invoices,
            fee_lines={
                invoice_id: [fee_line_view(f, lang) for f in fees]
                for invoice_id, fees in data["fees"].items()
            },
            balance=balance,
            open_count=len(open_invoices),
            csrf=csrf_token(self.secret, "portal", token),
            pay_all_url=f"{self.pl.base_url}/portal/{token}/pay-all",
            pay_one_url=f"{self.pl.base_url}/portal/{token}/pay",
            code_url=f"{self.pl.base_url}/portal/{token}/code.svg",
        )

    async def _portal_post(
        self, request: Request, *, gate: bool = True
    ) -> tuple[str, Any] | Response:
        token = request.path_params["token"]
        if gate:
            checked = await self._portal_gate(request)
            if isinstance(checked, Response):
                return checked
        form = await request.form()
        csrf = form.get("csrf")
        if not verify_csrf(self.secret, "portal", token, csrf if isinstance(csrf, str) else None):
            return PlainTextResponse(
                "forbidden: the form has expired, reload the page", status_code=403
            )
        return token, form

    async def portal_pay(self, request: Request) -> Response:
        checked = await self._portal_post(request)
        if isinstance(checked, Response):
            return checked
        token, form = checked
        invoice_id = str(form.get("invoice") or "")

        def pay() -> str | None:
            customer = self.pl.portal.customer_for(token)
            if customer is None:
                return None
            try:
                invoice = self.pl.invoices.get(invoice_id)
            except NotFound:
                return None
            if invoice.customer_id != customer.id:
                return None  # another customer's invoice: same answer as an unknown one
            return self.pl.links.create(invoice).url

        try:
            url = await self._run(pay)
        except PaylinkError:
            url = None
        if url is None:
            return self.not_found(request)
        return RedirectResponse(url, status_code=303)

    async def portal_pay_all(self, request: Request) -> Response:
        checked = await self._portal_post(request)
        if isinstance(checked, Response):
            return checked
        token, _form = checked

        def pay_all() -> str | None:
            customer = self.pl.portal.customer_for(token)
            if customer is None:
                return None
            return self.pl.links.pay_all(customer).url

        try:
            url = await self._run(pay_all)
        except PaylinkError:
            return RedirectResponse(f"{self.pl.base_url}/portal/{token}", status_code=303)
        if url is None:
            return self.not_found(request)
        return RedirectResponse(url, status_code=303)

    async def portal_code(self, request: Request) -> Response:
        customer = await self._portal_gate(request)
        if isinstance(customer, Response):
            return customer
        import io

        import segno

        code = segno.make(customer_code(customer), error="m")
        buffer = io.BytesIO()
        code.save(buffer, kind="svg", scale=6, border=4, xmldecl=False)
        return Response(buffer.getvalue(), media_type="image/svg+xml")


def customer_code(customer: Customer) -> str:
    """What the customer's identification QR code carries: the organization and customer ids."""
    return f"PAYLINK:{customer.organization_id}:{customer.id}"


def epc_qr_from_payload(payload: str) -> Any:
    """Draw an already validated EPC payload (error level M, UTF-8)."""
    import segno

    return segno.make(payload, error="m", encoding="utf-8", boost_error=False)


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
    ``$PAYLINK_SECRET``, else a random one per process, which is fine for one process; set it
    when several processes serve the same pages). ``dashboard_token`` (default:
    ``$PAYLINK_DASHBOARD_TOKEN``) adds the merchant dashboard at ``/dashboard/{org_id}``, open
    to requests that present it (see :mod:`paylink.web.dashboard`); without it there is none.
    """
    if base_url is not None and base_url.rstrip("/") != pl.base_url:
        pl = Paylink(pl.store, clock=pl.clock, plugins=pl.plugins, base_url=base_url)
    key = secret if secret is not None else os.environ.get("PAYLINK_SECRET")
    if key is None:
        key = secrets.token_bytes(32)
    key_bytes = key.encode() if isinstance(key, str) else key
    pages = _Pages(pl, secret=key_bytes, static_url=f"{pl.base_url}/static")

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def not_found(request: Request, _exc: Exception) -> Response:
        return pages.not_found(request)

    routes = [
        Route("/pay/{token}", pages.pay, methods=["GET"]),
        Route("/pay/{token}/opened", pages.opened, methods=["POST"]),
        Route("/pay/{token}/qr.png", pages.qr_png, methods=["GET"]),
        Route("/pay/{token}/invoice", pages.invoice_page, methods=["GET"]),
        Route("/quote/{token}", pages.quote, methods=["GET"]),
        Route("/quote/{token}/approve", pages.approve, methods=["POST"]),
        Route("/quote/{token}/decline", pages.decline, methods=["POST"]),
        Route("/portal/{token}", pages.portal, methods=["GET"]),
        Route("/portal/{token}/pay", pages.portal_pay, methods=["POST"]),
        Route("/portal/{token}/pay-all", pages.portal_pay_all, methods=["POST"]),
        Route("/portal/{token}/code.svg", pages.portal_code, methods=["GET"]),
        Route("/portal/{token}/send-code", pages.portal_send_code, methods=["POST"]),
        Route("/portal/{token}/verify", pages.portal_verify, methods=["POST"]),
        # card and wallet providers (issue 4)
        Route("/pay/{token}/checkout/{provider}", pages.checkout, methods=["POST"]),
        Route("/pay/{token}/checkout/{provider}/qr.svg", pages.checkout_qr, methods=["GET"]),
        Route("/webhooks/twilio/{org_id}", pages.twilio, methods=["POST"]),
        Route("/webhooks/{provider}/{account_id}", pages.webhook, methods=["POST"]),
        Route("/feeds/{account_id}/webhook", pages.feed_webhook, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    # --- merchant dashboard (issue 8) ---
    board_token = dashboard_token or os.environ.get("PAYLINK_DASHBOARD_TOKEN")
    if board_token:
        from .dashboard import dashboard_routes

        routes[-2:-2] = dashboard_routes(pl, token=board_token)
    # --- end dashboard ---
    app = Starlette(
        routes=routes,
        middleware=[Middleware(_AccessLog), Middleware(SecurityHeaders)],
        exception_handlers={404: not_found},
    )
    app.state.paylink = pl
    return app
