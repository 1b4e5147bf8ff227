"""Payers, the IDs clearinghouses know them by, and their plans with a benefit design."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from finclear.organizations.base import TimestampedModel
from finclear.organizations.validation import FieldErrors

MONEY = {"max_digits": 12, "decimal_places": 2}


class PayerType(models.TextChoices):
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    COMMERCIAL = "commercial", "Commercial"
    WORKERS_COMP = "workers_comp", "Workers' compensation"
    SELF_PAY = "self_pay", "Self-pay"
    OTHER = "other", "Other"


class Product(models.TextChoices):
    HMO = "hmo", "HMO"
    PPO = "ppo", "PPO"
    EPO = "epo", "EPO"
    POS = "pos", "POS"
    HDHP = "hdhp", "HDHP"
    MEDICARE_FFS = "medicare_ffs", "Medicare fee-for-service"
    MEDICARE_ADVANTAGE = "medicare_advantage", "Medicare Advantage"
    MEDICAID_MANAGED = "medicaid_managed", "Medicaid managed care"
    WORKERS_COMP = "workers_comp", "Workers' compensation"
    OTHER = "other", "Other"


class Payer(TimestampedModel):
    name = models.CharField(max_length=200)
    payer_type = models.CharField(max_length=20, choices=PayerType.choices)
    primary_payer_id = models.CharField(
        max_length=80, blank=True, help_text="The payer's own ID, e.g. CMS 00120"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_self_pay(self) -> bool:
        return self.payer_type == PayerType.SELF_PAY


class PayerIdentifier(TimestampedModel):
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="identifiers")
    clearinghouse = models.CharField(max_length=40, help_text="e.g. availity, change, direct")
    # Named ``identifier``, not ``payer_id``: that name is the foreign key's column.
    identifier = models.CharField(max_length=80, help_text="The ID this clearinghouse uses")

    class Meta:
        ordering = ["clearinghouse", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["clearinghouse", "identifier"], name="payer_id_per_clearinghouse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clearinghouse}:{self.identifier}"


class Plan(TimestampedModel):
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="plans")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    product = models.CharField(max_length=20, choices=Product.choices)
    network = models.CharField(max_length=200, blank=True)
    group_number = models.CharField(max_length=50, blank=True)
    deductible_individual = models.DecimalField(**MONEY, null=True, blank=True)
    deductible_family = models.DecimalField(**MONEY, null=True, blank=True)
    oop_max_individual = models.DecimalField(**MONEY, null=True, blank=True)
    oop_max_family = models.DecimalField(**MONEY, null=True, blank=True)
    coinsurance_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="e.g. 20.00"
    )
    copay_primary_care = models.DecimalField(**MONEY, null=True, blank=True)
    copay_specialist = models.DecimalField(**MONEY, null=True, blank=True)
    copay_er = models.DecimalField(**MONEY, null=True, blank=True)
    copay_urgent_care = models.DecimalField(**MONEY, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    MONEY_FIELDS = (
        "deductible_individual",
        "deductible_family",
        "oop_max_individual",
        "oop_max_family",
        "copay_primary_care",
        "copay_specialist",
        "copay_er",
        "copay_urgent_care",
    )

    class Meta:
        ordering = ["payer__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "code"], name="plan_code_per_payer")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        errors = FieldErrors()
        for name in self.MONEY_FIELDS:
            value = getattr(self, name)
            if value is not None and value < 0:
                errors.add(name, f"{value} is negative")
        percent = self.coinsurance_percent
        if percent is not None and not Decimal(0) <= percent <= Decimal(100):
            errors.add("coinsurance_percent", f"{percent} is not between 0 and 100")
        pairs = (
            ("deductible_family", "deductible_individual"),
            ("oop_max_family", "oop_max_individual"),
        )
        for family, individual in pairs:
            family_value, individual_value = getattr(self, family), getattr(self, individual)
            if (
                family_value is not None
                and individual_value is not None
                and family_value < individual_value
            ):
                errors.add(family, f"{family_value} is less than {individual} {individual_value}")
        errors.raise_if_any()
