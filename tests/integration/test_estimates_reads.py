"""The plain SQL of the estimate refresh's reads gives what the ORM's queries give."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.eligibility import services as eligibility
from finclear.eligibility.reads import load_values
from finclear.estimates import inputs, services
from finclear.estimates.models import Estimate, GfeRequest
from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine
from finclear.scheduling.services import ServiceLineInput, do_add_diagnosis, do_add_service_line
from tests.integration.estimates_support import EstimateClinic

pytestmark = pytest.mark.django_db
SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def encounters(payer):
    """Encounters with and without lines (a line with no chargemaster item), diagnoses, a GFE
    request; estimates made from a check, from the plan design, superseded, none."""
    clinic = EstimateClinic()
    made = [clinic.visit("72148", "99213"), clinic.visit("99213"), clinic.visit()]
    do_add_service_line(made[2], ServiceLineInput(cpt_hcpcs="71046", charge=Decimal("80.00")))
    do_add_diagnosis(made[0], "M54.50")
    do_add_diagnosis(made[0], "R51.9")
    do_add_diagnosis(made[1], "M54.50")
    GfeRequest.objects.create(encounter=made[1], requested_on=made[1].scheduled_at.date())
    services.do_create_estimate(made[0])
    services.do_create_estimate(made[1])
    eligibility.do_verify(made[0])  # supersedes the first estimate with one from the check
    made.append(clinic.visit())  # no lines, no estimate
    return made


def ids_of(data, encounters):
    return data.draw(st.lists(st.sampled_from([e.pk for e in encounters] + [10**9])))


@SETTINGS
@given(data=st.data())
def test_the_lines_diagnoses_and_gfe_requests_are_the_orms(encounters, data):
    ids = ids_of(data, encounters)
    assert inputs.load_lines(sorted(set(ids))) == [
        list(row)
        for row in ServiceLine.objects.filter(encounter_id__in=ids)
        .order_by("encounter_id", "line_number")
        .values_list(
            "encounter_id",
            "line_number",
            "cpt_hcpcs",
            "units",
            "charge",
            "diagnosis_pointers",
            "chargemaster_item__description",
        )
    ]
    columns = inputs._columns(Diagnosis, ("encounter", "sequence", "icd10_code"))
    assert load_values(columns, "encounter", ids, ("encounter", "sequence")) == [
        list(row)
        for row in Diagnosis.objects.filter(encounter_id__in=ids).values_list(
            "encounter_id", "sequence", "icd10_code"
        )
    ]
    columns = inputs._columns(GfeRequest, ("encounter", "requested_on"))
    assert sorted(load_values(columns, "encounter", ids)) == sorted(
        list(row)
        for row in GfeRequest.objects.filter(encounter_id__in=ids).values_list(
            "encounter_id", "requested_on"
        )
    )


@SETTINGS
@given(data=st.data())
def test_the_current_estimates_and_their_checks_are_the_orms(encounters, data):
    ids = ids_of(data, encounters)
    current = Estimate.objects.filter(encounter_id__in=ids, is_current=True)
    assert services.load_current(ids) == dict(current.values_list("encounter_id", "fingerprint"))
    assert services.load_made_from(ids) == {
        encounter_id: (coverage_id, rows)
        for encounter_id, coverage_id, rows in current.values_list(
            "encounter_id", "eligibility_check__coverage_id", "eligibility_check__benefits"
        )
    }
    assert services.load_with_lines(ids) == set(
        Encounter.objects.filter(pk__in=ids, service_lines__isnull=False).values_list(
            "pk", flat=True
        )
    )


def test_superseding_locks_and_marks_what_the_orm_would(encounters):
    ids = [e.pk for e in encounters] + [10**9]
    now = timezone.now()
    with transaction.atomic():
        expected = list(
            Estimate.objects.filter(encounter_id__in=ids, is_current=True).values_list(
                "pk", "encounter_id"
            )
        )
        untouched = list(Estimate.objects.filter(is_current=False).values_list("pk", "updated_at"))
        assert services.do_supersede(ids, now) == expected
        assert len(expected) == 2
        for estimate in Estimate.objects.filter(pk__in=[pk for pk, _ in expected]):
            assert (estimate.is_current, estimate.superseded_at, estimate.updated_at) == (
                False,
                now,
                now,
            )
        assert (
            list(
                Estimate.objects.exclude(pk__in=[pk for pk, _ in expected]).values_list(
                    "pk", "updated_at"
                )
            )
            == untouched
        )
    assert services.do_supersede([], now) == []
