"""Prior authorization time frames (CMS-0057-F) and the alert thresholds of an authorization.

CMS-0057-F (the Interoperability and Prior Authorization final rule, 89 FR 8758) makes
impacted payers decide a prior authorization request within 72 hours for an expedited
request and within 7 calendar days for a standard one, counted from the receipt of the
request. finclear counts from the moment the request was sent (or, for one obtained by phone
or portal, recorded as requested): it is the moment the provider can prove.

Alerts (each a workqueue task in the authorizations app): an approved authorization ending
within 14 days, one whose units are 80% used or more, and a decision that is overdue.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

STANDARD_TIME_FRAME = timedelta(days=7)
EXPEDITED_TIME_FRAME = timedelta(hours=72)
EXPIRY_WARNING_DAYS = 14
UNITS_WARNING_SHARE = Decimal("0.8")


def check_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: {value.isoformat()} must be timezone-aware")


def decision_due(requested_at: datetime, expedited: bool) -> datetime:
    """When the payer's decision is due: 72 hours (expedited) or 7 calendar days (standard)."""
    check_aware(requested_at, "requested_at")
    return requested_at + (EXPEDITED_TIME_FRAME if expedited else STANDARD_TIME_FRAME)


def is_decision_late(
    requested_at: datetime, expedited: bool, decided_at: datetime | None, now: datetime
) -> bool:
    """A decision is late when it came after the due time, or has not come and the time passed."""
    due = decision_due(requested_at, expedited)
    check_aware(now, "now")
    if decided_at is not None:
        check_aware(decided_at, "decided_at")
        return decided_at > due
    return now > due


def days_until(end: date, today: date) -> int:
    return (end - today).days


def is_expiring(end: date | None, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> bool:
    """True when the last covered day is today or within the next ``within_days`` days."""
    return end is not None and 0 <= days_until(end, today) <= within_days


def units_remaining(approved: Decimal | None, used: Decimal) -> Decimal | None:
    """Units left (never negative); None when the authorization sets no unit limit."""
    if approved is None:
        return None
    return max(approved - used, Decimal(0))


def units_nearly_used(
    approved: Decimal | None, used: Decimal, share: Decimal = UNITS_WARNING_SHARE
) -> bool:
    """True when ``used`` has reached ``share`` of the approved units (no limit: never)."""
    if approved is None or approved <= 0:
        return False
    return used >= approved * share
