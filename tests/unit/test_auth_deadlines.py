"""CMS-0057-F decision time frames and the authorization alert thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.rules.deadlines import (
    decision_due,
    is_decision_late,
    is_expiring,
    units_nearly_used,
    units_remaining,
)

SENT = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # a Friday afternoon


def test_standard_requests_are_due_in_seven_calendar_days() -> None:
    # Calendar days: the weekend counts.
    assert decision_due(SENT, expedited=False) == datetime(2026, 3, 13, 16, 30, tzinfo=UTC)


def test_expedited_requests_are_due_in_72_hours() -> None:
    assert decision_due(SENT, expedited=True) == datetime(2026, 3, 9, 16, 30, tzinfo=UTC)


def test_due_time_keeps_the_offset_and_counts_elapsed_hours_across_dst() -> None:
    eastern = timezone(timedelta(hours=-5))
    sent = datetime(2026, 3, 7, 12, 0, tzinfo=eastern)  # DST starts 2026-03-08 in the US
    due = decision_due(sent, expedited=True)
    assert due - sent == timedelta(hours=72)
    assert due.utcoffset() == timedelta(hours=-5)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="requested_at"):
        decision_due(datetime(2026, 3, 6, 16, 30), expedited=False)
    with pytest.raises(ValueError, match="now"):
        is_decision_late(SENT, False, None, datetime(2026, 3, 20))


@pytest.mark.parametrize(
    ("expedited", "decided", "now", "late"),
    [
        (False, None, SENT + timedelta(days=7), False),
        (False, None, SENT + timedelta(days=7, seconds=1), True),
        (True, None, SENT + timedelta(hours=71), False),
        (True, None, SENT + timedelta(hours=73), True),
        (True, SENT + timedelta(hours=80), SENT + timedelta(hours=90), True),
        (False, SENT + timedelta(days=2), SENT + timedelta(days=30), False),
    ],
)
def test_lateness(expedited: bool, decided: datetime | None, now: datetime, late: bool) -> None:
    assert is_decision_late(SENT, expedited, decided, now) is late


@given(
    sent=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    expedited=st.booleans(),
    wait=st.integers(0, 20 * 24 * 3600),
)
def test_late_exactly_when_past_due(sent: datetime, expedited: bool, wait: int) -> None:
    now = sent + timedelta(seconds=wait)
    limit = 72 * 3600 if expedited else 7 * 24 * 3600
    assert is_decision_late(sent, expedited, None, now) is (wait > limit)


@pytest.mark.parametrize(
    ("end", "expiring"),
    [
        (date(2026, 3, 1), False),  # already over
        (date(2026, 3, 2), True),  # today
        (date(2026, 3, 16), True),  # 14 days ahead
        (date(2026, 3, 17), False),
        (None, False),
    ],
)
def test_expiring_within_14_days(end: date | None, expiring: bool) -> None:
    assert is_expiring(end, date(2026, 3, 2)) is expiring


@pytest.mark.parametrize(
    ("approved", "used", "nearly"),
    [
        (Decimal(10), Decimal(7), False),
        (Decimal(10), Decimal(8), True),
        (Decimal(10), Decimal(12), True),
        (None, Decimal(100), False),
        (Decimal(0), Decimal(0), False),
    ],
)
def test_units_nearly_used(approved: Decimal | None, used: Decimal, nearly: bool) -> None:
    assert units_nearly_used(approved, used) is nearly


def test_units_remaining_is_never_negative() -> None:
    assert units_remaining(Decimal(10), Decimal(12)) == 0
    assert units_remaining(Decimal(10), Decimal("2.5")) == Decimal("7.5")
    assert units_remaining(None, Decimal(3)) is None
