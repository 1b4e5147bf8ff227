"""Reads for organizations, facilities, departments and providers."""

from __future__ import annotations

from django.db.models import QuerySet

from finclear.organizations.models import Department, Facility, Provider


def facility_by_code(code: str) -> Facility | None:
    return Facility.objects.select_related("organization").filter(code=code).first()


def departments_of(facility: Facility) -> QuerySet[Department]:
    return Department.objects.filter(facility=facility).order_by("code")


def active_providers(facility: Facility | None = None) -> QuerySet[Provider]:
    providers = Provider.objects.filter(is_active=True)
    if facility is not None:
        providers = providers.filter(facilities=facility)
    return providers.order_by("last_name", "first_name", "pk")


def provider_by_npi(npi: str) -> Provider | None:
    return Provider.objects.filter(npi=npi).first()
