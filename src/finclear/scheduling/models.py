"""The chargemaster, encounters (visits and admissions), their diagnoses and service lines."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from finclear.codes.icd10 import check_icd10
from finclear.codes.pos import PLACES_OF_SERVICE, check_place_of_service
from finclear.organizations.base import TimestampedModel
from finclear.organizations.models import Department, Facility, Provider
from finclear.organizations.validation import FieldErrors
from finclear.patients.models import Patient

MONEY = {"max_digits": 12, "decimal_places": 2}
MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4
_CPT_HCPCS = re.compile(r"^[0-9A-Z]{5}$")
_REVENUE_CODE = re.compile(r"^\d{4}$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")


class EncounterType(models.TextChoices):
    OUTPATIENT = "outpatient", "Outpatient"
    INPATIENT = "inpatient", "Inpatient"
    EMERGENCY = "emergency", "Emergency"


class EncounterStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ARRIVED = "arrived", "Arrived"
    DISCHARGED = "discharged", "Discharged"
    CANCELLED = "cancelled", "Cancelled"


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    EncounterStatus.SCHEDULED: frozenset({EncounterStatus.ARRIVED, EncounterStatus.CANCELLED}),
    EncounterStatus.ARRIVED: frozenset({EncounterStatus.DISCHARGED, EncounterStatus.CANCELLED}),
    EncounterStatus.DISCHARGED: frozenset(),
    EncounterStatus.CANCELLED: frozenset(),
}


def check_status_transition(errors: FieldErrors, before: str, after: str) -> None:
    if before != after and after not in ALLOWED_TRANSITIONS.get(before, frozenset()):
        allowed = sorted(ALLOWED_TRANSITIONS.get(before, frozenset()))
        hint = f"allowed: {', '.join(allowed)}" if allowed else f"{before} is final"
        errors.add("status", f"cannot go from {before} to {after} ({hint})")


def check_cpt_hcpcs(errors: FieldErrors, value: str, field: str = "cpt_hcpcs") -> None:
    if value and not _CPT_HCPCS.match(value):
        errors.add(field, f"{value!r} is not a CPT/HCPCS code (five letters or digits)")


class ChargemasterItem(TimestampedModel):
    """One line of a facility's chargemaster (CDM), valid from effective_date to end_date."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="chargemaster")
    code = models.CharField("CDM number", max_length=20)
    description = models.CharField(max_length=200)
    cpt_hcpcs = models.CharField("CPT/HCPCS", max_length=5, blank=True)
    revenue_code = models.CharField(max_length=4, help_text="UB-04 revenue code, 4 digits")
    standard_charge = models.DecimalField(**MONEY)
    effective_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="chargemaster"
    )

    class Meta:
        ordering = ["facility__code", "code", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "code", "effective_date"], name="cdm_code_per_facility_date"
            )
        ]
        indexes = [models.Index(fields=["facility", "cpt_hcpcs"], name="cdm_facility_cpt_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_cpt_hcpcs(errors, self.cpt_hcpcs)
        if self.revenue_code and not _REVENUE_CODE.match(self.revenue_code):
            errors.add("revenue_code", f"{self.revenue_code!r} is not four digits")
        if self.standard_charge is not None and self.standard_charge < 0:
            errors.add("standard_charge", f"{self.standard_charge} is negative")
        if self.end_date and self.effective_date and self.end_date < self.effective_date:
            errors.add(
                "end_date",
                f"{self.end_date.isoformat()} is before the effective date "
                f"{self.effective_date.isoformat()}",
            )
        if (
            self.department_id is not None
            and self.facility_id is not None
            and self.department.facility_id != self.facility_id
        ):
            errors.add("department", f"{self.department} is not a department of this facility")
        errors.raise_if_any()


class Encounter(TimestampedModel):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="encounters")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="encounters")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    rendering_provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="rendered_encounters"
    )
    attending_provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attended_encounters",
    )
    encounter_type = models.CharField(
        max_length=12, choices=EncounterType.choices, default=EncounterType.OUTPATIENT
    )
    scheduled_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=EncounterStatus.choices, default=EncounterStatus.SCHEDULED
    )
    place_of_service = models.CharField(
        max_length=2, help_text="CMS place-of-service code, e.g. 22 (on-campus outpatient)"
    )
    external_id = models.CharField(
        max_length=80, blank=True, help_text="The source system's appointment or visit ID"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "external_id"],
                condition=~Q(external_id=""),
                name="encounter_external_id_per_facility",
                violation_error_message="external_id: this facility already has an encounter "
                "with this external ID",
            )
        ]
        indexes = [
            models.Index(fields=["facility", "scheduled_at"], name="encounter_facility_when_idx"),
            models.Index(fields=["status", "scheduled_at"], name="encounter_status_when_idx"),
        ]

    def __str__(self) -> str:
        return f"Encounter #{self.pk}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Encounter:
        instance = super().from_db(db, field_names, values)
        instance.note_loaded()
        return instance

    def note_loaded(self) -> None:
        """What ``from_db`` adds to Django's: the status as read. The row builders of
        ``finclear.workqueue.rows`` call it when they build an instance without ``from_db``."""
        self._loaded_status = self.__dict__.get("status")

    @property
    def loaded_status(self) -> str | None:
        """The status as read from the database (None for a new encounter)."""
        return getattr(self, "_loaded_status", None)

    @property
    def place_of_service_name(self) -> str:
        place = PLACES_OF_SERVICE.get(self.place_of_service)
        return place.name if place else ""

    def clean(self) -> None:
        errors = FieldErrors()
        if (
            self.department_id is not None
            and self.facility_id is not None
            and self.department.facility_id != self.facility_id
        ):
            errors.add("department", f"{self.department} is not a department of this facility")
        if self.scheduled_at is not None and timezone.is_naive(self.scheduled_at):
            errors.add("scheduled_at", f"{self.scheduled_at.isoformat()} has no time zone")
        if self.place_of_service:
            errors.check("place_of_service", check_place_of_service, self.place_of_service)
        before = self.loaded_status
        if before is None:
            if self.status not in (EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED):
                errors.add("status", f"a new encounter cannot start as {self.status}")
        else:
            check_status_transition(errors, before, self.status)
        errors.raise_if_any()

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._loaded_status = self.status


