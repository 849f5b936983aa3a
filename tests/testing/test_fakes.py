"""The fakes ``paylink.testing`` ships: a channel and a bank feed that are real plugins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from paylink import FixedClock, Line, Money, Paylink
from paylink.exceptions import ProviderRejected, ProviderUnavailable
from paylink.plugins import get_plugin_manager
from paylink.statements.model import BankTransaction
from paylink.testing import (
    FakeBank,
    FakeMailbox,
    fake_channel_plugin,
    fake_feed_plugin,
)

from ..conftest import BASE_URL

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake_pl(db_url: str) -> Iterator[Paylink]:
    FakeMailbox.reset()
    FakeBank.reset()
    plugins = get_plugin_manager(plugins=[fake_channel_plugin, fake_feed_plugin])
    pl = Paylink.open(db_url, clock=FixedClock(START), plugins=plugins, base_url=BASE_URL)
    yield pl
    pl.close()
    FakeMailbox.reset()
    FakeBank.reset()


def _transaction(tx_id: str, amount: str, reference: str | None = None) -> BankTransaction:
    from paylink.references import check

    return BankTransaction(
        id=tx_id,
        account_iban="BE71096123456769",
        booking_date=dt.date(2026, 3, 2),
        value_date=None,
        amount=Money.of(amount, "EUR"),
        counterparty_name="Bob",
        structured_reference=check(reference) if reference else None,
    )


def test_the_fake_channel_delivers_retries_and_hides_its_token(fake_pl: Paylink) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Acme", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Bob", email="bob@example.be")
    pl.channels.configure(org, "fake", mailbox="acme", token="s3cret")
    assert pl.channels.settings(org, "fake") == {"mailbox": "acme", "token": "***"}
    invoice = pl.invoices.issue(
        org,
        customer,
        lines=[Line(description="Work", quantity="1", unit_price="100", vat_rate="21")],
    )
    mailbox = FakeMailbox.for_name("acme")
    mailbox.fail_next(ProviderUnavailable("timeout", provider="fake"))
    (message,) = pl.messages.send(invoice)
    report = pl.outbox.dispatch()
    assert report.retrying == [message.id] and mailbox.sent == []
    pl.clock.advance(minutes=5)  # type: ignore[attr-defined]
    assert pl.outbox.dispatch().sent == [message.id]
    assert [m.id for m in mailbox.sent] == [message.id]
    assert mailbox.sent[0].recipient == "bob@example.be"
    assert pl.outbox.get(org, message.id).status == "delivered"
    mailbox.fail_next(ProviderRejected("no such address", provider="fake"))
    (again,) = pl.messages.send(invoice)
    assert pl.outbox.dispatch().dead == [again.id]


def test_the_fake_feed_brings_each_transaction_once(fake_pl: Paylink) -> None:
    pl = fake_pl
    org = pl.organizations.create(name="Acme", country="BE", iban="BE71096123456769")
    pl.feeds.connect(org, "fake", bank="kbc", token="t0ken")
    bank = FakeBank.for_name("kbc")
    bank.book(_transaction("TX-1", "121.00"), _transaction("TX-2", "-20.00"))
    (first,) = pl.feeds.sync(org)
    assert first.feed == "fake" and first.new_transactions == 2
    bank.book(_transaction("TX-3", "5.00"))
    (second,) = pl.feeds.sync(org)
    assert second.new_transactions == 1 and second.duplicates == 0
    assert {tx.id for tx in pl.statements.transactions(org)} == {"TX-1", "TX-2", "TX-3"}
    bank.deliver_file("broken.xml", b"<not a statement")
    (third,) = pl.feeds.sync(org)
    assert [name for name, _why in third.files_rejected] == ["broken.xml"]
    assert "broken.xml" in bank.rejected and not bank.files
    bank.fail_next(ProviderUnavailable("bank down", provider="fake"))
    with pytest.raises(ProviderUnavailable):
        pl.feeds.sync(org)
