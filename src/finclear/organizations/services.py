"""Writes for organizations, facilities, departments and providers (each in one transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from finclear.organizations.models import Department, Facility, Organization, Provider
from finclear.organizations.validation import do_save_checked, set_fields


@transaction.atomic
def do_create_organization(**fields: Any) -> Organization:
    organization = Organization(**fields)
    do_save_checked(organization)
    return organization


@transaction.atomic
def do_create_facility(organization: Organization, **fields: Any) -> Facility:
    facility = Facility(organization=organization, **fields)
    do_save_checked(facility)
    return facility


@transaction.atomic
def do_create_department(facility: Facility, **fields: Any) -> Department:
    department = Department(facility=facility, **fields)
    do_save_checked(department)
    return department


@transaction.atomic
def do_create_provider(facilities: Iterable[Facility] = (), **fields: Any) -> Provider:
    provider = Provider(**fields)
    do_save_checked(provider)
    provider.facilities.set(list(facilities))
    return provider


@transaction.atomic
def do_update(instance: Organization | Facility | Department | Provider, **fields: Any) -> None:
    """Change fields of an organization, facility, department or provider, validated."""
    set_fields(instance, fields)
    do_save_checked(instance)
