"""The pay page names each method as its provider's plugin says, in the page's language."""

from __future__ import annotations

from typing import Any, ClassVar

from paylink import Paylink, hookimpl
from paylink.plugins import get_plugin_manager
from paylink.service.providers import offer_label
from paylink.testing import FakeBackend, FakeProvider
from paylink_providers.mollie import Mollie
from paylink_providers.stripe import Stripe

from ..conftest import BASE_URL


class SumUp(FakeProvider):
    """A third party's card provider: its own name on the button, translated, with a logo."""

    name: ClassVar[str] = "sumup"
    label: ClassVar[str] = "SumUp"
    labels: ClassVar[dict[str, str]] = {"en": "SumUp card", "fr": "Carte SumUp"}
    logo: ClassVar[str] = "https://static.sumup.example/logo.svg"


class SumUpPlugin:
    @hookimpl
    def paylink_register_payment_providers(self, register: Any) -> None:
        register(SumUp)


def test_a_provider_without_method_labels_is_named_by_its_label() -> None:
    assert offer_label(SumUp, ["card"], "fr") == "Carte SumUp"
    assert offer_label(SumUp, ["card"], "de") == "SumUp"
    assert offer_label(FakeProvider, ["card"], "en") == "Fake card"


def test_built_in_providers_name_their_methods_and_fold_wallets_under_card() -> None:
    assert offer_label(Stripe, ["card"], "en") == "Card"
    assert offer_label(Stripe, ["card", "apple_pay", "google_pay"], "en") == (
        "Card, Apple Pay, Google Pay"
    )
    assert offer_label(Stripe, ["card", "apple_pay", "google_pay"], "fr") == (
        "Carte, Apple Pay, Google Pay"
    )
    assert offer_label(Stripe, ["card", "apple_pay", "google_pay"], "nl") == (
        "Kaart, Apple Pay, Google Pay"
    )
    assert offer_label(Stripe, ["card", "apple_pay", "google_pay"], "de") == (
        "Karte, Apple Pay, Google Pay"
    )
    assert offer_label(Stripe, ["card", "bancontact"], "nl") == "Kaart / Bancontact"
    assert offer_label(Mollie, ["bancontact", "creditcard", "applepay"], "fr") == (
        "Bancontact / Carte, Apple Pay"
    )


def test_the_pay_page_shows_the_plugins_label_and_logo() -> None:
    FakeBackend.reset()
    pl = Paylink.open(
        "sqlite://", plugins=get_plugin_manager(plugins=[SumUpPlugin()]), base_url=BASE_URL
    )
    org = pl.organizations.create(name="Garage Dupont SRL", country="BE", iban="BE71096123456769")
    pl.providers.connect(org, "sumup", api_key="k_sumup_1234")
    pl.providers.connect(org, "stripe", api_key="sk_test_x_1234567", webhook_secret="whsec_x1234")
    assert [label for _a, label in pl.providers.offers(org, language="fr")] == [
        "Carte SumUp",
        "Carte",
    ]
    assert pl.providers.logo("sumup") == "https://static.sumup.example/logo.svg"
    assert pl.providers.logo("stripe") is None
    pl.close()
