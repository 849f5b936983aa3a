"""The HTTP client the built-in plugins share: :mod:`paylink.http`, under its older name."""

from __future__ import annotations

from paylink.http import DEFAULT_TIMEOUT, ApiClient, scrub

__all__ = ["DEFAULT_TIMEOUT", "ApiClient", "scrub"]
