"""The outbox folder: the embedded default channel, which needs no account anywhere.

E-mails are written as RFC 5322 ``.eml`` files (with the PDF attached; any mail client opens
them) and SMS as ``.sms.txt`` files, into a folder (``paylink-outbox/`` by default). Useful in
development, in demos, and for a host application that picks the files up itself.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from paylink.context import PluginContext, Setting
from paylink.exceptions import ProviderUnavailable, ValidationError
from paylink.hookspecs import hookimpl
from paylink.notify import OutgoingMessage, SendResult, build_email

__all__ = ["OutboxFolder"]


class OutboxFolder:
    """Writes each message as a file into ``directory`` (created when missing)."""

    name: ClassVar[str] = "outbox"
    kinds: ClassVar[frozenset[str]] = frozenset({"email", "sms"})
    secret_settings: ClassVar[frozenset[str]] = frozenset()
    settings_spec: ClassVar[dict[str, Setting]] = {
        "directory": Setting(
            type=(str, os.PathLike), default="paylink-outbox", help="where files are written"
        ),
    }

    def __init__(
        self,
        *,
        directory: str | os.PathLike[str] = "paylink-outbox",
        context: PluginContext | None = None,
    ) -> None:
        if not str(directory).strip():
            raise ValidationError("expected a directory to write messages into", field="directory")
        self.directory = Path(directory)
        self.context = context

    def __repr__(self) -> str:
        return f"OutboxFolder(directory={str(self.directory)!r})"

    def path_for(self, message: OutgoingMessage) -> Path:
        """Where ``message`` is (or will be) written."""
        suffix = ".eml" if message.channel_kind == "email" else ".sms.txt"
        return self.directory / f"{message.id}{suffix}"

    def send(self, message: OutgoingMessage) -> SendResult:
        """Write the message's file; the file's path is the provider message id."""
        if message.channel_kind == "email":
            data = build_email(message).as_bytes()
        elif message.channel_kind == "sms":
            head = [
                f"To: {message.recipient}",
                f"From: {message.sender_name}",
                f"Encoding: {message.encoding or ''}",
                f"Segments: {message.segments or ''}",
            ]
            data = ("\n".join(head) + "\n\n" + message.text + "\n").encode("utf-8")
        else:
            raise ValidationError(
                f"the outbox writes e-mail and SMS, not {message.channel_kind!r}", field="channel"
            )
        path = self.path_for(message)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise ProviderUnavailable(
                f"could not write {path}: {exc.strerror}", provider=self.name
            ) from exc
        return SendResult(provider_message_id=str(path), status="written", delivered=True)


@hookimpl
def paylink_register_channels(register: Callable[[Any], None]) -> None:
    """Register :class:`OutboxFolder`."""
    register(OutboxFolder)
