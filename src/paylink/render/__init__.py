"""Rendering: documents (HTML and PDF) and messages, branded and in four languages.

Pure: every function takes values (an organization, a customer, a document, a language, the
date) and returns strings or bytes. The service (``pl.renditions``, ``pl.messages.send``)
gathers the values from the store; nothing here reads a clock or a database.

- :func:`render_document` gives a printable A4 HTML page for an invoice, a quote, a credit
  note, a payment receipt or a reminder letter, with the organization's logo, colour,
  footnotes, legal terms, bank details, structured reference, EPC QR code and pay link.
- :func:`html_to_pdf` turns that page into a PDF with WeasyPrint (the ``pdf`` extra), fonts
  embedded.
- :mod:`paylink.render.format` is the one formatting dialect (money, dates, numbers,
  percentages per language) and :func:`words` the one catalogue of words: documents,
  messages and the web pages all use them.
- :func:`render_message` gives an e-mail (subject, text, HTML) or an SMS of one of the
  :data:`~paylink.notify.MESSAGE_KINDS`, from the default catalogue or from an organization's
  own saved template.

Saved templates are untrusted input: they run in jinja's sandbox
(:class:`~jinja2.sandbox.SandboxedEnvironment`: no access to Python internals), over plain
values only (strings and numbers, never the domain objects), and HTML output is autoescaped.
:func:`check_template` is what refuses a template with a syntax error, naming the line.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import jinja2
import segno
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..documents import CreditNote, Invoice, Quote
from ..exceptions import PluginError, ValidationError
from ..extras import require
from ..links import PaymentLink
from ..money import Money
from ..notify import MESSAGE_KINDS, sms_info
from ..parties import Customer, Organization
from ..payments import Payment
from ..qr import epc_qr
from ..reminders import ChargedFee
from ._i18n import LABELS, MESSAGES
from .format import (
    check_language,
    format_date,
    format_iban,
    format_money,
    format_month,
    format_number,
    format_percent,
    format_quantity,
    shop_text,
)

__all__ = [
    "DOCUMENT_KINDS",
    "MESSAGE_VARIABLES",
    "RenderedMessage",
    "check_language",
    "check_template",
    "default_message",
    "due_status",
    "fee_line_view",
    "format_date",
    "format_iban",
    "format_money",
    "format_month",
    "format_number",
    "format_percent",
    "format_quantity",
    "html_to_pdf",
    "label",
    "message_variables",
    "render_document",
    "render_message",
    "sample_variables",
    "shop_text",
    "words",
]

DOCUMENT_KINDS = ("invoice", "quote", "credit_note", "receipt", "reminder")
"""The documents :func:`render_document` draws."""

MESSAGE_VARIABLES: dict[str, str] = {
    "org.name": "the organization's name",
    "org.email": "its e-mail address",
    "org.phone": "its phone number",
    "org.website": "its website",
    "org.iban": "its IBAN, in groups of four",
    "customer.name": "the customer's name",
    "number": "the document's number",
    "amount": "the document's total (or the request's amount)",
    "open_amount": "what is still owed",
    "open_amount_zero": "true when nothing is owed any more",
    "total_due": "what to pay now (open amount plus reminder fees)",
    "fees_info_only": "true when the reminder fees are shown for information, not charged",
    "due_date": "the due date",
    "valid_until": "the last day a quote can be accepted",
    "issue_date": "the issue date",
    "reference": "the structured reference, as printed",
    "pay_url": "the payment link",
    "quote_url": "the page where the customer accepts a quote",
    "description": "what a payment request is for",
    "step": "the reminder step (1, 2, 3 …)",
    "fees": "the reminder fees (empty when none)",
    "days_overdue": "days since the due date (0 until it is past)",
    "pre_due": "true when the due date is today or still to come (a reminder before it)",
    "due_status": 'when it falls due, as a sentence says it ("is due in 3 days"), '
    "empty once past due",
    "paid_amount": "the payment just received",
    "method": "how it was paid",
    "received_on": "when it was received",
    "period": "the period an owner digest covers",
    "paid_count": "payments received in the period (owner digest)",
    "paid_total": "their total",
    "open_count": "open invoices (owner digest)",
    "open_total": "their total",
    "overdue_count": "overdue invoices (owner digest)",
    "overdue_total": "their total",
    "code": "a one-time code (portal sign-in)",
    "t": "the catalogue's words in the message's language ({{ t.due_date }}, {{ t.reference }})",
}
"""Every variable a message template can use, with what it holds (all are text or numbers)."""

_TEMPLATE_LIMIT = 20_000


def label(language: str, key: str, **values: object) -> str:
    """The catalogue's word for ``key`` in ``language``, with ``{name}`` fields filled in."""
    text = LABELS[check_language(language)][key]
    return text.format(**values) if values else text


