"""Payment provider accounts, checkout attempts and refunds: the values ``pl.providers`` returns.

An organization connects its own account at a provider (``pl.providers.connect(org, "stripe",
api_key=...)``); the credentials are stored with the account and never shown back: a
:class:`ProviderAccount`'s repr and :meth:`ProviderAccount.public_settings` leave them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from .money import Money

__all__ = ["CheckoutAttempt", "ProviderAccount", "RefreshReport", "Refund"]


@attrs.frozen(kw_only=True)
class ProviderAccount:
    """One organization's account at one payment provider.

    ``settings`` holds everything the provider plugin is instantiated with, credentials
    included: it is left out of the repr; use :meth:`public_settings` to show them.
    ``webhook_url`` is where the provider must send its webhooks (the web app's
    ``/webhooks/{provider}/{id}``).
    """

    id: str
    organization_id: str
    provider: str
    methods: tuple[str, ...]
    settings: Mapping[str, Any] = attrs.field(repr=False)
    secret_settings: frozenset[str] = attrs.field(repr=False, default=frozenset())
    webhook_url: str = ""
    active: bool = True
    created_at: dt.datetime | None = None

    @property
    def base_url(self) -> str | None:
        """The API host override (a sandbox, a mock server), or ``None`` for the default."""
        value = self.settings.get("base_url")
        return str(value) if value else None

    def public_settings(self) -> dict[str, Any]:
        """The settings with every secret replaced by ``"***"``."""
        return {
            key: ("***" if key in self.secret_settings and value else value)
            for key, value in self.settings.items()
        }


@attrs.frozen(kw_only=True)
class CheckoutAttempt:
    """One logical attempt to pay a link through a provider.

    Its ``idempotency_key`` is made once, stored before the provider is called, and sent again
    on every retry of the same attempt, so a double click or a lost answer never makes two
    checkouts. ``status`` is ``pending`` (the provider has not answered yet), ``open`` (the
    customer was sent to the provider) or ``closed`` (finished, cancelled or expired).
    """

    id: str
    organization_id: str
    account_id: str
    provider: str
    link_id: str
    idempotency_key: str = attrs.field(repr=False)
    status: str
    amount: Money
    provider_reference: str | None = None
    redirect_url: str | None = None
    data: Mapping[str, Any] = attrs.field(factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class Refund:
    """Money given back on a payment, and what it took off each invoice."""

    id: str
    organization_id: str
    payment_id: str
    amount: Money
    status: str
    provider: str | None = None
    provider_reference: str | None = None
    allocations: tuple[tuple[str, Money], ...] = ()
    created_at: dt.datetime | None = None


@attrs.frozen
class RefreshReport:
    """What the janitor did: the links it asked about, those that changed, and the failures."""

    checked: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
