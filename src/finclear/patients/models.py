"""Patients, their guarantors and their insurance coverages."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from finclear.organizations.base import AddressModel, TimestampedModel
from finclear.organizations.models import Facility
from finclear.organizations.validation import FieldErrors, check_address
from finclear.payers.models import Payer, Plan


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown"


class GuarantorRelationship(models.TextChoices):
    SELF = "self", "Self"
    SPOUSE = "spouse", "Spouse"
    PARENT = "parent", "Parent"
    OTHER = "other", "Other"


class SubscriberRelationship(models.TextChoices):
    """X12 individual relationship codes (INS02 / PAT01)."""

    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    OTHER = "G8", "Other relationship"


class CoverageOrder(models.IntegerChoices):
    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"
    TERTIARY = 3, "Tertiary"


def check_not_future(errors: FieldErrors, field: str, value: dt.date | None) -> None:
    if value is not None and value > timezone.localdate():
        errors.add(field, f"{value.isoformat()} is in the future")


class Guarantor(TimestampedModel, AddressModel):
    """The person responsible for the bill when it is not the patient."""

    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField(null=True, blank=True)
    relationship_to_patient = models.CharField(max_length=10, choices=GuarantorRelationship.choices)
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Guarantor #{self.pk}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_not_future(errors, "date_of_birth", self.date_of_birth)
        check_address(errors, self.state, self.postal_code)
        errors.raise_if_any()


class Patient(TimestampedModel, AddressModel):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=40)
    first_name = models.CharField(max_length=60)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    guarantor = models.ForeignKey(
        Guarantor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patients",
        help_text="Empty when the patient is their own guarantor",
    )

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "mrn"], name="patient_mrn_per_facility")
        ]
        indexes = [models.Index(fields=["last_name", "first_name"], name="patient_name_idx")]

    def __str__(self) -> str:
        # Shown in the admin's action log and in messages: the record id only, never a name.
        return f"Patient #{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def clean(self) -> None:
        errors = FieldErrors()
        if not self.mrn.strip():
            errors.add("mrn", "required")
        check_not_future(errors, "date_of_birth", self.date_of_birth)
        check_address(errors, self.state, self.postal_code)
        errors.raise_if_any()


class Coverage(TimestampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="coverages")
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="coverages"
    )
    payer = models.ForeignKey(
        Payer,
        on_delete=models.PROTECT,
        blank=True,
        related_name="coverages",
        help_text="Taken from the plan when left empty",
    )
    order = models.PositiveSmallIntegerField(
        choices=CoverageOrder.choices, default=CoverageOrder.PRIMARY
    )
    member_id = models.CharField(max_length=80, blank=True)
    group_number = models.CharField(max_length=50, blank=True)
    subscriber_relationship = models.CharField(
        max_length=2, choices=SubscriberRelationship.choices, default=SubscriberRelationship.SELF
    )
    subscriber_first_name = models.CharField(max_length=60, blank=True)
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    subscriber_member_id = models.CharField(max_length=80, blank=True)
    effective_date = models.DateField()
    termination_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["patient_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "order"],
                condition=Q(is_active=True),
                name="one_active_coverage_per_order",
                violation_error_message="order: the patient already has an active coverage "
                "in this order",
            )
        ]
        indexes = [models.Index(fields=["patient", "order"], name="coverage_patient_order_idx")]

    def __str__(self) -> str:
        return f"Coverage #{self.pk} ({self.get_order_display()})"

    def is_in_force_on(self, day: dt.date) -> bool:
        return (
            self.is_active
            and self.effective_date <= day
            and (self.termination_date is None or day <= self.termination_date)
        )

    def clean(self) -> None:
        errors = FieldErrors()
        payer = self.payer if self.payer_id is not None else None
        plan = self.plan if self.plan_id is not None else None
        if plan is not None:
            if payer is None:
                self.payer = payer = plan.payer
            elif plan.payer_id != payer.pk:
                errors.add("plan", f"plan {plan.code} belongs to another payer than {payer}")
        if payer is None:
            errors.add("payer", "required (or choose a plan)")
        elif not payer.is_self_pay:
            if plan is None:
                errors.add("plan", f"required for a {payer.get_payer_type_display()} payer")
            if not self.member_id.strip():
                errors.add("member_id", f"required for a {payer.payer_type} payer")
        if (
            self.termination_date is not None
            and self.effective_date is not None
            and self.termination_date < self.effective_date
        ):
            errors.add(
                "termination_date",
                f"{self.termination_date.isoformat()} is before the effective date "
                f"{self.effective_date.isoformat()}",
            )
        check_not_future(errors, "subscriber_date_of_birth", self.subscriber_date_of_birth)
        errors.raise_if_any()
