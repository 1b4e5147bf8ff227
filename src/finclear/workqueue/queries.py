"""Reads for the worklist: clearance cases and tasks, most urgent first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from finclear.organizations.models import Facility
from finclear.workqueue.models import CaseStatus, ClearanceCase, Task, TaskStatus

OPEN_CASE_STATUSES = tuple(s for s in CaseStatus.values if s != CaseStatus.CLEARED)


def worklist(
    *,
    statuses: tuple[str, ...] = OPEN_CASE_STATUSES,
    owner: Any = None,
    facility: Facility | None = None,
) -> QuerySet[ClearanceCase]:
    """Cases in the given statuses, due soonest and most urgent first (uses case_worklist_idx)."""
    cases = ClearanceCase.objects.filter(status__in=statuses)
    if owner is not None:
        cases = cases.filter(owner=owner)
    if facility is not None:
        cases = cases.filter(encounter__facility=facility)
    return cases.select_related(
        "owner",
        "encounter__patient",
        "encounter__facility",
        "encounter__department",
        "encounter__rendering_provider",
    ).order_by("due_date", "-priority", "pk")


def open_tasks(assignee: Any = None) -> QuerySet[Task]:
    tasks = Task.objects.filter(status=TaskStatus.OPEN)
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    return tasks.select_related("case__encounter__patient", "assignee").order_by("due_at", "pk")
