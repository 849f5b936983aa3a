"""The merchant's dashboard: ``/dashboard/{org_id}``, charts drawn as inline SVG on the server.

No JavaScript and no chart library: the page is HTML with ``<svg>`` elements (presentation
attributes only, so the Content-Security-Policy, which forbids inline scripts and style
attributes, holds), styled by one ``<style>`` block carrying the response's CSP nonce.

Access: the dashboard shows a merchant's receivables, so it is never public. Either

- give :func:`~paylink.web.create_app` (or :func:`create_dashboard_app`) a ``dashboard_token``:
  a request passes with ``Authorization: Bearer <token>``, or with the cookie
  ``paylink_dashboard`` set to :func:`dashboard_cookie` ``(token, org_id)`` (an HMAC, so the
  token itself never sits in a browser); both are compared with :func:`hmac.compare_digest`;
- or present a desk API key of the organization (``Authorization: Bearer plk_…``, see
  :mod:`paylink.web.desk`), when the routes were made with ``api_keys=True`` (as
  :func:`~paylink.web.create_app` does);
- or mount :func:`create_dashboard_app` with ``trust_host=True`` behind the host application's
  own authentication (a FastAPI dependency, Django's ``login_required`` in front of the ASGI
  mount, a reverse proxy): the host decides who may see which organization.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import anyio.to_thread
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from .. import reports as r
from ..exceptions import NotFound
from ..money import Money
from ..parties import Organization
from ..render import format_date, format_money, format_month, words
from ..render import label as word
from ..service import Paylink
from ..service.pages import EInvoiceTimeline
from .security import SecurityHeaders

__all__ = [
    "COOKIE_NAME",
    "create_dashboard_app",
    "dashboard_cookie",
    "dashboard_routes",
    "render_dashboard",
]

COOKIE_NAME = "paylink_dashboard"
"""The cookie that may carry a dashboard credential (see :func:`dashboard_cookie`)."""

_W, _H = Decimal(640), Decimal(220)
_IN, _OUT, _BAR, _GRID = "#2e7d32", "#c62828", "#1f4e79", "#d0d7de"


def _key(token: str | bytes) -> bytes:
    return token.encode() if isinstance(token, str) else token


def dashboard_cookie(token: str | bytes, org_id: str) -> str:
    """The value of the ``paylink_dashboard`` cookie that opens ``org_id``'s dashboard: an
    HMAC-SHA256 of the organization id under the dashboard token."""
    return hmac.new(_key(token), f"dashboard\x00{org_id}".encode(), hashlib.sha256).hexdigest()


def _allowed(request: Request, token: bytes, org_id: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() == "bearer" and presented:
        return hmac.compare_digest(presented.strip().encode(), token)
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return hmac.compare_digest(cookie.encode(), dashboard_cookie(token, org_id).encode())
    return False


# --- charts ------------------------------------------------------------------------------------


def _num(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1")))


def _scale(values: Sequence[Decimal]) -> Decimal:
    top = max((v for v in values), default=Decimal(0))
    return top if top > 0 else Decimal(1)


def _svg(title: str, body: Sequence[Markup], height: Decimal = _H) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" '
        'width="100%" aria-label="{t}"><title>{t}</title>{body}</svg>'
    ).format(w=_num(_W), h=_num(height), t=title, body=Markup("").join(body))


def _bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Money]]],
    lang: str,
) -> Markup:
    """Vertical bars: one group per label, one bar per series (name, colour, values)."""
    top = _scale([m.amount for _, _, values in series for m in values])
    left, bottom, plot_h = Decimal(10), _H - Decimal(40), _H - Decimal(60)
    group = (_W - left * 2) / max(len(labels), 1)
    bar = group * Decimal("0.7") / max(len(series), 1)
    parts = [
        Markup('<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{c}"/>').format(
            x1=_num(left), x2=_num(_W - left), y=_num(bottom), c=_GRID
        )
    ]
    for i, label in enumerate(labels):
        x0 = left + group * i + group * Decimal("0.15")
        for j, (name, colour, values) in enumerate(series):
            value = values[i]
            height = plot_h * value.amount / top if value.amount > 0 else Decimal(0)
            parts.append(
                Markup(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}">'
                    "<title>{n} {l}: {v}</title></rect>"
                ).format(
                    x=_num(x0 + bar * j),
                    y=_num(bottom - height),
                    w=_num(bar * Decimal("0.9")),
                    h=_num(height),
                    c=colour,
                    n=name,
                    l=label,
                    v=format_money(value, lang),
                )
            )
        parts.append(
            Markup(
                '<text x="{x}" y="{y}" font-size="11" text-anchor="middle" fill="#333">{l}</text>'
            ).format(x=_num(left + group * i + group / 2), y=_num(bottom + 16), l=label)
        )
    legend_x = left
    for name, colour, _ in series:
        parts.append(
            Markup(
                '<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/>'
                '<text x="{tx}" y="{ty}" font-size="11" fill="#333">{n}</text>'
            ).format(
                x=_num(legend_x),
                y=_num(_H - 14),
                c=colour,
                tx=_num(legend_x + 14),
                ty=_num(_H - 5),
                n=name,
            )
        )
        legend_x += Decimal(110)
    return _svg(title, parts)


def _hbars(title: str, rows: Sequence[tuple[str, Money]], lang: str) -> Markup:
    """Horizontal bars, one per row (label, amount)."""
    height = Decimal(24) * max(len(rows), 1) + Decimal(10)
    top = _scale([m.amount for _, m in rows])
    label_w, width = Decimal(180), _W - Decimal(300)
    parts = []
    for i, (label, money) in enumerate(rows):
        y = Decimal(5) + Decimal(24) * i
        w = width * money.amount / top if money.amount > 0 else Decimal(0)
        parts.append(
            Markup(
                '<text x="0" y="{ty}" font-size="12" fill="#333">{l}</text>'
                '<rect x="{x}" y="{y}" width="{w}" height="16" fill="{c}"/>'
                '<text x="{vx}" y="{ty}" font-size="12" fill="#333">{v}</text>'
            ).format(
                ty=_num(y + 13),
                l=label[:28],
                x=_num(label_w),
                y=_num(y),
                w=_num(w),
                c=_BAR,
                vx=_num(label_w + w + 6),
                v=format_money(money, lang),
            )
        )
    if not rows:
        parts.append(Markup('<text x="0" y="20" font-size="12" fill="#666">—</text>'))
    return _svg(title, parts, height)


def _bucket(name: str, lang: str) -> str:
    """An aging bucket's name in words (:data:`paylink.reports.AGING_BUCKETS`)."""
    for bucket, low, high in r.AGING_BUCKETS:
        if bucket != name:
            continue
        if low is None:
            return word(lang, "desk_not_due")
        if high is None:
            return word(lang, "desk_over", days=low - 1)
        return word(lang, "desk_days_late", low=low, high=high)
    return name


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:720px;color:#1b1f23}"
    "h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:2rem}"
    "table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}"
    "th:first-child,td:first-child{text-align:left}"
    "ol.einvoice{margin:0 0 1rem;padding-left:1.4rem}.refused{color:#c62828}"
)


