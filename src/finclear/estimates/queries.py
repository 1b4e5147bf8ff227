"""Reads behind the estimate pages, the API and the clearance facts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from finclear.estimates.models import Estimate, EstimateLine, GfeRequest
from finclear.scheduling.models import Encounter, EncounterStatus

OPEN_STATUSES = (EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED)
HISTORY = 10


def estimates_of(encounter: Encounter) -> QuerySet[Estimate]:
    """The encounter's estimates, newest first, with their lines."""
    return (
        Estimate.objects.filter(encounter=encounter)
        .select_related("created_by", "delivered_by")
        .prefetch_related(Prefetch("lines", queryset=EstimateLine.objects.order_by("line_number")))
        .order_by("-created_at", "-pk")
    )


def current_estimate(encounter: Encounter) -> Estimate | None:
    return estimates_of(encounter).filter(is_current=True).first()


def gfe_requests_of(encounter: Encounter) -> QuerySet[GfeRequest]:
    return GfeRequest.objects.filter(encounter=encounter).order_by("-requested_on", "-pk")


def current_for(encounter_ids: Iterable[int]) -> dict[int, Estimate]:
    return {
        e.encounter_id: e
        for e in Estimate.objects.filter(encounter_id__in=list(encounter_ids), is_current=True)
    }


def open_encounter_ids() -> list[int]:
    return list(
        Encounter.objects.filter(status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
