"""The merchant's desk part of ``paylink demo``: a user to sign in with, printed."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..exceptions import MissingExtra
from ..parties import Organization

if TYPE_CHECKING:
    from ..service import Paylink

__all__ = ["DEMO_DESK_EMAIL", "demo_desk"]

DEMO_DESK_EMAIL = "owner@garage-dupont.example"
"""The demo's desk user (a new random password is printed on each run)."""


def demo_desk(
    pl: Paylink, org: Organization, echo: Callable[[str], None] = print
) -> tuple[str, str] | None:
    """Add the demo's desk user with a fresh random password and say how to sign in; return
    ``(e-mail, password)``, or None without the ``web`` extra (password hashing)."""
    password = secrets.token_urlsafe(12)
    try:
        pl.desk.add_user(org, email=DEMO_DESK_EMAIL, password=password)
    except MissingExtra as exc:
        echo(f"   (no desk user: {exc})")
        return None
    echo(f"   sign in at {pl.base_url}/desk/login")
    echo(f"   e-mail:   {DEMO_DESK_EMAIL}")
    echo(f"   password: {password}   (made for this demo only; printed once)")
    return DEMO_DESK_EMAIL, password
