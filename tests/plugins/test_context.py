"""One construction contract: settings checked by name, one context for every plugin kind."""

from __future__ import annotations

import inspect
import logging
from typing import Any, ClassVar

import pytest

from paylink import Paylink, ValidationError, hookimpl
from paylink.clock import FixedClock
from paylink.context import (
    PluginContext,
    Setting,
    build_plugin,
    check_settings,
    secret_setting_names,
)
from paylink.notify import OutgoingMessage, SendResult
from paylink.plugins import get_plugin_manager
from paylink.testing import FakeProvider
from paylink_providers.coda_drop import CodaDrop
from paylink_providers.mollie import Mollie
from paylink_providers.outbox import OutboxFolder
from paylink_providers.payconiq import Payconiq
from paylink_providers.ponto import Ponto
from paylink_providers.smtp import SmtpChannel
from paylink_providers.stripe import Stripe
from paylink_providers.twilio import TwilioChannel

from ..conftest import BASE_URL
from ..web.conftest import START


class Vonage:
    """An SMS channel written to the declared-settings contract."""

    name: ClassVar[str] = "vonage"
    kinds: ClassVar[frozenset[str]] = frozenset({"sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset()
    settings_spec: ClassVar[dict[str, Setting]] = {
        "api_key": Setting(required=True),
        "api_secret": Setting(secret=True, required=True),
        "sender": Setting(default="Paylink"),
    }
    built: ClassVar[list[Vonage]] = []

    def __init__(self, *, api_key: str, api_secret: str, sender: str, context: PluginContext):
        self.sender = sender
        self.context = context
        Vonage.built.append(self)

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError


class VonagePlugin:
    @hookimpl
    def paylink_register_channels(self, register: Any) -> None:
        register(Vonage)


def test_a_misspelt_setting_names_itself_and_the_allowed_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        check_settings("vonage", Vonage.settings_spec, {"api_key": "k", "api_secrte": "s"})
    assert caught.value.field == "api_secrte"
    assert "allowed: api_key, api_secret, sender" in str(caught.value)


def test_a_missing_or_mistyped_setting_is_named_without_its_value() -> None:
    with pytest.raises(ValidationError, match="needs the setting 'api_secret'"):
        check_settings("vonage", Vonage.settings_spec, {"api_key": "k"})
    with pytest.raises(ValidationError, match="expected str, got int") as caught:
        check_settings("vonage", Vonage.settings_spec, {"api_key": 12345678, "api_secret": "s"})
    assert "12345678" not in str(caught.value)


def test_an_older_plugin_gets_a_validation_error_not_a_type_error() -> None:
    class Old:
        name = "old"

        def __init__(self, *, host: str, port: int = 25) -> None:
            self.host = host

    context = PluginContext(name="old")
    with pytest.raises(ValidationError, match=r"old has no setting 'hots' \(allowed: host, port\)"):
        build_plugin(Old, {"hots": "mail"}, context=context)
    with pytest.raises(ValidationError, match="needs the setting 'host'"):
        build_plugin(Old, {}, context=context)
    assert build_plugin(Old, {"host": "mail"}, context=context).host == "mail"


def test_a_channel_is_built_with_the_service_clock_and_a_masking_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    Vonage.built.clear()
    clock = FixedClock(START)
    pl = Paylink.open(
        "sqlite://",
        clock=clock,
        plugins=get_plugin_manager(plugins=[VonagePlugin()]),
        base_url=BASE_URL,
    )
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769"
    )
    with pytest.raises(ValidationError, match="allowed: api_key, api_secret, sender"):
        pl.channels.configure(org, "vonage", api_key="k", api_secret="s3cr3t-value", sendr="X")
    pl.channels.configure(org, "vonage", api_key="k", api_secret="s3cr3t-value")
    channel = pl.channels.open(org, "vonage")
    assert channel.sender == "Paylink"
    assert channel.context.clock is clock
    assert channel.context.account_id == org.id
    assert "s3cr3t" not in repr(channel.context)
    with caplog.at_level(logging.INFO, logger="paylink.plugins.vonage"):
        channel.context.log.info("sent with %s", "s3cr3t-value")
    assert "sent with ***" in caplog.text
    assert "s3cr3t" not in caplog.text
    pl.close()


OWN = [Stripe, Mollie, Payconiq, TwilioChannel, SmtpChannel, OutboxFolder, Ponto, CodaDrop]


@pytest.mark.parametrize("cls", OWN, ids=lambda cls: cls.name)
def test_our_own_plugins_declare_their_settings_and_take_the_context(cls: Any) -> None:
    assert "context" in inspect.signature(cls).parameters
    assert set(cls.secret_settings) <= set(cls.settings_spec)
    assert all(cls.settings_spec[name].secret for name in cls.secret_settings)
    with pytest.raises(ValidationError) as caught:
        build_plugin(cls, {"misspelt": "x"}, context=PluginContext(name=cls.name))
    assert caught.value.field == "misspelt"
    assert "allowed: " in str(caught.value)


def test_paylink_builds_our_own_plugins_with_its_context(tmp_path: Any) -> None:
    clock = FixedClock(START)
    pl = Paylink.open("sqlite://", clock=clock, base_url="https://pay.example")
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769"
    )
    pl.channels.configure(
        org,
        "twilio",
        account_sid="AC" + "0" * 32,
        auth_token="twilio-token-0123456789",
        from_number="+3225550100",
    )
    twilio = pl.channels.open(org, "twilio")
    assert twilio.context.clock is clock
    assert twilio.context.account_id == org.id
    assert "twilio-token" not in repr(twilio.context)
    account = pl.providers.connect(org, "stripe", api_key="sk_test_ctx_0123456789")
    assert account.webhook_url == f"https://pay.example/webhooks/providers/stripe/{account.id}"
    with pytest.raises(ValidationError) as caught:
        pl.providers.connect(org, "stripe", api_key="sk_test_ctx_0123456789", api_versoin="x")
    assert caught.value.field == "api_versoin"
    feed = pl.feeds.connect(org, "coda_drop", folder=str(tmp_path))
    assert feed.feed == "coda_drop"
    pl.close()


class _SpecOnlySecrets(FakeProvider):
    """A provider that declares its secrets in ``settings_spec`` only."""

    name: ClassVar[str] = "specfake"
    secret_settings: ClassVar[frozenset[str]] = frozenset()
    settings_spec: ClassVar[dict[str, Setting]] = {
        "api_key": Setting(required=True),
        "webhook_secret": Setting(type=(str, list, tuple)),
        "client_secret": Setting(secret=True),
    }

    def __init__(self, *, client_secret: str | None = None, **settings: Any) -> None:
        super().__init__(**settings)


class _SpecOnlyPlugin:
    @hookimpl
    def paylink_register_payment_providers(self, register: Any) -> None:
        register(_SpecOnlySecrets)


def test_a_setting_declared_secret_only_in_the_spec_is_never_shown_back() -> None:
    assert secret_setting_names(_SpecOnlySecrets) == {"client_secret"}
    pl = Paylink.open(
        "sqlite://", base_url=BASE_URL, plugins=get_plugin_manager(plugins=[_SpecOnlyPlugin()])
    )
    org = pl.organizations.create(name="Spec SRL", country="BE", iban="BE71096123456769")
    account = pl.providers.connect(
        org, "specfake", api_key="fk_spec", client_secret="cs-very-secret-value"
    )
    (again,) = pl.providers.list(org)
    for shown in (repr(account), repr(again), str(again.public_settings())):
        assert "cs-very-secret-value" not in shown
    assert again.public_settings()["client_secret"] == "***"
    pl.close()
