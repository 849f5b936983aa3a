"""One generic callback route per plugin kind; each plugin reads its own calls into values."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import httpx

from paylink import WebhookRejected, hookimpl
from paylink.context import PluginContext, Setting
from paylink.feeds import FeedResult, FeedWebhook
from paylink.ports import WebhookRequest
from paylink.testing import FakeBackend, fake_provider_plugin

from ..conftest import lines
from ._live import serve


class GoCardlessFeed:
    """A third party's feed: HMAC-signed webhooks that say whether there is something new."""

    name: ClassVar[str] = "gocardless_bad"
    secret_settings: ClassVar[frozenset[str]] = frozenset({"webhook_secret"})
    settings_spec: ClassVar[dict[str, Setting]] = {
        "webhook_secret": Setting(secret=True, required=True)
    }
    syncs: ClassVar[list[Mapping[str, Any]]] = []

    def __init__(self, *, webhook_secret: str, context: PluginContext) -> None:
        self._secret = webhook_secret.encode()
        self._context = context

    def sync(self, state: Mapping[str, Any]) -> FeedResult:
        GoCardlessFeed.syncs.append(dict(state))
        return FeedResult(state={"cursor": int(state.get("cursor", 0)) + 1})

    def parse_callback(self, request: WebhookRequest) -> FeedWebhook:
        expected = hmac.new(self._secret, request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-signature", "")):
            raise WebhookRejected("gocardless_bad: bad signature", status_code=401)
        event = str(json.loads(request.body).get("event", ""))
        return FeedWebhook(sync=event == "transactions.new", event=event)


class FeedPlugin:
    @hookimpl
    def paylink_register_bank_feeds(self, register: Any) -> None:
        register(GoCardlessFeed)


def signed(body: bytes, secret: str = "whsec-feed-1234") -> dict[str, str]:
    return {"x-signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_the_feed_route_syncs_when_the_feed_says_so(tmp_path: Path) -> None:
    GoCardlessFeed.syncs.clear()
    with serve(tmp_path, FeedPlugin()) as (pl, base):
        org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
        account = pl.feeds.connect(org, "gocardless_bad", webhook_secret="whsec-feed-1234")
        url = f"{base}/webhooks/feeds/gocardless_bad/{account.id}"
        assert account.webhook_url == url  # what to configure at the feed's side
        assert [a.webhook_url for a in pl.feeds.list(org)] == [url]
        new = json.dumps({"event": "transactions.new"}).encode()
        other = json.dumps({"event": "account.expiring"}).encode()
        assert httpx.post(url, content=new, headers=signed(new)).status_code == 200
        assert httpx.post(url, content=other, headers=signed(other)).status_code == 200
        assert GoCardlessFeed.syncs == [{}]
        assert httpx.post(url, content=new, headers=signed(new, "wrong")).status_code == 401
        wrong_name = f"{base}/webhooks/feeds/ponto/{account.id}"
        assert httpx.post(wrong_name, content=new, headers=signed(new)).status_code == 404
        older = f"{base}/feeds/{account.id}/webhook"
        assert httpx.post(older, content=new, headers=signed(new)).status_code == 200
        assert GoCardlessFeed.syncs == [{}, {"cursor": 1}]


def test_the_provider_route_and_its_older_alias(tmp_path: Path) -> None:
    FakeBackend.reset()
    with serve(tmp_path, fake_provider_plugin) as (pl, base):
        org = pl.organizations.create(name="Garage", country="BE", iban="BE71096123456769")
        customer = pl.customers.create(org, name="Marie", email="marie@example.be")
        account = pl.providers.connect(
            org, "fake", api_key="k_fake_route_1234", webhook_secret="whsec_fake_route"
        )
        link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
        checkout = pl.providers.checkout(link, "fake")
        backend = FakeBackend.for_key("k_fake_route_1234")
        backend.set_status(str(checkout.provider_reference), "paid")
        for path in (f"/webhooks/providers/fake/{account.id}", f"/webhooks/fake/{account.id}"):
            call = backend.webhook(
                str(checkout.provider_reference),
                secret="whsec_fake_route",
                url=base + path,
                at=pl.clock.now(),
            )
            answer = httpx.post(base + path, content=call.body, headers=dict(call.headers))
            assert answer.status_code == 200, answer.text
        assert pl.links.get(org, link.id).status == "paid"
