"""Authorization rules (editable in the admin), line requirements, and authorizations tracked
from request to decision, with their services, units and documentation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from finclear.organizations.base import TimestampedModel
from finclear.organizations.validation import FieldErrors
from finclear.patients.models import Coverage
from finclear.payers.models import Payer, Plan
from finclear.rules import authrules
from finclear.scheduling.models import Encounter, ServiceLine

UNITS = {"max_digits": 9, "decimal_places": 3}


class AuthorizationRule(TimestampedModel):
    """One requirement rule; the fields follow the rules file (docs/authorizations.md)."""

    rule_id = models.CharField("Rule ID", max_length=60, unique=True)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="auth_rules")
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auth_rules",
        help_text="Empty: the rule applies to every plan of the payer",
    )
    codes = models.TextField(
        blank=True, help_text="CPT/HCPCS codes and ranges separated by ';', e.g. 70551-70553;72148"
    )
    places_of_service = models.CharField(max_length=200, blank=True, help_text="e.g. 22;11")
    encounter_types = models.CharField(max_length=60, blank=True, help_text="e.g. outpatient")
    diagnoses = models.TextField(blank=True, help_text="ICD-10-CM prefixes, e.g. M17;M54.1")
    min_units = models.DecimalField(**UNITS, null=True, blank=True)
    requires = models.BooleanField(
        default=True, help_text="Unchecked: an exemption (the matched line needs no authorization)"
    )
    effective_date = models.DateField()
    expiration_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, help_text="Where the rule comes from")
    note = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["payer_id", "rule_id"]

    def __str__(self) -> str:
        return self.rule_id

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.rule_id,
            "payer": self.payer.primary_payer_id if self.payer_id else "",
            "plan": self.plan.code if self.plan_id else "",
            "codes": self.codes,
            "places_of_service": self.places_of_service,
            "encounter_types": self.encounter_types,
            "diagnoses": self.diagnoses,
            "min_units": self.min_units,
            "requires": self.requires,
            "effective": self.effective_date,
            "expires": self.expiration_date,
            "source": self.source,
            "note": self.note,
        }

    def to_rule(self) -> authrules.AuthRule:
        return authrules.build_rule(self.as_row())

    def clean(self) -> None:
        errors = FieldErrors()
        if self.plan_id and self.payer_id and self.plan.payer_id != self.payer_id:
            errors.add("plan", f"plan {self.plan.code} belongs to another payer")
        if self.payer_id and not self.payer.primary_payer_id:
            errors.add("payer", f"{self.payer} has no primary payer ID to key rules on")
        if not errors.errors:
            try:
                self.to_rule()
            except authrules.RuleRowError as exc:
                errors.add(_MODEL_FIELD.get(exc.field, exc.field), exc.problem)
        errors.raise_if_any()


_MODEL_FIELD = {"id": "rule_id", "effective": "effective_date", "expires": "expiration_date"}


class Requirement(models.TextChoices):
    REQUIRED = "required", "Required"
    NOT_REQUIRED = "not_required", "Not required"
    UNKNOWN = "unknown", "Unknown"


class LineRequirement(TimestampedModel):
    """The last evaluation of one service line: required or not, and what decided it."""

    service_line = models.OneToOneField(
        ServiceLine, on_delete=models.CASCADE, related_name="auth_requirement"
    )
    requirement = models.CharField(max_length=16, choices=Requirement.choices)
    reason = models.TextField()
    rule = models.ForeignKey(
        AuthorizationRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evaluated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Line requirement #{self.pk}"


class AuthorizationStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", "Not required"
    REQUIRED = "required", "Required, not requested"
    REQUESTED = "requested", "Requested"
    PENDED = "pended", "Pended (more information needed)"
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    DENIED = "denied", "Denied"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


APPROVED_STATUSES = frozenset(
    {AuthorizationStatus.APPROVED, AuthorizationStatus.PARTIALLY_APPROVED}
)
AWAITING_STATUSES = frozenset({AuthorizationStatus.REQUESTED, AuthorizationStatus.PENDED})
CLOSED_STATUSES = frozenset(
    {AuthorizationStatus.DENIED, AuthorizationStatus.EXPIRED, AuthorizationStatus.CANCELLED}
)


class Channel(models.TextChoices):
    X12_278 = "x12_278", "X12 278"
    FHIR_PAS = "fhir_pas", "FHIR Da Vinci PAS"
    PHONE = "phone", "Phone"
    PORTAL = "portal", "Payer portal"
    FAX = "fax", "Fax"


class Authorization(TimestampedModel):
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="authorizations")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="authorizations")
    encounter = models.ForeignKey(
        Encounter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authorizations",
        help_text="The encounter it was requested for (others may be billed under it)",
    )
    status = models.CharField(
        max_length=20, choices=AuthorizationStatus.choices, default=AuthorizationStatus.REQUIRED
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    certification_number = models.CharField(max_length=50, blank=True)
    request_reference = models.CharField(
        max_length=80, blank=True, help_text="Our trace: the 278 TRN or the PAS Claim identifier"
    )
    expedited = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    decision_code = models.CharField(max_length=3, blank=True, help_text="X12 HCR01 action code")
    reason_code = models.CharField(max_length=10, blank=True, help_text="X12 HCR03 reason")
    reason_text = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    obtained_from = models.CharField(
        max_length=200, blank=True, help_text="By phone or portal: who at the payer, reference"
    )
    obtained_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "decision_due_at"], name="auth_due_idx"),
            models.Index(fields=["status", "end_date"], name="auth_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"Authorization #{self.pk}"

    @property
    def is_approved(self) -> bool:
        return self.status in APPROVED_STATUSES

    def clean(self) -> None:
        errors = FieldErrors()
        if self.coverage_id is not None and self.payer_id is None:
            self.payer_id = self.coverage.payer_id
        if self.coverage_id is not None and self.payer_id != self.coverage.payer_id:
            errors.add("payer", "must be the coverage's payer")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.add("end_date", f"{self.end_date} is before the start date {self.start_date}")
        if self.status in APPROVED_STATUSES:
            if not (self.start_date and self.end_date):
                errors.add("start_date", "an approved authorization needs its date span")
            if not self.certification_number:
                errors.add("certification_number", "an approved authorization needs its number")
        for name in ("requested_at", "decided_at", "obtained_at", "decision_due_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                errors.add(name, f"{value.isoformat()} has no time zone")
        errors.raise_if_any()


class ServiceDecision(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    PARTIALLY_APPROVED = "partially_approved", "Partially approved"
    PENDED = "pended", "Pended"
    DENIED = "denied", "Denied"


class AuthorizationService(TimestampedModel):
    """A service the authorization asks for, and what the payer approved of it."""

    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="services"
    )
    service_line = models.ForeignKey(
        ServiceLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cpt_hcpcs = models.CharField("CPT/HCPCS", max_length=5)
    requested_units = models.DecimalField(**UNITS, default=Decimal(1))
    approved_units = models.DecimalField(
        **UNITS, null=True, blank=True, help_text="Empty: no unit limit (or not approved)"
    )
    decision = models.CharField(
        max_length=20, choices=ServiceDecision.choices, default=ServiceDecision.REQUESTED
    )
    decision_code = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["authorization_id", "pk"]

    def __str__(self) -> str:
        return f"{self.cpt_hcpcs} x {self.requested_units}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.requested_units is not None and self.requested_units <= 0:
            errors.add("requested_units", "must be positive")
        if self.approved_units is not None and self.approved_units < 0:
            errors.add("approved_units", "cannot be negative")
        errors.raise_if_any()


class AuthorizationUse(TimestampedModel):
    """A service line billed under an authorization: the units it consumed."""

    authorization = models.ForeignKey(Authorization, on_delete=models.CASCADE, related_name="uses")
    service_line = models.OneToOneField(
        ServiceLine, on_delete=models.CASCADE, related_name="authorization_use"
    )
    units = models.DecimalField(**UNITS)

    def __str__(self) -> str:
        return f"Use #{self.pk}"


class AuthorizationDocument(TimestampedModel):
    """A reference to supporting documentation (never the document itself)."""

    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=60, help_text="e.g. clinical notes, imaging report")
    reference = models.CharField(max_length=200, help_text="Document ID, fax number, portal ID")
    transmission = models.CharField(
        max_length=2,
        blank=True,
        help_text="X12 PWK02: EL electronic, FX fax, BM mail, AA available on request",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["authorization_id", "pk"]

    def __str__(self) -> str:
        return f"Document #{self.pk}"

    def clean(self) -> None:
        if self.transmission and self.transmission not in {"AA", "BM", "EL", "EM", "FT", "FX"}:
            raise ValidationError(
                {"transmission": f"transmission: {self.transmission!r} is not an X12 PWK02 code"}
            )
