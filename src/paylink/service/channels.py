"""``pl.channels``: the organization's message channels, quiet hours and channel callbacks.

A channel whose provider calls back (delivery statuses, replies: Twilio) declares
``supports_callbacks``; :meth:`Channels.handle_webhook` opens it with the organization's
settings, lets it verify and parse the call (:class:`~paylink.ports.ChannelCallbacks`), and
applies the events in one unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..exceptions import PaylinkError, ValidationError, WebhookRejected
from ..notify import (
    CHANNEL_KINDS,
    QuietHours,
)
from ..parties import Organization
from ..ports import ChannelCallback, DeliveryStatus, WebhookRequest
from ..store import messages as q
from ..store.organizations import get_organization
from ._base import Resource, Unit
from ._dispatch import record_inbound, record_status
from ._messages import (
    KINDS_KEY,
    MESSAGING_ROW,
    build_channel,
    channel_class,
    channel_for,
    open_channel,
    quiet_hours_of,
)

__all__ = ["Channels"]


class Channels(Resource):
    """Per-organization channel settings, and quiet hours.

    Settings are stored in the database; secrets among them (``password``, ``auth_token``)
    are never returned by :meth:`settings` and never appear in reprs, logs or errors.
    """

    def configure(self, org: Organization | str, name: str, **settings: Any) -> None:
        """Store the settings of channel ``name`` for ``org`` (replacing earlier ones).

        The settings are checked by instantiating the channel once (no message is sent).
        The most recently configured channel for a kind of address (e-mail, SMS) is the one
        used; the ``outbox`` folder is the fallback when no other channel is configured (its
        own settings, such as its directory, still apply).
        """
        cls = channel_class(self._ctx.plugins, name)
        if KINDS_KEY in settings:
            raise ValidationError(f"{KINDS_KEY} is reserved", field=KINDS_KEY)
        # Built once, as it will be for sending: a bad or missing setting is named now.
        build_channel(cls, settings, clock=self._ctx.clock)
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            stored = {**settings, KINDS_KEY: sorted(cls.kinds)}
            q.set_settings(unit.conn, organization.id, name, stored, unit.now)

    def remove(self, org: Organization | str, name: str) -> None:
        """Forget channel ``name``'s settings for ``org``."""
        with self._ctx.unit() as unit:
            q.remove_settings(unit.conn, self._org_id(org), name)

    def settings(self, org: Organization | str, name: str) -> dict[str, Any]:
        """The stored settings, with every secret replaced by ``"***"``."""
        cls = channel_class(self._ctx.plugins, name)
        with self._ctx.store.transaction() as conn:
            stored = q.get_settings(conn, self._org_id(org), name) or {}
        secret: frozenset[str] = getattr(cls, "secret_settings", frozenset())
        return {k: ("***" if k in secret and v else v) for k, v in stored.items() if k != KINDS_KEY}

    def channel_for(self, org: Organization | str, channel_kind: str) -> str:
        """The name of the channel that delivers ``channel_kind`` (``"email"``/``"sms"``)."""
        with self._ctx.store.transaction() as conn:
            return channel_for(conn, self._org_id(org), channel_kind)

    def open(self, org: Organization | str, name: str) -> Any:
        """An instance of channel ``name`` with ``org``'s settings (the outbox folder has a
        default directory, ``paylink-outbox``)."""
        with self._ctx.store.transaction() as conn:
            return open_channel(conn, self._ctx.plugins, self._org_id(org), name, self._ctx.clock)

    def set_quiet_hours(
        self,
        org: Organization | str,
        quiet_hours: tuple[str, str] | None,
        *,
        kinds: Sequence[str] = ("sms",),
    ) -> None:
        """Hold messages of ``kinds`` that fall due between ``quiet_hours[0]`` and
        ``quiet_hours[1]`` (``("21:00", "08:00")``, in the organization's time zone) until the
        window ends. ``None`` switches quiet hours off."""
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            if quiet_hours is None:
                q.remove_settings(unit.conn, organization.id, MESSAGING_ROW)
                return
            start, end = quiet_hours
            QuietHours(start, end, organization.timezone)  # validates
            for kind in kinds:
                if kind not in CHANNEL_KINDS:
                    raise ValidationError(f"expected 'email' or 'sms', got {kind!r}", field="kinds")
            q.set_settings(
                unit.conn,
                organization.id,
                MESSAGING_ROW,
                {"quiet_hours": [start, end], "quiet_kinds": list(kinds)},
                unit.now,
            )

    def quiet_hours(self, org: Organization | str) -> QuietHours | None:
        """The organization's quiet hours, or None."""
        with self._ctx.store.transaction() as conn:
            return quiet_hours_of(conn, self._org(conn, org))[0]

    def handle_webhook(
        self, org: Organization | str, name: str, request: WebhookRequest
    ) -> ChannelCallback:
        """Verify and apply a callback that channel ``name``'s provider sent for ``org``.

        The channel is opened with the organization's settings and verifies the call itself
        (:meth:`~paylink.ports.ChannelCallbacks.parse_callback`); its delivery statuses are
        recorded on the messages (forward only) and its incoming messages stored, a ``STOP``
        opting the sender out, all in one unit of work. Returns the parsed callback, whose
        ``answer_*`` fields are what to answer the provider. Raises
        :class:`~paylink.exceptions.WebhookRejected` (nothing applied): 404 when ``org`` has no
        such channel configured or the channel takes no callbacks, else the channel's status.
        """
        org_id = self._org_id(org)
        cls = self._ctx.plugins.channels.get(name)
        if cls is None or not getattr(cls, "supports_callbacks", False):
            raise WebhookRejected("unknown webhook endpoint", status_code=404)
        try:
            with self._ctx.store.transaction() as conn:
                organization = get_organization(conn, org_id)
                channel = open_channel(conn, self._ctx.plugins, org_id, name, self._ctx.clock)
        except PaylinkError:
            raise WebhookRejected(
                f"no {name} channel is configured for this organization", status_code=404
            ) from None
        callback: ChannelCallback = channel.parse_callback(request)

        def work(unit: Unit) -> None:
            for event in callback.events:
                if isinstance(event, DeliveryStatus):
                    record_status(
                        unit,
                        self._ctx.addresses,
                        name,
                        event.provider_message_id,
                        event.provider_status,
                        status=event.status,
                        error=event.error,
                        organization_id=org_id,
                    )
                else:
                    record_inbound(
                        unit,
                        organization,
                        channel=name,
                        channel_kind=event.channel_kind,
                        sender=event.sender,
                        text=event.text,
                        provider_message_id=event.provider_message_id,
                    )

        if callback.events:
            self._ctx.run(work)
        return callback