def due_status(language: str, due_date: dt.date | None, today: dt.date | None) -> str:
    """How a sentence says when a not-yet-overdue invoice falls due: ``"is due in 3 days"``,
    ``"is due tomorrow"``, ``"is due today"`` (in ``language``); empty once it is past due, or
    without a due date or a day to count from."""
    if due_date is None or today is None or today > due_date:
        return ""
    days = (due_date - today).days
    if days == 0:
        return label(language, "is_due_today")
    if days == 1:
        return label(language, "is_due_tomorrow")
    return label(language, "is_due_in_days", n=days)


def _due_note(language: str, due_date: dt.date | None, today: dt.date | None) -> str:
    """The same, as a heading says it: ``"Due in 3 days"``, ``"Due tomorrow"``, ``"Due today"``."""
    if due_date is None or today is None or today > due_date:
        return ""
    days = (due_date - today).days
    if days == 0:
        return label(language, "due_today")
    if days == 1:
        return label(language, "due_tomorrow")
    return label(language, "due_in_days", n=days)


def default_message(kind: str, language: str) -> Mapping[str, str]:
    """The catalogue's default ``subject``, ``body`` and ``sms`` templates of a message kind
    (also ``"reminder_list"``: several overdue invoices in one reminder)."""
    return MESSAGES[check_language(language)][kind]


def words(language: str) -> Mapping[str, str]:
    """Every word of the catalogue in ``language`` (what templates see as ``t``)."""
    return LABELS[check_language(language)]


def fee_line_view(fee: ChargedFee, language: str) -> dict[str, Any]:
    """A charged fee line in words: ``label`` (which reminder, which day), ``details`` (the
    interest period and the compensation, when any) and ``amount``."""
    lang = check_language(language)
    details = []
    if fee.interest.amount and fee.interest_from and fee.interest_through:
        details.append(
            label(
                lang,
                "fee_interest",
                start=format_date(fee.interest_from, lang),
                end=format_date(fee.interest_through, lang),
                amount=format_money(fee.interest, lang),
            )
        )
    if fee.compensation.amount:
        details.append(label(lang, "fee_compensation", amount=format_money(fee.compensation, lang)))
    return {
        "label": label(
            lang,
            "charged_fee",
            name=shop_text(fee.step_name, lang),
            date=format_date(fee.charged_on, lang),
        ),
        "details": details,
        "amount": format_money(fee.amount, lang),
    }


def _qr_svg(data: str) -> Markup:
    code = segno.make(data, error="m", boost_error=False)
    return Markup(code.svg_inline(scale=3, dark="#000", omitsize=False))  # noqa: S704 - segno's own SVG


def _epc_svg(org: Organization, amount: Money, reference: str | None) -> Markup | None:
    if not org.iban or amount.currency != "EUR" or amount.amount <= 0:
        return None
    try:
        code = epc_qr(
            name=org.name[:70],
            iban=org.iban,
            bic=org.bic,
            amount=amount,
            reference=reference,
            text=None,
        )
    except ValidationError:
        return None
    return Markup(code.svg_inline(scale=3, omitsize=False))  # noqa: S704 - segno's own SVG


_LOADER = jinja2.PackageLoader("paylink.render", "templates")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=_LOADER,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENV = _environment()


def _safe_logo(url: str | None) -> str | None:
    """Logos are http(s) URLs or image data URIs; anything else (``javascript:``) is dropped."""
    if not url:
        return None
    if url.startswith(("https://", "http://", "data:image/")):
        return url
    return None


def _org_view(org: Organization, language: str) -> dict[str, Any]:
    return {
        "name": org.name,
        "address": org.address.lines(),
        "vat_id": org.vat_id or "",
        "iban": format_iban(org.iban),
        "bic": org.bic or "",
        "email": org.email or "",
        "phone": org.phone or "",
        "website": org.website or "",
        "logo": _safe_logo(org.logo_url),
        "color": org.brand_color,
        "payment_footnote": shop_text(org.payment_footnote, language),
        "estimate_footnote": shop_text(org.estimate_footnote, language),
        "legal_terms": shop_text(org.legal_terms, language),
    }


