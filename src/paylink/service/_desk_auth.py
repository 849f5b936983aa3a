"""The desk's secrets, one floor down: password hashing (argon2id), API-key making and
hashing, and the login limits.

Passwords are hashed with argon2id through ``argon2-cffi`` (the ``web`` extra); API keys are
256 random bits, so one SHA-256 is enough to keep them unreadable in the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from types import ModuleType
from typing import Any

from ..exceptions import ValidationError
from ..extras import require

__all__ = [
    "ACCOUNT_LIMIT",
    "IP_LIMIT",
    "KEY_PREFIX",
    "MIN_PASSWORD",
    "WINDOW",
    "check_password",
    "dummy_hash",
    "hash_key",
    "hash_password",
    "needs_rehash",
    "new_key",
    "normalise_email",
    "verify_password",
]

WINDOW = dt.timedelta(minutes=15)
"""The window the login limits count failures over."""
ACCOUNT_LIMIT = 5
"""Failed sign-ins per e-mail in :data:`WINDOW` after which the account waits."""
IP_LIMIT = 20
"""Failed sign-ins per client address in :data:`WINDOW` after which it waits."""
KEY_PREFIX = "plk_"
"""How every desk API key starts (so a leaked one is easy to recognise and scan for)."""

MIN_PASSWORD = 10
_hasher: Any = None


def _argon2() -> ModuleType:
    return require("argon2", extra="web", feature="the merchant's desk (password hashing)")


def _password_hasher() -> Any:
    global _hasher
    if _hasher is None:
        _hasher = _argon2().PasswordHasher()
    return _hasher


def normalise_email(email: str) -> str:
    """The e-mail as it is stored and compared: trimmed, lower case; refused without an ``@``."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or len(value) > 254 or " " in value:
        raise ValidationError("expected an e-mail address like name@example.com", field="email")
    return value


def check_password(password: str) -> None:
    """Refuse a password too short to resist guessing."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"expected a password of at least {MIN_PASSWORD} characters", field="password"
        )


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted, with the library's parameters)."""
    return str(_password_hasher().hash(password))


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash."""
    errors = _argon2().exceptions
    try:
        return bool(_password_hasher().verify(stored, password))
    except (errors.VerifyMismatchError, errors.VerificationError, errors.InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than the library's current ones."""
    return bool(_password_hasher().check_needs_rehash(stored))


_DUMMY: list[str] = []


def dummy_hash() -> str:
    """A hash to verify against for an unknown e-mail, so it costs as long as a known one."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def new_key() -> str:
    """A new API key: :data:`KEY_PREFIX` and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The SHA-256 (hex) under which a key is stored and looked up."""
    return hashlib.sha256(key.encode()).hexdigest()