class Diagnosis(TimestampedModel):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    sequence = models.PositiveSmallIntegerField(help_text="1 (principal) to 12")
    icd10_code = models.CharField(
        "ICD-10-CM code", max_length=8, help_text="Billable code, stored without the dot (E119)"
    )

    class Meta:
        ordering = ["encounter_id", "sequence"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "sequence"], name="diagnosis_sequence_per_encounter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sequence}: {self.icd10_code}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.sequence is not None and not 1 <= self.sequence <= MAX_DIAGNOSES:
            errors.add("sequence", f"{self.sequence} is not between 1 and {MAX_DIAGNOSES}")
        if self.icd10_code:
            normalized = errors.check("icd10_code", check_icd10, self.icd10_code)
            if normalized is not None:
                self.icd10_code = normalized
        errors.raise_if_any()


class ServiceLine(TimestampedModel):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="service_lines")
    line_number = models.PositiveSmallIntegerField()
    cpt_hcpcs = models.CharField("CPT/HCPCS", max_length=5)
    modifiers = models.JSONField(default=list, blank=True, help_text="Up to 4 two-character codes")
    units = models.DecimalField(max_digits=9, decimal_places=3, default=Decimal(1))
    diagnosis_pointers = models.JSONField(
        default=list, blank=True, help_text="1 to 4 diagnosis sequence numbers"
    )
    chargemaster_item = models.ForeignKey(
        ChargemasterItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_lines",
    )
    charge = models.DecimalField(
        **MONEY, blank=True, help_text="Chargemaster standard charge x units when left empty"
    )

    # The diagnosis sequences to check pointers against when they are not all saved yet (the
    # admin sets it from the diagnoses being edited on the same page); None: read the database.
    known_diagnosis_sequences: set[int] | None = None

    class Meta:
        ordering = ["encounter_id", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "line_number"], name="service_line_number_per_encounter"
            )
        ]

    def __str__(self) -> str:
        return f"Line {self.line_number}: {self.cpt_hcpcs}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_cpt_hcpcs(errors, self.cpt_hcpcs)
        if self.line_number is not None and self.line_number < 1:
            errors.add("line_number", f"{self.line_number} is not 1 or more")
        if self.units is not None and self.units <= 0:
            errors.add("units", f"{self.units} is not greater than 0")
        self._clean_modifiers(errors)
        self._clean_pointers(errors)
        self._clean_charge(errors)
        errors.raise_if_any()

    def _clean_modifiers(self, errors: FieldErrors) -> None:
        modifiers = self.modifiers
        if isinstance(modifiers, str):
            modifiers = [m.strip() for m in modifiers.split(",") if m.strip()]
        if not isinstance(modifiers, list):
            errors.add("modifiers", f"{modifiers!r} is not a list of modifiers")
            return
        bad = [m for m in modifiers if not isinstance(m, str) or not _MODIFIER.match(m.upper())]
        if bad:
            errors.add("modifiers", f"{bad!r}: each modifier is 2 letters or digits")
        if len(modifiers) > MAX_MODIFIERS:
            errors.add("modifiers", f"{len(modifiers)} modifiers; at most {MAX_MODIFIERS}")
        if not bad:
            self.modifiers = [m.upper() for m in modifiers]

    def _clean_pointers(self, errors: FieldErrors) -> None:
        pointers = self.diagnosis_pointers
        if not isinstance(pointers, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in pointers
        ):
            errors.add("diagnosis_pointers", f"{pointers!r} is not a list of whole numbers")
            return
        if len(pointers) > MAX_POINTERS:
            errors.add("diagnosis_pointers", f"{len(pointers)} pointers; at most {MAX_POINTERS}")
        if len(set(pointers)) != len(pointers):
            errors.add("diagnosis_pointers", f"{pointers} repeats a diagnosis")
        if not pointers:
            return
        existing = self.known_diagnosis_sequences
        if existing is None:
            existing = set()
            if self.encounter_id is not None:
                existing = set(
                    Diagnosis.objects.filter(encounter_id=self.encounter_id).values_list(
                        "sequence", flat=True
                    )
                )
        missing = [p for p in pointers if p not in existing]
        if missing:
            listed = ", ".join(str(p) for p in missing)
            errors.add(
                "diagnosis_pointers",
                f"no diagnosis with sequence {listed} on this encounter",
            )

    def _clean_charge(self, errors: FieldErrors) -> None:
        item = self.chargemaster_item if self.chargemaster_item_id is not None else None
        if (
            item is not None
            and self.encounter_id is not None
            and item.facility_id != self.encounter.facility_id
        ):
            errors.add("chargemaster_item", f"{item} belongs to another facility's chargemaster")
        if self.charge is None:
            if item is None:
                errors.add("charge", "required when the line has no chargemaster item")
            elif self.units is not None and self.units > 0:
                self.charge = build_line_charge(item.standard_charge, self.units)
        elif self.charge < 0:
            errors.add("charge", f"{self.charge} is negative")


def build_line_charge(standard_charge: Decimal, units: Decimal) -> Decimal:
    """Standard charge x units, to the cent (half up: no standard asks for banker's rounding)."""
    return (standard_charge * units).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
