"""``pl.outbox``: the dispatcher that delivers queued messages through the channels."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from ..documents import CreditNote, Invoice, Quote
from ..exceptions import NotFound, StateError
from ..notify import (
    OutgoingMessage,
    RetryPolicy,
)
from ..parties import Customer, Organization
from ..store import messages as q
from ._base import Resource
from ._dispatch import Dispatcher, DispatchReport, record_inbound, record_status

__all__ = ["DispatchReport", "Outbox"]


class Outbox(Resource):
    """The outbox: every outgoing message with its delivery status, and the dispatcher."""

    retry_policy: RetryPolicy = RetryPolicy()
    """When a failed message is tried again, and when it is given up (dead letter)."""
    batch_size: int = 20
    """How many due messages one dispatch claims at a time."""

    def get(self, org: Organization | str, message_id: str | None = None) -> OutgoingMessage:
        """The organization's message with this id, with its current delivery status;
        :class:`NotFound <paylink.exceptions.NotFound>` when it is another organization's.
        (``get(message_id)`` without the organization is deprecated.)"""
        org_id, found_id = self._scoped("outbox", org, message_id)
        with self._ctx.store.transaction() as conn:
            message = q.get_message(conn, found_id, self._ctx.addresses)
        if org_id is not None and message.organization_id != org_id:
            raise NotFound(f"no message {found_id!r}")
        return message

    def list(
        self,
        org: Organization | str,
        *,
        status: str | Sequence[str] | None = None,
        customer: Customer | str | None = None,
        document: Invoice | Quote | CreditNote | str | None = None,
        kind: str | None = None,
    ) -> builtins.list[OutgoingMessage]:
        """The organization's messages, oldest first, optionally filtered."""
        statuses = [status] if isinstance(status, str) else status
        with self._ctx.store.transaction() as conn:
            return q.list_messages(
                conn,
                self._org_id(org),
                self._ctx.addresses,
                statuses=statuses,
                customer_id=customer
                if isinstance(customer, str) or customer is None
                else customer.id,
                document_id=document
                if isinstance(document, str) or document is None
                else document.id,
                kind=kind,
            )

    def counts(self, org: Organization | str | None = None) -> dict[str, int]:
        """How many messages are in each status (for one organization or all)."""
        with self._ctx.store.transaction() as conn:
            return q.count_by_status(conn, None if org is None else self._org_id(org))

    def retry(self, message: OutgoingMessage | str) -> OutgoingMessage:
        """Queue a dead or failed message again, now, with a fresh attempt count."""
        message_id = message if isinstance(message, str) else message.id
        with self._ctx.unit() as unit:
            current = q.get_message(unit.conn, message_id, self._ctx.addresses, for_update=True)
            if current.status not in ("dead", "failed"):
                raise StateError(
                    f"message {message_id} is {current.status}; "
                    "only dead or failed messages are retried"
                )
            q.update_message(
                unit.conn,
                message_id,
                unit.now,
                status="queued",
                attempts=0,
                next_attempt_at=unit.now,
                claimed_until=None,
                claim_token=None,
                error=None,
            )
            return q.get_message(unit.conn, message_id, self._ctx.addresses)

    def dispatch(self, limit: int | None = None) -> DispatchReport:
        """Deliver the messages that are due, up to ``limit``; return what happened.

        Work is claimed in short transactions (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
        several workers can run at once), each message is sent outside any transaction, and
        its result recorded: ``sent`` (the payment link it carries becomes ``sent``), a retry at
        ``now + backoff`` (:attr:`retry_policy`), or ``dead`` after the last attempt or a
        permanent rejection. Nothing sleeps: a retry is a time stored on the message, read
        against the service's clock by a later run.
        """
        dispatcher = Dispatcher(
            self._ctx, retry_policy=self.retry_policy, batch_size=self.batch_size
        )
        return dispatcher.dispatch(limit)

    def record_status(
        self,
        channel: str,
        provider_message_id: str,
        provider_status: str,
        *,
        status: str | None = None,
        error: str | None = None,
        organization_id: str | None = None,
    ) -> OutgoingMessage | None:
        """Record a delivery status a provider reported for one of our messages.

        ``provider_status`` is the provider's own word (kept on the message); ``status`` the
        paylink status it maps to (``"delivered"``, ``"failed"``), or None to only keep the
        provider's word. Statuses only move forward: a late ``sent`` never undoes
        ``delivered``. Returns the message, or None when no message has this provider id.
        """
        with self._ctx.unit() as unit:
            return record_status(
                unit,
                self._ctx.addresses,
                channel,
                provider_message_id,
                provider_status,
                status=status,
                error=error,
                organization_id=organization_id,
            )

    def record_inbound(
        self,
        org: Organization | str,
        *,
        channel: str,
        channel_kind: str,
        sender: str,
        text: str,
        provider_message_id: str | None = None,
    ) -> bool:
        """Record a reply from ``sender``; ``STOP``-like replies opt the address out and
        ``START``-like ones back in. Fires ``paylink_message_received``. Returns False when
        this provider message was already recorded (a redelivered webhook)."""
        with self._ctx.unit() as unit:
            return record_inbound(
                unit,
                self._org(unit.conn, org),
                channel=channel,
                channel_kind=channel_kind,
                sender=sender,
                text=text,
                provider_message_id=provider_message_id,
            )
