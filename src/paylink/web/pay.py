"""The pay page family: ``/pay/{token}`` and what hangs off it (the opened beacon, the EPC QR
code, the printable invoice, a provider's checkout, its QR code and the return from it)."""

from __future__ import annotations

import io
import logging
from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..exceptions import NotFound, PluginError, ProviderError, StateError
from ..links import PaymentLink
from ..parties import Organization
from ..references import parse as parse_reference
from ..render import fee_line_view, format_iban, format_money, words
from ..service.pages import BankTransfer, PayPage
from ._common import Family, csrf_value, forbidden_form, pick_language
from .security import csrf_token, is_preview_agent, verify_csrf

__all__ = ["PayPages", "epc_qr_from_payload"]

log = logging.getLogger("paylink.web")

_OPEN_STATUSES = ("created", "sent", "opened", "in_progress", "interrupted")


def epc_qr_from_payload(payload: str) -> Any:
    """Draw an already validated EPC payload (error level M, UTF-8)."""
    return segno.make(payload, error="m", encoding="utf-8", boost_error=False)


class PayPages(Family):
    """The pages of one payment link."""

    def routes(self) -> list[Route]:
        """This family's routes."""
        return [
            Route("/pay/{token}", self.pay, methods=["GET"]),
            Route("/pay/{token}/opened", self.opened, methods=["POST"]),
            Route("/pay/{token}/qr.png", self.qr_png, methods=["GET"]),
            Route("/pay/{token}/invoice", self.invoice_page, methods=["GET"]),
            Route("/pay/{token}/invoice.pdf", self.invoice_pdf, methods=["GET"]),
            Route("/pay/{token}/help", self.help_page, methods=["GET"]),
            Route("/help", self.help_page, methods=["GET"]),
            Route("/pay/{token}/checkout/{provider}", self.checkout, methods=["POST"]),
            Route("/pay/{token}/checkout/{provider}/qr.svg", self.checkout_qr, methods=["GET"]),
        ]

    def _transfer(self, page: PayPage, token: str, lang: str) -> dict[str, Any] | None:
        """The bank-transfer box: one row per detail to copy, in the page's words."""
        transfer: BankTransfer | None = page.transfer
        if transfer is None:
            return None
        t = words(lang)
        info = transfer.instructions
        rows = [
            {
                "key": "beneficiary",
                "label": t["beneficiary"],
                "value": info["beneficiary"],
                "clip": info["beneficiary"],
            },
            {
                "key": "iban",
                "label": t["iban"],
                "value": format_iban(info["iban"]),
                "clip": info["iban"],
            },
        ]
        if info.get("bic"):
            rows.append(
                {"key": "bic", "label": t["bic"], "value": info["bic"], "clip": info["bic"]}
            )
        rows.append(
            {
                "key": "transfer-amount",
                "label": t["amount"],
                "value": format_money(page.amount_due, lang),
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
            "qr_url": f"{self.pl.base_url}/pay/{token}/qr.png" if transfer.qr_payload else None,
        }

    async def pay(self, request: Request) -> Response:
        """The pay page (or, once paid, its receipt)."""
        token = request.path_params["token"]
        page = await self.site.run(lambda: self.pl.pages.pay_page(token))
        if page is None:
            return self.site.not_found(request)
        if await self._provider_return(request, page.link):
            page = await self.site.run(lambda: self.pl.pages.pay_page(token))
            if page is None:
                return self.site.not_found(request)
        org = page.organization
        link = page.link
        lang = self.site.lang(request, page.customer, org)
        reference = parse_reference(link.reference)
        common: dict[str, Any] = {
            "link": link,
            "invoice": page.invoice,
            "invoice_url": f"{self.pl.base_url}/pay/{token}/invoice.pdf?lang={lang}",
            "invoice_view_url": f"{self.pl.base_url}/pay/{token}/invoice?lang={lang}",
            "help_url": f"{self.pl.base_url}/pay/{token}/help?lang={lang}",
            "reference_display": reference.display if reference else link.reference,
            "fee_lines": [fee_line_view(f, lang) for f in page.fee_lines],
        }
        if link.status == "paid":
            return self.site.render(
                request,
                "receipt.html",
                org=org,
                lang=lang,
                paid_at=page.paid_at,
                receipt=page.receipt,
                paid_amount=link.amount if page.invoice is None else page.invoice.paid,
                **common,
            )
        title = words(lang)["invoice" if page.invoice else "payment_request"]
        if page.invoice is None and link.description:
            title = link.description
        return self.site.render(
            request,
            "pay.html",
            org=org,
            lang=lang,
            amount=page.amount_due,
            title=title,
            transfer=self._transfer(page, token, lang),
            methods=await self.site.run(lambda: self._provider_methods(org, token, link, lang)),
            beacon=f"{self.pl.base_url}/pay/{token}/opened",
            beacon_csrf=csrf_token(self.secret, "opened", token),
            **common,
        )

    async def opened(self, request: Request) -> Response:
        """The page's beacon: a person's browser ran the page's script."""
        token = request.path_params["token"]
        form = await request.form()
        if not verify_csrf(self.secret, "opened", token, csrf_value(form)):
            return PlainTextResponse("forbidden", status_code=403)
        if is_preview_agent(request.headers.get("user-agent")):
            return Response(status_code=204)

        def mark() -> None:
            link = self.pl.links.get_by_token(token)
            if link is not None and link.status in _OPEN_STATUSES:
                self.pl.links.mark(link, "opened", source="web")

        await self.site.run(mark)
        return Response(status_code=204)

    async def qr_png(self, request: Request) -> Response:
        """The EPC QR code of the bank transfer, as a PNG."""
        token = request.path_params["token"]
        page = await self.site.run(lambda: self.pl.pages.pay_page(token))
        if page is None or page.link.status == "paid":
            return self.site.not_found(request)
        if page.transfer is None or not page.transfer.qr_payload:
            return self.site.not_found(request)
        buffer = io.BytesIO()
        epc_qr_from_payload(page.transfer.qr_payload).save(buffer, kind="png", scale=8, border=4)
        return Response(buffer.getvalue(), media_type="image/png")

    async def invoice_page(self, request: Request) -> Response:
        """The invoice of the link, as a page."""
        token = request.path_params["token"]
        page = await self.site.run(lambda: self.pl.pages.pay_page(token))
        if page is None or page.invoice is None:
            return self.site.not_found(request)
        org = page.organization
        invoice = page.invoice
        customer = page.customer or await self.site.run(
            lambda: self.pl.customers.get(org, invoice.customer_id)
        )
        lang = self.site.lang(request, customer, org)
        return self.site.render(
            request,
            "invoice.html",
            org=org,
            lang=lang,
            invoice=invoice,
            customer=customer,
            fee_lines=[fee_line_view(f, lang) for f in page.fee_lines],
        )

    async def help_page(self, request: Request) -> Response:
        """Help for the payer: what a structured reference is, how long a transfer takes, what
        to do when a card fails, how to reach the shop (the link's organization, when the page
        is asked from a payment link)."""
        token = request.path_params.get("token")
        page = await self.site.run(lambda: self.pl.pages.pay_page(token)) if token else None
        if token and page is None:
            return self.site.not_found(request)
        if page is None:
            lang = pick_language(
                request.query_params.get("lang"), request.headers.get("accept-language")
            )
            org = Organization(id="", name="paylink", country="BE")
            back_url = ""
        else:
            org = page.organization
            lang = self.site.lang(request, page.customer, org)
            back_url = f"{self.pl.base_url}/pay/{token}?lang={lang}"
        return self.site.render(request, "help.html", org=org, lang=lang, back_url=back_url)

    async def invoice_pdf(self, request: Request) -> Response:
        """The invoice of the link as the PDF the organization sends (its rendition), to
        download; the page view when PDFs cannot be made here."""
        token = request.path_params["token"]
        page = await self.site.run(lambda: self.pl.pages.pay_page(token))
        if page is None or page.invoice is None:
            return self.site.not_found(request)
        invoice = page.invoice
        lang = self.site.lang(request, page.customer, page.organization)
        try:
            pdf = await self.site.run(lambda: self.pl.renditions.pdf(invoice, language=lang))
        except PluginError as exc:
            log.warning("invoice PDF not made: %s", exc)
            return RedirectResponse(
                f"{self.pl.base_url}/pay/{token}/invoice?lang={lang}", status_code=303
            )
        name = "".join(ch for ch in invoice.number or invoice.id if ch.isalnum() or ch in "-_")
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}.pdf"'},
        )

    # -- card and wallet providers: methods, checkout, return ----------------------------------
    def _provider_methods(
        self, org: Organization, token: str, link: PaymentLink, lang: str
    ) -> list[dict[str, str]]:
        """The pay page's buttons: one per connected provider account, and the QR code and
        deep link of an open attempt that has one (Payconiq)."""
        methods = []
        open_qr = {
            a.provider: a
            for a in self.pl.providers.attempts(link)
            if a.status == "open" and a.data.get("qr_payload")
        }
        for account, label in self.pl.providers.offers(org, language=lang):
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
                    "logo": self.pl.providers.logo(account.provider) or "",
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

        value = await self.site.run(payload)
        if value is None:
            return self.site.not_found(request)
        buffer = io.BytesIO()
        segno.make(value, error="m").save(buffer, kind="svg", scale=6, border=4, xmldecl=False)
        return Response(buffer.getvalue(), media_type="image/svg+xml")

    async def _provider_return(self, request: Request, link: PaymentLink) -> bool:
        """The customer came back from a provider's page; True when the link may have moved."""
        kind = request.query_params.get("checkout")
        attempt = request.query_params.get("attempt")
        if kind not in ("return", "cancel") or not attempt:
            return False
        if link.status == "paid":
            return False
        await self.site.run(
            lambda: self.pl.providers.returned(link, attempt, cancelled=kind == "cancel")
        )
        return True

    async def checkout(self, request: Request) -> Response:
        """The customer chose a provider's method: start its checkout, send them there."""
        token = request.path_params["token"]
        provider = request.path_params["provider"]
        form = await request.form()
        if not verify_csrf(self.secret, "checkout", f"{token}:{provider}", csrf_value(form)):
            return forbidden_form()
        page = await self.site.run(lambda: self.pl.pages.pay_page(token))
        if page is None:
            return self.site.not_found(request)
        link = page.link
        lang = self.site.lang(request, page.customer, page.organization)
        try:
            checkout = await self.site.run(
                lambda: self.pl.providers.checkout(link, provider, language=lang)
            )
        except NotFound:
            return self.site.not_found(request)
        except StateError:
            return RedirectResponse(f"{self.pl.base_url}/pay/{token}", status_code=303)
        except (ProviderError, PluginError) as exc:
            log.warning("checkout through %s failed: %s", provider, exc)
            return self.site.render(
                request,
                "provider_failed.html",
                org=page.organization,
                lang=lang,
                status_code=503,
                back_url=f"{self.pl.base_url}/pay/{token}?lang={lang}",
            )
        target = checkout.redirect_url or f"{self.pl.base_url}/pay/{token}"
        return RedirectResponse(target, status_code=303)
