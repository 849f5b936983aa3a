"""The network conformance kit, run against the fake network of ``paylink.testing``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from paylink.parties import PartyId
from paylink.ports import WebhookRequest
from paylink.testing import FakeNetwork, FakePeppol, FixedClock, NetworkConformance

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
KEY = "fp_conformance_key"
SECRET = "fp_conformance_secret"


class TestFakeNetworkConformance(NetworkConformance):
    network_class = FakeNetwork
    secrets = (KEY, SECRET)
    statuses: ClassVar[dict[str, str]] = {
        "sent": "sent",
        "delivered": "delivered",
        "refused": "refused",
    }

    @pytest.fixture(autouse=True)
    def _fresh(self) -> Iterator[None]:
        FakePeppol.reset()
        yield
        FakePeppol.reset()

    @property
    def peppol(self) -> FakePeppol:
        return FakePeppol.for_key(KEY)

    def make_network(self) -> Any:
        return FakeNetwork(api_key=KEY, webhook_secret=SECRET, clock=FixedClock(NOW))

    def arrange_participant(self, party: PartyId, *, found: bool) -> None:
        if found:
            self.peppol.register(str(party))

    def arrange_send(self) -> str:
        # The fake answers a key it has seen with the document it took for it: take one for
        # the key the suite sends, and the suite's send must get the same id back.
        self.peppol.register("0208:0202239951")
        taken = self.make_network().send(
            b"<x/>",
            PartyId("0208", "0403170701"),
            PartyId("0208", "0202239951"),
            idempotency_key="edl_conformance1",
        )
        return taken.network_id

    def sent_idempotency_keys(self) -> list[str]:
        return list(self.peppol.idempotency_keys)

    def arrange_status(self, network_id: str, status: str) -> None:
        self.peppol.documents[network_id] = {
            "status": status,
            "reason": "refused by the buyer" if status == "refused" else None,
        }

    def arrange_failure(self, status_code: int) -> None:
        self.peppol.register("0208:0202239951")
        self.peppol.fail(status_code)

    def make_webhook(self, network_id: str, status: str, *, valid: bool) -> WebhookRequest:
        self.peppol.documents[network_id] = {"status": status, "reason": None}
        return self.peppol.webhook(
            network_id, secret=SECRET if valid else "forged", url="https://x.example/w", at=NOW
        )

    def arrange_inbox(self, content: bytes) -> str:
        return self.peppol.receive(content)
