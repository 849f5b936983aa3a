"""Lower floor: deliver the outbox's due messages through the channels, and record what the
channels report back (delivery statuses, replies, opt-outs).

``pl.outbox`` dispatches through :class:`Dispatcher`; ``pl.portal`` too (a one-time code goes
at once); ``pl.channels`` records channel callbacks with :func:`record_status` and
:func:`record_inbound`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import logging
from typing import Any

import attrs

from .. import render
from ..exceptions import (
    PaylinkError,
    PluginError,
    ProviderError,
    ProviderRejected,
    ValidationError,
)
from ..links import Addresses
from ..money import Money
from ..notify import (
    Attachment,
    OutgoingMessage,
    RetryPolicy,
    SendResult,
)
from ..parties import Organization
from ..store import links as link_queries
from ..store import messages as q
from ..store.organizations import find_customer_by_contact, get_organization
from ._base import Context, Unit, new_id
from ._documents import document_html, load_document
from ._links import mark_link
from ._messages import (
    open_channel,
    quiet_hours_of,
)

__all__ = ["DispatchReport", "Dispatcher", "emit_status", "record_inbound", "record_status"]

log = logging.getLogger("paylink.outbox")

_LEASE = dt.timedelta(minutes=5)
_STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "failed": 3,
    "dead": 3,
    "cancelled": 3,
}


@attrs.define
class DispatchReport:
    """What one :meth:`Outbox.dispatch` run did: message ids per outcome.

    ``retrying`` failed and will be tried again at their ``next_attempt_at``; ``deferred`` fell
    in quiet hours and wait for them to end; ``dead`` failed for good.
    """

    sent: list[str] = attrs.field(factory=list)
    retrying: list[str] = attrs.field(factory=list)
    dead: list[str] = attrs.field(factory=list)
    cancelled: list[str] = attrs.field(factory=list)
    deferred: list[str] = attrs.field(factory=list)

    @property
    def attempted(self) -> int:
        """How many messages were handed to a channel."""
        return len(self.sent) + len(self.retrying) + len(self.dead)

    def as_dict(self) -> dict[str, list[str]]:
        """JSON-friendly form."""
        return attrs.asdict(self)


class Dispatcher:
    """Deliver due messages: claim them in short transactions, send each outside any
    transaction, record the result (see :meth:`dispatch`)."""

    def __init__(
        self, ctx: Context, *, retry_policy: RetryPolicy | None = None, batch_size: int = 20
    ) -> None:
        self._ctx = ctx
        self.retry_policy = retry_policy or RetryPolicy()
        self.batch_size = batch_size

    def dispatch(self, limit: int | None = None) -> DispatchReport:
        """Deliver the messages that are due, up to ``limit``; return what happened.

        Work is claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
        several workers can run at once), each message is sent outside any transaction, and
        its result recorded: ``sent`` (the payment link it carries becomes ``sent``), a retry at
        ``now + backoff`` (:attr:`retry_policy`), or ``dead`` after the last attempt or a
        permanent rejection. Nothing sleeps: a retry is a time stored on the message, read
        against the service's clock by a later run.
        """
        report = DispatchReport()
        channels: dict[tuple[str, str], Any] = {}
        done = 0
        while limit is None or done < limit:
            now = self._ctx.clock.now()
            token = new_id("clm")
            size = self.batch_size if limit is None else min(self.batch_size, limit - done)
            with self._ctx.store.transaction() as conn:
                ids = q.claim_due(conn, now=now, lease_until=now + _LEASE, token=token, limit=size)
            if not ids:
                break
            for message_id in ids:
                self._deliver(message_id, token, channels, report)
                done += 1
        return report

    def _deliver(
        self,
        message_id: str,
        token: str,
        channels: dict[tuple[str, str], Any],
        report: DispatchReport,
    ) -> None:
        now = self._ctx.clock.now()
        with self._ctx.store.transaction() as conn:
            message = q.get_message(conn, message_id, self._ctx.addresses)
            org = get_organization(conn, message.organization_id)
            opted_out = q.is_opted_out(conn, org.id, message.channel_kind, message.recipient)
            quiet, quiet_kinds = quiet_hours_of(conn, org)
        if opted_out:
            self._finish(
                message, token, "cancelled", report.cancelled, error="the recipient opted out"
            )
            return
        if quiet is not None and message.channel_kind in quiet_kinds and quiet.contains(now):
            with self._ctx.store.transaction() as conn:
                q.update_message(
                    conn,
                    message_id,
                    now,
                    token=token,
                    status="queued",
                    next_attempt_at=quiet.release(now),
                    claimed_until=None,
                    claim_token=None,
                )
            report.deferred.append(message_id)
            return
        try:
            key = (org.id, message.channel)
            if key not in channels:
                with self._ctx.store.transaction() as conn:
                    channels[key] = open_channel(
                        conn, self._ctx.plugins, org.id, message.channel, self._ctx.clock
                    )
            channel = channels[key]
            attachments = self._attachments(message)
            outgoing = attrs.evolve(message, attachments=attachments, attempts=message.attempts + 1)
            result: SendResult = channel.send(outgoing)
        except (ProviderRejected, ValidationError, PluginError) as exc:
            self._failed(message, token, exc, report, permanent=True)
            return
        except ProviderError as exc:
            self._failed(message, token, exc, report, permanent=False)
            return
        except Exception as exc:  # a channel's bug must not stop the run
            log.exception("channel %r failed on message %s", message.channel, message_id)
            self._failed(message, token, exc, report, permanent=False)
            return
        self._sent(message, token, result, report)

    def _attachments(self, message: OutgoingMessage) -> tuple[Attachment, ...]:
        kind = message.metadata.get("attach")
        if message.channel_kind != "email" or not kind or not message.document_id:
            return ()
        with self._ctx.store.transaction() as conn:
            document = load_document(conn, message.document_id)
            # A reminder's fees belong on its letter too: charged ones are lines of the
            # invoice (loaded with it); an info-only one is shown, not added.
            fee_text = message.metadata.get("fees")
            charged = message.metadata.get("fee_mode") == "charge"
            fees = Money.of(fee_text, document.currency) if fee_text and not charged else None
            html = document_html(
                self._ctx.addresses,
                conn,
                message.document_id,
                kind=kind,
                language=message.language,
                payment=message.metadata.get("payment_id"),
                step=int(message.metadata.get("step", "1")),
                fees=fees if fees is not None and fees.amount else None,
                now=self._ctx.clock.now(),
                providers=self._ctx.providers,
                fees_info_only="fee_mode" in message.metadata,
            )
            number = document.number or "document"
        name = f"{render.label(message.language, kind)} {number}".replace("/", "-")
        try:
            pdf = render.html_to_pdf(html)
        except PluginError:
            log.warning("WeasyPrint is not installed: attaching %s as HTML", name)
            return (Attachment(f"{name}.html", "text/html", html.encode()),)
        return (Attachment(f"{name}.pdf", "application/pdf", pdf),)

    def _sent(
        self, message: OutgoingMessage, token: str, result: SendResult, report: DispatchReport
    ) -> None:
        with self._ctx.unit() as unit:
            status = "delivered" if result.delivered else "sent"
            updated = q.update_message(
                unit.conn,
                message.id,
                unit.now,
                token=token,
                status=status,
                attempts=message.attempts + 1,
                provider_message_id=result.provider_message_id,
                provider_status=result.status,
                error=None,
                sent_at=unit.now,
                delivered_at=unit.now if result.delivered else None,
                claimed_until=None,
                claim_token=None,
                next_attempt_at=None,
            )
            if not updated:
                log.warning("message %s was re-claimed while it was being sent", message.id)
                return
            if message.link_id:
                link = link_queries.get_link(
                    unit.conn, message.link_id, self._ctx.addresses, for_update=True
                )
                mark_link(unit, link, "sent", source=message.channel, detail=message.channel_kind)
            emit_status(unit, self._ctx.addresses, message, status)
        report.sent.append(message.id)

    def _failed(
        self,
        message: OutgoingMessage,
        token: str,
        exc: Exception,
        report: DispatchReport,
        *,
        permanent: bool,
    ) -> None:
        attempts = message.attempts + 1
        error = str(exc) if isinstance(exc, PaylinkError) else f"{type(exc).__name__}: {exc}"
        error = error[:500]
        with self._ctx.unit() as unit:
            if permanent or self.retry_policy.gives_up(attempts):
                status = "dead"
                next_at = None
                report.dead.append(message.id)
            else:
                status = "queued"
                next_at = unit.now + self.retry_policy.delay(attempts)
                report.retrying.append(message.id)
            q.update_message(
                unit.conn,
                message.id,
                unit.now,
                token=token,
                status=status,
                attempts=attempts,
                error=error,
                next_attempt_at=next_at,
                claimed_until=None,
                claim_token=None,
            )
            if status == "dead":
                emit_status(unit, self._ctx.addresses, message, status)

    def _finish(
        self,
        message: OutgoingMessage,
        token: str,
        status: str,
        bucket: builtins.list[str],
        *,
        error: str,
    ) -> None:
        with self._ctx.unit() as unit:
            q.update_message(
                unit.conn,
                message.id,
                unit.now,
                token=token,
                status=status,
                error=error,
                next_attempt_at=None,
                claimed_until=None,
                claim_token=None,
            )
            emit_status(unit, self._ctx.addresses, message, status)
        bucket.append(message.id)


def emit_status(
    unit: Unit, addresses: Addresses, message: OutgoingMessage, new_status: str
) -> None:
    """Fire ``paylink_message_status_changed`` for ``message`` (after the unit commits)."""
    current = q.get_message(unit.conn, message.id, addresses)
    unit.emit(
        "message_status_changed",
        organization=get_organization(unit.conn, message.organization_id),
        message=current,
        old_status=message.status if message.status != "sending" else "queued",
        new_status=new_status,
    )


_STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "STOPP"}
)
_START_WORDS = frozenset({"START", "YES", "UNSTOP", "UNSUBSCRIBE_CANCEL"})


def record_status(
    unit: Unit,
    addresses: Addresses,
    channel: str,
    provider_message_id: str,
    provider_status: str,
    *,
    status: str | None = None,
    error: str | None = None,
    organization_id: str | None = None,
) -> OutgoingMessage | None:
    """Record a delivery status a channel reported for one of our messages, inside ``unit``.

    ``provider_status`` is the channel's own word (kept on the message); ``status`` the
    paylink status it maps to (``"delivered"``, ``"failed"``), or None to only keep the
    channel's word. Statuses only move forward: a late ``sent`` never undoes ``delivered``.
    Returns the message, or None when no message has this provider id.
    """
    message = q.find_by_provider_id(
        unit.conn, channel, provider_message_id, addresses, organization_id
    )
    if message is None:
        return None
    values: dict[str, Any] = {"provider_status": provider_status}
    moved = status is not None and _STATUS_RANK.get(status, 0) > _STATUS_RANK.get(message.status, 0)
    if moved:
        values["status"] = status
        if status == "delivered":
            values["delivered_at"] = unit.now
        if error:
            values["error"] = error[:500]
    q.update_message(unit.conn, message.id, unit.now, **values)
    if moved:
        assert status is not None
        emit_status(unit, addresses, message, status)
    return q.get_message(unit.conn, message.id, addresses)


def record_inbound(
    unit: Unit,
    organization: Organization,
    *,
    channel: str,
    channel_kind: str,
    sender: str,
    text: str,
    provider_message_id: str | None = None,
) -> bool:
    """Record a reply from ``sender`` inside ``unit``; ``STOP``-like replies opt the address
    out and ``START``-like ones back in. Fires ``paylink_message_received``. Returns False
    when this message was already recorded (a redelivered webhook)."""
    keyword = text.strip().split(maxsplit=1)[0].upper() if text.strip() else ""
    if channel_kind == "sms":
        customer = find_customer_by_contact(unit.conn, organization.id, phone=sender)
    else:
        customer = find_customer_by_contact(unit.conn, organization.id, email=sender)
    fresh = q.insert_inbound(
        unit.conn,
        id=new_id("inb"),
        org_id=organization.id,
        channel=channel,
        sender=sender,
        text=text[:2000],
        provider_message_id=provider_message_id,
        customer_id=customer.id if customer else None,
        now=unit.now,
    )
    if not fresh:
        return False
    if keyword in _STOP_WORDS or keyword in _START_WORDS:
        q.set_optout(
            unit.conn,
            organization.id,
            channel_kind,
            sender,
            keyword in _STOP_WORDS,
            source=channel,
            now=unit.now,
        )
    unit.emit(
        "message_received",
        organization=organization,
        channel=channel,
        sender=sender,
        text=text,
        customer=customer,
    )
    return True