def render_document(
    kind: str,
    *,
    organization: Organization,
    customer: Customer,
    document: Invoice | Quote | CreditNote,
    language: str | None = None,
    link: PaymentLink | None = None,
    quote_url: str | None = None,
    invoice_number: str | None = None,
    payment: Payment | None = None,
    step: int = 1,
    fees: Money | None = None,
    today: dt.date | None = None,
    fee_lines: Sequence[ChargedFee] = (),
    fees_info_only: bool = False,
    provider_qrs: Mapping[str, str] | None = None,
) -> str:
    """The printable HTML page of a document.

    ``kind`` is one of :data:`DOCUMENT_KINDS`; ``document`` the invoice (for ``invoice``,
    ``receipt`` and ``reminder``), the quote or the credit note. ``language`` defaults to the
    customer's. ``link`` puts the pay link and its QR code on an invoice or a reminder;
    ``quote_url`` the approval page on a quote; ``invoice_number`` names the invoice a credit
    note credits; ``payment`` is the payment a receipt confirms; ``step``, ``fees`` and
    ``today`` (the letter's date, from which the days overdue count) make a reminder letter.

    ``fee_lines`` are the fees charged on an invoice (``pl.reminders.fee_lines``): already in
    its open amount, they are listed as lines above it. ``fees`` on a reminder letter is a
    fee of this letter not recorded on the invoice: added to what is to pay, or only shown
    with ``fees_info_only`` (a policy with ``fee_mode="info"``).

    ``provider_qrs`` are the static QR payloads of the organization's payment providers for
    what is to pay, by provider name (Payconiq's Invoice QR): each is drawn next to the EPC QR
    while the invoice is open, labelled from the catalogue (``scan_<provider>``).
    """
    if kind not in DOCUMENT_KINDS:
        raise ValidationError(f"expected one of {', '.join(DOCUMENT_KINDS)}", field="kind")
    lang = check_language(language or customer.language)
    expected = {"quote": Quote, "credit_note": CreditNote}.get(kind, Invoice)
    if not isinstance(document, expected):
        raise ValidationError(
            f"a {kind} is drawn from a {expected.__name__}, got {type(document).__name__}",
            field="document",
        )

    def money(m: Money) -> str:
        return format_money(m, lang)

    lines = [
        {
            "description": line.description,
            "quantity": format_quantity(line.quantity, lang)
            + (f" {line.unit}" if line.unit else ""),
            "unit_price": money(Money.of(line.unit_price, document.currency)),
            "discount": format_percent(line.discount, lang) if line.discount else "",
            "vat_rate": format_percent(line.vat_rate, lang),
            "net": money(line.net(document.currency)),
        }
        for line in document.lines
    ]
    vat_rows = [
        label(lang, "vat_on", rate=format_percent(v.rate, lang), base=money(v.base))
        + "|"
        + money(v.vat)
        for v in document.vat_breakdown
    ]
    view: dict[str, Any] = {
        "kind": kind,
        "title": label(lang, kind),
        "number": document.number or "",
        "issue_date": format_date(document.issue_date, lang),
        "lines": lines,
        "has_discount": any(line.discount for line in document.lines),
        "net_total": money(document.net_total),
        "vat_rows": [row.split("|", 1) for row in vat_rows],
        "total": money(document.total),
        "due_date": "",
        "valid_until": "",
        "paid": "",
        "credited": "",
        "open_amount": "",
        "to_pay": None,
        "reference": "",
        "epc_svg": None,
        "pay_url": None,
        "pay_svg": None,
        "provider_qrs": [],
        "quote_url": quote_url,
        "credits": invoice_number or "",
        "reason": "",
        "notes": getattr(document, "notes", ""),
        "intro": "",
        "outro": "",
        "receipt": None,
        "reminder": None,
        "footnote": "",
        "fee_lines": [],
        "shows_open": False,
    }
    org = organization
    if isinstance(document, Invoice):
        reference = document.reference
        ref_text = reference.display if reference else ""
        open_amount = document.open_amount
        view.update(
            due_date=format_date(document.due_date, lang),
            paid=money(document.paid) if document.paid.amount else "",
            credited=money(document.credited) if document.credited.amount else "",
            open_amount=money(open_amount),
            reference=ref_text,
            footnote=shop_text(org.payment_footnote, lang),
            fee_lines=[fee_line_view(f, lang) for f in fee_lines],
            shows_open=bool(document.paid.amount or document.credited.amount or fee_lines),
        )
        to_pay = open_amount
        if kind == "reminder":
            days = document.days_overdue(today) if today else 0
            status = due_status(lang, document.due_date, today)
            if fees is not None and fees.amount and not fees_info_only:
                to_pay = open_amount + fees
            view["reminder"] = {
                "step": step,
                "fees": money(fees) if fees is not None and fees.amount else "",
                "fees_label": label(lang, "fees_info" if fees_info_only else "fees"),
                "days_overdue": days,
                "pre_due": bool(status),
                "due_note": _due_note(lang, document.due_date, today) if status else "",
                "to_pay": money(to_pay),
            }
            view["issue_date"] = format_date(today, lang) if today else view["issue_date"]
            view["intro"] = label(
                lang,
                "reminder_intro_pre_due" if status else "reminder_intro",
                number=document.number,
                date=format_date(document.issue_date, lang),
                status=status,
                due=format_date(document.due_date, lang),
            )
            view["outro"] = label(lang, "reminder_outro")
        if kind == "receipt":
            if payment is None:
                raise ValidationError("a receipt needs the payment it confirms", field="payment")
            received = next(
                (a.amount for a in payment.allocations if a.invoice_id == document.id),
                payment.amount,
            )
            view["receipt"] = {
                "received_on": format_date(payment.received_on, lang),
                "amount": money(received),
                "remaining": money(open_amount) if open_amount.amount > 0 else "",
            }
            view["issue_date"] = format_date(payment.received_on, lang)
            view["intro"] = label(lang, "receipt_intro", number=document.number)
            view["outro"] = label(lang, "settled") if open_amount.amount <= 0 else ""
        elif open_amount.amount > 0 and document.status not in ("paid", "cancelled"):
            view["to_pay"] = money(to_pay)
            # Our own catalogue text, with the values escaped and kept on one line each.
            nowrap = Markup('<span style="white-space:nowrap">{}</span>')
            view["transfer"] = (
                Markup(LABELS[lang]["transfer_to"]).format(  # noqa: S704
                    amount=nowrap.format(money(to_pay)),
                    iban=nowrap.format(format_iban(org.iban)),
                    reference=nowrap.format(ref_text or document.number or ""),
                )
                if org.iban
                else ""
            )
            view["epc_svg"] = _epc_svg(org, to_pay, str(reference) if reference else None)
            view["provider_qrs"] = [
                {"svg": _qr_svg(payload), "label": LABELS[lang].get(f"scan_{name}", name)}
                for name, payload in sorted((provider_qrs or {}).items())
                if payload
            ]
            if link is not None and link.url and not link.is_final:
                view["pay_url"] = link.url
                view["pay_svg"] = _qr_svg(link.url)
    elif isinstance(document, Quote):
        view.update(
            valid_until=format_date(document.valid_until, lang),
            footnote=shop_text(org.estimate_footnote, lang),
            outro=label(lang, "quote_outro", date=format_date(document.valid_until, lang))
            if document.valid_until
            else "",
        )
        if quote_url:
            view["pay_svg"] = _qr_svg(quote_url)
    else:
        view.update(reason=document.reason)
    return _ENV.get_template("document.html").render(
        t=LABELS[lang],
        lang=lang,
        org=_org_view(org, lang),
        customer={
            "name": customer.name,
            "address": customer.address.lines(),
            "vat_id": customer.vat_id or "",
        },
        doc=view,
    )


