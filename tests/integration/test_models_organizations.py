"""Organizations, facilities, departments, providers: validation messages name the field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from finclear.organizations import queries, services
from finclear.organizations.models import Facility, Organization
from tests.integration.model_builders import (
    build_department,
    build_facility,
    build_organization,
    build_provider,
    make_npi,
)

pytestmark = pytest.mark.django_db


def test_invalid_npi_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationError) as info:
        services.do_create_organization(name="Bad", npi="1234567890", tin="123456789")
    assert info.value.message_dict == {
        "npi": ["npi: 1234567890 fails the NPI check digit (expected 3 as the last digit)"]
    }
    assert not Organization.objects.exists()


def test_provider_npi_must_be_ten_digits() -> None:
    with pytest.raises(ValidationError) as info:
        services.do_create_provider(npi="12345", first_name="A", last_name="B")
    assert "npi: '12345' is not an NPI" in info.value.message_dict["npi"][0]


def test_tin_must_be_nine_bare_digits() -> None:
    organization = build_organization()
    with pytest.raises(ValidationError) as info:
        services.do_update(organization, tin="12345")
    assert info.value.message_dict["tin"][0].startswith("tin: '12345' is not a TIN")


def test_facility_time_zone_state_and_zip_are_checked() -> None:
    facility = build_facility()
    with pytest.raises(ValidationError) as info:
        services.do_update(facility, time_zone="Mars/Olympus", state="New York", postal_code="1")
    errors = info.value.message_dict
    assert errors["time_zone"] == ["time_zone: 'Mars/Olympus' is not an IANA time zone"]
    assert errors["state"] == [
        "state: Ensure this value has at most 2 characters (it has 8).",
        "state: 'New York' is not a two-letter USPS state code",
    ]
    assert errors["postal_code"] == ["postal_code: '1' is not a ZIP code (12345 or 12345-6789)"]
    facility.refresh_from_db()
    assert facility.time_zone == "America/New_York"


def test_facility_code_is_unique() -> None:
    facility = build_facility(code="NORTH")
    with pytest.raises(ValidationError) as info:
        build_facility(facility.organization, code="NORTH")
    assert info.value.message_dict == {"code": ["code: Facility with this Code already exists."]}


def test_department_code_is_unique_per_facility_only() -> None:
    north = build_facility(code="NORTH")
    south = build_facility(north.organization, code="SOUTH")
    build_department(north, "IMG")
    build_department(south, "IMG")
    with pytest.raises(ValidationError):
        build_department(north, "IMG")


def test_provider_taxonomy_format() -> None:
    with pytest.raises(ValidationError) as info:
        services.do_create_provider(npi=make_npi(), first_name="A", last_name="B", taxonomy="207R")
    assert info.value.message_dict["taxonomy"] == [
        "taxonomy: '207R' is not a NUCC taxonomy code (9 letters or digits then X)"
    ]


def test_update_refuses_unknown_fields() -> None:
    facility = build_facility()
    with pytest.raises(ValidationError) as info:
        services.do_update(facility, colour="blue")
    assert info.value.message_dict == {"colour": ["colour: Facility has no such field"]}


def test_the_database_refuses_a_duplicate_provider_npi() -> None:
    provider = build_provider()
    with pytest.raises(IntegrityError):
        type(provider).objects.create(npi=provider.npi, first_name="X", last_name="Y")


def test_queries() -> None:
    facility = build_facility(code="EAST")
    provider = build_provider(facility)
    build_provider()
    assert queries.facility_by_code("EAST") == facility
    assert list(queries.active_providers(facility)) == [provider]
    assert queries.provider_by_npi(provider.npi) == provider
    assert isinstance(facility, Facility)
