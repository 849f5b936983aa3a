"""``pl.desk``: who may open an organization's desk — its users and API keys, and sign-in.

- **Users** sign in with an e-mail and a password. The e-mail is unique over the database, a
  user belongs to one organization, and the store keeps an argon2id hash of the password only.
- **Sign-in** (:meth:`Desk.login`) answers the same ``"wrong"`` for an unknown e-mail and a
  wrong password (no one learns which e-mails exist), and is limited in the store, so the limit
  holds across processes: after 5 failures in 15 minutes for one e-mail, or 20 from one client
  address, sign-in answers ``"locked"`` until the window has passed (also with the right
  password). A successful sign-in clears the account's failures. Concurrent sign-ins for one
  e-mail (known or not) or from one address take turns, so a burst of parallel guesses gets
  no more tries than the limits.
- **API keys** open one organization's desk to a machine (``Authorization: Bearer plk_…``).
  The key is returned once, by :meth:`Desk.create_key`; the store keeps its SHA-256 and its
  first characters. A revoked key opens nothing; each use is noted (``last_used_at``).

Sessions are the web app's business (a signed cookie naming the user); it asks
:meth:`Desk.session_user` on each request whether the user still may sign in.
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any, Literal

import attrs

from ..exceptions import NotFound, StateError
from ..parties import Organization
from ..store import desk as q
from ._base import Resource, new_id
from ._desk_auth import (
    ACCOUNT_LIMIT,
    IP_LIMIT,
    WINDOW,
    check_password,
    dummy_hash,
    hash_key,
    hash_password,
    needs_rehash,
    new_key,
    normalise_email,
    verify_password,
)

__all__ = ["ApiKey", "Desk", "DeskUser", "LoginResult", "NewApiKey"]


@attrs.frozen(kw_only=True)
class DeskUser:
    """A person who signs in to one organization's desk (never carries the password hash)."""

    id: str
    organization_id: str
    email: str
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None
    disabled: bool = False
    password_changed_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class ApiKey:
    """An API key as the store knows it: its name, first characters (``prefix``), when it was
    made, last used and revoked. The key itself is shown once (:class:`NewApiKey`)."""

    id: str
    organization_id: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the key still opens the desk."""
        return self.revoked_at is None


@attrs.frozen(kw_only=True)
class NewApiKey:
    """A key just made: ``secret`` is the only copy (the store keeps its hash); hand it over
    once. Its repr never shows it."""

    key: ApiKey
    secret: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class LoginResult:
    """The answer to a sign-in: ``outcome`` is ``"ok"`` (``user`` is set), ``"wrong"`` (an
    unknown e-mail and a wrong password alike) or ``"locked"`` (too many failures for the
    account or the address; ``retry_after`` says how long to wait)."""

    outcome: Literal["ok", "wrong", "locked"]
    user: DeskUser | None = None
    retry_after: dt.timedelta | None = None


def _user(row: Any) -> DeskUser:
    return DeskUser(
        id=row.id,
        organization_id=row.organization_id,
        email=row.email,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        disabled=row.disabled_at is not None,
        password_changed_at=row.password_changed_at,
    )


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class Desk(Resource):
    """``pl.desk``: the desk's users, sign-in and API keys (see the module doc)."""

    # -- users ----------------------------------------------------------------------------------
    def add_user(self, org: Organization | str, *, email: str, password: str) -> DeskUser:
        """Add a user who signs in to ``org``'s desk with ``email`` and ``password`` (at least
        10 characters). Raises :class:`~paylink.exceptions.ValidationError` for a malformed
        e-mail or a short password, :class:`~paylink.exceptions.StateError` when the e-mail
        already has a user (in any organization)."""
        address = normalise_email(email)
        check_password(password)
        digest = hash_password(password)  # slow on purpose: before the transaction
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            if q.user_by_email(unit.conn, address) is not None:
                raise StateError(f"a desk user with the e-mail {address} exists already")
            user_id = new_id("usr")
            values = {
                "id": user_id,
                "organization_id": organization.id,
                "email": address,
                "password_hash": digest,
                "created_at": unit.now,
                "password_changed_at": unit.now,
            }
            q.insert_user(unit.conn, values)
            row = q.get_user(unit.conn, user_id)
        return _user(row)

    def users(self, org: Organization | str) -> builtins.list[DeskUser]:
        """The organization's users, by e-mail."""
        with self._ctx.store.transaction() as conn:
            return [_user(r) for r in q.list_users(conn, self._org_id(org))]

    def user(self, org: Organization | str, user_id: str) -> DeskUser:
        """The organization's user with this id (NotFound for another organization's)."""
        with self._ctx.store.transaction() as conn:
            row = q.get_user(conn, user_id)
        if row is None or row.organization_id != self._org_id(org):
            raise NotFound(f"no desk user {user_id!r} in this organization")
        return _user(row)

    def set_password(self, org: Organization | str, user_id: str, password: str) -> DeskUser:
        """Give the user a new password; sessions signed before it stop working."""
        check_password(password)
        digest = hash_password(password)
        found = self.user(org, user_id)
        with self._ctx.unit() as unit:
            q.update_user(unit.conn, found.id, password_hash=digest, password_changed_at=unit.now)
            q.clear_failures(unit.conn, found.email)
            row = q.get_user(unit.conn, found.id)
        return _user(row)

    def disable_user(self, org: Organization | str, user_id: str) -> DeskUser:
        """Stop a user from signing in (their sessions stop working too)."""
        found = self.user(org, user_id)
        with self._ctx.unit() as unit:
            q.update_user(unit.conn, found.id, disabled_at=unit.now)
            row = q.get_user(unit.conn, found.id)
        return _user(row)

    def session_user(self, user_id: str, signed_at: dt.datetime) -> DeskUser | None:
        """The user a session signed at ``signed_at`` names, while it may still open the desk:
        None for an unknown or disabled user, or a session older than their last new
        password or their last sign-out."""
        with self._ctx.store.transaction() as conn:
            row = q.get_user(conn, user_id)
        if row is None or row.disabled_at is not None:
            return None
        # a session's time is kept in whole seconds
        for ended in (row.password_changed_at, row.signed_out_at):
            if ended is not None and signed_at < ended.replace(microsecond=0):
                return None
        return _user(row)

    def sign_out(self, user_id: str) -> None:
        """End every session of the user signed until now (on every device)."""
        with self._ctx.unit() as unit:
            q.update_user(unit.conn, user_id, signed_out_at=unit.now)

    # -- sign-in --------------------------------------------------------------------------------
    def login(self, email: str, password: str, *, ip: str = "") -> LoginResult:
        """Check an e-mail and password, within the login limits (see the module doc)."""
        try:
            address = normalise_email(email)
        except ValueError:
            address = email.strip().lower()[:254]
        client = (ip or "-")[:45]
        with self._ctx.unit() as unit:
            since = unit.now - WINDOW
            q.take_turn(unit.conn, address, client)
            row = q.user_by_email(unit.conn, address)
            if (
                q.count_failures(unit.conn, since, email=address) >= ACCOUNT_LIMIT
                or q.count_failures(unit.conn, since, ip=client) >= IP_LIMIT
            ):
                return LoginResult(outcome="locked", retry_after=WINDOW)
            ok = verify_password(row.password_hash if row else dummy_hash(), password)
            if row is None or not ok or row.disabled_at is not None:
                q.add_failure(unit.conn, new_id("lf"), address, client, unit.now)
                return LoginResult(outcome="wrong")
            q.clear_failures(unit.conn, address)
            changes: dict[str, Any] = {"last_login_at": unit.now}
            if needs_rehash(row.password_hash):
                changes["password_hash"] = hash_password(password)
            q.update_user(unit.conn, row.id, **changes)
            row = q.get_user(unit.conn, row.id)
        return LoginResult(outcome="ok", user=_user(row))

    # -- API keys -------------------------------------------------------------------------------
    def create_key(self, org: Organization | str, *, name: str) -> NewApiKey:
        """Make an API key for ``org``; the returned :class:`NewApiKey` carries the only copy
        of the key."""
        label = name.strip()[:100] or "key"
        secret = new_key()
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            key_id = new_id("key")
            values = {
                "id": key_id,
                "organization_id": organization.id,
                "name": label,
                "prefix": secret[:12],
                "key_hash": hash_key(secret),
                "created_at": unit.now,
            }
            q.insert_key(unit.conn, values)
            row = q.get_key(unit.conn, organization.id, key_id)
        return NewApiKey(key=_key(row), secret=secret)

    def keys(self, org: Organization | str) -> builtins.list[ApiKey]:
        """The organization's API keys, oldest first, revoked ones included."""
        with self._ctx.store.transaction() as conn:
            return [_key(r) for r in q.list_keys(conn, self._org_id(org))]

    def revoke_key(self, org: Organization | str, key_id: str) -> ApiKey:
        """Revoke the organization's key at once. Raises NotFound for an unknown key, or one
        of another organization, or one revoked already."""
        org_id = self._org_id(org)
        with self._ctx.unit() as unit:
            if not q.revoke_key(unit.conn, org_id, key_id, unit.now):
                raise NotFound(f"no live API key {key_id!r} in this organization")
            row = q.get_key(unit.conn, org_id, key_id)
        return _key(row)

    def authenticate_key(self, secret: str) -> ApiKey | None:
        """The live key ``secret`` is, noting its use; None for an unknown or revoked one."""
        if not secret.startswith("plk_"):
            return None
        with self._ctx.unit() as unit:
            row = q.find_key(unit.conn, hash_key(secret))
            if row is None or row.revoked_at is not None:
                return None
            q.touch_key(unit.conn, row.id, unit.now)
            row = q.get_key(unit.conn, row.organization_id, row.id)
        return _key(row)
