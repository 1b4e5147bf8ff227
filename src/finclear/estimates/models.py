"""Patient estimates and Good Faith Estimates, line by line, with the reasoning kept.

An ``Estimate`` is one calculation for an encounter: the benefits it used (a 271 on file, the
plan's design, or self-pay prices), its totals, and its lines with the explanation a
counselor reads to the patient. Recalculating makes a new estimate and marks the old one
superseded: what the patient was told stays on record. ``kind`` is ``gfe`` for uninsured and
self-pay patients (45 CFR 149.610), whose deadline is kept on the estimate when it is made.
A ``GfeRequest`` records that a patient asked for a GFE (it sets a deadline of its own).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from finclear.organizations.base import TimestampedModel
from finclear.organizations.validation import FieldErrors
from finclear.patients.models import Coverage
from finclear.scheduling.models import Encounter

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class EstimateKind(models.TextChoices):
    ESTIMATE = "estimate", "Patient estimate"
    GFE = "gfe", "Good Faith Estimate"


class BenefitsSource(models.TextChoices):
    ELIGIBILITY = "eligibility", "Eligibility response (271)"
    PLAN_DESIGN = "plan_design", "The plan's benefit design"
    SELF_PAY = "self_pay", "Self-pay prices"


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", "Handed to the patient"
    MAIL = "mail", "Mailed"
    EMAIL = "email", "Emailed"
    PORTAL = "portal", "Patient portal"


class Estimate(TimestampedModel):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="estimates")
    kind = models.CharField(max_length=10, choices=EstimateKind.choices)
    is_current = models.BooleanField(default=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was (re)calculated")
    benefits_source = models.CharField(max_length=12, choices=BenefitsSource.choices)
    eligibility_check = models.ForeignKey(
        "eligibility.EligibilityCheck",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    coverage = models.ForeignKey(
        Coverage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    secondary_coverage = models.ForeignKey(
        Coverage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan_name = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Of the inputs; a change recalculates")
    charge = models.DecimalField(**MONEY, default=ZERO)
    allowed = models.DecimalField(**MONEY, default=ZERO)
    plan_pays = models.DecimalField(**MONEY, default=ZERO)
    secondary_pays = models.DecimalField(**MONEY, default=ZERO)
    copay = models.DecimalField(**MONEY, default=ZERO)
    deductible = models.DecimalField(**MONEY, default=ZERO)
    coinsurance = models.DecimalField(**MONEY, default=ZERO)
    non_covered = models.DecimalField(**MONEY, default=ZERO)
    patient_total = models.DecimalField(**MONEY, default=ZERO)
    complete = models.BooleanField(default=True, help_text="False: a line could not be estimated")
    deductible_remaining = models.DecimalField(**MONEY, null=True, blank=True)
    oop_remaining = models.DecimalField(**MONEY, null=True, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="What the estimate assumes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_method = models.CharField(max_length=10, choices=DeliveryMethod.choices, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gfe_scheduled_on = models.DateField(null=True, blank=True)
    gfe_requested_on = models.DateField(null=True, blank=True)
    gfe_due = models.DateField(null=True, blank=True, help_text="Empty: none due (short notice)")
    gfe_rule = models.CharField(max_length=200, blank=True)
    gfe_problems = models.JSONField(
        default=list, blank=True, help_text="Required 149.610(c) content the GFE lacks"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter"],
                condition=Q(is_current=True),
                name="one_current_estimate_per_encounter",
            )
        ]
        indexes = [models.Index(fields=["encounter", "is_current"], name="estimate_current_idx")]
        permissions = [("deliver_estimate", "Can record that an estimate went to the patient")]

    def __str__(self) -> str:
        return f"Estimate #{self.pk}"

    @property
    def is_gfe(self) -> bool:
        return self.kind == EstimateKind.GFE

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None

    def clean(self) -> None:
        errors = FieldErrors()
        if self.delivered_at is not None and not self.delivered_method:
            errors.add("delivered_method", "required once the estimate is delivered")
        if self.patient_total is not None and self.patient_total < 0:
            errors.add("patient_total", f"{self.patient_total} is negative")
        errors.raise_if_any()


class EstimateLine(models.Model):
    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=5)
    description = models.CharField(max_length=200, blank=True)
    units = models.DecimalField(max_digits=9, decimal_places=3, default=Decimal(1))
    category = models.CharField(max_length=30)
    network = models.CharField(max_length=3, default="in")
    status = models.CharField(max_length=12, help_text="estimated, unpriced, no_benefit")
    diagnosis_codes = models.JSONField(default=list, blank=True)
    charge = models.DecimalField(**MONEY)
    allowed = models.DecimalField(**MONEY, null=True, blank=True)
    plan_pays = models.DecimalField(**MONEY, default=ZERO)
    copay = models.DecimalField(**MONEY, default=ZERO)
    deductible = models.DecimalField(**MONEY, default=ZERO)
    coinsurance = models.DecimalField(**MONEY, default=ZERO)
    non_covered = models.DecimalField(**MONEY, default=ZERO)
    secondary_pays = models.DecimalField(**MONEY, default=ZERO)
    patient_total = models.DecimalField(**MONEY, default=ZERO)
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["estimate_id", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["estimate", "line_number"], name="estimate_line_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Estimate line {self.line_number}: {self.code}"

    @property
    def estimated(self) -> bool:
        return self.status == "estimated"


class GfeRequest(TimestampedModel):
    """An uninsured or self-pay patient asked for a Good Faith Estimate (due in 3 business days)."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="gfe_requests")
    requested_on = models.DateField(help_text="In the facility's time zone")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=20, blank=True, help_text="phone, in person, portal...")

    class Meta:
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"GFE request #{self.pk}"
