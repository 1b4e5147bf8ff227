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

from finclear.accounts.roles import ALL_FACILITY_ROLES

M = TypeVar("M", bound=models.Model)

_CACHE_ATTR = "_finclear_facility_ids"
ALL = None


def facility_ids_for(user: Any) -> list[int] | None:
    """The ids of the user's facilities, or ``None`` for all; cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    ids: list[int] | None
    if user.is_superuser or user.groups.filter(name__in=ALL_FACILITY_ROLES).exists():
        ids = ALL
    else:
        through = apps.get_model("accounts", "UserProfile").facilities.through
        ids = sorted(
            through.objects.filter(userprofile__user=user).values_list("facility_id", flat=True)
        )
    setattr(user, _CACHE_ATTR, ids)
    return ids


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