def _einvoice_section(org: Organization, timelines: Sequence[EInvoiceTimeline]) -> Markup:
    """Each invoice's e-invoice deliveries: queued, sent, delivered or refused (with the
    network's reason), when, and which way (a network or e-mail)."""
    if not timelines:
        return Markup("")
    lang = org.language
    zone = zoneinfo.ZoneInfo(org.timezone)
    parts = [Markup("<h2>{}</h2>").format(word(lang, "desk_einvoices"))]
    for timeline in timelines:
        for delivery in timeline.deliveries:
            way = (
                word(lang, "einvoice_via_network", network=delivery.network or "")
                if delivery.via == "network"
                else word(lang, "einvoice_via_email")
            )
            to = word(lang, "einvoice_to", receiver=delivery.receiver or "")
            parts.append(
                Markup('<h3>{number}</h3><p>{way} {to}</p><ol class="einvoice">').format(
                    number=timeline.number, way=way, to=to
                )
            )
            for status, at, _detail in delivery.history:
                local = at.astimezone(zone)
                when = f"{format_date(local, lang)} {local:%H:%M}"
                reason = delivery.reason if status == "refused" and delivery.reason else ""
                parts.append(
                    Markup(
                        '<li class="{status}"><time datetime="{iso}">{when}</time> '
                        "<strong>{label}</strong>{reason}</li>"
                    ).format(
                        status=status,
                        iso=at.isoformat(),
                        when=when,
                        label=word(lang, f"einvoice_{status}"),
                        reason=Markup(": {}").format(reason) if reason else "",
                    )
                )
            parts.append(Markup("</ol>"))
    return Markup("").join(parts)


