"""SMS segments, retry backoff and quiet hours: pure functions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylink.exceptions import ValidationError
from paylink.notify import QuietHours, RetryPolicy, sms_info


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count two
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]{y}~^\\|", "GSM-7", 18, 1),  # 8 extension characters, 2 plain
        ("Réglé à Liège: 12,50 €", "GSM-7", 23, 1),
        ("ç" * 70, "UCS-2", 70, 1),  # lower-case ç is not in GSM-7
        ("ç" * 71, "UCS-2", 71, 2),
        ("é" * 134 + "ê", "UCS-2", 135, 3),
        ("👍" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("👍" * 36, "UCS-2", 72, 2),
    ],
)
def test_segments(text: str, encoding: str, units: int, segments: int) -> None:
    info = sms_info(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


@given(st.text(max_size=500))
def test_segments_hold_the_message(text: str) -> None:
    info = sms_info(text)
    assert info.segments * info.per_segment >= info.units
    assert info.segments == 0 or (info.segments - 1) * info.per_segment < info.units


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=4, base=dt.timedelta(seconds=30), cap=dt.timedelta(minutes=3))
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 180, 180]
    assert not policy.gives_up(3) and policy.gives_up(4)


BRUSSELS_WINTER = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("local", "released"),
    [
        ((2026, 3, 2, 20, 59), (2026, 3, 2, 20, 59)),  # before the window
        ((2026, 3, 2, 21, 0), (2026, 3, 3, 8, 0)),
        ((2026, 3, 2, 23, 30), (2026, 3, 3, 8, 0)),
        ((2026, 3, 3, 0, 15), (2026, 3, 3, 8, 0)),  # after midnight: the same morning
        ((2026, 3, 3, 8, 0), (2026, 3, 3, 8, 0)),  # the window has ended
    ],
)
def test_quiet_hours_across_midnight(local: tuple[int, ...], released: tuple[int, ...]) -> None:
    quiet = QuietHours("21:00", "08:00", "Europe/Brussels")
    at = dt.datetime(*local, tzinfo=BRUSSELS_WINTER)
    assert quiet.release(at) == dt.datetime(*released, tzinfo=BRUSSELS_WINTER)


def test_a_daytime_window_and_bad_windows() -> None:
    lunch = QuietHours("12:00", "13:30", "Europe/Brussels")
    assert lunch.contains(dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC))  # 12:30 summer time
    assert not lunch.contains(dt.datetime(2026, 7, 1, 11, 30, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        QuietHours("08:00", "08:00")
    with pytest.raises(ValidationError, match="21h"):
        QuietHours("21h", "08:00")