def _data_only_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that loads ``data:`` URIs only.

    A PDF is rendered on the server: an organization's logo URL must never make the server call
    an internal address (SSRF) or read a local file.
    """
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 66
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> Any:
        if not url.startswith("data:"):
            raise ValueError("only data: URIs are loaded into PDFs")
        return urls.default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)

    return fetch


def html_to_pdf(html: str) -> bytes:
    """Render an HTML page (from :func:`render_document`) to PDF bytes with WeasyPrint.

    Fonts come from fontconfig (DejaVu Sans by default) and are embedded (subset). Images are
    only loaded from ``data:`` URIs: a logo given as an http(s) URL is left out of the PDF.
    Needs the ``pdf`` extra (``pip install "paylink-invoices[pdf]"``) and the pango library.
    """
    try:
        weasyprint = require("weasyprint", extra="pdf", feature="PDF rendering")
    except OSError as exc:  # pragma: no cover - WeasyPrint is there, a system library is not
        raise PluginError(
            f"PDF rendering needs the pango library (Debian: libpango-1.0-0): {exc}"
        ) from exc
    import logging

    # WeasyPrint logs a warning for every refused resource; the refusal is deliberate.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher(weasyprint))
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


# --- messages ---------------------------------------------------------------------------------


@attrs.frozen
class RenderedMessage:
    """A rendered message: for e-mail ``subject``, ``text`` and ``html``; for SMS ``text``.

    ``segments`` and ``encoding`` are set for SMS (see :func:`paylink.notify.sms_info`).
    """

    subject: str
    text: str
    html: str = ""
    segments: int | None = None
    encoding: str | None = None


# What one render of a saved template may make: characters of output, and items of ranges,
# repeated or joined strings and lists. A template is untrusted input and a worker must not be
# tied up (or its memory filled) by ``{{ 'x' * 300000000 }}`` or a loop in a loop.
_OUTPUT_LIMIT = 100_000
_WORK_LIMIT = 1_000_000
_WORK: contextvars.ContextVar[list[int]] = contextvars.ContextVar("paylink_template_work")


class _TooMuch(Exception):
    """A saved template asked for more than one render may make."""


def _spend(amount: int, what: str) -> None:
    budget = _WORK.get(None)
    if budget is None:
        budget = [0]
        _WORK.set(budget)
    budget[0] += max(amount, 0)
    if amount > _OUTPUT_LIMIT * 10 or budget[0] > _WORK_LIMIT:
        raise _TooMuch(f"{what} makes more than a message may hold")


def _sized(value: Any) -> bool:
    return isinstance(value, (str, list, tuple))


def _bounded_range(*args: int) -> range:
    result = range(*args)
    _spend(len(result), "this range")
    return result


def _bounded(function: Any) -> Any:
    """A filter that refuses numbers big enough to make an oversized string (``center``,
    ``indent``, ``truncate`` ...)."""

    # The filtered value itself (after the context or environment a filter may ask for) is
    # data, not a size: only the filter's arguments are checked.
    skip = 2 if getattr(function, "jinja_pass_arg", None) else 1

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[skip:], *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool):
                _spend(abs(value), "this filter")
        return function(*args, **kwargs)

    return bounded


class _Sandbox(SandboxedEnvironment):
    """The sandbox saved templates run in: no internals, and output sizes kept small.

    Repetition, concatenation and powers are checked before they are computed (which also
    stops jinja from computing constants at compile time), ranges and number arguments of
    filters and methods count against one budget per render, and the output is cut off.
    """

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape, undefined=jinja2.StrictUndefined)
        self.globals["range"] = _bounded_range
        self.filters = {name: _bounded(f) for name, f in self.filters.items()}

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        """Check an arithmetic operator's result size, then compute it."""
        if operator == "*":
            if _sized(left) and isinstance(right, int):
                _spend(len(left) * right, "this repetition")
            elif _sized(right) and isinstance(left, int):
                _spend(len(right) * left, "this repetition")
        elif operator == "+" and _sized(left) and _sized(right):
            _spend(len(left) + len(right), "this concatenation")
        elif operator == "**" and isinstance(left, int) and isinstance(right, (int, float)):
            if abs(left) > 1 and right > 64:
                raise _TooMuch("this power is too large for a message")
        elif operator == "%" and isinstance(left, str) and re.search(r"\d{5,}", left):
            raise _TooMuch("this format makes more than a message may hold")
        return super().call_binop(context, operator, left, right)

    def call(
        __self,
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Call a method in the sandbox, refusing numbers that would make oversized values
        (``'x'.ljust(10**9)``)."""
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool):
                _spend(abs(value), "this call")
        return super().call(__context, __obj, *args, **kwargs)


_SANDBOX_TEXT = _Sandbox(autoescape=False)
_SANDBOX_HTML = _Sandbox(autoescape=True)


def check_template(source: str, *, field: str = "body") -> None:
    """Refuse a template that does not parse, naming the line, or that is too long.

    Raises :class:`~paylink.exceptions.ValidationError`.
    """
    if len(source) > _TEMPLATE_LIMIT:
        raise ValidationError(
            f"a template holds at most {_TEMPLATE_LIMIT} characters, got {len(source)}",
            field=field,
        )
    try:
        _SANDBOX_TEXT.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(f"line {exc.lineno}: {exc.message}", field=field) from None


@functools.lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> jinja2.Template:
    # Compiling is the expensive part; the same few templates are rendered again and again.
    return (_SANDBOX_HTML if html else _SANDBOX_TEXT).from_string(source)


def _render_sandboxed(source: str, variables: Mapping[str, Any], *, html: bool, field: str) -> str:
    token = _WORK.set([0])
    try:
        parts: list[str] = []
        size = 0
        for part in _compiled(source, html).generate(**variables):
            size += len(part)
            if size > _OUTPUT_LIMIT:
                raise _TooMuch(f"the output is longer than {_OUTPUT_LIMIT} characters")
            parts.append(part)
        return "".join(parts)
    except _TooMuch as exc:
        raise ValidationError(f"the template makes too much: {exc}", field=field) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(f"line {exc.lineno}: {exc.message}", field=field) from None
    except jinja2.exceptions.SecurityError as exc:
        raise ValidationError(
            f"the template is not allowed to do this: {exc}", field=field
        ) from None
    except jinja2.UndefinedError as exc:
        raise ValidationError(
            f"{exc.message}; known variables: {', '.join(sorted(MESSAGE_VARIABLES))}",
            field=field,
        ) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError, MemoryError) as exc:
        raise ValidationError(f"the template failed: {exc}", field=field) from None
    finally:
        _WORK.reset(token)


_BLANK = re.compile(r"\n\s*\n")


def _paragraphs(html_text: str) -> Markup:
    # html_text was rendered with autoescape, so it is safe HTML: only structure is added.
    parts = [p.strip() for p in _BLANK.split(html_text) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup(p.replace("\n", "<br>\n")))  # noqa: S704
        for p in parts
    )


def render_message(
    kind: str,
    *,
    channel_kind: str,
    language: str,
    variables: Mapping[str, Any],
    organization: Organization,
    subject_template: str | None = None,
    body_template: str | None = None,
) -> RenderedMessage:
    """Render a message of ``kind`` for ``channel_kind`` (``"email"`` or ``"sms"``).

    ``variables`` come from :func:`message_variables`. ``subject_template`` and
    ``body_template`` override the default catalogue entry (an organization's saved template);
    either way the template runs in the sandbox. The e-mail's HTML is the text body, escaped,
    in the organization's branded layout with a button for the pay link.
    """
    if kind not in MESSAGE_KINDS:
        raise ValidationError(f"expected one of {', '.join(MESSAGE_KINDS)}", field="kind")
    lang = check_language(language)
    defaults = MESSAGES[lang][kind]
    if channel_kind == "sms":
        source = body_template if body_template is not None else defaults["sms"]
        text = " ".join(_render_sandboxed(source, variables, html=False, field="body").split())
        info = sms_info(text)
        return RenderedMessage("", text, "", info.segments, info.encoding)
    if channel_kind != "email":
        raise ValidationError("expected 'email' or 'sms'", field="channel")
    subject_src = subject_template if subject_template is not None else defaults["subject"]
    body_src = body_template if body_template is not None else defaults["body"]
    subject = " ".join(
        _render_sandboxed(subject_src, variables, html=False, field="subject").split()
    )
    text = _render_sandboxed(body_src, variables, html=False, field="body").strip() + "\n"
    body_html = _paragraphs(_render_sandboxed(body_src, variables, html=True, field="body"))
    button_url = variables.get("pay_url") or variables.get("quote_url") or ""
    button_label = label(lang, "pay_online" if variables.get("pay_url") else "open_quote")
    html = _ENV.get_template("email.html").render(
        t=LABELS[lang],
        lang=lang,
        org=_org_view(organization, lang),
        subject=subject,
        body=body_html,
        button_url=button_url if str(button_url).startswith(("https://", "http://")) else "",
        button_label=button_label,
    )
    return RenderedMessage(subject, text, html)


def message_variables(
    *,
    language: str,
    organization: Organization,
    customer: Customer | None = None,
    sms: bool = False,
    invoice: Invoice | None = None,
    quote: Quote | None = None,
    link: PaymentLink | None = None,
    quote_url: str | None = None,
    payment: Payment | None = None,
    step: int = 1,
    fees: Money | None = None,
    today: dt.date | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The plain values (text and numbers) a message template sees; see :data:`MESSAGE_VARIABLES`.

    ``sms`` formats amounts with ordinary spaces (a no-break space would switch the SMS to
    UCS-2); amounts and dates are otherwise written as on every page and document.
    """
    lang = check_language(language)

    def money(m: Money) -> str:
        return format_money(m, lang, plain=sms)

    def date(d: dt.date | None) -> str:
        return format_date(d, lang)

    org = organization
    zero = Money.zero(org.currency)
    values: dict[str, Any] = {
        "org": {
            "name": org.name,
            "email": org.email or "",
            "phone": org.phone or "",
            "website": org.website or "",
            "iban": format_iban(org.iban),
        },
        "customer": {"name": customer.name if customer else ""},
        "t": dict(LABELS[lang]),
        "code": "",
        "number": "",
        "amount": "",
        "open_amount": "",
        "open_amount_zero": False,
        "total_due": "",
        "due_date": "",
        "valid_until": "",
        "issue_date": "",
        "reference": "",
        "pay_url": link.url if link is not None and link.url else "",
        "quote_url": quote_url or "",
        "description": link.description if link is not None else "",
        "step": step,
        "fees": money(fees) if fees is not None and fees.amount else "",
        "fees_info_only": False,
        "days_overdue": 0,
        "pre_due": False,
        "due_status": "",
        "paid_amount": "",
        "method": "",
        "received_on": "",
        "period": "",
        "paid_count": 0,
        "paid_total": money(zero),
        "open_count": 0,
        "open_total": money(zero),
        "overdue_count": 0,
        "overdue_total": money(zero),
    }
    if link is not None:
        values["amount"] = money(link.amount)
        values["total_due"] = money(link.amount)
        if link.reference:
            values["reference"] = link.reference
    if invoice is not None:
        open_amount = invoice.open_amount
        total_due = open_amount + fees if fees is not None else open_amount
        values.update(
            number=invoice.number or "",
            amount=money(invoice.total),
            open_amount=money(open_amount),
            open_amount_zero=open_amount.amount <= 0,
            total_due=money(total_due),
            due_date=date(invoice.due_date),
            issue_date=date(invoice.issue_date),
            reference=invoice.reference.display if invoice.reference else "",
            days_overdue=invoice.days_overdue(today) if today else 0,
        )
        status = due_status(lang, invoice.due_date, today)
        values.update(pre_due=bool(status), due_status=status)
    if quote is not None:
        values.update(
            number=quote.number or "",
            amount=money(quote.total),
            valid_until=date(quote.valid_until),
            issue_date=date(quote.issue_date),
        )
    if payment is not None:
        received = payment.amount
        if invoice is not None:
            received = next(
                (a.amount for a in payment.allocations if a.invoice_id == invoice.id), received
            )
        values.update(
            paid_amount=money(received),
            method=LABELS[lang].get(f"method_{payment.method}", payment.method.replace("_", " ")),
            received_on=date(payment.received_on),
        )
    if extra:
        values.update(extra)
    return values


def sample_variables(organization: Organization, language: str) -> dict[str, Any]:
    """Complete example values, used to try a saved template before it is stored."""
    values = message_variables(language=language, organization=organization)
    values.update(
        customer={"name": "Marie Peeters"},
        number="2026-000123",
        amount=format_money(Money.of("108.90", organization.currency), language),
        open_amount=format_money(Money.of("108.90", organization.currency), language),
        total_due=format_money(Money.of("118.90", organization.currency), language),
        due_date=format_date(dt.date(2026, 4, 1), language),
        valid_until=format_date(dt.date(2026, 4, 1), language),
        issue_date=format_date(dt.date(2026, 3, 2), language),
        reference="+++202/6000/12320+++",
        pay_url="https://pay.example/pay/abc",
        quote_url="https://pay.example/quote/abc",
        description="Repair",
        fees=format_money(Money.of("10", organization.currency), language),
        days_overdue=15,
        pre_due=False,
        due_status="",
        paid_amount=format_money(Money.of("108.90", organization.currency), language),
        method="bank transfer",
        received_on=format_date(dt.date(2026, 3, 20), language),
        period="March 2026",
    )
    return values
