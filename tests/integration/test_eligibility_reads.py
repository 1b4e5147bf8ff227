"""The plain SQL of a batch chunk's reads gives what the ORM's queries give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.eligibility import batch, endpoints, reads
from finclear.eligibility.models import EligibilityCheck
from finclear.patients.models import Coverage
from finclear.patients.services import do_add_coverage
from finclear.payers.models import PayerIdentifier
from finclear.payers.services import do_add_payer_identifier
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.scheduling.services import ServiceLineInput, do_add_service_line
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.services import do_ensure_cases
from tests.integration.model_builders import (
    Clinic,
    build_patient,
    build_payer,
    build_plan,
    build_provider,
)

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def related(instance: Any, name: str) -> dict[str, Any] | None:
    found = getattr(instance, name)
    return None if found is None else values(found)


@pytest.fixture
def world():
    """Two facilities' encounters: patients with one, two or no plan, and service lines."""
    north, south = Clinic(), Clinic("SOUTH")
    other_payer = build_payer(name="Other Health")
    self_pay = build_payer("self_pay", name="Self pay")
    do_add_payer_identifier(other_payer, "availity", "OTH01")
    do_add_payer_identifier(north.payer, "availity", "ACM01")
    do_add_payer_identifier(north.payer, "change", "ACM02")
    second_provider = build_provider(north.facility)
    encounters = [north.encounter(), north.encounter(rendering_provider=second_provider)]
    for clinic in (north, south):
        for n in range(3):
            patient = build_patient(clinic.facility)
            do_add_coverage(
                patient,
                plan=clinic.plan if n else None,
                payer=None if n else self_pay,
                member_id=f"{clinic.facility.code}{n:06d}",
                effective_date=dt.date(2020, 1, 1),
            )
            if n == 2:
                do_add_coverage(
                    patient,
                    plan=build_plan(other_payer, code=f"O{clinic.facility.code}"),
                    member_id=f"S{clinic.facility.code}{n:05d}",
                    effective_date=dt.date(2021, 1, 1),
                    order=2,
                )
                do_add_coverage(
                    patient,
                    plan=clinic.plan,
                    member_id=f"X{clinic.facility.code}{n:05d}",
                    effective_date=dt.date(2019, 1, 1),
                    order=3,
                    is_active=False,
                )
            encounters.append(clinic.encounter(patient=patient))
    for number, encounter in enumerate(encounters):
        for line, code in enumerate(("99213", "71046", "72148")[: number % 4]):
            do_add_service_line(
                encounter,
                ServiceLineInput(cpt_hcpcs=code, charge=Decimal("100.00"), line_number=3 - line),
            )
    return encounters


