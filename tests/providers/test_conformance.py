"""The conformance kit, run against the three built-in providers and the fake one."""

from __future__ import annotations

import itertools
import json
import secrets
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from paylink import FixedClock, Money
from paylink.ports import PaymentRequest, WebhookRequest
from paylink.testing import FakeBackend, FakeProvider, ProviderConformance
from paylink_providers.mollie import Mollie
from paylink_providers.payconiq import Payconiq
from paylink_providers.stripe import Stripe, sign_payload

from ..conftest import START
from ._jws import JWKS_URL, PROFILE, TestSigner
from ._pay import STRIPE_KEY, STRIPE_WHSEC, data, webhook

_ids = itertools.count(1)


class HttpxConformance(ProviderConformance):
    """Wires the kit to pytest-httpx: every provider request is answered by the mock."""

    retried = frozenset({408, 409, 429})

    @pytest.fixture(autouse=True)
    def _httpx(self, httpx_mock: HTTPXMock) -> None:
        self.httpx_mock = httpx_mock
        self.clock = FixedClock(START)

    def sent_idempotency_keys(self) -> list[str]:
        return [
            r.headers["idempotency-key"]
            for r in self.httpx_mock.get_requests()
            if "idempotency-key" in r.headers
        ]

    def arrange_failure(self, status_code: int) -> None:
        attempts = 3 if status_code >= 500 or status_code in self.retried else 1
        for _ in range(attempts):
            self.httpx_mock.add_response(status_code=status_code, json={}, is_optional=True)

    def arrange_network_error(self) -> None:
        for _ in range(3):
            self.httpx_mock.add_exception(httpx.ConnectError("refused"), is_optional=True)


class TestStripeConformance(HttpxConformance):
    provider_class = Stripe
    secrets = (STRIPE_KEY, STRIPE_WHSEC)

    def make_provider(self) -> Any:
        return Stripe(
            api_key=STRIPE_KEY,
            webhook_secret=STRIPE_WHSEC,
            account_id="pacc_conf",
            clock=self.clock,
            sleep=lambda _s: None,
        )

    def _session(self, request: PaymentRequest, **changes: Any) -> dict[str, Any]:
        session = data("stripe", "checkout_session.json")
        session.update(
            amount_total=request.amount.minor_units,
            amount_subtotal=request.amount.minor_units,
            metadata={"paylink_link": request.link_id, "paylink_account": "pacc_conf"},
            client_reference_id=request.link_id,
            **changes,
        )
        return session

    def arrange_checkout(self, request: PaymentRequest) -> None:
        self.httpx_mock.add_response(
            method="POST",
            url="https://api.stripe.com/v1/checkout/sessions",
            json=self._session(request, id=f"cs_test_conf{next(_ids)}"),
        )

    def _state(self, status: str) -> dict[str, Any]:
        state, _, payment_status = status.partition("/")
        return {"status": state, "payment_status": payment_status or "unpaid"}

    def arrange_payment(self, reference: str, status: str, request: PaymentRequest) -> None:
        session = self._session(
            request, id=reference, payment_intent=f"pi_{reference}", **self._state(status)
        )
        self.httpx_mock.add_response(
            method="GET",
            url=f"https://api.stripe.com/v1/checkout/sessions/{reference}",
            json=session,
        )

    def make_webhook(
        self, reference: str, status: str, request: PaymentRequest, *, valid: bool
    ) -> WebhookRequest:
        event = data("stripe", "event_checkout_session_completed.json")
        event["data"]["object"] = self._session(
            request, id=reference, payment_intent=f"pi_{reference}", **self._state(status)
        )
        body = json.dumps(event).encode()
        ts = int(self.clock.now().timestamp())
        secret = STRIPE_WHSEC if valid else "whsec_forged"
        header = f"t={ts},v1={sign_payload(body, secret, ts)}"
        return webhook(request.webhook_url, body, {"Stripe-Signature": header})

    def make_foreign_webhook(
        self, reference: str, status: str, request: PaymentRequest
    ) -> WebhookRequest:
        event = data("stripe", "event_checkout_session_completed.json")
        session = self._session(
            request, id=reference, payment_intent=f"pi_{reference}", **self._state(status)
        )
        session["metadata"] = {"paylink_link": request.link_id, "paylink_account": "pacc_other"}
        event["data"]["object"] = session
        body = json.dumps(event).encode()
        ts = int(self.clock.now().timestamp())
        header = f"t={ts},v1={sign_payload(body, STRIPE_WHSEC, ts)}"
        return webhook(request.webhook_url, body, {"Stripe-Signature": header})

    def arrange_refund(self, reference: str, amount: Money) -> None:
        refund = data("stripe", "refund.json")
        refund.update(amount=amount.minor_units, payment_intent=reference)
        self.httpx_mock.add_response(
            method="POST", url="https://api.stripe.com/v1/refunds", json=refund
        )


