"""Payer contracts (effective-dated fee schedules), reference base schedules, self-pay discounts.

A ``FeeSchedule`` is one version of a payer's contract, for one plan or (plan empty) every
plan of the payer, in network or out of network (the allowed amounts the payer uses for
out-of-network care). It prices a code by its own rate per code, else a percent of a
``BaseSchedule`` (e.g. 120% of the Medicare fee schedule), else a percent of charges; case
rates and per diems price inpatient stays. ``finclear.rules.pricing`` does the arithmetic;
``finclear.contracts.queries`` turns these rows into its dataclasses.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models

from finclear.organizations.base import TimestampedModel
from finclear.organizations.models import Facility
from finclear.organizations.validation import FieldErrors
from finclear.payers.models import Payer, Plan
from finclear.scheduling.models import check_cpt_hcpcs

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 7, "decimal_places": 3}


class Network(models.TextChoices):
    IN = "in", "In network (the contract)"
    OUT = "out", "Out of network (the payer's allowed amounts)"


def check_dates(errors: FieldErrors, start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        errors.add("effective_to", f"{end.isoformat()} is before effective_from {start}")


def check_percent(errors: FieldErrors, field: str, value: Decimal | None, top: int) -> None:
    if value is not None and not Decimal(0) <= value <= Decimal(top):
        errors.add(field, f"{value} is not between 0 and {top}")


class BaseSchedule(TimestampedModel):
    """A reference fee schedule (Medicare's physician fee schedule, a state Medicaid's)."""

    name = models.CharField(max_length=120, unique=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the rates come from")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = FieldErrors()
        check_dates(errors, self.effective_from, self.effective_to)
        errors.raise_if_any()


class BaseRate(TimestampedModel):
    base = models.ForeignKey(BaseSchedule, on_delete=models.CASCADE, related_name="rates")
    code = models.CharField("CPT/HCPCS", max_length=5)
    rate = models.DecimalField(**MONEY, help_text="Per unit")

    class Meta:
        ordering = ["base_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["base", "code"], name="base_rate_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.rate}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_cpt_hcpcs(errors, self.code, "code")
        if self.rate is not None and self.rate < 0:
            errors.add("rate", f"{self.rate} is negative")
        errors.raise_if_any()


class FeeSchedule(TimestampedModel):
    """One effective-dated version of a payer's contract (``plan`` empty: every plan)."""

    name = models.CharField(max_length=120)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="fee_schedules")
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_schedules",
        help_text="Empty: every plan of the payer without a schedule of its own",
    )
    network = models.CharField(max_length=3, choices=Network.choices, default=Network.IN)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Last day; empty: open")
    base = models.ForeignKey(
        BaseSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_schedules",
    )
    base_percent = models.DecimalField(
        **PERCENT, null=True, blank=True, help_text="Percent of the base schedule, e.g. 120"
    )
    charges_percent = models.DecimalField(
        **PERCENT, null=True, blank=True, help_text="Percent of the line's charge, e.g. 55"
    )
    case_rate = models.DecimalField(**MONEY, null=True, blank=True, help_text="Inpatient stay")
    per_diem = models.DecimalField(**MONEY, null=True, blank=True, help_text="Inpatient day")

    class Meta:
        ordering = ["payer__name", "name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "effective_from"],
                name="fee_schedule_name_version",
                violation_error_message="name: a schedule of this name already starts that day",
            )
        ]
        indexes = [models.Index(fields=["payer", "plan", "network"], name="fee_schedule_payer_idx")]

    def __str__(self) -> str:
        return f"{self.name} from {self.effective_from.isoformat()}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_dates(errors, self.effective_from, self.effective_to)
        if (self.base_id is None) != (self.base_percent is None):
            errors.add("base_percent", "a percent of a base schedule needs both the base and it")
        check_percent(errors, "base_percent", self.base_percent, 1000)
        check_percent(errors, "charges_percent", self.charges_percent, 100)
        for field in ("case_rate", "per_diem"):
            value = getattr(self, field)
            if value is not None and value < 0:
                errors.add(field, f"{value} is negative")
        if (
            self.plan_id is not None
            and self.payer_id is not None
            and self.plan.payer_id != self.payer_id
        ):
            errors.add("plan", f"plan {self.plan.code} belongs to another payer")
        errors.raise_if_any()


class FeeScheduleRate(TimestampedModel):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rates")
    code = models.CharField("CPT/HCPCS", max_length=5)
    rate = models.DecimalField(**MONEY, help_text="Allowed per unit")

    class Meta:
        ordering = ["schedule_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="fee_rate_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.rate}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_cpt_hcpcs(errors, self.code, "code")
        if self.rate is not None and self.rate < 0:
            errors.add("rate", f"{self.rate} is negative")
        errors.raise_if_any()


class SelfPayPolicy(TimestampedModel):
    """A facility's discount on chargemaster charges for self-pay and uninsured patients."""

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="self_pay_policies"
    )
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["facility__code", "-effective_from"]
        verbose_name_plural = "self-pay policies"

    def __str__(self) -> str:
        return f"{self.discount_percent}% self-pay discount from {self.effective_from.isoformat()}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_dates(errors, self.effective_from, self.effective_to)
        check_percent(errors, "discount_percent", self.discount_percent, 100)
        errors.raise_if_any()
