"""The feed kit, passed by a sample feed over HTTP and failing each fault planted in it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
import pytest

from paylink.context import PluginContext, Setting, build_plugin
from paylink.exceptions import WebhookRejected
from paylink.feeds import FeedResult, FeedWebhook
from paylink.money import Money
from paylink.ports import WebhookRequest
from paylink.statements.model import BankTransaction
from paylink.testing.conformance import FeedConformance

from .conftest import RunKit

TOKEN = "bank-data-token-0123456789"


class Bank:
    """The bank's API: transactions by position, answers queued by the test."""

    def __init__(self) -> None:
        self.booked: list[dict[str, str]] = []
        self.answers: list[int] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        status = self.answers.pop(0) if self.answers else 200
        if status == 0:
            raise httpx.ConnectError("refused", request=request)
        if status >= 400:
            return httpx.Response(status, json={"detail": "no"})
        after = int(request.url.params.get("after", "0"))
        return httpx.Response(
            200, json={"transactions": self.booked[after:], "next": len(self.booked)}
        )


class SampleFeed:
    """A third party's bank feed built on the plugin kit."""

    name: ClassVar[str] = "samplebank"
    secret_settings: ClassVar[frozenset[str]] = frozenset({"token"})
    settings_spec: ClassVar[dict[str, Setting]] = {"token": Setting(secret=True, required=True)}

    def __init__(self, *, token: str, context: PluginContext) -> None:
        self._token = token
        self._api = context.api(
            base_url="https://bank.example", headers={"Authorization": f"Bearer {token}"}
        )

    def __repr__(self) -> str:
        return "<SampleFeed>"

    def _state(self, next_position: int) -> Mapping[str, Any]:
        return {"after": next_position}

    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        after = str(state.get("after", 0))
        answer = self._api.json("GET", "/transactions", params={"after": after})
        transactions = [
            BankTransaction(
                id=row["id"],
                account_iban=None,
                booking_date=dt.date(2026, 3, 2),
                value_date=None,
                amount=Money.of(row["amount"], "EUR"),
            )
            for row in answer["transactions"]
        ]
        return FeedResult(transactions=transactions, state=self._state(int(answer["next"])))

    def parse_callback(self, request: WebhookRequest) -> FeedWebhook:
        mac = hmac.new(self._token.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, request.headers.get("x-signature", "")):
            raise WebhookRejected("samplebank: bad signature", status_code=401)
        event = str(json.loads(request.body)["event"])
        return FeedWebhook(sync=event == "transactions.new", event=event)


class SampleKit(FeedConformance):
    feed_class: ClassVar[type[Any]] = SampleFeed
    secrets = (TOKEN,)

    def setup(self) -> None:
        self.bank = Bank()

    @pytest.fixture(autouse=True)
    def _bank(self) -> None:
        self.setup()

    def make_feed(self) -> Any:
        http = httpx.Client(transport=httpx.MockTransport(self.bank.handle))
        context = PluginContext(name="samplebank", http=http, sleep=lambda _s: None)
        return build_plugin(self.feed_class, {"token": TOKEN}, context=context)

    def arrange_transactions(self, count: int) -> list[str]:
        start = len(self.bank.booked)
        rows = [{"id": f"tx-{start + i}", "amount": "12.50"} for i in range(count)]
        self.bank.booked.extend(rows)
        return [r["id"] for r in rows]

    def arrange_failure(self, status_code: int) -> None:
        retried = status_code in (0, 408, 409, 429) or status_code >= 500
        self.bank.answers.extend([status_code] * (3 if retried else 1))

    def make_webhook(self, *, valid: bool) -> WebhookRequest:
        body = json.dumps({"event": "transactions.new"}).encode()
        key = TOKEN if valid else "forged"
        mac = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        return WebhookRequest(
            method="POST",
            url="https://pay.example/webhooks/feeds/samplebank/fed_1",
            headers={"x-signature": mac},
            body=body,
        )


class TestSampleFeedConformance(SampleKit):
    """The sample feed passes the kit as pytest collects it."""


class CursorStuck(SampleFeed):
    def _state(self, next_position: int) -> Mapping[str, Any]:
        return {"after": 0}


class StateNotJson(SampleFeed):
    def _state(self, next_position: int) -> Mapping[str, Any]:
        return {"after": next_position, "at": dt.datetime(2026, 3, 2)}


class RawHttpx(SampleFeed):
    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        try:
            return super().sync(state)
        except Exception as exc:
            raise httpx.HTTPError("bank down") from exc


class ForgedAccepted(SampleFeed):
    def parse_callback(self, request: WebhookRequest) -> FeedWebhook:
        return FeedWebhook(sync=True, event="transactions.new")


class NeverSyncs(SampleFeed):
    def parse_callback(self, request: WebhookRequest) -> FeedWebhook:
        answer = super().parse_callback(request)
        return FeedWebhook(sync=False, event=answer.event)


def test_the_sample_passes_every_check(run_kit: RunKit) -> None:
    run = run_kit(SampleKit, "feed_class", SampleFeed)
    assert run.failed == []
    assert len(run.passed) == len([n for n in dir(FeedConformance) if n.startswith("test_")])


@pytest.mark.parametrize(
    ("fault", "caught_by"),
    [
        (CursorStuck, "test_the_cursor_moves_nothing_comes_twice"),
        (StateNotJson, "test_the_first_sync_brings_what_the_bank_has_with_a_json_state"),
        (RawHttpx, "test_failures_are_provider_errors"),
        (ForgedAccepted, "test_a_forged_webhook_is_rejected_with_a_4xx"),
        (NeverSyncs, "test_a_verified_webhook_asks_for_a_sync"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_every_planted_fault_is_caught(fault: type[Any], caught_by: str, run_kit: RunKit) -> None:
    assert caught_by in run_kit(SampleKit, "feed_class", fault).failed
