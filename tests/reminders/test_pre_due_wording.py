"""A reminder before the due date says when the invoice falls due, never "0 days overdue"."""

from __future__ import annotations

import html
import re

import pytest

from paylink import Paylink
from paylink.parties import Organization
from paylink.reminders import DunningPolicy, Step
from paylink.service.outbox import Outbox

from .helpers import at, issue

# (language, in 3 days, today, what an overdue reminder would say instead)
WORDING = [
    ("en", "is due in 3 days", "is due today", "Due in 3 days", "0 days"),
    ("fr", "arrive à échéance dans 3 jours", "arrive à échéance aujourd'hui",
     "À payer dans 3 jours", "0 jours"),
    ("nl", "vervalt over 3 dagen", "vervalt vandaag", "Te betalen binnen 3 dagen", "0 dagen"),
    ("de", "ist in 3 Tagen fällig", "ist heute fällig", "Fällig in 3 Tagen", "0 Tage"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "in_three", "today", "note", "zero"), WORDING)
def test_pre_due_steps_have_their_own_words_in_every_language(
    pl: Paylink,
    org: Organization,
    language: str,
    in_three: str,
    today: str,
    note: str,
    zero: str,
) -> None:
    client = pl.customers.create(
        org, name="Acme SA", email="ap@acme.example", phone="+32470123456", language=language
    )
    # Due on Friday 13 March 2026: the courtesy notice goes out on Tuesday, the next on Friday.
    invoice = issue(pl, org, client, "2026-03-13")
    channels = ("email", "sms", "letter")
    pl.reminders.set_policy(
        org,
        DunningPolicy(
            steps=(
                Step(name="soon", offset_days=-3, channels=channels),
                Step(name="today", offset_days=0, channels=channels),
            )
        ),
    )
    for day, phrase, step in (("2026-03-10", in_three, 1), ("2026-03-13", today, 2)):
        report = pl.reminders.tick(at(day))
        assert [r.step for r in report.sent] == [step]
        sent = [m for m in Outbox(pl).list(org, kind="reminder") if m.id in report.messages]
        email = next(m for m in sent if m.channel_kind == "email")
        sms = next(m for m in sent if m.channel_kind == "sms")
        assert phrase in email.subject and phrase in email.text and phrase in sms.text
        letter = html.unescape(pl.reminders.letter(invoice, step))
        assert phrase in letter
        for text in (email.subject, email.text, sms.text, letter):
            assert not re.search(rf"(?<![\d.,]){zero}", text)
    assert note in pl.reminders.letter(invoice, 1)
