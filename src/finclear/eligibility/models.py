"""Eligibility checks (one 270 sent and its 271), manual verifications and batch runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from finclear.organizations.base import TimestampedModel
from finclear.organizations.validation import FieldErrors
from finclear.patients.models import Coverage
from finclear.rules.benefits import BenefitRow
from finclear.scheduling.models import Encounter


class ValuesJSONField(models.JSONField):
    """A JSONField that ``bulk_create`` inserts with one VALUES row per object on PostgreSQL.

    Django 5.2 bulk-inserts through ``UNNEST(%s::jsonb[], ...)`` when it can: with psycopg's
    client-side binding each JSON document is then quoted into an array literal, a regex
    escape per double quote (a check's benefit rows hold thousands): 14 ms a check. A field
    with a placeholder keeps the plain VALUES form. Deconstructed as a plain JSONField: the
    column and the migrations are the same.
    """

    def get_placeholder(self, value: object, compiler: object, connection: object) -> str:
        return "%s"

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class CheckStatus(models.TextChoices):
    VERIFIED = "verified", "Verified"
    NEEDS_REVIEW = "needs_review", "Needs review"
    REJECTED = "rejected", "Rejected"
    ERROR = "error", "Error"
    MANUALLY_VERIFIED = "manually_verified", "Manually verified"


# Statuses that clear the eligibility part of a case while they are fresh.
CLEARING_STATUSES = frozenset({CheckStatus.VERIFIED, CheckStatus.MANUALLY_VERIFIED})


class CoverageState(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    UNKNOWN = "unknown", "Unknown"


class ManualMethod(models.TextChoices):
    PAYER_PORTAL = "payer_portal", "Payer portal"
    PHONE = "phone", "Phone call to the payer"
    CARD = "card", "Insurance card and ID seen"
    OTHER = "other", "Other"


class CheckChannel(models.TextChoices):
    REALTIME = "realtime", "Real time (a user asked)"
    BATCH = "batch", "Batch"
    MANUAL = "manual", "Manual verification"


class EligibilityBatchRun(TimestampedModel):
    """One batch verification: which encounters it chose, and how their checks came out."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(help_text="Encounters of the next N days")
    window_start = models.DateField()
    window_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    triggered_by = models.CharField(max_length=20, help_text="cli, task, demo, web, api")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    scheduled = models.PositiveIntegerField(default=0, help_text="Encounters in the window")
    selected = models.PositiveIntegerField(default=0, help_text="Missing or stale: to verify")
    skipped = models.PositiveIntegerField(default=0, help_text="Fresh, or nothing to verify")
    processed = models.PositiveIntegerField(default=0)
    verified = models.PositiveIntegerField(default=0)
    needs_review = models.PositiveIntegerField(default=0)
    inactive = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the run failed, when it did")

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Eligibility batch #{self.pk}"

    @property
    def remaining(self) -> int:
        return max(self.selected - self.processed, 0)


class BatchChunk(models.Model):
    """A slice of a batch run's work: the ledger row a task claims, with a lease.

    Tasks are at-least-once: a chunk already done is skipped; one whose lease expired (its
    worker died) is claimed again, and the checks it had finished are not sent twice
    (their idempotency keys exist).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(EligibilityBatchRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    pairs = models.JSONField(help_text="[[encounter id, coverage id], ...]")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="batch_chunk_number_unique")
        ]

    def __str__(self) -> str:
        return f"Batch #{self.run_id} chunk {self.number}"


class EligibilityCheck(TimestampedModel):
    """One verification of a coverage for an encounter: the 270 sent, the 271, the verdict.

    ``trace_number`` is the 270's TRN02 (unique). ``idempotency_key`` makes a batch safe to
    re-run: one check per encounter, coverage, day and coverage version. Benefit rows are kept
    normalized in ``benefits`` (see ``finclear.rules.benefits.BenefitRow``), the raw X12 in
    ``raw_270`` / ``raw_271``.
    """

    encounter = models.ForeignKey(
        Encounter, on_delete=models.CASCADE, related_name="eligibility_checks"
    )
    coverage = models.ForeignKey(
        Coverage, on_delete=models.CASCADE, related_name="eligibility_checks"
    )
    batch_run = models.ForeignKey(
        EligibilityBatchRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
    )
    channel = models.CharField(max_length=10, choices=CheckChannel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="eligibility_checks",
        help_text="Who asked; empty for the system (batch)",
    )
    trace_number = models.CharField(max_length=50, unique=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    coverage_fingerprint = models.CharField(
        max_length=64, help_text="What the coverage said when checked; a change makes it stale"
    )
    date_of_service = models.DateField()
    service_types = ValuesJSONField(default=list, blank=True)
    payer_key = models.CharField(max_length=40, blank=True)
    requested_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=CheckStatus.choices)
    coverage_status = models.CharField(
        max_length=10, choices=CoverageState.choices, default=CoverageState.UNKNOWN
    )
    raw_270 = models.TextField(blank=True)
    raw_271 = models.TextField(blank=True)
    payload_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    elapsed_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="What went wrong, where (error status)")
    reasons = ValuesJSONField(
        default=list, blank=True, help_text="Why it needs review or was rejected"
    )
    rejections = ValuesJSONField(default=list, blank=True, help_text="AAA codes with their advice")
    benefits = ValuesJSONField(default=list, blank=True, help_text="Normalized EB rows")
    plan_name = models.CharField(max_length=200, blank=True)
    group_number = models.CharField(max_length=50, blank=True)
    member_id = models.CharField(max_length=80, blank=True, help_text="As the payer returned it")
    plan_begin = models.DateField(null=True, blank=True)
    plan_end = models.DateField(null=True, blank=True)
    eligibility_begin = models.DateField(null=True, blank=True)
    eligibility_end = models.DateField(null=True, blank=True)
    manual_method = models.CharField(max_length=20, choices=ManualMethod.choices, blank=True)
    manual_reference = models.CharField(
        max_length=100, blank=True, help_text="Call reference or portal confirmation number"
    )
    manual_note = models.TextField(blank=True)

    # Not stored: the ``BenefitRow`` values ``benefits`` was built from, on a check this
    # process built from a 271 (``services.build_check``); what reads the rows in the same
    # transaction (the estimates' refresh) uses them rather than converting the JSON back.
    rows: tuple[BenefitRow, ...] | None = None

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["encounter", "coverage", "-requested_at"], name="elig_latest_idx"),
            models.Index(fields=["status", "requested_at"], name="elig_status_idx"),
            # The payer difficulty's window (workqueue.facts): index-only per coverage.
            models.Index(
                fields=["coverage", "requested_at", "status"], name="elig_coverage_window_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="manually_verified") | ~Q(manual_method=""),
                name="elig_manual_has_method",
                violation_error_message="manual_method: required for a manual verification",
            )
        ]
        permissions = [
            ("view_raw_x12", "Can see the raw 270 and 271 of an eligibility check"),
            ("verify_eligibility", "Can verify eligibility with the payer (real time)"),
            ("verify_manually", "Can record a manual eligibility verification"),
            ("run_batch", "Can start a batch eligibility verification"),
        ]

    def __str__(self) -> str:
        return f"Eligibility check #{self.pk}"

    @property
    def is_clearing(self) -> bool:
        return self.status in CLEARING_STATUSES

    def clean(self) -> None:
        errors = FieldErrors()
        if self.status == CheckStatus.MANUALLY_VERIFIED and not self.manual_method:
            errors.add("manual_method", "required for a manual verification")
        if self.responded_at is not None and self.responded_at < self.requested_at:
            errors.add("responded_at", "before the request")
        errors.raise_if_any()
