"""No silent defaults: no database nobody named, no link to this machine in a customer's hands."""

from __future__ import annotations

from pathlib import Path

import pytest

from paylink import ConfigurationError, FixedClock, Paylink
from paylink.parties import Customer, Organization

from ..conftest import START, lines


def test_open_without_a_url_names_the_ways_to_choose_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAYLINK_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="PAYLINK_DATABASE_URL") as info:
        Paylink.open()
    assert info.value.setting == "database URL"
    assert list(tmp_path.iterdir()) == []  # no paylink.db appeared


def test_a_store_named_in_the_environment_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "typo.db"
    monkeypatch.setenv("PAYLINK_DATABASE_URL", f"sqlite:///{db}")
    with pytest.raises(ConfigurationError, match="create=True"):
        Paylink.open()
    assert not db.exists()
    Paylink.open(create=True).close()  # explicit: now it exists
    with Paylink.open() as pl:  # and opening an existing store needs nothing more
        assert pl.organizations.list() == []


def test_create_false_opens_only_an_existing_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with pytest.raises(ConfigurationError, match="paylink init"):
        Paylink.open(url, create=False)
    assert not (tmp_path / "shop.db").exists()
    Paylink.open(url).close()  # a URL named in code creates the store
    Paylink.open(url, create=False).close()


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_not_a_store_unless_created(
    pg_server: object,
) -> None:
    url = pg_server.create_database()  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="no paylink store"):
        Paylink.open(url, create=False)
    Paylink.open(url, create=True).close()
    Paylink.open(url, create=False).close()


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paylink:
    monkeypatch.delenv("PAYLINK_BASE_URL", raising=False)
    return Paylink.open(f"sqlite:///{tmp_path / 'bare.db'}", clock=FixedClock(START))


def _setup(pl: Paylink) -> tuple[Organization, Customer]:
    org = pl.organizations.create(
        name="Garage Dupont SRL", country="BE", iban="BE71 0961 2345 6769", bic="GKCCBEBB"
    )
    customer = pl.customers.create(
        org, name="Marie Peeters", email="marie@example.be", phone="0470 12 34 56"
    )
    return org, customer


def test_sending_a_link_without_a_base_url_fails_and_queues_nothing(bare: Paylink) -> None:
    org, customer = _setup(bare)
    invoice = bare.invoices.issue(org, customer, lines=lines())
    for via in ("email", "sms"):
        with pytest.raises(ConfigurationError, match="PAYLINK_BASE_URL") as info:
            bare.messages.send(invoice, via=via)
        assert "base_url=" in str(info.value) and info.value.setting == "base URL"
    assert bare.outbox.list(org) == []
    assert bare.links.list(org) == []  # the unit that would have made a link rolled back


def test_documents_and_portal_urls_need_a_base_url(bare: Paylink) -> None:
    org, customer = _setup(bare)
    invoice = bare.invoices.issue(org, customer, lines=lines())
    link = bare.links.create(invoice)
    assert link.url == f"/pay/{link.token}"  # relative: no host was configured
    with pytest.raises(ConfigurationError, match="render a document that carries a link"):
        bare.renditions.html(invoice)
    with pytest.raises(ConfigurationError, match="portal URL"):
        bare.portal.url(customer)


def test_the_base_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYLINK_BASE_URL", "https://pay.example.com/")
    with Paylink.open(f"sqlite:///{tmp_path / 'env.db'}", clock=FixedClock(START)) as pl:
        assert pl.base_url == "https://pay.example.com"
        org, customer = _setup(pl)
        invoice = pl.invoices.issue(org, customer, lines=lines())
        (message,) = pl.messages.send(invoice, via="email")
        assert "https://pay.example.com/pay/" in message.text


def test_a_checkout_and_the_web_app_need_a_base_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paylink.plugins import get_plugin_manager
    from paylink.testing import fake_provider_plugin

    monkeypatch.delenv("PAYLINK_BASE_URL", raising=False)
    pl = Paylink.open(
        f"sqlite:///{tmp_path / 'shop.db'}",
        clock=FixedClock(START),
        plugins=get_plugin_manager(plugins=[fake_provider_plugin]),
    )
    org, customer = _setup(pl)
    pl.providers.connect(org, "fake", api_key="fk_test", webhook_secret="fk_whsec")
    link = pl.links.create(pl.invoices.issue(org, customer, lines=lines()))
    with pytest.raises(ConfigurationError, match="start a checkout"):
        pl.providers.checkout(link, "fake")
    assert pl.links.get(org, link.id).status == "created"  # nothing was started
    pytest.importorskip("starlette")
    from paylink.web import create_app

    with pytest.raises(ConfigurationError, match="serve the web app"):
        create_app(pl)
    assert create_app(pl, base_url="https://pay.example.com") is not None
    pl.close()


def test_an_e_invoice_e_mail_with_a_pay_link_needs_a_base_url(bare: Paylink) -> None:
    org, customer = _setup(bare)
    invoice = bare.invoices.issue(org, customer, lines=lines())
    with pytest.raises(ConfigurationError, match="e-invoice with a payment link"):
        bare.einvoices.send(invoice)
    assert bare.links.list(org) == []
