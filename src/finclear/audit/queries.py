"""Reads of the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from finclear.audit.models import AuditEvent


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search_events(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Events matching the cleaned filters of ``AuditSearchForm``, newest first.

    Dates are whole days in the current time zone, both ends included.
    """
    events = AuditEvent.objects.all()
    if filters.get("username"):
        events = events.filter(username__iexact=filters["username"])
    for name in ("action", "channel", "object_type", "object_id", "patient_id"):
        value = filters.get(name)
        if value not in (None, ""):
            events = events.filter(**{name: value})
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        next_day = filters["date_to"] + dt.timedelta(days=1)
        events = events.filter(occurred_at__lt=_start_of(next_day))
    return events.order_by("-occurred_at", "-id")
