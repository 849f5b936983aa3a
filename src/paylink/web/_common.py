"""What every page family of the web app shares: the service, the templates in the one
dialect of :mod:`paylink.render`, the page language, and the standard answers."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import jinja2
import phonenumbers
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse

from ..money import Money
from ..parties import LANGUAGES, Customer, Organization
from ..ports import WebhookRequest
from ..render import (
    format_date,
    format_iban,
    format_money,
    format_percent,
    format_quantity,
    shop_text,
    words,
)
from ..service import Paylink

__all__ = ["Family", "Site", "can_text", "forbidden_form", "incoming", "pick_language"]

T = TypeVar("T")

HERE = Path(__file__).parent


def pick_language(preferred: str | None, accept_language: str | None = None) -> str:
    """The page language: ``preferred`` when paylink speaks it, else the browser's first
    supported one (``Accept-Language``), else English."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def _filters(lang: str) -> dict[str, Callable[..., str]]:
    """The template filters: every value on a page goes through :mod:`paylink.render.format`."""

    def price(value: Decimal, currency: str) -> str:
        return format_money(Money.of(value, currency), lang)

    return {
        "money": lambda v: format_money(v, lang),
        "price": price,
        "date": lambda v: format_date(v, lang),
        "qty": lambda v: format_quantity(v, lang),
        "percent": lambda v: format_percent(v, lang),
        "iban": format_iban,
        "shop": lambda v: shop_text(v, lang),
    }


def can_text(phone: str | None, country: str = "BE") -> bool:
    """True when ``phone`` may receive a text message: a mobile number (or one whose kind the
    numbering plan cannot tell). A landline gets no "Text" link."""
    if not phone:
        return False
    try:
        number = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.UNKNOWN,
    )


class Site:
    """The app's shared state: the service, the signing secret and the templates."""

    def __init__(self, pl: Paylink, *, secret: bytes, static_url: str) -> None:
        self.pl = pl
        self.secret = secret
        self.static_url = static_url
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._envs: dict[str, jinja2.Environment] = {}

    def _env(self, lang: str) -> jinja2.Environment:
        env = self._envs.get(lang)
        if env is None:
            env = self._envs[lang] = self.env.overlay()
            env.filters.update(_filters(lang))
        return env

    async def run(self, fn: Callable[[], T]) -> T:
        """Run a (synchronous) service call in a worker thread."""
        return await anyio.to_thread.run_sync(fn)

    def render(
        self,
        request: Request,
        template: str,
        *,
        org: Organization,
        lang: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """A page of ``org`` in ``lang``: every word from the one catalogue, every value
        through the one formatting dialect."""
        html = (
            self._env(lang)
            .get_template(template)
            .render(
                org=org,
                lang=lang,
                t=words(lang),
                languages=list(LANGUAGES),
                nonce=request.scope.get("state", {}).get("csp_nonce", ""),
                static_url=self.static_url,
                org_texts=can_text(org.phone, org.country),
                beacon=context.pop("beacon", None),
                beacon_csrf=context.pop("beacon_csrf", ""),
                **context,
            )
        )
        return HTMLResponse(html, status_code=status_code)

    def lang(self, request: Request, customer: Customer | None, org: Organization) -> str:
        """The page language: ``?lang=``, else the customer's (or the organization's), else
        the browser's."""
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            return asked
        preferred = customer.language if customer else org.language
        return pick_language(preferred, request.headers.get("accept-language"))

    def not_found(self, request: Request) -> HTMLResponse:
        """The one answer for unknown, expired and cancelled tokens alike."""
        lang = pick_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        neutral = Organization(id="", name="paylink", country="BE")
        return self.render(request, "not_found.html", org=neutral, lang=lang, status_code=404)


class Family:
    """A family of pages (pay, quotes, portal, webhooks) over the shared :class:`Site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.pl = site.pl
        self.secret = site.secret


def forbidden_form() -> PlainTextResponse:
    """The answer to a form whose CSRF token is missing or stale."""
    return PlainTextResponse("forbidden: the form has expired, reload the page", status_code=403)


async def incoming(request: Request, url: str | None = None) -> WebhookRequest:
    """A webhook as plugins see it: method, full URL, lower-case headers, raw body."""
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    form: dict[str, str] = {}
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return WebhookRequest(
        method=request.method,
        url=url or str(request.url),
        headers=headers,
        body=body,
        form=form,
    )


def csrf_value(form: Mapping[str, Any]) -> str | None:
    """The form's ``csrf`` field, when it is text."""
    value = form.get("csrf")
    return value if isinstance(value, str) else None
