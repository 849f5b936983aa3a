"""Helpers for testing code that uses paylink, and a pytest plugin.

- Fakes (:mod:`paylink.testing.fakes`): a payment provider (:class:`FakeProvider` over a
  :class:`FakeBackend`), a message channel (:class:`FakeChannel` over a :class:`FakeMailbox`)
  a bank feed (:class:`FakeFeed` over a :class:`FakeBank`) and an e-invoice network
  (:class:`FakeNetwork` over a :class:`FakePeppol`, :mod:`paylink.testing.network`), each
  registered by its ``fake_*_plugin``.
- :class:`~paylink.clock.FixedClock` (re-exported here) to freeze and move time.
- :class:`ProviderConformance`, :class:`ChannelConformance` and :class:`FeedConformance`
  (:mod:`paylink.testing.conformance`): the suites provider, channel and feed plugins pass,
  and :class:`NetworkConformance` (:mod:`paylink.testing.network_conformance`) the one an
  e-invoice network plugin passes; imported on first use, as they need pytest.
- :class:`PostgresServer` (:mod:`paylink.testing.postgres`): a throwaway PostgreSQL server
  started from the machine's own server binaries (``initdb``/``pg_ctl``).
- :func:`camt053` and :class:`StatementLine`: write a camt.053 statement for a test.
- The pytest plugin (:mod:`paylink.testing.plugin`), registered automatically when paylink is
  installed, with the fixtures ``paylink_clock`` and ``paylink``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..clock import FixedClock
from ..statements.writer import StatementLine, camt053
from .fakes import (
    FakeBackend,
    FakeBank,
    FakeChannel,
    FakeFeed,
    FakeMailbox,
    FakeProvider,
    fake_channel_plugin,
    fake_feed_plugin,
    fake_provider_plugin,
    fake_signature,
)
from .network import FakeNetwork, FakePeppol, fake_network_plugin
from .postgres import PostgresServer, find_postgres_bin

if TYPE_CHECKING:
    from .conformance import ChannelConformance, FeedConformance, ProviderConformance
    from .network_conformance import NetworkConformance

__all__ = [
    "ChannelConformance",
    "FakeBackend",
    "FakeBank",
    "FakeChannel",
    "FakeFeed",
    "FakeMailbox",
    "FakeNetwork",
    "FakePeppol",
    "FakeProvider",
    "FeedConformance",
    "FixedClock",
    "NetworkConformance",
    "PostgresServer",
    "ProviderConformance",
    "StatementLine",
    "camt053",
    "fake_channel_plugin",
    "fake_feed_plugin",
    "fake_network_plugin",
    "fake_provider_plugin",
    "fake_signature",
    "find_postgres_bin",
]


def __getattr__(name: str) -> Any:
    # The conformance kit is a pytest suite: import it (and pytest) only when asked for, so
    # the rest of this package works where pytest is not installed.
    if name in ("ChannelConformance", "FeedConformance", "ProviderConformance"):
        from . import conformance

        return getattr(conformance, name)
    if name == "NetworkConformance":
        from .network_conformance import NetworkConformance

        return NetworkConformance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