def some(items: list[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(items), max_size=len(items) + 2)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_encounters_are_the_orms_with_patient_facility_and_provider(world, data):
    ids = data.draw(some([e.pk for e in world] + [10**9]))
    found = reads.load_encounters(ids, provider=True)
    expected = Encounter.objects.select_related(
        "patient", "facility", "rendering_provider"
    ).in_bulk(ids)
    assert list(found) == sorted(expected)
    for pk, encounter in expected.items():
        assert values(found[pk]) == values(encounter)
        for name in ("patient", "facility", "rendering_provider"):
            assert related(found[pk], name) == related(encounter, name)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_coverages_are_the_orms_with_payer_and_plan(world, data):
    coverages = list(Coverage.objects.values_list("pk", flat=True))
    ids = data.draw(some(coverages))
    found = reads.load_coverages(ids)
    expected = Coverage.objects.select_related("payer", "plan").in_bulk(ids)
    assert sorted(found) == sorted(expected)
    for pk, coverage in expected.items():
        assert values(found[pk]) == values(coverage)
        assert related(found[pk], "payer") == related(coverage, "payer")
        assert related(found[pk], "plan") == related(coverage, "plan")
    patients = data.draw(some([e.patient_id for e in world]))
    active = reads.load_active_coverages(patients)
    expected_active = list(
        Coverage.objects.filter(patient_id__in=patients, is_active=True)
        .select_related("payer", "plan")
        .order_by("patient_id", "order", "pk")
    )
    assert [values(c) for c in active] == [values(c) for c in expected_active]
    assert [related(c, "plan") for c in active] == [related(c, "plan") for c in expected_active]
    assert [related(c, "payer") for c in active] == [related(c, "payer") for c in expected_active]


def test_a_chunks_pairs_hold_the_line_codes_in_order_and_the_payer_identifiers(
    world, django_assert_num_queries
):
    pairs = [(e.pk, e.patient.coverages.order_by("order", "pk")[0].pk) for e in world]
    pairs.append((10**9, 10**9))  # deleted since the run started: absent
    loaded = batch.load_pairs(pairs)
    assert sorted(loaded.encounters) == sorted(e.pk for e in world)
    assert loaded.codes == {
        e.pk: list(
            ServiceLine.objects.filter(encounter=e)
            .order_by("line_number")
            .values_list("cpt_hcpcs", flat=True)
        )
        for e in world
    }
    assert sorted(loaded.coverages) == sorted({c for _, c in pairs[:-1]})
    with django_assert_num_queries(0):
        found = {
            c.pk: [i.identifier for i in c.payer.identifiers.all()]
            for c in loaded.coverages.values()
        }
        keys = {c.pk: endpoints.payer_keys(c.payer) for c in loaded.coverages.values()}
    for pk, coverage in Coverage.objects.in_bulk(list(found)).items():
        expected = PayerIdentifier.objects.filter(payer_id=coverage.payer_id).order_by("pk")
        assert found[pk] == [i.identifier for i in expected]
        assert keys[pk] == endpoints.payer_keys(coverage.payer)
    assert batch.load_pairs([]).encounters == {}


def build_checks(world, statuses):
    """A check per status, each with its own idempotency key, on the world's encounters."""
    now = timezone.now()
    coverage = world[0].patient.coverages.first()
    return EligibilityCheck.objects.bulk_create(
        EligibilityCheck(
            encounter=world[n % len(world)],
            coverage=coverage,
            channel="batch",
            trace_number=f"T{n}",
            idempotency_key=f"K{n}",
            coverage_fingerprint="f",
            date_of_service=now.date(),
            requested_at=now,
            status=status,
        )
        for n, status in enumerate(statuses)
    )


statuses = st.lists(st.sampled_from(["verified", "error", "rejected", "needs_review"]), max_size=6)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_done_keys_and_the_released_error_keys_are_the_orms(world, data):
    with transaction.atomic():
        checks = build_checks(world, data.draw(statuses))
        keys = data.draw(st.lists(st.sampled_from([c.idempotency_key for c in checks] + ["K?"])))
        assert batch.load_done_keys(keys) == set(
            EligibilityCheck.objects.filter(idempotency_key__in=keys)
            .exclude(status="error")
            .values_list("idempotency_key", flat=True)
        )
        expected = {
            c.pk: None if c.status == "error" and c.idempotency_key in keys else c.idempotency_key
            for c in checks
        }
        released = batch.do_release_error_keys(keys)
        assert released == sum(
            1 for c in checks if c.status == "error" and c.idempotency_key in keys
        )
        stored = dict(EligibilityCheck.objects.values_list("pk", "idempotency_key"))
        assert stored == expected
        transaction.set_rollback(True)


def test_the_cases_by_encounter_are_the_orms(world):
    do_ensure_cases([e.pk for e in world])
    ids = [e.pk for e in world[:5]] + [10**9]
    found = batch.load_case_keys(ids)
    expected = {
        case.encounter_id: case
        for case in ClearanceCase.objects.filter(encounter_id__in=ids).only("pk", "encounter_id")
    }
    assert {k: (v.pk, v.encounter_id) for k, v in found.items()} == {
        k: (v.pk, v.encounter_id) for k, v in expected.items()
    }
    case = found[world[0].pk]
    assert not case._state.adding and case.status == expected[world[0].pk].status  # deferred
