"""The live server of tests/web, for the provider pages and webhooks over real HTTP."""

from __future__ import annotations

from tests.web.conftest import live

__all__ = ["live"]
