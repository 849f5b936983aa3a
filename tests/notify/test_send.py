"""pl.messages.send, the outbox and the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar

import pytest

from paylink import FixedClock, Money, Paylink
from paylink.exceptions import (
    PluginError,
    ProviderRejected,
    ProviderUnavailable,
    StateError,
    ValidationError,
)
from paylink.hookspecs import hookimpl
from paylink.notify import OutgoingMessage, SendResult
from paylink.parties import Customer, Organization
from paylink.plugins import get_plugin_manager
from paylink.service._messages import queue_paid_messages

from ..conftest import BASE_URL, lines
from .helpers import with_messaging


def _eml(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_sending_an_invoice_queues_email_and_sms_with_its_new_link(
    pl: Any, org: Organization, dutch: Customer, outbox_dir: Path
) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    assert pl.links.list(org, invoice=invoice) == []
    sent = pl.messages.send(invoice, via=["email", "sms"])
    assert [m.channel_kind for m in sent] == ["email", "sms"]
    (link,) = pl.links.list(org, invoice=invoice)
    assert all(m.link_id == link.id and m.status == "queued" for m in sent)
    email_msg, sms = sent
    assert email_msg.language == "nl" and email_msg.subject == (
        f"Factuur {invoice.number} van Garage Dupont SRL"
    )
    assert link.url in email_msg.text and link.url in email_msg.html
    assert sms.recipient == "+32470123456" and link.url in sms.text
    assert sms.segments == 1 and sms.encoding == "GSM-7"
    # Queued, not sent: the link stays "created" until a channel accepts the message.
    assert pl.links.get(org, link.id).status == "created"
    assert {m.id for m in pl.outbox.list(org, status="queued")} == {m.id for m in sent}


def test_dispatch_writes_eml_with_the_pdf_and_sms_files_and_marks_the_link_sent(
    pl: Any, org: Organization, dutch: Customer, outbox_dir: Path
) -> None:
    pytest.importorskip("weasyprint")
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    email_msg, sms = pl.messages.send(invoice)
    report = pl.outbox.dispatch()
    assert sorted(report.sent) == sorted([email_msg.id, sms.id])
    assert report.retrying == report.dead == []
    mail = _eml(outbox_dir / f"{email_msg.id}.eml")
    assert mail["To"] == "marie@example.be"
    assert mail["Subject"] == f"Factuur {invoice.number} van Garage Dupont SRL"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"Factuur {invoice.number}.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    body = mail.get_body(("plain",))
    assert body is not None
    link = pl.links.list(org, invoice=invoice)[0]
    assert link.url in body.get_content()
    sms_file = (outbox_dir / f"{sms.id}.sms.txt").read_text()
    assert "To: +32470123456" in sms_file and link.url in sms_file
    assert link.status == "sent"
    assert [(e.status, e.source) for e in link.history] == [("created", "api"), ("sent", "outbox")]
    assert {m.status for m in pl.outbox.list(org)} == {"delivered"}
    assert pl.outbox.get(org, email_msg.id).sent_at == pl.clock.now()
    assert pl.outbox.dispatch().attempted == 0  # nothing is sent twice


def test_a_customer_without_email_asked_for_email_is_refused_by_name(
    pl: Any, org: Organization
) -> None:
    jan = pl.customers.create(org, name="Jan Janssens", phone="+32470000001")
    invoice = pl.invoices.issue(org, jan, lines=lines())
    with pytest.raises(ValidationError, match=r"customer Jan Janssens .* no e-mail address.*email"):
        pl.messages.send(invoice, via=["email"])
    assert pl.outbox.list(org) == []
    assert pl.links.list(org) == []  # the whole send is one transaction
    (sms,) = pl.messages.send(invoice)  # by default: the channels the customer has an address for
    assert sms.channel_kind == "sms"


def test_drafts_and_quotes(pl: Any, org: Organization, dutch: Customer, outbox_dir: Path) -> None:
    draft = pl.invoices.create_draft(org, dutch, lines=lines())
    with pytest.raises(StateError, match="draft"):
        pl.messages.send(draft)
    quote = pl.quotes.create(org, dutch, lines=lines())
    with pytest.raises(StateError, match=r"pl\.quotes\.send"):
        pl.messages.send(quote)
    quote = pl.quotes.send(quote)
    (msg,) = pl.messages.send(quote, via="email")
    assert msg.kind == "quote_sent" and pl.quotes.url(quote) in msg.text
    assert msg.subject == f"Offerte {quote.number} van Garage Dupont SRL"


def test_a_quick_payment_request_link(pl: Any, org: Organization, dutch: Customer) -> None:
    link = pl.links.request(org, dutch, amount="25.00", description="Parking")
    (msg,) = pl.messages.send(link, via="sms")
    assert msg.kind == "payment_request" and link.url in msg.text and "25,00" in msg.text


def test_a_saved_template_overrides_the_default_and_bad_ones_are_refused(
    pl: Any, org: Organization, dutch: Customer
) -> None:
    pl.templates.save(
        org,
        kind="invoice_issued",
        channel="sms",
        language="nl",
        body="Hallo {{ customer.name }}, betaal {{ amount }}: {{ pay_url }}",
    )
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    (sms,) = pl.messages.send(invoice, via="sms")
    link = pl.links.list(org, invoice=invoice)[0]
    assert sms.text == f"Hallo Marie Peeters, betaal € 146,00: {link.url}"
    (email_msg,) = pl.messages.send(invoice, via="email")  # other channels keep the default
    assert email_msg.subject.startswith("Factuur")
    with pytest.raises(ValidationError, match="line 2"):
        pl.templates.save(
            org, kind="reminder", channel="email", language="fr", body="Bonjour\n{% if %}"
        )
    with pytest.raises(ValidationError):
        pl.templates.save(
            org,
            kind="reminder",
            channel="email",
            language="fr",
            body="{{ ''.__class__.__mro__[1].__subclasses__() }}",
        )
    with pytest.raises(ValidationError, match="makes too much"):
        pl.templates.save(
            org, kind="reminder", channel="email", language="fr", body="{{ 'x' * 300000000 }}"
        )
    assert pl.templates.get(org, kind="reminder", channel="email", language="fr") is None
    assert pl.templates.delete(org, kind="invoice_issued", channel="sms", language="nl")


def test_a_one_off_text_keeps_the_pay_link(pl: Any, org: Organization, dutch: Customer) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    (sms,) = pl.messages.send(invoice, via="sms", text="Kleine herinnering, {{ customer.name }}!")
    link = pl.links.list(org, invoice=invoice)[0]
    assert sms.text == f"Kleine herinnering, Marie Peeters! {link.url}"


def test_a_reminder_gets_step_fees_and_days_overdue(
    pl: Any, org: Organization, dutch: Customer, clock: FixedClock
) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    clock.advance(days=45)
    (msg,) = pl.messages.send(
        invoice, via="email", template="reminder", step=2, fees=Money.of("10", "EUR")
    )
    assert msg.kind == "reminder" and msg.subject.startswith("Herinnering 2:")
    assert "15 dagen geleden" in msg.text and "€\u00a0156,00" in msg.text


def test_preview_counts_sms_segments_and_stores_nothing(
    pl: Any, org: Organization, dutch: Customer
) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    email_msg, sms = pl.messages.preview(invoice)
    assert sms.segments == 1 and sms.encoding == "GSM-7" and email_msg.subject
    assert pl.outbox.list(org) == [] and pl.links.list(org) == []


def test_stop_opt_out_cancels_sms(pl: Any, org: Organization, dutch: Customer) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    (queued,) = pl.messages.send(invoice, via="sms")
    pl.messages.opt_out(dutch, "sms")
    (later,) = pl.messages.send(invoice, via="sms")
    assert later.status == "cancelled" and later.error == "the recipient opted out"
    report = pl.outbox.dispatch()  # the one queued before the STOP is not sent either
    assert report.cancelled == [queued.id]
    assert pl.outbox.get(org, queued.id).status == "cancelled"
    pl.messages.opt_in(dutch, "sms")
    (again,) = pl.messages.send(invoice, via="sms")
    assert again.status == "queued"


def test_quiet_hours_hold_sms_until_morning(
    pl: Any, org: Organization, dutch: Customer, clock: FixedClock, outbox_dir: Path
) -> None:
    pl.channels.set_quiet_hours(org, ("21:00", "08:00"))
    clock.set(dt.datetime(2026, 3, 2, 21, 30, tzinfo=dt.UTC))  # 22:30 in Brussels
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    email_msg, sms = pl.messages.send(invoice)
    assert email_msg.next_attempt_at == clock.now()  # e-mail is not held by default
    assert sms.next_attempt_at == dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC)  # 08:00 local
    assert pl.outbox.dispatch().sent == [email_msg.id]
    clock.set(dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC))
    assert pl.outbox.dispatch().sent == [sms.id]
    with pytest.raises(ValidationError, match="quiet_hours"):
        pl.channels.set_quiet_hours(org, ("25:00", "08:00"))


class Flaky:
    """A channel that fails as it is told to."""

    name: ClassVar[str] = "flaky"
    kinds: ClassVar[frozenset[str]] = frozenset({"email", "sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset({"token"})
    failures: ClassVar[list[Exception]] = []
    sent: ClassVar[list[str]] = []

    def __init__(self, *, token: str = "") -> None:
        self.token = token

    def send(self, message: OutgoingMessage) -> SendResult:
        if Flaky.failures:
            raise Flaky.failures.pop(0)
        Flaky.sent.append(message.id)
        return SendResult(provider_message_id=f"F{len(Flaky.sent)}", status="accepted")


class FlakyPlugin:
    @hookimpl
    def paylink_register_channels(self, register: Any) -> None:
        register(Flaky)


@pytest.fixture
def flaky_pl(db_url: str, clock: FixedClock) -> Any:
    Flaky.failures = []
    Flaky.sent = []
    paylink = with_messaging(
        Paylink.open(
            db_url,
            clock=clock,
            plugins=get_plugin_manager(plugins=[FlakyPlugin()]),
            base_url=BASE_URL,
        )
    )
    yield paylink
    paylink.close()


def test_retries_back_off_then_dead_letter(flaky_pl: Any, clock: FixedClock) -> None:
    pl = flaky_pl
    org = pl.organizations.create(name="Acme", country="BE", iban="BE71096123456769")
    customer = pl.customers.create(org, name="Bob", phone="+32470000002")
    pl.channels.configure(org, "flaky", token="s3cret")
    assert pl.channels.settings(org, "flaky") == {"token": "***"}
    invoice = pl.invoices.issue(org, customer, lines=lines())
    (msg,) = pl.messages.send(invoice)
    assert msg.channel == "flaky"
    Flaky.failures = [ProviderUnavailable("timeout", provider="flaky")] * 2
    report = pl.outbox.dispatch()
    assert report.retrying == [msg.id]
    stored = pl.outbox.get(org, msg.id)
    assert stored.status == "queued" and stored.attempts == 1
    assert stored.next_attempt_at == clock.now() + dt.timedelta(minutes=1)
    assert "timeout" in (stored.error or "")
    assert pl.outbox.dispatch().attempted == 0  # not due yet
    clock.advance(minutes=1)
    pl.outbox.dispatch()
    assert pl.outbox.get(org, msg.id).next_attempt_at == clock.now() + dt.timedelta(minutes=2)
    clock.advance(minutes=2)
    assert pl.outbox.dispatch().sent == [msg.id]
    final = pl.outbox.get(org, msg.id)
    assert final.status == "sent" and final.attempts == 3 and final.provider_message_id == "F1"
    assert pl.links.list(org)[0].status == "sent"

    # A permanent refusal is dead at once; retry() queues it again.
    (msg2,) = pl.messages.send(invoice, via="sms")
    Flaky.failures = [ProviderRejected("invalid number", provider="flaky", status_code=400)]
    assert pl.outbox.dispatch().dead == [msg2.id]
    dead = pl.outbox.get(org, msg2.id)
    assert dead.status == "dead" and "invalid number" in (dead.error or "")
    pl.outbox.retry(dead)
    assert pl.outbox.dispatch().sent == [msg2.id]

    # Temporary failures run out after max_attempts.
    (msg3,) = pl.messages.send(invoice, via="sms")
    Flaky.failures = [ProviderUnavailable("down", provider="flaky")] * 10
    for _ in range(6):
        pl.outbox.dispatch()
        clock.advance(hours=1)
    gone = pl.outbox.get(org, msg3.id)
    assert gone.status == "dead" and gone.attempts == 6
    assert pl.outbox.counts(org) == {"sent": 2, "dead": 1}


def test_an_unknown_channel_cannot_be_configured(pl: Any, org: Organization) -> None:
    with pytest.raises(PluginError, match="no message channel 'carrier-pigeon'"):
        pl.channels.configure(org, "carrier-pigeon")
    with pytest.raises(ValidationError, match="host"):
        pl.channels.configure(org, "smtp", host="", sender="a@b.example")


def test_a_paid_invoice_queues_a_receipt_and_a_notice(
    pl: Any, org: Organization, dutch: Customer, outbox_dir: Path
) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    payment = pl.payments.record(invoice)
    paid = pl.invoices.get(org, invoice.id)
    with pl._ctx.unit() as unit:
        queued = queue_paid_messages(unit, org, paid, payment)
    receipt, notice = queued
    assert (receipt.kind, receipt.recipient, receipt.language) == (
        "receipt",
        "marie@example.be",
        "nl",
    )
    assert "Wij ontvingen € 146,00" in receipt.text.replace("\u00a0", " ")
    assert "De factuur is volledig betaald." in receipt.text
    assert (notice.kind, notice.recipient, notice.language) == (
        "payment_notice",
        "billing@garage.example",
        "fr",
    )
    assert notice.subject == f"Payée : facture {invoice.number} de Marie Peeters"
    assert "par encodage manuel le 2 mars 2026" in notice.text
    if pytest.importorskip("weasyprint"):
        pl.outbox.dispatch()
        mail = _eml(outbox_dir / f"{receipt.id}.eml")
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_filename() == f"Betalingsbewijs {invoice.number}.pdf"


def test_documents_html_and_pdf_in_one_call(pl: Any, org: Organization, dutch: Customer) -> None:
    invoice = pl.invoices.issue(org, dutch, lines=lines())
    link = pl.links.create(invoice)
    html = pl.renditions.html(invoice)
    assert invoice.number in html and link.url in html and 'lang="nl"' in html
    assert 'lang="de"' in pl.renditions.html(invoice.id, language="de")
    note = pl.invoices.cancel(invoice, reason="Warranty")
    assert invoice.number in pl.renditions.html(note)
    pytest.importorskip("weasyprint")
    assert pl.renditions.pdf(invoice).startswith(b"%PDF")


def test_a_reply_is_matched_to_its_customer_by_phone_or_address(pl: Any, org: Organization) -> None:
    pl.customers.create(org, name="Zoë Maes", phone="0470 99 88 77")
    bart = pl.customers.create(org, name="Bart Maes", phone="0470 99 88 77")  # a family phone
    marie = pl.customers.create(org, name="Marie Peeters", email="marie@example.be")
    for sender, kind, sid in (
        ("+32470998877", "sms", "SM1"),
        ("marie@example.be", "email", "EM1"),
        ("+32470000000", "sms", "SM2"),
    ):
        assert pl.outbox.record_inbound(
            org, channel="test", channel_kind=kind, sender=sender, text="ok",
            provider_message_id=sid,
        )  # fmt: skip
    by_sender = {m["sender"]: m["customer_id"] for m in pl.messages.inbound(org)}
    assert by_sender["+32470998877"] == bart.id  # a shared phone: the first by name
    assert by_sender["marie@example.be"] == marie.id
    assert by_sender["+32470000000"] is None  # nobody's: recorded without a customer
