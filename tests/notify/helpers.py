"""Shared set-up for the messaging tests."""

from __future__ import annotations

from typing import Any

from paylink import Paylink
from paylink.service.channels import Channels
from paylink.service.messages import Messages
from paylink.service.outbox import Outbox
from paylink.service.renditions import Renditions
from paylink.service.templates import Templates


def with_messaging(pl: Paylink) -> Any:
    """``pl`` with the messaging namespaces (a no-op once the service wires them itself)."""
    for name, cls in (
        ("renditions", Renditions),
        ("templates", Templates),
        ("channels", Channels),
        ("messages", Messages),
        ("outbox", Outbox),
    ):
        if not hasattr(pl, name):
            setattr(pl, name, cls(pl))
    return pl
