"""``pl.templates``: an organization's own message templates."""

from __future__ import annotations

import builtins
from typing import Any

from .. import render
from ..exceptions import (
    ValidationError,
)
from ..notify import (
    CHANNEL_KINDS,
    MESSAGE_KINDS,
)
from ..parties import LANGUAGES, Organization
from ..store import messages as q
from ._base import Resource

__all__ = ["Templates"]


def _check_key(kind: str, channel: str, language: str) -> None:
    if kind not in MESSAGE_KINDS:
        raise ValidationError(
            f"expected one of {', '.join(MESSAGE_KINDS)}, got {kind!r}", field="kind"
        )
    if channel not in CHANNEL_KINDS:
        raise ValidationError(f"expected 'email' or 'sms', got {channel!r}", field="channel")
    if language not in LANGUAGES:
        raise ValidationError(
            f"expected one of {', '.join(LANGUAGES)}, got {language!r}", field="language"
        )


class Templates(Resource):
    """An organization's own message templates (saved replies), overriding the defaults.

    A template is untrusted input: it is checked when saved (syntax, with the line of the
    error; a trial render on example values) and always runs in jinja's sandbox.
    """

    def save(
        self,
        org: Organization | str,
        *,
        kind: str,
        channel: str,
        language: str,
        body: str,
        subject: str = "",
    ) -> None:
        """Store the template for (``kind``, ``channel``, ``language``), replacing any earlier one.

        ``channel`` is ``"email"`` or ``"sms"``; ``subject`` is used for e-mail (empty keeps
        the default subject). The variables are listed in :data:`paylink.render.MESSAGE_VARIABLES`.
        Raises :class:`~paylink.exceptions.ValidationError` for a syntax error (naming the line),
        an unknown variable, or anything the sandbox refuses.
        """
        _check_key(kind, channel, language)
        if not str(body).strip():
            raise ValidationError("expected a template body", field="body")
        render.check_template(body, field="body")
        if subject:
            render.check_template(subject, field="subject")
        with self._ctx.unit() as unit:
            organization = self._org(unit.conn, org)
            # A trial render catches unknown variables and unsafe expressions now, not at 3 a.m.
            sample = render.sample_variables(organization, language)
            render.render_message(
                kind,
                channel_kind=channel,
                language=language,
                variables=sample,
                organization=organization,
                subject_template=subject or None,
                body_template=body,
            )
            q.save_template(
                unit.conn,
                organization.id,
                kind=kind,
                channel_kind=channel,
                language=language,
                subject=subject,
                body=body,
                now=unit.now,
            )

    def get(
        self, org: Organization | str, *, kind: str, channel: str, language: str
    ) -> tuple[str, str] | None:
        """The saved ``(subject, body)`` for this key, or None when the default is used."""
        _check_key(kind, channel, language)
        with self._ctx.store.transaction() as conn:
            return q.get_template(
                conn, self._org_id(org), kind=kind, channel_kind=channel, language=language
            )

    def list(self, org: Organization | str) -> builtins.list[dict[str, Any]]:
        """The organization's saved templates (kind, channel_kind, language, subject, body)."""
        with self._ctx.store.transaction() as conn:
            return q.list_templates(conn, self._org_id(org))

    def delete(self, org: Organization | str, *, kind: str, channel: str, language: str) -> bool:
        """Go back to the default for this key; True when a saved template was removed."""
        _check_key(kind, channel, language)
        with self._ctx.unit() as unit:
            return q.delete_template(
                unit.conn, self._org_id(org), kind=kind, channel_kind=channel, language=language
            )