MOLLIE_KEY = "test_ConformanceMollieKey0123456789"


class TestMollieConformance(HttpxConformance):
    provider_class = Mollie
    secrets = (MOLLIE_KEY,)

    def make_provider(self) -> Any:
        return Mollie(
            api_key=MOLLIE_KEY, account_id="pacc_conf", clock=self.clock, sleep=lambda _s: None
        )

    def _payment(self, request: PaymentRequest, reference: str, status: str) -> dict[str, Any]:
        payment = data("mollie", "payment_open.json")
        payment.update(
            id=reference,
            status=status,
            amount={"currency": "EUR", "value": str(request.amount.amount)},
            metadata={"paylink_link": request.link_id, "paylink_account": "pacc_conf"},
        )
        return payment

    def arrange_checkout(self, request: PaymentRequest) -> None:
        self.httpx_mock.add_response(
            method="POST",
            url="https://api.mollie.com/v2/payments",
            status_code=201,
            json=self._payment(request, f"tr_conf{next(_ids)}", "open"),
        )

    def arrange_payment(self, reference: str, status: str, request: PaymentRequest) -> None:
        self.httpx_mock.add_response(
            method="GET",
            url=f"https://api.mollie.com/v2/payments/{reference}",
            json=self._payment(request, reference, status),
        )

    def make_webhook(
        self, reference: str, status: str, request: PaymentRequest, *, valid: bool
    ) -> WebhookRequest:
        if valid:
            self.arrange_payment(reference, status, request)
        else:
            reference = "tr_forged0000"
            self.httpx_mock.add_response(
                url=f"https://api.mollie.com/v2/payments/{reference}",
                status_code=404,
                json=data("mollie", "error_not_found.json"),
            )
        body = f"id={reference}".encode()
        return webhook(
            request.webhook_url,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
            form={"id": reference},
        )

    def make_foreign_webhook(
        self, reference: str, status: str, request: PaymentRequest
    ) -> WebhookRequest:
        # Mollie's webhooks are not signed: the payment fetched back with this account's key is
        # the proof, and its metadata names the paylink account it was made for.
        payment = self._payment(request, reference, status)
        payment["metadata"] = {"paylink_link": request.link_id, "paylink_account": "pacc_other"}
        self.httpx_mock.add_response(
            method="GET", url=f"https://api.mollie.com/v2/payments/{reference}", json=payment
        )
        return webhook(
            request.webhook_url,
            f"id={reference}".encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            form={"id": reference},
        )

    def arrange_refund(self, reference: str, amount: Money) -> None:
        refund = data("mollie", "refund.json")
        refund["amount"] = {"currency": amount.currency, "value": str(amount.amount)}
        self.httpx_mock.add_response(
            method="POST",
            url=f"https://api.mollie.com/v2/payments/{reference}/refunds",
            json=refund,
        )


