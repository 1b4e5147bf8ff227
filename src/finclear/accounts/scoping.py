"""Facility scoping: a user sees the patients and encounters of their facilities only.

Superusers and members of the admin role see every facility. Anyone else sees the facilities
in their profile. Rows outside a user's facilities answer 404, exactly as if they did not
exist, so a page never reveals that they do.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.apps import apps
from django.db import models
from django.shortcuts import get_object_or_404

from finclear.accounts.access import access_of

M = TypeVar("M", bound=models.Model)

ALL = None


def facility_ids_for(user: Any) -> list[int] | None:
    """The ids of the user's facilities, or ``None`` for all (kept: ``accounts.access``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    access = access_of(user)
    return ALL if access.all_facilities else list(access.facility_ids)


def facilities_for(user: Any) -> models.QuerySet[Any]:
    facility_model = apps.get_model("organizations", "Facility")
    ids = facility_ids_for(user)
    facilities = facility_model._default_manager.all()
    return facilities if ids is ALL else facilities.filter(pk__in=ids)


def scope_by_facility(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    """Rows of ``queryset`` (which must have a ``facility`` foreign key) the user may see."""
    ids = facility_ids_for(user)
    return queryset if ids is ALL else queryset.filter(facility_id__in=ids)


def scope_patients(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    return scope_by_facility(queryset, user)


def scope_encounters(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    return scope_by_facility(queryset, user)


def get_patient_for_user_or_404(
    user: Any, pk: Any, queryset: models.QuerySet[Any] | None = None
) -> Any:
    if queryset is None:
        queryset = apps.get_model("patients", "Patient")._default_manager.all()
    return get_object_or_404(scope_patients(queryset, user), pk=pk)


def get_encounter_for_user_or_404(
    user: Any, pk: Any, queryset: models.QuerySet[Any] | None = None
) -> Any:
    if queryset is None:
        queryset = apps.get_model("scheduling", "Encounter")._default_manager.all()
    return get_object_or_404(scope_encounters(queryset, user), pk=pk)
