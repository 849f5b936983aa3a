"""The HTTP client of plugins: the shared retry and idempotency policy, public.

Every built-in provider, channel and feed talks to its outside party through it, and so can
yours: a plugin gets one from its :class:`~paylink.context.PluginContext`
(``context.api(...)``) or builds one itself. One :class:`ApiClient` per account, over an
``httpx.Client`` whose transport tests may replace. Explicit timeouts; two retries with
capped exponential backoff and full jitter on connection errors, timeouts and 408/409/429/5xx
answers, honouring ``Retry-After``. The idempotency key of a logical operation is made by the
caller once, before the retry loop, and sent unchanged on every attempt. Errors surface as
:class:`~paylink.exceptions.ProviderError` subclasses that carry the provider's request id
and never a credential.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from .exceptions import ProviderAuthError, ProviderRejected, ProviderUnavailable

__all__ = ["DEFAULT_TIMEOUT", "RETRY_STATUSES", "ApiClient", "scrub"]

log = logging.getLogger("paylink.providers.http")

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Ten seconds to read an answer, five to connect: a checkout is waited for by a person."""

RETRY_STATUSES = frozenset({408, 409, 429})
"""The 4xx statuses that are retried (besides every 5xx): timeout, conflict, rate limit."""
_MAX_RETRY_AFTER = 20.0


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (longer than three characters) replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) > 3:
            text = text.replace(secret, "***")
    return text


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


class ApiClient:
    """Requests to one provider account's API, with retries and provider errors.

    ``headers`` (the ``Authorization`` header among them) are sent on every request and never
    shown; ``secrets`` are scrubbed from any error message built from a provider's answer.
    ``request_id_header`` names the header in which the provider returns its request id
    (``Request-Id`` for Stripe). ``error_message`` extracts a readable message from an error
    answer's JSON. ``sleep`` is called between attempts (tests pass a function that does not
    wait); ``max_retries`` is how many times a failed attempt is repeated; ``retry_statuses``
    replaces :data:`RETRY_STATUSES` for a provider whose 4xx answers mean something else (a
    409 that says "already done" is an answer, not a reason to try again).
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        headers: Mapping[str, str],
        secrets: Iterable[str] = (),
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        request_id_header: str = "request-id",
        error_message: Callable[[Any], str | None] | None = None,
        max_retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._secrets = tuple(s for s in secrets if s)
        self._own_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._sleep = sleep if sleep is not None else time.sleep
        self._request_id_header = request_id_header
        self._error_message = error_message
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retry_statuses = retry_statuses

    def __repr__(self) -> str:
        return f"<ApiClient {self.provider} {self.base_url}>"

    def close(self) -> None:
        """Close the underlying ``httpx.Client`` when this client made it."""
        if self._own_http:
            self._http.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            hinted = _retry_after(response)
            if hinted is not None:
                return min(hinted, _MAX_RETRY_AFTER)
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return random.uniform(0, ceiling)  # full jitter: retries of many clients spread out

    def request(
        self,
        method: str,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        idempotency_header: str = "Idempotency-Key",
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send one logical request (retrying as needed) and return the successful response.

        ``path`` is relative to the account's base URL, or absolute (a URL the provider
        returned). ``idempotency_key``, made by the caller once per logical operation, is sent
        on every attempt. ``authenticated=False`` leaves the account's headers (its
        credentials) out, for public documents on other hosts (a JWKS). Raises
        :class:`~paylink.exceptions.ProviderAuthError` (401/403),
        :class:`~paylink.exceptions.ProviderRejected` (other 4xx) or
        :class:`~paylink.exceptions.ProviderUnavailable` (after the retries).
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        sent_headers = {**(self._headers if authenticated else {}), **(headers or {})}
        if idempotency_key:
            sent_headers[idempotency_header] = idempotency_key
        attempt = 0
        while True:
            response: httpx.Response | None = None
            problem: str
            try:
                response = self._http.request(
                    method, url, data=data, json=json, params=params, headers=sent_headers
                )
            except httpx.TimeoutException:
                problem = "the request timed out"
            except httpx.TransportError as exc:
                problem = f"could not connect ({type(exc).__name__})"
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in self.retry_statuses and response.status_code < 500:
                    raise self._rejected(response)
                problem = "the provider is unavailable"
            if attempt >= self.max_retries:
                request_id = response.headers.get(self._request_id_header) if response else None
                raise ProviderUnavailable(
                    f"{problem} after {attempt + 1} attempts ({method} {_path_of(url)})",
                    provider=self.provider,
                    request_id=request_id,
                    status_code=response.status_code if response is not None else None,
                )
            delay = self._delay(attempt, response)
            log.info(
                "%s: %s %s failed (%s), retrying in %.2fs",
                self.provider,
                method,
                _path_of(url),
                response.status_code if response is not None else problem,
                delay,
            )
            self._sleep(delay)
            attempt += 1

    def _rejected(self, response: httpx.Response) -> ProviderRejected:
        message = None
        if self._error_message is not None:
            try:
                message = self._error_message(response.json())
            except ValueError:
                message = None
        text = scrub(message or "the provider refused the request", self._secrets)
        kind = ProviderAuthError if response.status_code in (401, 403) else ProviderRejected
        return kind(
            text[:500],
            provider=self.provider,
            request_id=response.headers.get(self._request_id_header),
            status_code=response.status_code,
        )

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request` and return the decoded JSON body."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderUnavailable(
                "the provider answered with something that is not JSON",
                provider=self.provider,
                request_id=response.headers.get(self._request_id_header),
                status_code=response.status_code,
            ) from exc


def _path_of(url: str) -> str:
    """The URL without its query (query strings may carry ids we need not log)."""
    return url.split("?", 1)[0]
