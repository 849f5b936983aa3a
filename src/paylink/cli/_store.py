"""The one way a command opens the database and picks the organization it works for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..parties import Organization
    from ..service import Paylink

__all__ = ["db_option", "open_paylink", "org_option", "organizations", "pick_organization"]

F = TypeVar("F", bound=Callable[..., Any])


def db_option(function: F) -> F:
    """The ``--db URL`` option (parameter ``url``); ``None`` lets :meth:`Paylink.open` choose."""
    return click.option(
        "--db",
        "url",
        default=None,
        help="Database URL (default: $PAYLINK_DATABASE_URL or sqlite:///paylink.db).",
    )(function)


def org_option(help: str = "Organization id or name.") -> Callable[[F], F]:
    """The ``--org ID`` option (parameter ``org_id``)."""
    return click.option("--org", "org_id", default=None, help=help)


def open_paylink(url: str | None, **options: Any) -> Paylink:
    """Open (create or migrate) the database at ``url`` as a :class:`~paylink.Paylink`."""
    from ..service import Paylink

    return Paylink.open(url, **options)


def pick_organization(pl: Paylink, org_id: str | None) -> Organization:
    """The organization named by id or name, or the only one when ``org_id`` is ``None``.

    Anything else is a usage error (exit status 2) that lists the database's organizations.
    """
    orgs = pl.organizations.list()
    chosen = [o for o in orgs if o.id == org_id or o.name == org_id] if org_id else orgs
    if len(chosen) != 1:
        names = ", ".join(f"{o.id} ({o.name})" for o in orgs) or "none"
        raise click.UsageError(f"choose the organization with --org; this database has: {names}")
    return chosen[0]


def organizations(pl: Paylink, org_id: str | None) -> list[Organization]:
    """The organization named by ``org_id``, or every one when it is ``None``."""
    if org_id is None:
        return pl.organizations.list()
    return [pick_organization(pl, org_id)]
