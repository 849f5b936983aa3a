"""The SMTP channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from paylink import FixedClock, Paylink
from paylink.exceptions import ProviderAuthError, ProviderUnavailable, ValidationError
from paylink.notify import Attachment, OutgoingMessage
from paylink.parties import Customer, Organization
from paylink_providers.smtp import SmtpChannel

from ..conftest import BASE_URL, lines
from ..notify.helpers import with_messaging

PASSWORD = "correct horse battery staple"


@pytest.fixture
def pl(db_url: str, clock: FixedClock) -> Iterator[Any]:
    paylink = with_messaging(Paylink.open(db_url, clock=clock, base_url=BASE_URL))
    yield paylink
    paylink.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        result = []
        for envelope in self.envelopes:
            content = envelope.original_content or envelope.content
            assert isinstance(content, bytes)
            parsed = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            result.append(parsed)
        return result


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"garage",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def test_an_invoice_arrives_with_its_pdf_and_pay_link(
    pl: Any, org: Organization, customer: Customer, smtp_server: tuple[Inbox, int]
) -> None:
    pytest.importorskip("weasyprint")
    inbox, port = smtp_server
    pl.channels.configure(
        org,
        "smtp",
        host="127.0.0.1",
        port=port,
        security="none",
        username="garage",
        password=PASSWORD,
        sender="noreply@garage.example",
    )
    assert pl.channels.settings(org, "smtp")["password"] == "***"
    invoice = pl.invoices.issue(org, customer, lines=lines())
    (msg,) = pl.messages.send(invoice, via="email")
    assert msg.channel == "smtp"
    report = pl.outbox.dispatch()
    assert report.sent == [msg.id]
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "noreply@garage.example"
    assert envelope.rcpt_tos == ["marie@example.be"]
    (mail,) = inbox.messages()
    assert mail["Reply-To"] == "billing@garage.example"
    assert mail["Subject"] == f"Facture {invoice.number} de Garage Dupont SRL"
    link = pl.links.list(org, invoice=invoice)[0]
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    assert link.url in text.get_content() and link.url in html.get_content()
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    stored = pl.outbox.get(org, msg.id)
    assert stored.status == "sent" and stored.provider_message_id == mail["Message-ID"]
    assert link.status == "sent" and link.history[-1].source == "smtp"


def test_wrong_credentials_dead_letter_without_leaking_the_password(
    pl: Any, org: Organization, customer: Customer, smtp_server: tuple[Inbox, int]
) -> None:
    _, port = smtp_server
    channel = SmtpChannel(
        host="127.0.0.1",
        port=port,
        security="none",
        username="garage",
        password="wrong-" + PASSWORD,
        sender="noreply@garage.example",
    )
    assert PASSWORD not in repr(channel)
    message = OutgoingMessage(
        id="msg_1",
        organization_id="org",
        kind="invoice_issued",
        channel_kind="email",
        channel="smtp",
        recipient="marie@example.be",
        subject="Hi",
        text="Hello",
    )
    with pytest.raises(ProviderAuthError) as caught:
        channel.send(message)
    assert PASSWORD not in str(caught.value) and caught.value.__cause__ is None
    assert "refused the credentials" in str(caught.value)

    pl.channels.configure(
        org,
        "smtp",
        host="127.0.0.1",
        port=port,
        security="none",
        username="garage",
        password="wrong-" + PASSWORD,
        sender="noreply@garage.example",
    )
    invoice = pl.invoices.issue(org, customer, lines=lines())
    (msg,) = pl.messages.send(invoice, via="email")
    assert pl.outbox.dispatch().dead == [msg.id]
    assert PASSWORD not in (pl.outbox.get(org, msg.id).error or "")


def test_a_server_that_is_down_is_retried_later(pl: Any, org: Organization) -> None:
    channel = SmtpChannel(
        host="127.0.0.1", port=_free_port(), security="none", sender="noreply@garage.example"
    )
    message = OutgoingMessage(
        id="msg_2",
        organization_id="org",
        kind="receipt",
        channel_kind="email",
        channel="smtp",
        recipient="marie@example.be",
        subject="Hi",
        text="Hello",
    )
    with pytest.raises(ProviderUnavailable, match="could not talk to the SMTP server"):
        channel.send(message)


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="security"):
        SmtpChannel(host="h", sender="a@b.example", security="tls13")
    with pytest.raises(ValidationError, match="username"):
        SmtpChannel(host="h", sender="a@b.example", password="x")
    with pytest.raises(ValidationError, match="sender"):
        SmtpChannel(host="h", sender="not an address")
    assert SmtpChannel(host="h", sender="a@b.example", security="ssl").port == 465


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_starttls_with_auth_and_an_attachment(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=_authenticator,
    )
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        channel = SmtpChannel(
            host="127.0.0.1",
            port=port,
            username="garage",
            password=PASSWORD,
            sender="noreply@garage.example",
            ssl_context=client_context,
        )
        message = OutgoingMessage(
            id="msg_3",
            organization_id="org",
            kind="invoice_issued",
            channel_kind="email",
            channel="smtp",
            recipient="marie@example.be",
            subject="Facture 2026-000001",
            text="Bonjour",
            attachments=(Attachment("Facture.pdf", "application/pdf", b"%PDF-1.7 test"),),
        )
        result = channel.send(message)
    finally:
        controller.stop()
    (mail,) = inbox.messages()
    assert mail["Message-ID"] == result.provider_message_id
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content() == b"%PDF-1.7 test"
