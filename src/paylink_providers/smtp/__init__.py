"""SMTP: e-mail through any mail server, with the standard library's :mod:`smtplib`.

Settings (``pl.channels.configure(org, "smtp", ...)``):

- ``host``, ``port`` (default 587 with STARTTLS, 465 with SSL, 25 without),
- ``security``: ``"starttls"`` (default), ``"ssl"`` (implicit TLS) or ``"none"``,
- ``username`` and ``password`` (optional; the password is a secret: never shown, logged or
  put in an error),
- ``sender`` (the envelope and ``From`` address the server allows) and ``sender_name``
  (default: the organization's name); the organization's own address goes in ``Reply-To``,
- ``timeout`` in seconds (default 30).

Errors: refused credentials raise :class:`~paylink.exceptions.ProviderAuthError`; a permanent
refusal (5xx) :class:`~paylink.exceptions.ProviderRejected`; timeouts, connection errors and
temporary refusals (4xx) :class:`~paylink.exceptions.ProviderUnavailable`, which the outbox
retries.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from typing import Any, ClassVar

from paylink.context import PluginContext, Setting
from paylink.exceptions import (
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
    ValidationError,
)
from paylink.hookspecs import hookimpl
from paylink.notify import OutgoingMessage, SendResult, build_email
from paylink.parties import normalize_email

__all__ = ["SmtpChannel"]

_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SmtpChannel:
    """Delivers e-mail through an SMTP server."""

    name: ClassVar[str] = "smtp"
    kinds: ClassVar[frozenset[str]] = frozenset({"email"})
    secret_settings: ClassVar[frozenset[str]] = frozenset({"password"})
    settings_spec: ClassVar[dict[str, Setting]] = {
        "host": Setting(required=True, help="the SMTP server's host name"),
        "sender": Setting(required=True, help="the envelope and From address"),
        "port": Setting(type=int, help="default 587 (starttls), 465 (ssl), 25 (none)"),
        "security": Setting(default="starttls", help="starttls, ssl or none"),
        "username": Setting(),
        "password": Setting(secret=True),
        "sender_name": Setting(help="default: the organization's name"),
        "timeout": Setting(type=(int, float), default=30.0, help="seconds"),
    }

    def __init__(
        self,
        *,
        host: str,
        sender: str,
        port: int | None = None,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        sender_name: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        context: PluginContext | None = None,
    ) -> None:
        if not host:
            raise ValidationError("expected the SMTP server's host name", field="host")
        if security not in _PORTS:
            raise ValidationError(
                f"expected 'starttls', 'ssl' or 'none', got {security!r}", field="security"
            )
        if password and not username:
            raise ValidationError("a password needs a username", field="username")
        self.host = host
        self.port = int(port) if port else _PORTS[security]
        self.security = security
        self.username = username
        self._password = password
        self.sender = normalize_email(sender, field="sender")
        self.sender_name = sender_name
        self.timeout = float(timeout)
        self._ssl_context = ssl_context
        self.context = context

    def __repr__(self) -> str:
        auth = f", username={self.username!r}, password='***'" if self.username else ""
        return (
            f"SmtpChannel(host={self.host!r}, port={self.port}, security={self.security!r}{auth})"
        )

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            client.starttls(context=context)
        return client

    def _error(self, exc: Exception) -> Exception:
        where = f"{self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return ProviderAuthError(
                f"the SMTP server {where} refused the credentials of {self.username!r}",
                provider=self.name,
                status_code=exc.smtp_code,
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            code = max(codes) if codes else 550
            text = f"the SMTP server {where} refused the recipient"
            if code >= 500:
                return ProviderRejected(text, provider=self.name, status_code=code)
            return ProviderUnavailable(text, provider=self.name, status_code=code)
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            text = f"the SMTP server {where} answered {exc.smtp_code} {reply[:200]}"
            if exc.smtp_code >= 500:
                return ProviderRejected(text, provider=self.name, status_code=exc.smtp_code)
            return ProviderUnavailable(text, provider=self.name, status_code=exc.smtp_code)
        if isinstance(exc, ssl.SSLError):
            return ProviderUnavailable(
                f"TLS with the SMTP server {where} failed: {exc.reason}", provider=self.name
            )
        # Connection refused, timeouts, a server that hung up: worth trying again later.
        return ProviderUnavailable(
            f"could not talk to the SMTP server {where}: {type(exc).__name__}", provider=self.name
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send the e-mail; the result carries its ``Message-ID``."""
        if message.channel_kind != "email":
            raise ValidationError("the smtp channel sends e-mail only", field="channel")
        mail = build_email(message, sender=self.sender, sender_name=self.sender_name)
        try:
            client = self._connect()
            try:
                if self.username:
                    client.login(self.username, self._password or "")
                client.send_message(mail, from_addr=self.sender, to_addrs=[message.recipient])
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        except (smtplib.SMTPException, OSError) as exc:
            # "from None": smtplib's exceptions may echo the AUTH exchange.
            raise self._error(exc) from None
        return SendResult(provider_message_id=str(mail["Message-ID"]), status="accepted")


@hookimpl
def paylink_register_channels(register: Callable[[Any], None]) -> None:
    """Register :class:`SmtpChannel`."""
    register(SmtpChannel)
