"""Patients, guarantors and coverages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from finclear.patients import queries, services
from finclear.patients.models import Coverage, Patient
from tests.integration.model_builders import (
    build_coverage,
    build_facility,
    build_patient,
    build_payer,
    build_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility():
    return build_facility()


def test_date_of_birth_in_the_future_is_refused(facility) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        build_patient(facility, date_of_birth=tomorrow)
    assert info.value.message_dict == {
        "date_of_birth": [f"date_of_birth: {tomorrow.isoformat()} is in the future"]
    }
    assert not Patient.objects.exists()


def test_mrn_is_unique_per_facility(facility) -> None:
    build_patient(facility, mrn="A1")
    build_patient(build_facility(facility.organization, code="SOUTH"), mrn="A1")
    with pytest.raises(ValidationError) as info:
        build_patient(facility, mrn="A1")
    assert info.value.message_dict["__all__"] == [
        "Patient with this Facility and MRN already exists."
    ]


def test_sex_must_be_f_m_or_u(facility) -> None:
    with pytest.raises(ValidationError) as info:
        build_patient(facility, sex="X")
    assert info.value.message_dict["sex"] == ["sex: Value 'X' is not a valid choice."]


def test_patient_str_holds_no_name(facility) -> None:
    patient = build_patient(facility, first_name="Zelda", last_name="Quux")
    assert "Zelda" not in str(patient) and "Quux" not in str(patient)
    assert patient.full_name == "Zelda Quux"


def test_guarantor_date_of_birth_not_in_the_future() -> None:
    future = timezone.localdate() + dt.timedelta(days=400)
    with pytest.raises(ValidationError) as info:
        services.do_create_guarantor(
            first_name="G", last_name="H", relationship_to_patient="parent", date_of_birth=future
        )
    assert info.value.message_dict["date_of_birth"] == [
        f"date_of_birth: {future.isoformat()} is in the future"
    ]


def test_blank_member_id_is_refused_unless_self_pay(facility) -> None:
    patient = build_patient(facility)
    with pytest.raises(ValidationError) as info:
        build_coverage(patient, build_plan(), member_id="  ")
    assert info.value.message_dict == {"member_id": ["member_id: required for a commercial payer"]}
    self_pay = build_payer("self_pay", name="Self-pay")
    coverage = services.do_add_coverage(patient, payer=self_pay, effective_date=dt.date(2024, 1, 1))
    assert coverage.member_id == "" and coverage.plan is None


def test_plan_is_required_unless_self_pay_and_must_belong_to_the_payer(facility) -> None:
    patient = build_patient(facility)
    medicare = build_payer("medicare", name="Medicare")
    with pytest.raises(ValidationError) as info:
        services.do_add_coverage(
            patient, payer=medicare, member_id="1EG4TE5MK72", effective_date=dt.date(2024, 1, 1)
        )
    assert info.value.message_dict == {"plan": ["plan: required for a Medicare payer"]}
    other_plan = build_plan(build_payer(name="Other"), code="OTH")
    with pytest.raises(ValidationError) as info:
        services.do_add_coverage(
            patient,
            payer=medicare,
            plan=other_plan,
            member_id="1EG4TE5MK72",
            effective_date=dt.date(2024, 1, 1),
        )
    assert info.value.message_dict == {
        "plan": ["plan: plan OTH belongs to another payer than Medicare"]
    }


def test_payer_is_taken_from_the_plan(facility) -> None:
    plan = build_plan()
    coverage = build_coverage(build_patient(facility), plan)
    assert coverage.payer == plan.payer


def test_termination_before_effective_date_is_refused(facility) -> None:
    coverage = build_coverage(build_patient(facility), build_plan())
    with pytest.raises(ValidationError) as info:
        services.do_terminate_coverage(coverage, dt.date(2019, 12, 31))
    assert info.value.message_dict == {
        "termination_date": ["termination_date: 2019-12-31 is before the effective date 2020-01-01"]
    }
    coverage.refresh_from_db()
    assert coverage.termination_date is None


def test_one_active_coverage_per_order(facility) -> None:
    patient = build_patient(facility)
    plan = build_plan()
    first = build_coverage(patient, plan, order=1)
    with pytest.raises(ValidationError) as info:
        build_coverage(patient, plan, order=1)
    assert info.value.message_dict["__all__"] == [
        "order: the patient already has an active coverage in this order"
    ]
    services.do_deactivate_coverage(first)
    replacement = build_coverage(patient, plan, order=1)
    assert replacement.is_active
    with pytest.raises(ValidationError, match="is inactive"):
        services.do_deactivate_coverage(first)


def test_coverages_in_force_primary_first(facility) -> None:
    patient = build_patient(facility)
    secondary = build_coverage(patient, build_plan(code="S"), order=2)
    primary = build_coverage(patient, build_plan(code="P"), order=1)
    ended = build_coverage(patient, build_plan(code="T"), order=3)
    services.do_terminate_coverage(ended, dt.date(2024, 6, 30))
    on_day = dt.date(2025, 1, 1)
    assert list(queries.coverages_in_force(patient, on_day)) == [primary, secondary]
    assert queries.primary_coverage(patient, on_day) == primary
    assert ended.is_in_force_on(dt.date(2024, 6, 30))
    assert not ended.is_in_force_on(dt.date(2024, 7, 1))
    assert queries.patient_by_mrn(facility, patient.mrn) == patient
    assert Coverage.objects.count() == 3


def test_subscriber_relationship_uses_x12_codes(facility) -> None:
    patient = build_patient(facility)
    with pytest.raises(ValidationError) as info:
        build_coverage(patient, build_plan(), subscriber_relationship="spouse")
    assert info.value.message_dict["subscriber_relationship"] == [
        "subscriber_relationship: Value 'spouse' is not a valid choice."
    ]
    coverage = build_coverage(patient, build_plan(code="B"), subscriber_relationship="01")
    assert coverage.get_subscriber_relationship_display() == "Spouse"
