"""Encounters, diagnoses, service lines, the chargemaster; status transitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from finclear.scheduling import queries, services
from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine, build_line_charge
from finclear.scheduling.services import ServiceLineInput
from finclear.workqueue.models import ClearanceCase
from tests.integration.model_builders import (
    EASTERN,
    Clinic,
    build_chargemaster_item,
    build_department,
    build_facility,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic() -> Clinic:
    return Clinic()


def test_create_encounter_with_diagnoses_lines_and_its_case(clinic: Clinic) -> None:
    item = build_chargemaster_item(clinic.facility, cpt="71046", charge="250.00")
    encounter = clinic.encounter(
        diagnoses=["E11.9", "I10"],
        service_lines=[
            ServiceLineInput("71046", units=Decimal(2), diagnosis_pointers=[1, 2]),
            ServiceLineInput("99213", modifiers=["25"], charge=Decimal("120.50")),
        ],
        external_id="APPT-1",
    )
    assert [d.icd10_code for d in encounter.diagnoses.order_by("sequence")] == ["E119", "I10"]
    first, second = encounter.service_lines.order_by("line_number")
    assert (first.line_number, first.chargemaster_item, first.charge) == (
        1,
        item,
        Decimal("500.00"),
    )
    assert (second.line_number, second.modifiers, second.charge) == (2, ["25"], Decimal("120.50"))
    case = ClearanceCase.objects.get(encounter=encounter)
    assert case.status == "pending"
    assert case.due_date == dt.date(2026, 12, 3)
    found = queries.find_encounter_by_external_id(clinic.facility, "APPT-1")
    assert found == encounter


def test_a_bad_diagnosis_rolls_back_the_whole_encounter(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as info:
        clinic.encounter(diagnoses=["E11.9", "E11"])
    assert info.value.message_dict == {
        "diagnoses[1].icd10_code": [
            "diagnoses[1].icd10_code: E11 is not a billable ICD-10-CM code (it has children); "
            "use a more specific code such as E119"
        ]
    }
    assert not Encounter.objects.exists()
    assert not Diagnosis.objects.exists()
    assert not ClearanceCase.objects.exists()


def test_unknown_icd10_code(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    with pytest.raises(ValidationError) as info:
        services.do_add_diagnosis(encounter, "U99.9")
    assert info.value.message_dict == {"icd10_code": ["icd10_code: U99.9 is not an ICD-10-CM code"]}


def test_diagnosis_sequence_is_1_to_12(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    with pytest.raises(ValidationError) as info:
        services.do_add_diagnosis(encounter, "I10", sequence=13)
    assert info.value.message_dict == {"sequence": ["sequence: 13 is not between 1 and 12"]}


def test_diagnosis_pointers_must_point_at_existing_diagnoses(clinic: Clinic) -> None:
    encounter = clinic.encounter(diagnoses=["I10"])
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(
            encounter, ServiceLineInput("99213", diagnosis_pointers=[1, 3], charge=Decimal(1))
        )
    assert info.value.message_dict == {
        "diagnosis_pointers": ["diagnosis_pointers: no diagnosis with sequence 3 on this encounter"]
    }


def test_at_most_four_pointers_without_repeats(clinic: Clinic) -> None:
    encounter = clinic.encounter(diagnoses=["I10", "E119", "R69", "Z0000", "M5450"])
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(
            encounter,
            ServiceLineInput("99213", diagnosis_pointers=[1, 2, 3, 4, 4], charge=Decimal(1)),
        )
    assert info.value.message_dict == {
        "diagnosis_pointers": [
            "diagnosis_pointers: 5 pointers; at most 4",
            "diagnosis_pointers: [1, 2, 3, 4, 4] repeats a diagnosis",
        ]
    }


def test_units_must_be_greater_than_zero(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(
            encounter, ServiceLineInput("99213", units=Decimal(0), charge=Decimal(1))
        )
    assert info.value.message_dict == {"units": ["units: 0 is not greater than 0"]}


def test_modifiers_are_two_characters_and_at_most_four(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(
            encounter,
            ServiceLineInput("99213", modifiers=["25", "LTX"], charge=Decimal(1)),
        )
    assert info.value.message_dict == {
        "modifiers": ["modifiers: ['LTX']: each modifier is 2 letters or digits"]
    }
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(
            encounter,
            ServiceLineInput("99213", modifiers=["25", "59", "LT", "RT", "XU"], charge=Decimal(1)),
        )
    assert info.value.message_dict == {"modifiers": ["modifiers: 5 modifiers; at most 4"]}
    line = services.do_add_service_line(
        encounter, ServiceLineInput("99213", modifiers=["lt", "59"], charge=Decimal(1))
    )
    assert line.modifiers == ["LT", "59"]


def test_cpt_format_and_charge_needed_without_a_chargemaster_line(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(encounter, ServiceLineInput("9921"))
    assert info.value.message_dict == {
        "cpt_hcpcs": ["cpt_hcpcs: '9921' is not a CPT/HCPCS code (five letters or digits)"],
        "charge": ["charge: required when the line has no chargemaster item"],
    }
    assert not ServiceLine.objects.exists()


def test_chargemaster_line_chosen_by_date_and_department(clinic: Clinic) -> None:
    old = build_chargemaster_item(clinic.facility, charge="200.00", end_date=dt.date(2025, 12, 31))
    current = build_chargemaster_item(
        clinic.facility, charge="210.00", effective_date=dt.date(2026, 1, 1)
    )
    own = build_chargemaster_item(
        clinic.facility,
        charge="205.00",
        effective_date=dt.date(2026, 1, 1),
        department=clinic.department,
    )
    day = dt.date(2026, 3, 1)
    assert queries.find_chargemaster_item(clinic.facility, "71046", day) == current
    found = queries.find_chargemaster_item(clinic.facility, "71046", day, clinic.department)
    assert found == own
    assert queries.find_chargemaster_item(clinic.facility, "71046", dt.date(2025, 6, 1)) == old
    assert queries.find_chargemaster_item(clinic.facility, "71046", dt.date(2019, 1, 1)) is None


def test_charge_is_rounded_half_up_to_the_cent(clinic: Clinic) -> None:
    item = build_chargemaster_item(clinic.facility, charge="10.05")
    encounter = clinic.encounter()
    line = services.do_add_service_line(
        encounter, ServiceLineInput("71046", units=Decimal("0.5"), chargemaster_item=item)
    )
    assert line.charge == Decimal("5.03")


def test_chargemaster_of_another_facility_is_refused(clinic: Clinic) -> None:
    other = build_facility(clinic.facility.organization, code="SOUTH")
    item = build_chargemaster_item(other)
    encounter = clinic.encounter()
    with pytest.raises(ValidationError) as info:
        services.do_add_service_line(encounter, ServiceLineInput("71046", chargemaster_item=item))
    assert list(info.value.message_dict) == ["chargemaster_item"]


def test_chargemaster_item_fields(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as info:
        build_chargemaster_item(
            clinic.facility,
            revenue_code="32",
            charge="-1.00",
            end_date=dt.date(2019, 1, 1),
        )
    assert info.value.message_dict == {
        "revenue_code": ["revenue_code: '32' is not four digits"],
        "standard_charge": ["standard_charge: -1.00 is negative"],
        "end_date": ["end_date: 2019-01-01 is before the effective date 2020-01-01"],
    }


def test_department_must_belong_to_the_facility(clinic: Clinic) -> None:
    other = build_facility(clinic.facility.organization, code="SOUTH")
    with pytest.raises(ValidationError) as info:
        clinic.encounter(department=build_department(other, "LAB"))
    assert list(info.value.message_dict) == ["department"]
    assert "is not a department of this facility" in info.value.message_dict["department"][0]


def test_place_of_service_and_aware_time(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as info:
        clinic.encounter(place_of_service="30", scheduled_at=dt.datetime(2026, 12, 3, 9, 30))
    errors = info.value.message_dict
    assert errors["place_of_service"] == [
        "place_of_service: 30 is not an assigned CMS place-of-service code"
    ]
    assert errors["scheduled_at"] == ["scheduled_at: 2026-12-03T09:30:00 has no time zone"]


def test_external_id_is_unique_per_facility(clinic: Clinic) -> None:
    clinic.encounter(external_id="V1")
    clinic.encounter(external_id="")
    clinic.encounter(external_id="")
    with pytest.raises(ValidationError) as info:
        clinic.encounter(external_id="V1")
    assert info.value.message_dict["__all__"] == [
        "external_id: this facility already has an encounter with this external ID"
    ]


@pytest.mark.parametrize(
    "path",
    [
        ["arrived", "discharged"],
        ["cancelled"],
        ["arrived", "cancelled"],
    ],
)
def test_allowed_status_transitions(clinic: Clinic, path: list[str]) -> None:
    encounter = clinic.encounter()
    for status in path:
        services.do_set_encounter_status(encounter, status)
    encounter.refresh_from_db()
    assert encounter.status == path[-1]


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        ([], "discharged", "status: cannot go from scheduled to discharged (allowed: arrived, cancelled)"),
        (["arrived"], "scheduled", "status: cannot go from arrived to scheduled (allowed: cancelled, discharged)"),
        (["arrived", "discharged"], "cancelled", "status: cannot go from discharged to cancelled (discharged is final)"),
        (["cancelled"], "arrived", "status: cannot go from cancelled to arrived (cancelled is final)"),
    ],
)  # fmt: skip
def test_refused_status_transitions(
    clinic: Clinic, path: list[str], refused: str, message: str
) -> None:
    encounter = clinic.encounter()
    for status in path:
        services.do_set_encounter_status(encounter, status)
    with pytest.raises(ValidationError) as info:
        services.do_set_encounter_status(encounter, refused)
    assert info.value.message_dict == {"status": [message]}
    encounter.refresh_from_db()
    assert encounter.status == (path[-1] if path else "scheduled")


def test_transition_is_checked_against_the_stored_status(clinic: Clinic) -> None:
    """A stale copy cannot move an encounter from a state it has already left."""
    encounter = clinic.encounter()
    stale = Encounter.objects.get(pk=encounter.pk)
    services.do_set_encounter_status(encounter, "cancelled")
    with pytest.raises(ValidationError, match="cannot go from cancelled to arrived"):
        services.do_set_encounter_status(stale, "arrived")


def test_unknown_status_and_status_outside_the_service(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    with pytest.raises(ValidationError, match="'gone' is not one of"):
        services.do_set_encounter_status(encounter, "gone")
    with pytest.raises(ValidationError, match="use do_set_encounter_status"):
        services.do_update_encounter(encounter, status="arrived")
    with pytest.raises(ValidationError) as info:
        clinic.encounter(status="discharged")
    assert info.value.message_dict == {
        "status": ["status: a new encounter cannot start as discharged"]
    }


def test_model_clean_checks_transitions_too(clinic: Clinic) -> None:
    encounter = Encounter.objects.get(pk=clinic.encounter().pk)
    encounter.status = "discharged"
    with pytest.raises(ValidationError, match="cannot go from scheduled to discharged"):
        encounter.full_clean()


def test_encounters_for_day_uses_the_facility_time_zone(clinic: Clinic) -> None:
    late = clinic.encounter(scheduled_at=dt.datetime(2026, 12, 3, 23, 30, tzinfo=EASTERN))
    clinic.encounter(scheduled_at=dt.datetime(2026, 12, 4, 0, 30, tzinfo=EASTERN))
    assert list(queries.encounters_for_day(clinic.facility, dt.date(2026, 12, 3))) == [late]
    detail = queries.encounter_with_details(late.pk)
    assert detail.clearance_case.encounter_id == late.pk


def test_update_encounter_reschedules(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    later = dt.datetime(2026, 12, 10, 14, 0, tzinfo=EASTERN)
    services.do_update_encounter(encounter, scheduled_at=later, reason="patient asked")
    encounter.refresh_from_db()
    assert encounter.scheduled_at == later and encounter.reason == "patient asked"


money = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(
    min_value=Decimal("0.001"), max_value=9999, places=3, allow_nan=False, allow_infinity=False
)


@given(money, quantities)
def test_line_charge_is_the_product_to_the_nearest_cent(standard: Decimal, units: Decimal) -> None:
    charge = build_line_charge(standard, units)
    assert charge.as_tuple().exponent == -2
    assert abs(charge - standard * units) <= Decimal("0.005")
    if (standard * units * 100) % 1 == Decimal("0.5"):
        assert charge > standard * units  # half a cent goes up