def _fees_table(cashflow: r.CashflowReport, lang: str) -> Markup:
    """The providers' payouts of the period as a table of values: per provider the gross
    received, the fees and the net paid to the bank (the figures themselves, not only bars)."""
    t = words(lang)
    totals = cashflow.fees_by_provider()
    if not totals:
        return Markup("<p>{}</p>").format(t["desk_fees_none"])
    rows = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            provider,
            format_money(gross, lang),
            format_money(fee, lang),
            format_money(net, lang),
        )
        for provider, (gross, fee, net) in totals.items()
    )
    return Markup(
        '<table class="fees"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>'
    ).format(
        t["desk_fees_provider"], t["desk_fees_gross"], t["desk_fees_fee"], t["desk_fees_net"], rows
    )


def render_dashboard(
    org: Organization,
    *,
    receivables: r.AgingReport,
    payables: r.AgingReport,
    cashflow: r.CashflowReport,
    customers: r.CustomersReport,
    dso: r.DsoReport,
    einvoices: Sequence[EInvoiceTimeline] = (),
    nonce: str = "",
) -> str:
    """The dashboard page (HTML with inline SVG charts) for already computed reports, with
    the e-invoice delivery history of the latest invoices (``pl.pages.einvoice_timelines``)."""
    lang = org.language
    t = words(lang)
    labels = [_bucket(b.label, lang) for b in receivables.buckets]
    aging_chart = _bars(
        t["desk_aging"],
        labels,
        [
            (t["desk_receivables"], _BAR, [b.amount for b in receivables.buckets]),
            (t["desk_payables"], _OUT, [b.amount for b in payables.buckets]),
        ],
        lang,
    )
    months = [format_month(m.month, lang) for m in cashflow.months]
    cash_chart = _bars(
        t["desk_cash_chart"],
        months,
        [
            (t["desk_cash_in"], _IN, [m.cash_in for m in cashflow.months]),
            (t["desk_cash_out"], _OUT, [m.cash_out for m in cashflow.months]),
        ],
        lang,
    )
    fees_table = _fees_table(cashflow, lang)
    top_chart = _hbars(t["desk_top"], [(c.name, c.open_balance) for c in customers.top(8)], lang)
    dso_text = "—" if dso.dso is None else word(lang, "desk_days", days=dso.dso)
    source = t["desk_source_bank" if cashflow.source == "bank" else "desk_source_payments"]
    page = Markup(
        '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>{name} — {title}</title><style nonce="{nonce}">{style}</style></head><body>'
        "<h1>{name}</h1>"
        "<table><tr><th>{open_label}</th><td>{open}</td></tr>"
        "<tr><th>{overdue_label}</th><td>{overdue}</td></tr>"
        "<tr><th>{payable_label}</th><td>{payable}</td></tr>"
        "<tr><th>{dso_label}</th><td>{dso}</td></tr></table>"
        "<h2>{aging_on}</h2>{aging}"
        "<h2>{cash_label}</h2><p>{source}</p>{cash}"
        "<h2>{fees_label}</h2>{fees}"
        "<h2>{top_label}</h2>{top}"
        "{einvoices}"
        "</body></html>"
    ).format(
        lang=lang,
        name=org.name,
        title=t["desk_title"],
        nonce=nonce,
        style=Markup(_STYLE),  # noqa: S704 - a constant of this module
        open_label=t["desk_open_receivables"],
        open=format_money(receivables.total, lang),
        overdue_label=t["desk_overdue"],
        overdue=format_money(receivables.overdue, lang),
        payable_label=t["desk_open_payables"],
        payable=format_money(payables.total, lang),
        dso_label=word(lang, "desk_dso", days=dso.days),
        dso=dso_text,
        aging_on=word(lang, "desk_aging_on", date=format_date(receivables.today, lang)),
        aging=aging_chart,
        cash_label=t["desk_cash"],
        source=word(lang, "desk_source", source=source),
        cash=cash_chart,
        fees_label=t["desk_fees"],
        fees=fees_table,
        top_label=t["desk_top"],
        top=top_chart,
        einvoices=_einvoice_section(org, einvoices),
    )
    return str(page)


