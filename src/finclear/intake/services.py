"""Importing a parsed intake file into the database: ``do_import``.

Each record is written in its own savepoint: a record that fails (unknown reference data, a
model validation error) is rolled back alone and reported; the others are kept. Matching rules
(docs/intake-csv.md): patient by (facility, MRN), coverage by (patient, order) among active
coverages, encounter by (facility, external ID). Reference data is matched, never created.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from finclear.audit.context import audit_context
from finclear.intake.models import ImportRun
from finclear.intake.parsers import ParseResult, parse_file, source_field
from finclear.intake.records import (
    IntakeCoverage,
    IntakeEncounter,
    IntakeProblem,
    IntakeRecord,
    problem,
)
from finclear.organizations.models import Department, Facility, Provider
from finclear.patients.models import Coverage, Guarantor, Patient
from finclear.payers.models import Payer, PayerIdentifier, Plan
from finclear.scheduling.models import Encounter, ServiceLine
from finclear.scheduling.services import (
    ServiceLineInput,
    do_add_diagnosis,
    do_add_service_line,
    do_set_encounter_status,
)
from finclear.workqueue.services import do_ensure_cases

DEFAULT_PLACE_OF_SERVICE = {"outpatient": "22", "inpatient": "21", "emergency": "23"}
# Fields whose values are patient data: a message about them never shows the value.
PATIENT_DATA_FIELDS = frozenset(
    {
        "mrn",
        "first_name",
        "middle_name",
        "last_name",
        "date_of_birth",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
        "phone",
        "email",
        "member_id",
        "subscriber_first_name",
        "subscriber_last_name",
        "subscriber_date_of_birth",
        "subscriber_member_id",
    }
)


@dataclass
class ImportResult:
    file: str
    format: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list[IntakeProblem] = field(default_factory=list)
    dry_run: bool = False
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0


class RecordFailed(Exception):
    """A record cannot be imported; its savepoint is rolled back."""

    def __init__(self, problems: list[IntakeProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class _Rollback(Exception):
    """Raised at the end of a dry run to undo everything."""


def do_import(
    path: Path | str,
    *,
    user: Any = None,
    facility_code: str = "",
    dry_run: bool = False,
    channel: str = "cli",
    file_format: str | None = None,
) -> ImportResult:
    """Parse ``path`` and import every good record; report the others. Never raises for bad data."""
    path = Path(path)
    parsed = parse_file(path, file_format)
    started = timezone.now()
    result = ImportResult(file=parsed.file, format=parsed.format, dry_run=dry_run)
    result.problems.extend(parsed.problems)
    result.failed = parsed.failed
    with audit_context(user=user, channel=channel):
        try:
            with transaction.atomic():
                _import_records(parsed, result, facility_code)
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        if not dry_run:
            run = ImportRun.objects.create(
                file_name=parsed.file[:255],
                format=parsed.format,
                user=user if getattr(user, "is_authenticated", False) else None,
                channel=channel,
                started_at=started,
                finished_at=timezone.now(),
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                failed=result.failed,
                problems=[p.model_dump() for p in result.problems],
            )
            result.run_id = run.pk
    return result


def _import_records(parsed: ParseResult, result: ImportResult, facility_code: str) -> None:
    importer = _Importer(default_facility=facility_code)
    for record in parsed.records:
        try:
            with transaction.atomic():
                outcome = importer.do_record(record)
        except RecordFailed as exc:
            result.failed += 1
            result.problems.extend(exc.problems)
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)


class _Changes:
    """Tracks whether a record created or changed anything."""

    def __init__(self) -> None:
        self.created = False
        self.updated = False

    @property
    def outcome(self) -> str:
        return "created" if self.created else "updated" if self.updated else "unchanged"


class _Importer:
    def __init__(self, default_facility: str) -> None:
        self.default_facility = default_facility
        self.facilities: dict[str, Facility | None] = {}

    def do_record(self, record: IntakeRecord) -> str:
        problems: list[IntakeProblem] = []

        def report(field_path: str, message: str) -> None:
            problems.append(
                problem(
                    record.source.file,
                    record.source.location,
                    _source_field(record, field_path),
                    message,
                )
            )

        facility = self._facility(record, report)
        if facility is None:
            raise RecordFailed(problems)
        refs = _References(facility, record, report)
        if problems:
            raise RecordFailed(problems)
        changes = _Changes()
        save = _saver(record, changes)
        patient = self._patient(facility, record, save)
        self._guarantor(patient, record, save)
        for index, coverage in enumerate(record.coverages):
            self._coverage(patient, index, coverage, refs, save)
        if record.encounter is not None:
            self._encounter(facility, patient, record, refs, save, changes, report)
            if problems:
                raise RecordFailed(problems)
        return changes.outcome

    def _facility(
        self, record: IntakeRecord, report: Callable[[str, str], None]
    ) -> Facility | None:
        code = record.facility_code or self.default_facility
        if not code:
            report("facility_code", "no facility in the record; give one with --facility")
            return None
        if code not in self.facilities:
            self.facilities[code] = Facility.objects.filter(code__iexact=code).first()
        found = self.facilities[code]
        if found is None:
            report("facility_code", f"no facility with code {code}")
        return found

    def _patient(self, facility: Facility, record: IntakeRecord, save: _Save) -> Patient:
        patient = Patient.objects.filter(facility=facility, mrn=record.patient.mrn).first()
        values = record.patient.model_dump()
        if patient is None:
            patient = Patient(facility=facility, **values)
        else:
            _assign(patient, {k: v for k, v in values.items() if v not in ("", None)})
        save(patient, "patient")
        return patient

    def _guarantor(self, patient: Patient, record: IntakeRecord, save: _Save) -> None:
        incoming = record.guarantor
        if incoming is None:
            return
        if incoming.relationship_to_patient == "self":
            if patient.guarantor_id is not None:
                patient.guarantor = None
                save(patient, "patient")
            return
        guarantor = patient.guarantor or Guarantor()
        _assign(guarantor, incoming.model_dump())
        save(guarantor, "guarantor")
        if patient.guarantor_id != guarantor.pk:
            patient.guarantor = guarantor
            save(patient, "patient")

    def _coverage(
        self, patient: Patient, index: int, incoming: IntakeCoverage, refs: _References, save: _Save
    ) -> None:
        payer, plan = refs.coverages[index]
        current = Coverage.objects.filter(
            patient=patient, order=incoming.order, is_active=True
        ).first()
        values = incoming.model_dump(exclude={"payer_id", "payer_name", "plan_code", "self_pay"})
        if values["effective_date"] is None:
            values["effective_date"] = current.effective_date if current else timezone.localdate()
        if current is not None and current.payer_id != payer.pk:
            current.is_active = False
            save(current, f"coverages.{index}")
            current = None
        coverage = current or Coverage(patient=patient)
        _assign(coverage, {**values, "payer": payer, "plan": plan})
        save(coverage, f"coverages.{index}")

    def _encounter(
        self,
        facility: Facility,
        patient: Patient,
        record: IntakeRecord,
        refs: _References,
        save: _Save,
        changes: _Changes,
        report: Callable[[str, str], None],
    ) -> None:
        incoming = record.encounter
        assert incoming is not None
        encounter = Encounter.objects.filter(
            facility=facility, external_id=incoming.external_id
        ).first()
        if encounter is not None and encounter.patient_id != patient.pk:
            report("encounter.external_id", f"{incoming.external_id} belongs to another patient")
            return
        is_new = encounter is None
        scheduled_at = incoming.scheduled_at
        if timezone.is_naive(scheduled_at):
            scheduled_at = scheduled_at.replace(tzinfo=zoneinfo.ZoneInfo(facility.time_zone))
        values: dict[str, Any] = {
            "department": refs.department,
            "rendering_provider": refs.rendering,
            "attending_provider": refs.attending,
            "encounter_type": incoming.encounter_type,
            "scheduled_at": scheduled_at,
            "place_of_service": incoming.place_of_service
            or DEFAULT_PLACE_OF_SERVICE[incoming.encounter_type],
            "reason": incoming.reason,
        }
        if encounter is None:
            encounter = Encounter(
                facility=facility,
                patient=patient,
                external_id=incoming.external_id,
                status=incoming.status or "scheduled",
            )
        _assign(encounter, values)
        save(encounter, "encounter")
        if not is_new and incoming.status and incoming.status != encounter.status:
            with _reported(record, "encounter.status"):
                do_set_encounter_status(encounter, incoming.status)
            changes.updated = True
        if self._lines(encounter, incoming, is_new, record) and not is_new:
            changes.updated = True
        if is_new:
            do_ensure_cases([encounter.pk])

    def _lines(
        self, encounter: Encounter, incoming: IntakeEncounter, is_new: bool, record: IntakeRecord
    ) -> bool:
        """Replace the diagnoses and service lines when they differ; True when they did."""
        wanted_dx = [(d.sequence, d.icd10_code) for d in incoming.diagnoses]
        wanted_lines = [
            (s.line_number, s.cpt_hcpcs, s.modifiers, Decimal(s.units), s.diagnosis_pointers)
            for s in incoming.service_lines
        ]
        if not is_new:
            current_dx = list(
                encounter.diagnoses.order_by("sequence").values_list("sequence", "icd10_code")
            )
            current_lines = [
                _line_key(line) for line in encounter.service_lines.order_by("line_number")
            ]
            if wanted_dx == current_dx and wanted_lines == current_lines:
                return False
            encounter.service_lines.all().delete()
            encounter.diagnoses.all().delete()
        for index, (sequence, code) in enumerate(wanted_dx):
            with _reported(record, f"encounter.diagnoses.{index}"):
                do_add_diagnosis(encounter, code, sequence=sequence)
        for index, line in enumerate(incoming.service_lines):
            with _reported(record, f"encounter.service_lines.{index}"):
                do_add_service_line(
                    encounter,
                    ServiceLineInput(
                        cpt_hcpcs=line.cpt_hcpcs,
                        units=line.units,
                        modifiers=tuple(line.modifiers),
                        diagnosis_pointers=tuple(line.diagnosis_pointers),
                        charge=line.charge,
                        line_number=line.line_number,
                    ),
                )
        return True


class _References:
    """The reference data a record names, matched by code or identifier (never created)."""

    def __init__(
        self, facility: Facility, record: IntakeRecord, report: Callable[[str, str], None]
    ) -> None:
        self.department: Department | None = None
        self.rendering: Provider | None = None
        self.attending: Provider | None = None
        self.coverages: list[tuple[Payer, Plan | None]] = []
        for index, coverage in enumerate(record.coverages):
            payer = _find_payer(coverage)
            if payer is None:
                named = (
                    " / ".join(v for v in (coverage.payer_id, coverage.payer_name) if v)
                    or "self-pay"
                )
                report(f"coverages.{index}.payer_id", f"no payer with ID or name {named}")
                continue
            plan = None
            if coverage.plan_code:
                plan = Plan.objects.filter(payer=payer, code__iexact=coverage.plan_code).first()
                if plan is None:
                    report(
                        f"coverages.{index}.plan_code",
                        f"no plan {coverage.plan_code} for payer {payer.name}",
                    )
                    continue
            self.coverages.append((payer, plan))
        encounter = record.encounter
        if encounter is None:
            return
        self.department = Department.objects.filter(
            facility=facility, code__iexact=encounter.department_code
        ).first()
        if self.department is None:
            report(
                "encounter.department_code",
                f"no department {encounter.department_code} in facility {facility.code}",
            )
        self.rendering = _find_provider(
            encounter.rendering_provider_npi, "encounter.rendering_provider_npi", report
        )
        if encounter.attending_provider_npi:
            self.attending = _find_provider(
                encounter.attending_provider_npi, "encounter.attending_provider_npi", report
            )


def _find_payer(coverage: IntakeCoverage) -> Payer | None:
    active = Payer.objects.filter(is_active=True)
    if coverage.self_pay:
        return active.filter(payer_type="self_pay").order_by("pk").first()
    if coverage.payer_id:
        identifier = (
            PayerIdentifier.objects.filter(
                identifier__iexact=coverage.payer_id, payer__is_active=True
            )
            .select_related("payer")
            .first()
        )
        if identifier is not None:
            return identifier.payer
        by_primary = active.filter(primary_payer_id__iexact=coverage.payer_id).first()
        if by_primary is not None:
            return by_primary
    if coverage.payer_name:
        return active.filter(name__iexact=coverage.payer_name).first()
    return None


def _find_provider(
    npi: str, field_path: str, report: Callable[[str, str], None]
) -> Provider | None:
    provider = Provider.objects.filter(npi=npi).first()
    if provider is None:
        report(field_path, f"no provider with NPI {npi}")
    return provider


_Save = Callable[[models.Model, str], None]


def _saver(record: IntakeRecord, changes: _Changes) -> _Save:
    """Validate (``full_clean``) and save an object if it is new or changed; report failures."""

    def save(obj: models.Model, where: str) -> None:
        is_new = obj.pk is None
        if not is_new and not _changed_fields(obj):
            return
        try:
            obj.full_clean()
            obj.save()
        except ValidationError as exc:
            raise RecordFailed(_validation_problems(record, where, exc, obj)) from exc
        except IntegrityError as exc:
            raise RecordFailed(
                [
                    _record_problem(
                        record, where, f"conflicts with existing data ({type(exc).__name__})"
                    )
                ]
            ) from exc
        if is_new and where in {"patient", "encounter"}:
            changes.created = True
        else:
            changes.updated = True
        obj._intake_loaded = _snapshot(obj)  # type: ignore[attr-defined]

    return save


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _changed_fields(obj: models.Model) -> list[str]:
    loaded = getattr(obj, "_intake_loaded", None)
    if loaded is None:
        loaded = _snapshot(type(obj)._default_manager.get(pk=obj.pk))
    now = _snapshot(obj)
    ignored = {"created_at", "updated_at"}
    return [
        name
        for name, value in now.items()
        if name not in ignored and not _same(loaded.get(name), value)
    ]


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return old == new
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:
            return False
    return bool(old == new)


def _assign(obj: models.Model, values: dict[str, Any]) -> None:
    if obj.pk is not None and not hasattr(obj, "_intake_loaded"):
        obj._intake_loaded = _snapshot(obj)  # type: ignore[attr-defined]
    for name, value in values.items():
        setattr(obj, name, value)


def _line_key(line: ServiceLine) -> tuple[Any, ...]:
    return (
        line.line_number,
        line.cpt_hcpcs,
        list(line.modifiers),
        Decimal(line.units),
        list(line.diagnosis_pointers),
    )


@contextmanager
def _reported(record: IntakeRecord, where: str) -> Iterator[None]:
    """Turn a service's ValidationError into this record's problems, named by source field."""
    try:
        yield
    except ValidationError as exc:
        problems = [
            _record_problem(
                record,
                where if name == "__all__" else f"{where}.{name}",
                _redact(name, message, None),
            )
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
        raise RecordFailed(problems) from exc


def _validation_problems(
    record: IntakeRecord, where: str, exc: ValidationError, obj: models.Model
) -> list[IntakeProblem]:
    problems = []
    for name, messages in exc.message_dict.items():
        path = where if name == "__all__" else f"{where}.{name}"
        value = getattr(obj, name, None) if name != "__all__" else None
        for message in messages:
            problems.append(_record_problem(record, path, _redact(name, message, value)))
    return problems


def _redact(name: str, message: str, value: Any) -> str:
    """Drop a patient-data value from a model's message (``date_of_birth: 2031-01-01 is ...``)."""
    message = message.removeprefix(f"{name}: ")
    if name in PATIENT_DATA_FIELDS and value not in (None, ""):
        shown = value.isoformat() if isinstance(value, dt.date) else str(value)
        message = message.replace(shown, "the value")
    return message


def _record_problem(record: IntakeRecord, path: str, message: str) -> IntakeProblem:
    return problem(record.source.file, record.source.location, _source_field(record, path), message)


def _source_field(record: IntakeRecord, path: str) -> str:
    """Name a model field path the way the source file names it."""
    parts: list[int | str] = [int(p) if p.isdigit() else p for p in path.split(".")]
    parts = _model_to_record(parts)
    return source_field(record, tuple(parts))


_MODEL_TO_RECORD = {
    "department": "department_code",
    "rendering_provider": "rendering_provider_npi",
    "attending_provider": "attending_provider_npi",
    "payer": "payer_id",
    "plan": "plan_code",
}


def _model_to_record(parts: list[int | str]) -> list[int | str]:
    return [_MODEL_TO_RECORD.get(p, p) if isinstance(p, str) else p for p in parts]
