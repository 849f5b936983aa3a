"""The errors paylink raises, as one tree.

Catch :class:`PaylinkError` to handle anything paylink raises on purpose; catch a narrower
class to handle one kind of failure::

    PaylinkError
    ├── ValidationError        (also a ValueError) a value or a field is not what was expected
    ├── NotFound               (also a LookupError) no such organization, customer, document …
    ├── StateError             the object exists but is not in a state that allows the action
    ├── ConflictError          a unique thing already exists (a duplicate, a second active link)
    ├── PluginError            a plugin is missing, broken, or registered twice
    ├── ConfigurationError     a setting the action needs is missing (database, base URL, secret)
    ├── MissingExtra           (also an ImportError) a feature needs an extra that is not installed
    ├── ProviderError          a payment provider, message channel or bank feed failed
    │   ├── ProviderUnavailable    timeouts, connection errors, 5xx after the retries
    │   ├── ProviderRejected       4xx: the provider refused the request
    │   └── ProviderAuthError      401/403: credentials are wrong or revoked
    ├── WebhookRejected        an incoming webhook failed verification; nothing was applied
    └── StatementError         (also a ValueError) a bank file is malformed; nothing was imported

Messages name the object and say what was expected. They never contain a secret (an API key, a
webhook secret, a token) nor a full IBAN or card number: use :func:`mask_iban` when an account
must be named.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "MissingExtra",
    "NotFound",
    "PaylinkError",
    "PluginError",
    "ProviderAuthError",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "StateError",
    "StatementError",
    "ValidationError",
    "WebhookRejected",
    "mask_iban",
]


class PaylinkError(Exception):
    """Base class of every error paylink raises on purpose."""


class ValidationError(PaylinkError, ValueError):
    """A value is not what was expected.

    ``field`` names the offending field (``"iban"``, ``"lines[2].quantity"``) when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class NotFound(PaylinkError, LookupError):
    """The requested object does not exist (or belongs to another organization)."""


class StateError(PaylinkError):
    """The object is not in a state that allows this action (e.g. approving a declined quote)."""


class ConflictError(PaylinkError):
    """The action would create a duplicate of something that must be unique."""


class PluginError(PaylinkError):
    """A plugin could not be found, loaded or used."""


class ConfigurationError(PaylinkError):
    """A setting the action needs was not given: which database to open, the public base URL
    links are built on, the secret URL tokens derive from. ``setting`` names it (``"secret"``
    for the secret); the message says every way to set it."""

    def __init__(self, message: str, *, setting: str = "secret") -> None:
        self.setting = setting
        super().__init__(message)


class MissingExtra(PaylinkError, ImportError):
    """A feature needs an optional dependency that is not installed.

    ``feature`` says what was asked for, ``extra`` the extra that brings it, ``module`` the
    missing module; the message includes the command that installs the extra.
    """

    def __init__(self, feature: str, extra: str, module: str, *, hint: str) -> None:
        self.feature = feature
        self.extra = extra
        self.module = module
        super().__init__(f"{feature} needs the {extra!r} extra ({module} is not installed): {hint}")


class ProviderError(PaylinkError):
    """An external provider (payments, messages, bank feed) failed.

    ``provider`` is the provider's name (``"stripe"``); ``request_id`` is the provider's own id
    of the failed request when it sent one, so support can trace it; ``status_code`` is the HTTP
    status when there was a response.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        request_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.provider = provider
        self.request_id = request_id
        self.status_code = status_code
        detail = f"{provider}: {message}"
        if status_code is not None:
            detail += f" (HTTP {status_code})"
        if request_id:
            detail += f" [request id {request_id}]"
        super().__init__(detail)


class ProviderUnavailable(ProviderError):
    """The provider did not answer usefully (timeout, connection error, 5xx) after retrying."""


class ProviderRejected(ProviderError):
    """The provider refused the request (a 4xx other than authentication)."""


class ProviderAuthError(ProviderRejected):
    """The provider refused the credentials (401/403)."""


class WebhookRejected(PaylinkError):
    """An incoming webhook failed verification (signature, timestamp, account, body).

    ``status_code`` is the HTTP status the web app answers with (400, 401, 404 …).
    """

    def __init__(self, message: str, *, status_code: int = 400) -> None:
        self.status_code = status_code
        super().__init__(message)


class StatementError(PaylinkError, ValueError):
    """A bank statement file is malformed.

    Carries where: ``file`` (a path or name), ``line`` (1-based) for line formats, or
    ``element`` (an XML element path) for XML formats.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.element = element
        where = [part for part in (file, f"line {line}" if line else None, element) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


def mask_iban(iban: str) -> str:
    """Return an IBAN safe for messages and logs: country, check digits and the last four.

    >>> mask_iban("BE71096123456769")
    'BE71…6769'
    """
    compact = "".join(iban.split()).upper()
    if len(compact) <= 8:
        return "…" + compact[-2:]
    return f"{compact[:4]}…{compact[-4:]}"