# --- routes ------------------------------------------------------------------------------------


def _key_allowed(pl: Paylink, request: Request, org_id: str) -> bool:
    """Whether the request presents a live desk API key of ``org_id``."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip().startswith("plk_"):
        return False
    key = pl.desk.authenticate_key(presented.strip())
    return key is not None and key.organization_id == org_id


def dashboard_routes(
    pl: Paylink,
    *,
    token: str | bytes | None,
    trust_host: bool = False,
    api_keys: bool = False,
) -> list[Route]:
    """The dashboard's route (``/dashboard/{org_id}``), to add to a Starlette app.

    ``token`` or ``api_keys`` (a desk API key of the organization opens its dashboard) is
    required unless ``trust_host`` says the host application authenticates every request
    before it reaches the route.
    """
    if token is None and not trust_host and not api_keys:
        raise ValueError("give the dashboard a token, or trust_host=True behind the host's auth")
    key = _key(token) if token is not None else None
    guarded = key is not None or api_keys

    async def page(request: Request) -> Response:
        org_id = request.path_params["org_id"]
        allowed = not guarded or (key is not None and _allowed(request, key, org_id))
        if not allowed and api_keys:
            allowed = await anyio.to_thread.run_sync(lambda: _key_allowed(pl, request, org_id))
        if not allowed and key is None:
            # without a dashboard token, the dashboard exists for desk keys only
            return PlainTextResponse("not found", status_code=404)
        if not allowed:
            return PlainTextResponse(
                "authentication required", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )

        def load() -> dict[str, Any] | None:
            try:
                org = pl.organizations.get(org_id)
            except NotFound:
                return None
            return {
                "org": org,
                "receivables": pl.reports.aging(org),
                "payables": pl.reports.aging(org, kind="payables"),
                "cashflow": pl.reports.cashflow(org),
                "customers": pl.reports.customers(org),
                "dso": pl.reports.dso(org),
                "einvoices": pl.pages.einvoice_timelines(org),
            }

        data = await anyio.to_thread.run_sync(load)
        if data is None:
            return PlainTextResponse("not found", status_code=404)
        nonce = request.scope.get("state", {}).get("csp_nonce", "")
        org = data.pop("org")
        return HTMLResponse(render_dashboard(org, nonce=nonce, **data))

    return [Route("/dashboard/{org_id}", page, methods=["GET"])]


def create_dashboard_app(
    pl: Paylink, *, token: str | bytes | None = None, trust_host: bool = False
) -> Starlette:
    """The dashboard alone, as an ASGI app to mount in a host application.

    ``token`` defaults to ``$PAYLINK_DASHBOARD_TOKEN``; without one, ``trust_host=True`` is
    required (the host authenticates).
    """
    token = token if token is not None else os.environ.get("PAYLINK_DASHBOARD_TOKEN")
    return Starlette(
        routes=dashboard_routes(pl, token=token, trust_host=trust_host),
        middleware=[Middleware(SecurityHeaders)],
    )
