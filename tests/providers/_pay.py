"""Shared helpers for the card and wallet provider tests (Stripe, Mollie, Payconiq, fake)."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import httpx

from paylink import Invoice, Paylink
from paylink.links import PaymentLink
from paylink.parties import Customer, Organization
from paylink.ports import WebhookRequest

from ..conftest import lines

DATA = Path(__file__).parent / "data"
STRIPE_KEY = "sk_test_51PaylinkSecretKeyThatMustNeverLeak"
STRIPE_WHSEC = "whsec_PaylinkWebhookSecretThatMustNeverLeak"


def data(provider: str, name: str) -> Any:
    """A provider's documented object, kept as JSON under ``data/<provider>/``."""
    return json.loads((DATA / provider / name).read_text())


def form_of(request: httpx.Request) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.content.decode()))


def no_sleep(pl: Paylink) -> list[float]:
    """Make retries instant; return the list of delays they asked for."""
    delays: list[float] = []
    pl.providers.sleep = delays.append
    return delays


def invoice_link(pl: Paylink, org: Organization, customer: Customer) -> tuple[Invoice, PaymentLink]:
    invoice = pl.invoices.issue(org, customer, lines=lines())
    return invoice, pl.links.create(invoice)


def webhook(
    url: str, body: bytes, headers: dict[str, str], form: dict[str, str] | None = None
) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=url,
        headers={k.lower(): v for k, v in headers.items()},
        body=body,
        form=form or {},
    )
