"""Clearance cases, notes and tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finclear.audit.models import AuditEvent
from finclear.patients.services import do_add_coverage, do_deactivate_coverage
from finclear.scheduling.models import Encounter
from finclear.scheduling.services import do_set_encounter_status
from finclear.workqueue import queries, services
from finclear.workqueue.models import ClearanceCase
from tests.integration.model_builders import EASTERN, Clinic, build_payer

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic() -> Clinic:
    return Clinic()


@pytest.fixture
def user():
    return get_user_model().objects.create_user("specialist1", password="x" * 16)


def bulk_encounters(clinic: Clinic, count: int) -> list[int]:
    """Encounters made without the service, as a bulk loader would: no case yet."""
    rows = Encounter.objects.bulk_create(
        Encounter(
            facility=clinic.facility,
            department=clinic.department,
            patient=clinic.patient,
            rendering_provider=clinic.provider,
            scheduled_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=EASTERN) + dt.timedelta(hours=i),
            place_of_service="22",
        )
        for i in range(count)
    )
    return [row.pk for row in rows]


def test_ensure_cases_creates_the_missing_ones_once(clinic: Clinic) -> None:
    with_case = clinic.encounter()
    ids = bulk_encounters(clinic, 3)
    before = AuditEvent.objects.filter(object_type="workqueue.clearancecase").count()
    assert services.do_ensure_cases([*ids, with_case.pk]) == 3
    assert services.do_ensure_cases(ids) == 0
    assert ClearanceCase.objects.count() == 4
    events = AuditEvent.objects.filter(object_type="workqueue.clearancecase", action="create")
    assert events.count() - before == 3
    assert set(events.values_list("patient_id", flat=True)) == {clinic.patient.pk}


def test_due_date_is_the_visit_date_in_the_facility_time_zone(clinic: Clinic) -> None:
    late_evening = dt.datetime(2026, 12, 3, 23, 30, tzinfo=EASTERN)
    case = clinic.encounter(scheduled_at=late_evening).clearance_case
    assert case.due_date == dt.date(2026, 12, 3)


def test_recompute_sets_needs_eligibility_with_the_reason(clinic: Clinic) -> None:
    case = services.do_recompute_case(clinic.encounter().clearance_case)
    assert case.status == "needs_eligibility"
    assert case.status_reason == (
        "primary coverage with Acme Health not verified (no eligibility response on file)"
    )
    assert case.computed_at is not None and case.computed_at.tzinfo is not None


def test_recompute_without_coverage_says_so(clinic: Clinic) -> None:
    do_deactivate_coverage(clinic.coverage)
    case = services.do_recompute_case(clinic.encounter().clearance_case)
    assert (case.status, case.status_reason) == (
        "needs_eligibility",
        "no active coverage on file for 2026-12-03",
    )


def test_recompute_for_self_pay(clinic: Clinic) -> None:
    do_deactivate_coverage(clinic.coverage)
    do_add_coverage(
        clinic.patient,
        payer=build_payer("self_pay", "Self-pay"),
        effective_date=dt.date(2020, 1, 1),
    )
    case = services.do_recompute_case(clinic.encounter().clearance_case)
    assert case.status_reason == "self-pay on file: confirm the patient has no coverage"


def test_recompute_leaves_cases_of_closed_encounters_alone(clinic: Clinic) -> None:
    encounter = clinic.encounter()
    do_set_encounter_status(encounter, "cancelled")
    case = services.do_recompute_case(encounter.clearance_case)
    assert (case.status, case.computed_at) == ("pending", None)
    open_case = clinic.encounter().clearance_case
    assert services.do_recompute_cases([case.pk, open_case.pk]) == 1


def test_worklist_orders_by_due_date_then_priority(clinic: Clinic, user) -> None:
    later = clinic.encounter(scheduled_at=dt.datetime(2026, 12, 5, 9, tzinfo=EASTERN))
    low = clinic.encounter(scheduled_at=dt.datetime(2026, 12, 3, 9, tzinfo=EASTERN))
    high = clinic.encounter(scheduled_at=dt.datetime(2026, 12, 3, 10, tzinfo=EASTERN))
    ClearanceCase.objects.filter(encounter=high).update(priority=5)
    order = [c.encounter_id for c in queries.worklist()]
    assert order == [high.pk, low.pk, later.pk]
    services.do_assign_case(low.clearance_case, user)
    assert [c.encounter_id for c in queries.worklist(owner=user)] == [low.pk]
    assert list(queries.worklist(statuses=("cleared",))) == []


def test_notes_need_a_body(clinic: Clinic, user) -> None:
    case = clinic.encounter().clearance_case
    with pytest.raises(ValidationError) as info:
        services.do_add_note(case, user, "   ")
    assert info.value.message_dict == {"body": ["body: required"]}
    note = services.do_add_note(case, user, "Called the payer.")
    assert list(case.notes.all()) == [note]


def test_task_lifecycle(clinic: Clinic, user) -> None:
    case = clinic.encounter().clearance_case
    task = services.do_create_task(case, kind="eligibility", title="Verify coverage")
    assert task.created_by is None and task.status == "open"
    assert list(queries.open_tasks()) == [task]
    closed = services.do_close_task(task)
    assert closed.status == "done" and closed.closed_at is not None
    assert list(queries.open_tasks()) == []
    with pytest.raises(ValidationError) as info:
        services.do_close_task(task, "cancelled")
    assert info.value.message_dict == {"status": [f"status: task #{task.pk} is already done"]}


def test_task_rules(clinic: Clinic, user) -> None:
    case = clinic.encounter().clearance_case
    with pytest.raises(ValidationError) as info:
        services.do_create_task(case, kind="astrology", title="x", created_by=user)
    assert info.value.message_dict == {"kind": ["kind: Value 'astrology' is not a valid choice."]}
    with pytest.raises(ValidationError, match="a new task is open, not done"):
        services.do_create_task(case, kind="other", title="x", status="done")
    task = services.do_create_task(case, kind="other", title="x", created_by=user)
    with pytest.raises(ValidationError, match="closes as done or cancelled, not open"):
        services.do_close_task(task, "open")


def test_bulk_paths_use_a_fixed_number_of_queries_per_batch(clinic: Clinic) -> None:
    counts = []
    for size in (3, 30):
        ids = bulk_encounters(clinic, size)
        with CaptureQueriesContext(connection) as ensure:
            assert services.do_ensure_cases(ids) == size
        cases = ClearanceCase.objects.filter(encounter_id__in=ids).values_list("pk", flat=True)
        cache.clear()  # each batch reads the payer difficulty (cached once read: one query less)
        with CaptureQueriesContext(connection) as recompute:
            assert services.do_recompute_cases(cases) == size
        counts.append((len(ensure), len(recompute)))
    assert counts[0] == counts[1]
