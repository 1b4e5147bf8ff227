"""The clearance case of each encounter, its notes and its tasks."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from finclear.organizations.base import CheckedModel, TimestampedModel
from finclear.organizations.models import Facility
from finclear.organizations.validation import FieldErrors
from finclear.payers.models import Payer
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
    """The financial clearance state of one encounter; its status is computed, never typed.

    ``status`` is what the worklist shows: the computed status (``computed_status``, from
    ``finclear.rules.clearance``), or a supervisor's override while one stands. Facility,
    visit time and payer are copied from the encounter when the case is computed, so the
    worklist filters and sorts on this table's own indexes.
    """

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
    computed_status = models.CharField(
        max_length=24, choices=CaseStatus.choices, default=CaseStatus.PENDING
    )
    open_items = models.JSONField(
        default=list, blank=True, help_text='[{"item": "eligibility", "reason": "..."}, ...]'
    )
    computed_parts = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the last computation found, per check and engine fact, and its day "
        "(finclear.workqueue.checks.build_parts): a partial recompute reuses the parts its "
        "change cannot touch",
    )
    item_flags = models.PositiveSmallIntegerField(
        default=0, help_text="The open items as bits (finclear.rules.clearance.ItemFlag)"
    )
    priority_explained = models.CharField(max_length=200, blank=True)
    payer_at_risk = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    patient_at_risk = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    is_open = models.BooleanField(default=True, help_text="The encounter is scheduled or arrived")
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    payer = models.ForeignKey(
        Payer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The primary payer in force on the visit date",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    override_status = models.CharField(max_length=24, choices=CaseStatus.choices, blank=True)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "-priority", "pk"]
        indexes = [
            models.Index(fields=["status", "owner", "due_date"], name="case_worklist_idx"),
            models.Index(fields=["due_date", "priority"], name="case_due_idx"),
            # The worklist's two orders: walked in order, filtered, stopped at the page.
            models.Index(
                fields=["-priority", "due_date", "id"],
                name="case_open_prio_idx",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["due_date", "scheduled_at", "id"],
                name="case_open_date_idx",
                condition=Q(is_open=True),
            ),
            # A status tab in either order: the status's open cases walked in order (the
            # orders above skip every case of the other statuses first: 10-14 ms on 100,000).
            models.Index(
                fields=["status", "-priority", "due_date", "id"],
                name="case_open_status_prio_idx",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["status", "due_date", "scheduled_at", "id"],
                name="case_open_status_date_idx",
                condition=Q(is_open=True),
            ),
            # The tabs' counts (an index-only scan per facility).
            models.Index(
                fields=["facility", "status"],
                name="case_open_count_idx",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["owner", "status"], name="case_open_owner_idx", condition=Q(is_open=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}"

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_status)


class CaseActivity(models.Model):
    """What happened to a case and who did it: the workspace's history and the throughput."""

    class Kind(models.TextChoices):
        CLAIMED = "claimed", "Claimed"
        RELEASED = "released", "Released"
        REASSIGNED = "reassigned", "Reassigned"
        STATUS = "status", "Status changed"
        OVERRIDDEN = "overridden", "Status overridden"
        OVERRIDE_LIFTED = "override_lifted", "Override lifted"
        ACTION = "action", "Action"

    case = models.ForeignKey(ClearanceCase, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text="Never patient data")
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["case_id", "-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "to_status", "occurred_at"], name="case_activity_idx"),
        ]

    def __str__(self) -> str:
        return f"Case activity #{self.pk}"


class SavedView(TimestampedModel):
    """A user's named set of worklist filters (the query string of the worklist)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["user_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_unique")
        ]

    def __str__(self) -> str:
        return f"Saved view #{self.pk}"


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
