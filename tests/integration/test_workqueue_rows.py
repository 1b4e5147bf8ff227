"""The plain SQL of the real-time path reads and writes what the ORM's queries would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.eligibility import clearance, services
from finclear.eligibility.models import EligibilityCheck
from finclear.patients.services import do_add_coverage
from finclear.workqueue.checks import load_active_coverages
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.rows import do_insert_rows
from finclear.workqueue.services import do_lock_case
from tests.integration.model_builders import Clinic, build_patient, build_plan

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_locked_case_is_the_orms_with_its_encounter_and_facility(payer):
    clinic = Clinic()
    encounter = clinic.encounter()
    services.do_verify(encounter)  # the case computed: JSON, dates, decimals all set
    with transaction.atomic():
        case = do_lock_case(encounter)
        expected = ClearanceCase.objects.select_related("encounter__facility").get(
            encounter=encounter
        )
        with CaptureQueriesContext(connection) as related:
            facility = case.encounter.facility
            assert case.encounter.clearance_case is case
        assert len(related) == 0
    assert values(case) == values(expected)
    assert case.computed_parts["findings"] and case.open_items == expected.open_items
    assert values(case.encounter) == values(expected.encounter)
    assert values(facility) == values(expected.encounter.facility)
    assert case.encounter.scheduled_at.tzinfo is not None
    assert not case._state.adding and case._state.db == "default"


def test_a_case_missing_is_created_then_locked():
    clinic = Clinic()
    encounter = clinic.encounter()
    ClearanceCase.objects.filter(encounter=encounter).delete()
    with transaction.atomic():
        case = do_lock_case(encounter)
    assert case.pk == ClearanceCase.objects.get(encounter=encounter).pk
    assert case.encounter.pk == encounter.pk


def test_the_active_coverages_are_the_orms_with_their_payers():
    clinic = Clinic()
    other_plan = build_plan(code="HMO2")
    do_add_coverage(
        clinic.patient,
        plan=other_plan,
        member_id="SECOND01",
        effective_date=dt.date(2021, 1, 1),
        order=2,
    )
    do_add_coverage(
        clinic.patient,
        plan=other_plan,
        member_id="GONE0001",
        effective_date=dt.date(2019, 1, 1),
        order=3,
        is_active=False,
    )
    neighbour = build_patient(clinic.facility)
    do_add_coverage(
        neighbour, plan=clinic.plan, member_id="N0000001", effective_date=dt.date(2020, 1, 1)
    )
    ids = {clinic.patient.pk, neighbour.pk}
    found = load_active_coverages(ids)
    expected = list(
        clinic.coverage.__class__.objects.filter(patient_id__in=ids, is_active=True)
        .select_related("payer")
        .order_by("patient_id", "order", "pk")
    )
    assert [values(c) for c in found] == [values(c) for c in expected]
    assert [values(c.payer) for c in found] == [values(c.payer) for c in expected]
    assert len(found) == 3
    assert load_active_coverages(set()) == []


def expected_latest(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[Any, ...]]:
    out = {}
    zone = timezone.get_current_timezone()
    for encounter_id, coverage_id in pairs:
        check = (
            EligibilityCheck.objects.filter(encounter_id=encounter_id, coverage_id=coverage_id)
            .order_by("-requested_at", "-pk")
            .first()
        )
        if check is not None:
            out[(encounter_id, coverage_id)] = (
                check.pk,
                check.status,
                check.requested_at.astimezone(zone).date(),
                check.coverage_fingerprint,
                tuple(check.reasons),
            )
    return out


@pytest.mark.parametrize("iterate_above", [100, 0], ids=["fetched", "streamed"])
def test_the_latest_checks_are_the_orms(payer, monkeypatch, iterate_above):
    monkeypatch.setattr(clearance, "ITERATE_ABOVE", iterate_above)
    clinic = Clinic()
    first, second, never = clinic.encounter(), clinic.encounter(), clinic.encounter()
    payer.inactive.add(clinic.coverage.member_id)
    services.do_verify(first)
    payer.inactive.discard(clinic.coverage.member_id)
    services.do_verify(first)
    services.do_verify(second)
    EligibilityCheck.objects.filter(encounter=second).update(
        requested_at=timezone.now() - dt.timedelta(days=40)
    )
    pairs = {(e.pk, clinic.coverage.pk) for e in (first, second, never)}
    with transaction.atomic():  # a server-side cursor lives in a transaction
        found = clearance.load_latest(pairs)
    assert {
        key: (c.pk, c.status, c.requested_on, c.fingerprint, c.reasons) for key, c in found.items()
    } == expected_latest(pairs)
    assert set(found) == {(first.pk, clinic.coverage.pk), (second.pk, clinic.coverage.pk)}


def test_rows_inserted_are_the_ones_bulk_create_would_store(payer, monkeypatch):
    """The recompute's audit events: the same stored values as ``bulk_create``, in chunks
    the database accepts."""
    clinic = Clinic()
    encounter = clinic.encounter()
    services.do_verify(encounter)
    case = ClearanceCase.objects.get(encounter=encounter)
    at = timezone.now()

    def events(marker: str) -> list[AuditEvent]:
        return [
            build_event(
                AuditAction.UPDATE,
                obj=case,
                patient_id=encounter.patient_id,
                detail={"fields": ["status", marker, str(n)]},
            )
            for n in range(5)
        ]

    expected = events("bulk")
    for event in expected:
        event.occurred_at = at
    AuditEvent.objects.bulk_create(expected)
    written = events("rows")
    for event in written:
        event.occurred_at = at
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    with CaptureQueriesContext(connection) as inserts:
        do_insert_rows(AuditEvent, written)
    assert len(inserts) == 3  # 2 + 2 + 1

    def stored(marker: str) -> list[dict[str, Any]]:
        rows = AuditEvent.objects.filter(detail__fields__1=marker).order_by("pk")
        out = []
        for row in rows:
            row.detail["fields"][1] = "-"
            out.append({k: v for k, v in values(row).items() if k != "id"})
        return out

    assert stored("rows") == stored("bulk") and len(stored("rows")) == 5
    do_insert_rows(AuditEvent, [])


def test_a_reads_order_is_its_models_ordering_as_columns():
    from finclear.assistance.models import AssistanceApplication, AssistancePolicy
    from finclear.estimates.models import Estimate
    from finclear.workqueue.rows import Columns

    estimate = Columns(Estimate, "s", ("encounter",))
    assert Estimate._meta.ordering == ["-created_at", "-pk"]
    assert estimate.ordering() == (
        f"{estimate.column('created_at')} DESC, {estimate.column('id')} DESC"
    )
    app = Columns(AssistanceApplication, "a", ("patient",))
    assert app.ordering("patient", "-status") == (
        f"{app.column('patient')}, {app.column('status')} DESC, "
        f"{app.column('received_on')} DESC, {app.column('id')} DESC"
    )
    with pytest.raises(TypeError, match="facility__code"):
        Columns(AssistancePolicy, "p").ordering()
