"""Writes for clearance cases, their notes and tasks (each in one transaction).

Every encounter has one case: ``do_ensure_case`` (one encounter, used by
``scheduling.services.do_create_encounter``) and ``do_ensure_cases`` (bulk loaders) create
the missing ones as ``pending``. ``do_recompute_case`` derives the status from the checks in
``finclear.workqueue.checks``; a status is never typed in by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.organizations.validation import do_save_checked
from finclear.scheduling.models import Encounter, EncounterStatus
from finclear.workqueue.checks import CHECKS, visit_date
from finclear.workqueue.models import CaseNote, CaseStatus, ClearanceCase, Task, TaskStatus

OPEN_ENCOUNTER_STATUSES = frozenset({EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED})
BULK_BATCH = 500


def build_due_date(encounter: Encounter) -> dt.date:
    """Clearance is due by the visit date, in the facility's time zone."""
    return visit_date(encounter)


def is_open(case: ClearanceCase) -> bool:
    return case.encounter.status in OPEN_ENCOUNTER_STATUSES


@transaction.atomic
def do_ensure_case(encounter: Encounter) -> ClearanceCase:
    """The encounter's case, created ``pending`` if it has none."""
    existing = ClearanceCase.objects.filter(encounter=encounter).first()
    if existing is not None:
        return existing
    case = ClearanceCase(encounter=encounter, due_date=build_due_date(encounter))
    do_save_checked(case)
    return case


@transaction.atomic
def do_ensure_cases(encounter_ids: Iterable[int]) -> int:
    """Create the missing cases of many encounters in bulk; return how many were created.

    ``bulk_create`` sends no signals, so the audit events of the new cases are written here.
    """
    ids = sorted(set(encounter_ids))
    created = 0
    for start in range(0, len(ids), BULK_BATCH):
        chunk = ids[start : start + BULK_BATCH]
        encounters = (
            Encounter.objects.filter(pk__in=chunk, clearance_case__isnull=True)
            .select_related("facility")
            .order_by("pk")
        )
        cases = [ClearanceCase(encounter=e, due_date=build_due_date(e)) for e in encounters]
        if not cases:
            continue
        ClearanceCase.objects.bulk_create(cases)
        AuditEvent.objects.bulk_create(
            build_event(AuditAction.CREATE, obj=case, patient_id=case.encounter.patient_id)
            for case in cases
        )
        created += len(cases)
    return created


def do_recompute_case(case: ClearanceCase) -> ClearanceCase:
    """Derive an open case's status from the clearance checks; closed cases are left alone.

    A case is open while its encounter is scheduled or arrived. Returns the case as saved.
    """
    return _recompute(case.pk)


def do_recompute_cases(case_ids: Iterable[int]) -> int:
    """Recompute many cases, each in its own transaction; return how many were open."""
    ids = ClearanceCase.objects.filter(pk__in=list(case_ids)).order_by("pk")
    return sum(1 for pk in ids.values_list("pk", flat=True) if is_open(_recompute(pk)))


@transaction.atomic
def _recompute(pk: int) -> ClearanceCase:
    case = (
        ClearanceCase.objects.select_for_update(of=("self",))
        .select_related("encounter__facility")
        .get(pk=pk)
    )
    if not is_open(case):
        return case
    status, reason = CaseStatus.CLEARED, "every check passed"
    for check in CHECKS:
        finding = check(case.encounter)
        if finding is not None:
            status, reason = finding.status, finding.reason
            break
    case.status = status
    case.status_reason = reason
    case.computed_at = timezone.now()
    do_save_checked(case, update_fields=["status", "status_reason", "computed_at", "updated_at"])
    return case


@transaction.atomic
def do_assign_case(case: ClearanceCase, owner: Any) -> None:
    case.owner = owner
    do_save_checked(case, update_fields=["owner", "updated_at"])


@transaction.atomic
def do_add_note(case: ClearanceCase, author: Any, body: str) -> CaseNote:
    note = CaseNote(case=case, author=author, body=body)
    do_save_checked(note)
    return note


@transaction.atomic
def do_create_task(
    case: ClearanceCase, *, kind: str, title: str, created_by: Any = None, **fields: Any
) -> Task:
    """Open a task on a case; ``created_by`` is None for tasks the system creates."""
    task = Task(case=case, kind=kind, title=title, created_by=created_by, **fields)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": f"status: a new task is open, not {task.status}"})
    do_save_checked(task)
    return task


@transaction.atomic
def do_close_task(task: Task, status: str = TaskStatus.DONE) -> Task:
    """Mark an open task done or cancelled."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": f"status: task #{task.pk} is already {task.status}"})
    if status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise ValidationError(
            {"status": f"status: a task closes as done or cancelled, not {status}"}
        )
    task.status = status
    task.closed_at = timezone.now()
    do_save_checked(task, update_fields=["status", "closed_at", "updated_at"])
    return task
