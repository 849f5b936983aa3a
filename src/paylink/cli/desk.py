"""``paylink desk``: the merchant's desk's users and API keys from the command line.

A password is never a flag (it would sit in the shell's history and the process list): it is
asked at a prompt (typed twice, not echoed) or read from ``$PAYLINK_DESK_PASSWORD``. A new API
key is printed once; only its hash is kept.
"""

from __future__ import annotations

import os
from typing import Any

import click

from ..exceptions import PaylinkError
from ._output import fail, print_json
from ._store import db_option, open_paylink, org_option, pick_organization

__all__ = ["desk"]

PASSWORD_ENV = "PAYLINK_DESK_PASSWORD"  # noqa: S105 - the variable's name, not a password


@click.group()
def desk() -> None:
    """The merchant's desk (/desk): users who sign in, and API keys for machines."""


@desk.group()
def user() -> None:
    """People who sign in to an organization's desk."""


@desk.group()
def key() -> None:
    """API keys that open one organization's desk to a machine."""


def _password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user.command("add")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.option("--email", required=True, help="The e-mail the user signs in with.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def user_add(url: str | None, org_id: str | None, email: str, as_json: bool) -> None:
    """Add a user; the password is asked (or read from $PAYLINK_DESK_PASSWORD)."""
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        added = pl.desk.add_user(org, email=email, password=_password())
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json({"id": added.id, "organization": added.organization_id, "email": added.email})
        return
    click.echo(f"added {added.email} ({added.id}) to {org.name}")


@user.command("list")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def user_list(url: str | None, org_id: str | None, as_json: bool) -> None:
    """List the organization's users."""
    pl = open_paylink(url)
    try:
        users = pl.desk.users(pick_organization(pl, org_id))
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    rows = [
        {
            "id": u.id,
            "email": u.email,
            "last_login_at": u.last_login_at,
            "disabled": u.disabled,
        }
        for u in users
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['email']}{'  (disabled)' if row['disabled'] else ''}")


@user.command("password")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.option("--email", required=True, help="The user's e-mail.")
def user_password(url: str | None, org_id: str | None, email: str) -> None:
    """Give a user a new password (asked, or read from $PAYLINK_DESK_PASSWORD); their
    sessions end."""
    pl = open_paylink(url)
    try:
        org = pick_organization(pl, org_id)
        found = [u for u in pl.desk.users(org) if u.email == email.strip().lower()]
        if not found:
            raise click.UsageError(f"no desk user {email} in {org.name}")
        pl.desk.set_password(org, found[0].id, _password())
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    click.echo(f"new password set for {found[0].email}")


def _key_row(k: Any) -> dict[str, Any]:
    return {
        "id": k.id,
        "name": k.name,
        "prefix": k.prefix,
        "created_at": k.created_at,
        "last_used_at": k.last_used_at,
        "revoked_at": k.revoked_at,
    }


@key.command("create")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.option("--name", default="key", show_default=True, help="What the key is for.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def key_create(url: str | None, org_id: str | None, name: str, as_json: bool) -> None:
    """Make an API key and print it once (use it as ``Authorization: Bearer KEY``)."""
    pl = open_paylink(url)
    try:
        made = pl.desk.create_key(pick_organization(pl, org_id), name=name)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    if as_json:
        print_json({**_key_row(made.key), "key": made.secret})
        return
    click.echo(f"{made.key.id}  {made.key.name}")
    click.echo(made.secret)
    click.echo("Keep it now: it is not shown again.", err=True)


@key.command("list")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def key_list(url: str | None, org_id: str | None, as_json: bool) -> None:
    """List the organization's API keys (never the keys themselves)."""
    pl = open_paylink(url)
    try:
        keys = pl.desk.keys(pick_organization(pl, org_id))
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    rows = [_key_row(k) for k in keys]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = "revoked" if row["revoked_at"] else "active"
        click.echo(f"{row['id']}  {row['prefix']}…  {state:<8} {row['name']}")


@key.command("revoke")
@db_option
@org_option("Organization id or name (default: the only one).")
@click.argument("key_id")
def key_revoke(url: str | None, org_id: str | None, key_id: str) -> None:
    """Revoke an API key at once."""
    pl = open_paylink(url)
    try:
        pl.desk.revoke_key(pick_organization(pl, org_id), key_id)
    except PaylinkError as exc:
        fail(exc)
    finally:
        pl.close()
    click.echo(f"revoked {key_id}")
