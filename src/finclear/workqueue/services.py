"""Writes for clearance cases, their notes and tasks (each in one transaction).

Every encounter has one case: ``do_ensure_case`` (one encounter, used by
``scheduling.services.do_create_encounter``) and ``do_ensure_cases`` (bulk loaders) create
the missing ones as ``pending``. ``do_recompute_case`` derives the status from the checks in
``finclear.workqueue.checks``; a status is never typed in by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.organizations.validation import do_save_checked
from finclear.scheduling.models import Encounter, EncounterStatus
from finclear.workqueue.checks import Finding, build_facts, build_finding, visit_date
from finclear.workqueue.models import CaseNote, ClearanceCase, Task, TaskStatus

OPEN_ENCOUNTER_STATUSES = frozenset({EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED})
BULK_BATCH = 500


def build_due_date(encounter: Encounter) -> dt.date:
    """Clearance is due by the visit date, in the facility's time zone."""
    return visit_date(encounter)


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
        rows = (
            Encounter.objects.filter(pk__in=chunk, clearance_case__isnull=True)
            .order_by("pk")
            .values_list("pk", "patient_id", "scheduled_at", "facility__time_zone")
        )
        cases, patient_ids = [], []
        for pk, patient_id, scheduled_at, time_zone in rows:
            due = scheduled_at.astimezone(ZoneInfo(time_zone)).date()
            cases.append(ClearanceCase(encounter_id=pk, due_date=due))
            patient_ids.append(patient_id)
        if not cases:
            continue
        ClearanceCase.objects.bulk_create(cases)
        AuditEvent.objects.bulk_create(
            build_event(AuditAction.CREATE, obj=case, patient_id=patient_id)
            for case, patient_id in zip(cases, patient_ids, strict=True)
        )
        created += len(cases)
    return created


def do_recompute_case(case: ClearanceCase) -> ClearanceCase:
    """Derive an open case's status from the clearance checks; closed cases are left alone.

    A case is open while its encounter is scheduled or arrived. Returns the case as stored.
    """
    do_recompute_cases([case.pk])
    return ClearanceCase.objects.get(pk=case.pk)


def do_recompute_cases(case_ids: Iterable[int]) -> int:
    """Recompute many cases, a batch per transaction; return how many were open.

    The facts are loaded per batch and the rows written with ``bulk_update``, which sends no
    signals: the audit events of the changed cases are written here.
    """
    ids = sorted(set(case_ids))
    return sum(_recompute_batch(ids[i : i + BULK_BATCH]) for i in range(0, len(ids), BULK_BATCH))


@transaction.atomic
def _recompute_batch(ids: list[int]) -> int:
    # Open cases are picked here rather than in SQL: given the status, SQLite's planner walks
    # every encounter in that status instead of the batch's primary keys.
    cases = [
        case
        for case in ClearanceCase.objects.select_for_update(of=("self",))
        .select_related("encounter__facility")
        .filter(pk__in=ids)
        .order_by("pk")
        if case.encounter.status in OPEN_ENCOUNTER_STATUSES
    ]
    if not cases:
        return 0
    facts = build_facts(cases)
    now = timezone.now()
    events = []
    by_finding: dict[Finding, list[int]] = defaultdict(list)
    for case in cases:
        finding = build_finding(facts[case.pk])
        by_finding[finding].append(case.pk)
        changed = ["computed_at"]
        if case.status != finding.status:
            changed.append("status")
        if case.status_reason != finding.reason:
            changed.append("status_reason")
        events.append(
            build_event(
                AuditAction.UPDATE,
                obj=case,
                patient_id=case.encounter.patient_id,
                detail={"fields": changed},
            )
        )
    # One UPDATE per distinct finding: far fewer statements than bulk_update's CASE per row.
    for finding, pks in by_finding.items():
        ClearanceCase.objects.filter(pk__in=pks).update(
            status=finding.status, status_reason=finding.reason, computed_at=now, updated_at=now
        )
    AuditEvent.objects.bulk_create(events)
    return len(cases)


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
