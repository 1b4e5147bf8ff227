"""The clearance case of each encounter, its notes and its tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from finclear.organizations.base import CheckedModel, TimestampedModel
from finclear.organizations.validation import FieldErrors
from finclear.scheduling.models import Encounter


class CaseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLEARED = "cleared", "Cleared"
    NEEDS_ELIGIBILITY = "needs_eligibility", "Needs eligibility"
    NEEDS_AUTHORIZATION = "needs_authorization", "Needs authorization"
    NEEDS_ESTIMATE = "needs_estimate", "Needs estimate"
    NEEDS_COUNSELING = "needs_counseling", "Needs counseling"
    AT_RISK = "at_risk", "At risk"


class TaskKind(models.TextChoices):
    ELIGIBILITY = "eligibility", "Eligibility"
    AUTHORIZATION = "authorization", "Authorization"
    COVERAGE_INACTIVE = "coverage_inactive", "Coverage inactive"
    ESTIMATE = "estimate", "Estimate"
    COUNSELING = "counseling", "Counseling"
    OTHER = "other", "Other"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ClearanceCase(TimestampedModel):
    """The financial clearance state of one encounter; its status is computed, never typed."""

    encounter = models.OneToOneField(
        Encounter, on_delete=models.CASCADE, related_name="clearance_case"
    )
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.PENDING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
    )
    due_date = models.DateField()
    priority = models.IntegerField(default=0, help_text="Higher is more urgent")
    status_reason = models.TextField(blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "-priority", "pk"]
        indexes = [
            models.Index(fields=["status", "owner", "due_date"], name="case_worklist_idx"),
            models.Index(fields=["due_date", "priority"], name="case_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}"


class CaseNote(CheckedModel):
    case = models.ForeignKey(ClearanceCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_notes"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Note #{self.pk}"

    def clean(self) -> None:
        errors = FieldErrors()
        if not self.body.strip():
            errors.add("body", "required")
        errors.raise_if_any()


class Task(TimestampedModel):
    case = models.ForeignKey(ClearanceCase, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=20, choices=TaskKind.choices, default=TaskKind.OTHER)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_tasks",
        help_text="Empty for tasks the system created",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "assignee", "due_at"], name="task_worklist_idx"),
        ]

    def __str__(self) -> str:
        return f"Task #{self.pk}: {self.title}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.status == TaskStatus.OPEN and self.closed_at is not None:
            errors.add("closed_at", "an open task has no closing time")
        if self.status != TaskStatus.OPEN and self.closed_at is None:
            errors.add("closed_at", f"required for a {self.status} task")
        errors.raise_if_any()
