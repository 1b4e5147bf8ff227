"""Reads behind the web pages, always through the user's facility scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from finclear.accounts.scoping import (
    get_encounter_for_user_or_404,
    get_patient_for_user_or_404,
    scope_encounters,
)
from finclear.patients.models import Coverage, Patient
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import CaseNote, Task

LIST_RELATED = ("patient", "facility", "department", "rendering_provider", "clearance_case")
PATIENT_ENCOUNTER_LIMIT = 50


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def encounters_for_user(user: Any, filters: dict[str, Any]) -> QuerySet[Encounter]:
    """The encounters of the user's facilities matching the filters, soonest first.

    Dates are whole days in the site's time zone, both ends included.
    """
    encounters = scope_encounters(Encounter.objects.all(), user)
    if filters.get("date_from"):
        encounters = encounters.filter(scheduled_at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        next_day = filters["date_to"] + dt.timedelta(days=1)
        encounters = encounters.filter(scheduled_at__lt=_start_of(next_day))
    if filters.get("facility"):
        encounters = encounters.filter(facility=filters["facility"])
    if filters.get("status"):
        encounters = encounters.filter(status=filters["status"])
    return encounters.select_related(*LIST_RELATED).order_by("scheduled_at", "pk")


def _coverages() -> Prefetch:
    return Prefetch(
        "coverages",
        queryset=Coverage.objects.select_related("payer", "plan").order_by(
            "-is_active", "order", "pk"
        ),
    )


def encounter_page(user: Any, pk: Any) -> Encounter:
    """One encounter with everything its page shows, or 404 outside the user's facilities."""
    queryset = Encounter.objects.select_related(
        *LIST_RELATED, "attending_provider", "patient__guarantor", "clearance_case__owner"
    ).prefetch_related(
        Prefetch("patient__coverages", queryset=_coverages().queryset),
        "diagnoses",
        "service_lines__chargemaster_item",
        Prefetch("clearance_case__notes", queryset=CaseNote.objects.select_related("author")),
        Prefetch("clearance_case__tasks", queryset=Task.objects.select_related("assignee")),
    )
    encounter: Encounter = get_encounter_for_user_or_404(user, pk, queryset=queryset)
    return encounter


def patient_page(user: Any, pk: Any) -> tuple[Patient, list[Encounter], int]:
    """A patient, their most recent encounters the user may see, and how many there are."""
    queryset = Patient.objects.select_related("facility", "guarantor").prefetch_related(
        _coverages()
    )
    patient: Patient = get_patient_for_user_or_404(user, pk, queryset=queryset)
    encounters = scope_encounters(Encounter.objects.filter(patient=patient), user)
    total = encounters.count()
    recent = list(
        encounters.select_related(
            "facility", "department", "rendering_provider", "clearance_case"
        ).order_by("-scheduled_at", "-pk")[:PATIENT_ENCOUNTER_LIMIT]
    )
    return patient, recent, total
