"""The provider kit catches every fault planted, one at a time, in a sample provider."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs
import httpx
import pytest

from paylink import FixedClock
from paylink.exceptions import ProviderError, ProviderRejected, ProviderUnavailable
from paylink.ports import Checkout, PaymentRequest, ProviderEvent, WebhookRequest
from paylink.testing import FakeBackend, FakeProvider, ProviderConformance

from ..conftest import START
from .conftest import RunKit


class Sample(FakeProvider):
    """The sample provider: the fake one, keeping its API key at hand (as real ones do)."""

    def __init__(self, *, api_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(api_key=api_key, **kwargs)
        self._api_key = api_key or ""


class KeyInError(Sample):
    def start_payment(self, request: PaymentRequest) -> Checkout:
        try:
            return super().start_payment(request)
        except ProviderRejected as exc:
            raise ProviderRejected(f"refused for {self._api_key}", provider=self.name) from exc


class KeyInRepr(Sample):
    def __repr__(self) -> str:
        return f"<KeyInRepr key={self._api_key}>"


class RawHttpxError(Sample):
    def start_payment(self, request: PaymentRequest) -> Checkout:
        try:
            return super().start_payment(request)
        except ProviderUnavailable as exc:
            if "connect" in str(exc):
                raise httpx.ConnectError("connection refused") from None
            raise


class ForeignEventAccepted(Sample):
    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        account, self.account_id = self.account_id, ""  # the account check forgotten
        try:
            return super().parse_webhook(request)
        finally:
            self.account_id = account


class NewKeyPerRetry(Sample):
    def start_payment(self, request: PaymentRequest) -> Checkout:
        fresh = attrs.evolve(
            request, idempotency_key=f"{request.idempotency_key}-{secrets.token_hex(2)}"
        )
        return super().start_payment(fresh)


class AuthErrorAsRejected(Sample):
    def start_payment(self, request: PaymentRequest) -> Checkout:
        try:
            return super().start_payment(request)
        except ProviderError as exc:
            if exc.status_code == 401:
                raise ProviderUnavailable("try later", provider=self.name) from None
            raise


class ForgedWebhookAccepted(Sample):
    def parse_webhook(self, request: WebhookRequest) -> Sequence[ProviderEvent]:
        self._secrets = (*self._secrets, "fk_forged")
        return super().parse_webhook(request)


class KitForSample(ProviderConformance):
    """The kit as a plugin author runs it, for ``provider_class``."""

    provider_class: ClassVar[type[Any]] = Sample
    secret = "fk_whsec_planted"

    def setup(self) -> None:
        self.api_key = f"fk_test_{secrets.token_hex(8)}"
        self.secrets = (self.api_key, self.secret)  # type: ignore[misc]
        self.backend = FakeBackend.for_key(self.api_key)
        self.clock = FixedClock(START)

    def make_provider(self) -> Any:
        return self.provider_class(
            api_key=self.api_key,
            webhook_secret=self.secret,
            account_id="pacc_kit",
            clock=self.clock,
        )

    def arrange_payment(self, reference: str, status: str, request: PaymentRequest) -> None:
        self.backend.set_status(reference, status)

    def make_webhook(
        self, reference: str, status: str, request: PaymentRequest, *, valid: bool
    ) -> WebhookRequest:
        self.backend.set_status(reference, status)
        return self.backend.webhook(
            reference,
            secret=self.secret if valid else "fk_forged",
            url=request.webhook_url,
            at=self.clock.now(),
        )

    def make_foreign_webhook(
        self, reference: str, status: str, request: PaymentRequest
    ) -> WebhookRequest:
        self.backend.set_status(reference, status)
        self.backend.payments[reference]["account"] = "pacc_another_merchant"
        return self.backend.webhook(
            reference, secret=self.secret, url=request.webhook_url, at=self.clock.now()
        )

    def sent_idempotency_keys(self) -> list[str]:
        return self.backend.idempotency_keys

    def arrange_failure(self, status_code: int) -> None:
        self.backend.fail(status_code)

    def arrange_network_error(self) -> None:
        self.backend.fail(0)


def test_the_sample_provider_passes_the_whole_kit(run_kit: RunKit) -> None:
    run = run_kit(KitForSample, "provider_class", Sample, before=FakeBackend.reset)
    assert run.failed == []
    assert len(run.passed) == len([n for n in dir(ProviderConformance) if n.startswith("test_")])


@pytest.mark.parametrize(
    ("fault", "caught_by"),
    [
        (KeyInError, "test_credentials_stay_out_of_reprs_and_errors"),
        (KeyInRepr, "test_credentials_stay_out_of_reprs_and_errors"),
        (RawHttpxError, "test_only_paylink_errors_escape"),
        (ForeignEventAccepted, "test_an_event_for_another_account_is_refused"),
        (NewKeyPerRetry, "test_the_idempotency_key_is_sent_on_every_attempt"),
        (AuthErrorAsRejected, "test_failures_are_paylink_provider_errors"),
        (ForgedWebhookAccepted, "test_a_forged_webhook_is_rejected_with_a_4xx"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_every_planted_fault_is_caught(fault: type[Any], caught_by: str, run_kit: RunKit) -> None:
    run = run_kit(KitForSample, "provider_class", fault, before=FakeBackend.reset)
    assert caught_by in run.failed
