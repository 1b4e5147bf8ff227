"""Financial assistance, payment plans and point-of-service collection.

- ``AssistancePolicy``: a facility's financial assistance policy (FAP), effective-dated: the
  discount tiers by percent of the HHS poverty guidelines, the optional asset test, the
  presumptive eligibility sources, the AGB percentage, the payment plan terms and the
  point-of-service collection rules. ``PovertyGuideline`` holds guideline figures an
  administrator adds beyond the ones ``finclear.rules.poverty`` ships.
- ``AssistanceApplication``: a patient's application, its screening, documents, decision and
  501(r) dates; ``CollectionAction``: an extraordinary collection action, recorded only when
  501(r) allows it.
- ``PaymentPlan``, its ``PlanInstallment`` schedule (a new version when recalculated) and
  ``PlanPayment``s; ``PosPayment``: money taken at check-in, with its receipt number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from finclear.organizations.base import TimestampedModel
from finclear.organizations.models import Facility
from finclear.organizations.validation import FieldErrors
from finclear.patients.models import Patient
from finclear.rules.assistance import PresumptiveSource
from finclear.rules.poverty import Region
from finclear.scheduling.models import Encounter

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 6, "decimal_places": 2}
ZERO = Decimal("0.00")
USER = settings.AUTH_USER_MODEL


class AssistancePolicy(TimestampedModel):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="fap_policies")
    name = models.CharField(max_length=120)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    asset_limit = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Empty: no asset test"
    )
    presumptive_sources = models.JSONField(
        default=list,
        blank=True,
        help_text=f"Any of: {', '.join(s.value for s in PresumptiveSource)}",
    )
    presumptive_discount = models.DecimalField(**PERCENT, default=Decimal(100))
    agb_percent = models.DecimalField(
        **PERCENT, null=True, blank=True, help_text="Amounts generally billed, % of gross charges"
    )
    agb_basis = models.CharField(
        max_length=200, blank=True, help_text="How the AGB % was set (look-back period, claims)"
    )
    plan_min_monthly = models.DecimalField(**MONEY, default=Decimal("25.00"))
    plan_max_months = models.PositiveSmallIntegerField(default=24)
    plan_down_percent = models.DecimalField(**PERCENT, default=ZERO)
    plan_down_minimum = models.DecimalField(**MONEY, default=ZERO)
    plan_apr_percent = models.DecimalField(**PERCENT, default=ZERO)
    plan_default_after = models.PositiveSmallIntegerField(default=3, help_text="Missed payments")
    plan_grace_days = models.PositiveSmallIntegerField(default=10)
    pos_collect_prior_balance = models.BooleanField(default=True)
    pos_deposit_percent = models.DecimalField(**PERCENT, default=ZERO)
    pos_deposit_cap = models.DecimalField(**MONEY, null=True, blank=True)
    pos_deposit_visit_kinds = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["facility__code", "-effective_from"]
        verbose_name_plural = "assistance policies"

    def __str__(self) -> str:
        return f"{self.name} from {self.effective_from.isoformat()}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors.add("effective_to", "before effective_from")
        unknown = sorted(set(self.presumptive_sources or []) - set(PresumptiveSource))
        if unknown:
            errors.add("presumptive_sources", f"unknown: {', '.join(unknown)}")
        for name in (
            "presumptive_discount",
            "agb_percent",
            "plan_down_percent",
            "pos_deposit_percent",
        ):
            value = getattr(self, name)
            if value is not None and not ZERO <= value <= 100:
                errors.add(name, f"{value} is not between 0 and 100")
        if self.plan_min_monthly is not None and self.plan_min_monthly <= 0:
            errors.add("plan_min_monthly", "must be positive")
        errors.raise_if_any()


class DiscountTier(models.Model):
    policy = models.ForeignKey(AssistancePolicy, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=60)
    max_percent = models.DecimalField(**PERCENT, help_text="Income at or below this % of poverty")
    discount_percent = models.DecimalField(**PERCENT)

    class Meta:
        ordering = ["policy_id", "max_percent"]

    def __str__(self) -> str:
        return f"{self.name}: <= {self.max_percent}% of poverty, {self.discount_percent}% off"


class PovertyGuideline(TimestampedModel):
    year = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=12, choices=[(r.value, r.value) for r in Region])
    first_person = models.DecimalField(**MONEY)
    each_additional = models.DecimalField(**MONEY)
    source = models.CharField(max_length=200, help_text="The Federal Register notice")

    class Meta:
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="guideline_year_region")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region}"


class ApplicationStatus(models.TextChoices):
    INCOMPLETE = "incomplete", "Incomplete"
    PENDING = "pending", "Pending decision"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class AssistanceApplication(TimestampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="fap_applications")
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy = models.ForeignKey(AssistancePolicy, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    received_on = models.DateField()
    year = models.PositiveSmallIntegerField(help_text="Poverty guideline year used")
    household_size = models.PositiveSmallIntegerField()
    annual_income = models.DecimalField(**MONEY)
    region = models.CharField(max_length=12, default=Region.CONTIGUOUS)
    assets = models.DecimalField(**MONEY, null=True, blank=True)
    presumptive = models.JSONField(default=list, blank=True)
    screening_status = models.CharField(max_length=14)
    screening_tier = models.CharField(max_length=60, blank=True)
    percent_of_poverty = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(**PERCENT, default=ZERO)
    screening_reason = models.TextField(blank=True)
    first_statement_on = models.DateField(
        null=True, blank=True, help_text="First post-discharge billing statement (501(r) clock)"
    )
    eca_notice_sent_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    gross_charges = models.DecimalField(**MONEY, null=True, blank=True)
    amount_due = models.DecimalField(**MONEY, null=True, blank=True)
    agb_capped = models.BooleanField(default=False)
    charge_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        permissions = [
            ("decide_application", "Can approve or deny a financial assistance application")
        ]

    def __str__(self) -> str:
        return f"Assistance application #{self.pk}"


class DocumentKind(models.TextChoices):
    PAY_STUB = "pay_stub", "Pay stub"
    TAX_RETURN = "tax_return", "Tax return"
    BENEFIT_LETTER = "benefit_letter", "Benefit letter (Medicaid, SNAP...)"
    BANK_STATEMENT = "bank_statement", "Bank statement"
    ATTESTATION = "attestation", "Signed attestation"
    OTHER = "other", "Other"


class ApplicationDocument(TimestampedModel):
    application = models.ForeignKey(
        AssistanceApplication, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    reference = models.CharField(
        max_length=120, help_text="Where the document is kept (scan id...)"
    )
    received_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["application_id", "received_on", "pk"]

    def __str__(self) -> str:
        return f"Document #{self.pk}"


class CollectionAction(TimestampedModel):
    """An extraordinary collection action (26 CFR 1.501(r)-6(b)), recorded once 501(r) allows it."""

    class Kind(models.TextChoices):
        AGENCY = "agency", "Sold or referred to a collection agency"
        CREDIT_REPORT = "credit_report", "Reported to a credit bureau"
        LEGAL = "legal", "Legal or judicial process"
        DEFER_CARE = "defer_care", "Deferring care for an unpaid bill"

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="collection_actions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    taken_on = models.DateField()
    reason = models.CharField(max_length=300, help_text="Why 501(r) allowed it")
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-taken_on", "-pk"]

    def __str__(self) -> str:
        return f"Collection action #{self.pk}"


class PlanState(models.TextChoices):
    CURRENT = "current", "Current"
    PAST_DUE = "past_due", "Past due"
    DEFAULTED = "defaulted", "Defaulted"
    PAID_OFF = "paid_off", "Paid off"
    CANCELLED = "cancelled", "Cancelled"


class PaymentPlan(TimestampedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="payment_plans")
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy = models.ForeignKey(AssistancePolicy, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=PlanState.choices, default=PlanState.CURRENT)
    balance = models.DecimalField(**MONEY, help_text="The balance the plan was made for")
    down_payment = models.DecimalField(**MONEY, default=ZERO)
    financed = models.DecimalField(**MONEY)
    months = models.PositiveSmallIntegerField()
    monthly_payment = models.DecimalField(**MONEY)
    apr_percent = models.DecimalField(**PERCENT, default=ZERO)
    first_due = models.DateField()
    version = models.PositiveSmallIntegerField(default=1, help_text="Raised by each recalculation")
    version_started_at = models.DateTimeField(
        null=True, blank=True, help_text="Payments from then on go to the current schedule"
    )
    missed = models.PositiveSmallIntegerField(default=0)
    past_due_amount = models.DecimalField(**MONEY, default=ZERO)
    paid = models.DecimalField(**MONEY, default=ZERO)
    status_on = models.DateField(null=True, blank=True, help_text="When the state was computed")
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Payment plan #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state not in (PlanState.PAID_OFF, PlanState.CANCELLED)


class PlanInstallment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="installments")
    version = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    due = models.DateField()
    amount = models.DecimalField(**MONEY)
    principal = models.DecimalField(**MONEY)
    interest = models.DecimalField(**MONEY, default=ZERO)

    class Meta:
        ordering = ["plan_id", "version", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "version", "number"], name="installment_number_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Installment {self.number} of plan #{self.plan_id}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Credit or debit card"
    CHECK = "check", "Check"
    HSA = "hsa", "HSA/FSA card"
    ACH = "ach", "Bank transfer"


class PlanPayment(TimestampedModel):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=80, blank=True)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan_id", "paid_on", "pk"]

    def __str__(self) -> str:
        return f"Plan payment #{self.pk}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.amount is not None and self.amount <= 0:
            errors.add("amount", f"{self.amount} must be positive")
        errors.raise_if_any()


class PosKind(models.TextChoices):
    COPAY = "copay", "Copay"
    PRIOR_BALANCE = "prior_balance", "Prior balance"
    DEPOSIT = "deposit", "Deposit"
    OTHER = "other", "Other"


class PosPayment(TimestampedModel):
    """Money taken at check-in, with its method and receipt."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="pos_payments")
    kind = models.CharField(max_length=14, choices=PosKind.choices)
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(
        max_length=80, blank=True, help_text="Card authorization, check no."
    )
    receipt_number = models.CharField(max_length=40, unique=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["encounter_id", "received_at", "pk"]

    def __str__(self) -> str:
        return f"POS payment #{self.pk}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.amount is not None and self.amount <= 0:
            errors.add("amount", f"{self.amount} must be positive")
        errors.raise_if_any()
