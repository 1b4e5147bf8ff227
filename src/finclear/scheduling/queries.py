"""Reads for the chargemaster and encounters."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from finclear.organizations.models import Department, Facility
from finclear.scheduling.models import ChargemasterItem, Encounter


def chargemaster_on(facility: Facility, day: dt.date) -> QuerySet[ChargemasterItem]:
    """The facility's chargemaster lines in effect on a day."""
    return ChargemasterItem.objects.filter(facility=facility, effective_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def find_chargemaster_item(
    facility: Facility, cpt_hcpcs: str, day: dt.date, department: Department | None = None
) -> ChargemasterItem | None:
    """The chargemaster line for a code on a day: the department's own first, then any.

    Among equals the most recent effective date wins, then the lowest CDM number.
    """
    candidates = chargemaster_on(facility, day).filter(cpt_hcpcs=cpt_hcpcs)
    if department is not None:
        own = candidates.filter(department=department).order_by("-effective_date", "code").first()
        if own is not None:
            return own
    return candidates.order_by("-effective_date", "code").first()


def encounters_for_day(facility: Facility, day: dt.date) -> QuerySet[Encounter]:
    """The facility's encounters scheduled on a day (in the facility's time zone)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=facility.zone)
    end = start + dt.timedelta(days=1)
    return (
        Encounter.objects.filter(facility=facility, scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("patient", "department", "rendering_provider", "clearance_case")
        .order_by("scheduled_at", "pk")
    )


def encounter_with_details(pk: int) -> Encounter:
    """One encounter with everything shown on its page, in a fixed number of queries."""
    return (
        Encounter.objects.select_related(
            "facility",
            "department",
            "patient",
            "rendering_provider",
            "attending_provider",
            "clearance_case",
        )
        .prefetch_related("diagnoses", "service_lines__chargemaster_item")
        .get(pk=pk)
    )


def find_encounter_by_external_id(facility: Facility, external_id: str) -> Encounter | None:
    if not external_id:
        return None
    return Encounter.objects.filter(facility=facility, external_id=external_id).first()
