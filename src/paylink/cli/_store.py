"""The one way a command chooses its database, organization and public base URL.

Each setting comes from the first of: the command's flag (``--db``, ``--org``), the
environment (``PAYLINK_DATABASE_URL``, ``PAYLINK_ORG``, ``PAYLINK_BASE_URL``), the config file
(``paylink.toml`` in the working directory, or the file named by ``$PAYLINK_CONFIG``)::

    database = "sqlite:///var/lib/shop/paylink.db"
    org = "Garage Dupont SRL"
    base_url = "https://pay.example.com"

There is no default database, and no command but ``paylink init`` (and ``paylink demo``, in its
own folder) creates one: a missing store is a usage error that says how to create it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..exceptions import ConfigurationError

if TYPE_CHECKING:
    from ..parties import Organization
    from ..service import Paylink

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "choose_base_url",
    "choose_database",
    "choose_org",
    "db_option",
    "open_paylink",
    "org_option",
    "organizations",
    "pick_organization",
    "read_config",
]

F = TypeVar("F", bound=Callable[..., Any])

CONFIG_FILE = "paylink.toml"
"""The config file read from the working directory when ``$PAYLINK_CONFIG`` is not set."""

CONFIG_ENV = "PAYLINK_CONFIG"
"""The environment variable that names the config file."""

_KEYS = {"database", "org", "base_url"}


def read_config() -> tuple[Path | None, dict[str, str]]:
    """The config file in use and its settings (``None`` and nothing when there is none).

    A file named by ``$PAYLINK_CONFIG`` must exist; ``paylink.toml`` is read when present.
    Unknown keys and values that are not text are usage errors naming the file.
    """
    named = os.environ.get(CONFIG_ENV)
    path = Path(named) if named else Path(CONFIG_FILE)
    if not path.is_file():
        if named:
            raise click.UsageError(f"{CONFIG_ENV} names {path}, which is not a file")
        return None, {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise click.UsageError(f"{path}: not a readable TOML file ({exc})") from exc
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise click.UsageError(
            f"{path}: unknown setting {', '.join(unknown)} (expected {', '.join(sorted(_KEYS))})"
        )
    for key, value in data.items():
        if not isinstance(value, str):
            raise click.UsageError(f"{path}: {key} must be a string")
    return path, dict(data)


def _three_ways(flag: str, env: str, key: str) -> str:
    return (
        f'the option {flag}, the environment variable {env}, or {key} = "…" in '
        f"{CONFIG_FILE} (or the file named by ${CONFIG_ENV})"
    )


def choose_database(url: str | None) -> str:
    """The database URL: ``--db``, else ``$PAYLINK_DATABASE_URL``, else the config file's
    ``database``; a usage error naming the three ways when none is set."""
    if url:
        return url
    env = os.environ.get("PAYLINK_DATABASE_URL")
    if env:
        return env
    _, config = read_config()
    if config.get("database"):
        return config["database"]
    raise click.UsageError(
        "no database chosen: set it with "
        + _three_ways("--db URL", "PAYLINK_DATABASE_URL", "database")
        + "; create a new one with `paylink init --db sqlite:///paylink.db`"
    )


def choose_org(org_id: str | None) -> str | None:
    """The organization asked for: ``--org``, else ``$PAYLINK_ORG``, else the config file's
    ``org``; ``None`` when none is set."""
    if org_id:
        return org_id
    env = os.environ.get("PAYLINK_ORG")
    if env:
        return env
    return read_config()[1].get("org") or None


def choose_base_url(base_url: str | None = None) -> str | None:
    """The public base URL: the given one, else ``$PAYLINK_BASE_URL``, else the config
    file's ``base_url``; ``None`` when none is set (sending a link then fails, saying how)."""
    if base_url:
        return base_url
    return os.environ.get("PAYLINK_BASE_URL") or read_config()[1].get("base_url") or None


def db_option(function: F) -> F:
    """The ``--db URL`` option (parameter ``url``), resolved by :func:`choose_database`."""
    return click.option(
        "--db",
        "url",
        default=None,
        help="Database URL (else $PAYLINK_DATABASE_URL, else `database` in paylink.toml).",
    )(function)


def org_option(help: str = "Organization id or name.") -> Callable[[F], F]:
    """The ``--org ID`` option (parameter ``org_id``), resolved by :func:`choose_org`."""
    return click.option(
        "--org",
        "org_id",
        default=None,
        help=f"{help} Else $PAYLINK_ORG, else `org` in paylink.toml.",
    )


def open_paylink(url: str | None, *, create: bool = False, **options: Any) -> Paylink:
    """Open the store chosen by :func:`choose_database` as a :class:`~paylink.Paylink`.

    The store must exist unless ``create`` (``paylink init``): a missing one is a usage error
    that says how to create it. ``base_url`` defaults to :func:`choose_base_url`.
    """
    from ..service import Paylink

    chosen = choose_database(url)
    options["base_url"] = choose_base_url(options.get("base_url"))
    try:
        return Paylink.open(chosen, create=create, **options)
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from exc


def pick_organization(pl: Paylink, org_id: str | None) -> Organization:
    """The organization named by id or name (see :func:`choose_org`), or the only one when
    none is named.

    Anything else is a usage error (exit status 2) that names the ways to choose one and lists
    the database's organizations.
    """
    org_id = choose_org(org_id)
    orgs = pl.organizations.list()
    chosen = [o for o in orgs if o.id == org_id or o.name == org_id] if org_id else orgs
    if len(chosen) != 1:
        names = ", ".join(f"{o.id} ({o.name})" for o in orgs) or "none"
        problem = f"no organization {org_id!r}" if org_id else "choose the organization"
        raise click.UsageError(
            f"{problem}: set it with {_three_ways('--org ID', 'PAYLINK_ORG', 'org')}; "
            f"this database has: {names}"
        )
    return chosen[0]


def organizations(pl: Paylink, org_id: str | None) -> list[Organization]:
    """The organization chosen (see :func:`choose_org`), or every one when none is."""
    if choose_org(org_id) is None:
        return pl.organizations.list()
    return [pick_organization(pl, org_id)]