PAYCONIQ_KEY = "payconiq-conformance-key-0123456789"
PAYCONIQ_API = "https://api.ext.payconiq.com"


class TestPayconiqConformance(HttpxConformance):
    provider_class = Payconiq
    secrets = (PAYCONIQ_KEY,)
    signer = TestSigner()

    def make_provider(self) -> Any:
        return Payconiq(
            api_key=PAYCONIQ_KEY,
            payment_profile_id=PROFILE,
            jwks_url=JWKS_URL,
            base_url=PAYCONIQ_API,
            account_id="pacc_conf",
            clock=self.clock,
            sleep=lambda _s: None,
        )

    def _payment(self, request: PaymentRequest, reference: str, status: str) -> dict[str, Any]:
        payment = data("payconiq", "payment_created.json")
        payment.update(paymentId=reference, status=status, amount=request.amount.minor_units)
        return payment

    def arrange_checkout(self, request: PaymentRequest) -> None:
        self.httpx_mock.add_response(
            method="POST",
            url=f"{PAYCONIQ_API}/v3/payments",
            status_code=201,
            json=self._payment(request, f"5bdb{next(_ids):020d}", "PENDING"),
        )

    def arrange_payment(self, reference: str, status: str, request: PaymentRequest) -> None:
        self.httpx_mock.add_response(
            method="GET",
            url=f"{PAYCONIQ_API}/v3/payments/{reference}",
            json=self._payment(request, reference, status),
        )

    def make_webhook(
        self, reference: str, status: str, request: PaymentRequest, *, valid: bool
    ) -> WebhookRequest:
        self.httpx_mock.add_response(
            method="GET", url=JWKS_URL, json={"keys": [self.signer.jwk()]}, is_optional=True
        )
        body = json.dumps(self._payment(request, reference, status)).encode()
        signer = self.signer if valid else TestSigner(self.signer.kid)  # same kid, other key
        signature = signer.sign(body, path=request.webhook_url, at=self.clock.now())
        return webhook(request.webhook_url, body, {"Signature": signature})

    def make_foreign_webhook(
        self, reference: str, status: str, request: PaymentRequest
    ) -> WebhookRequest:
        # Signed by Payconiq with its published key, but for another merchant's payment profile.
        self.httpx_mock.add_response(
            method="GET", url=JWKS_URL, json={"keys": [self.signer.jwk()]}, is_optional=True
        )
        body = json.dumps(self._payment(request, reference, status)).encode()
        signature = self.signer.sign(
            body, path=request.webhook_url, at=self.clock.now(), profile="5fyyyyyyyyyyyyyyyyyyyy99"
        )
        return webhook(request.webhook_url, body, {"Signature": signature})


class TestFakeProviderConformance(ProviderConformance):
    provider_class = FakeProvider
    secret = "fk_whsec_conformance"

    @pytest.fixture(autouse=True)
    def _backend(self) -> None:
        self.api_key = f"fk_test_{secrets.token_hex(8)}"
        self.secrets = (self.api_key, self.secret)  # type: ignore[misc]
        self.backend = FakeBackend.for_key(self.api_key)
        self.clock = FixedClock(START)

    def make_provider(self) -> Any:
        return FakeProvider(
            api_key=self.api_key,
            webhook_secret=self.secret,
            account_id="pacc_conf",
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

    def sent_idempotency_keys(self) -> list[str]:
        return self.backend.idempotency_keys

    def arrange_failure(self, status_code: int) -> None:
        self.backend.fail(status_code)

    def arrange_network_error(self) -> None:
        self.backend.fail(0)

    def make_foreign_webhook(
        self, reference: str, status: str, request: PaymentRequest
    ) -> WebhookRequest:
        self.backend.set_status(reference, status)
        self.backend.payments[reference]["account"] = "pacc_another_merchant"
        return self.backend.webhook(
            reference, secret=self.secret, url=request.webhook_url, at=self.clock.now()
        )
