"""Importing a parsed intake file into the database: ``do_import``.

Matching rules (docs/intake-csv.md): patient by (facility, MRN), coverage by (patient, order)
among active coverages, encounter by (facility, external ID). Reference data is matched, never
created. The rows the file's keys name are read in bulk first (``KnownRows``), reference data
once per distinct code (``ReferenceData``).

Each record is checked on its own and a bad one is reported, never half-written; the others are
kept. A record that only creates rows is validated and queued, and the queue is written in bulk
(``batch.do_write_batch``, audit events included). A record that changes existing rows is
written at once in its own savepoint, after the queue, so records still apply in file order. A
record that leaves everything as it is writes nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from finclear.audit.context import audit_context
from finclear.intake.batch import PendingBatch, PendingRecord, do_write_batch
from finclear.intake.known import EncounterKey, KnownRows, LineKeys, PatientKey, build_line_key
from finclear.intake.models import ImportRun
from finclear.intake.parsers import ParseResult, parse_file, source_field
from finclear.intake.records import (
    IntakeCoverage,
    IntakeEncounter,
    IntakeProblem,
    IntakeRecord,
    problem,
)
from finclear.intake.references import ReferenceData
from finclear.organizations.models import Department, Facility, Provider
from finclear.patients.models import Coverage, Guarantor, Patient
from finclear.payers.models import Payer, Plan
from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine
from finclear.scheduling.services import do_set_encounter_status
from finclear.workqueue.services import do_ensure_cases

BATCH_SIZE = 500
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
    display_name: str | None = None,
    facility_ids: Collection[int] | None = None,
    ip_address: str | None = None,
    request_path: str = "",
) -> ImportResult:
    """Parse ``path`` and import every good record; report the others. Never raises for bad data.

    ``facility_ids``: the facilities the user may write to (None: any); a record of another
    facility fails. ``display_name`` names the file in problems (an upload's own name).
    """
    path = Path(path)
    parsed = parse_file(path, file_format, display_name)
    started = timezone.now()
    result = ImportResult(file=parsed.file, format=parsed.format, dry_run=dry_run)
    result.problems.extend(parsed.problems)
    result.failed = parsed.failed
    with audit_context(user=user, channel=channel, ip_address=ip_address, path=request_path):
        try:
            with transaction.atomic():
                _import_records(parsed, result, facility_code, facility_ids)
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


def _import_records(
    parsed: ParseResult,
    result: ImportResult,
    facility_code: str,
    facility_ids: Collection[int] | None,
) -> None:
    importer = _Importer(facility_code, facility_ids)
    importer.do_prefetch(parsed.records)
    batch = PendingBatch()
    for record in parsed.records:
        try:
            pending = importer.plan_record(record)
        except RecordFailed as exc:
            _count_failure(result, exc)
            continue
        except _NeedsUpdate:
            _flush(importer, batch, result)
            _import_one(importer, record, result)
            continue
        if pending.objects:
            batch.add(pending)
            if len(batch) >= BATCH_SIZE:
                _flush(importer, batch, result)
        else:
            _count(result, pending.outcome)
    _flush(importer, batch, result)


def _flush(importer: _Importer, batch: PendingBatch, result: ImportResult) -> None:
    """Write the queued records together; if that fails, each again in its own savepoint."""
    if not batch.records:
        return
    records, batch.records = batch.records, []
    try:
        do_write_batch(PendingBatch(records), _remember_loaded)
    except IntegrityError:
        for pending in records:
            importer.known.forget(pending.patient_key, pending.encounter_key)
        for pending in records:
            _import_one(importer, pending.record, result)
        return
    for pending in records:
        _count(result, pending.outcome)


def _import_one(importer: _Importer, record: IntakeRecord, result: ImportResult) -> None:
    """One record written at once, in its own savepoint (rolled back alone if it fails)."""
    try:
        with transaction.atomic():
            outcome = importer.do_record(record)
    except RecordFailed as exc:
        _count_failure(result, exc)
        return
    _count(result, outcome)


def _count(result: ImportResult, outcome: str) -> None:
    setattr(result, outcome, getattr(result, outcome) + 1)


def _count_failure(result: ImportResult, exc: RecordFailed) -> None:
    result.failed += 1
    result.problems.extend(exc.problems)


class _NeedsUpdate(Exception):
    """The record changes rows that exist: it is written at once, not queued."""


class _Changes:
    """Tracks whether a record created or changed anything."""

    def __init__(self) -> None:
        self.created = False
        self.updated = False

    @property
    def outcome(self) -> str:
        return "created" if self.created else "updated" if self.updated else "unchanged"


class _Writer:
    """Validates and writes (or, when ``queued``, queues) one record's rows; tracks changes.

    Queued: only rows the record creates may be changed; changing any other row raises
    ``_NeedsUpdate`` before touching it, and the record is then written at once.
    """

    def __init__(self, record: IntakeRecord, queued: bool) -> None:
        self.record = record
        self.queued = queued
        self.changes = _Changes()
        self.new: list[models.Model] = []
        self.patient_key: PatientKey | None = None
        self.encounter_key: EncounterKey | None = None

    def is_new(self, obj: models.Model) -> bool:
        return any(obj is o for o in self.new)

    def create(self, obj: models.Model) -> models.Model:
        self.new.append(obj)
        return obj

    def assign(self, obj: models.Model, values: dict[str, Any]) -> None:
        if self.queued and not self.is_new(obj):
            if any(_differs(obj, name, value) for name, value in values.items()):
                raise _NeedsUpdate
            return
        if obj.pk is not None and not hasattr(obj, "_intake_loaded"):
            _remember_loaded(obj)
        for name, value in values.items():
            setattr(obj, name, value)

    def save(self, obj: models.Model, where: str) -> None:
        """Validate (``full_clean``) and save an object if it is new or changed; report failures."""
        is_new = self.is_new(obj)
        # Queued, ``assign`` has refused any change to a row the record did not create.
        if not is_new and (self.queued or obj.pk is None or not _changed_fields(obj)):
            return
        try:
            _validate(obj, full=not self.queued)
            if not self.queued:
                obj.save()
        except ValidationError as exc:
            raise RecordFailed(_validation_problems(self.record, where, exc, obj)) from exc
        except IntegrityError as exc:
            raise RecordFailed(
                [
                    _record_problem(
                        self.record, where, f"conflicts with existing data ({type(exc).__name__})"
                    )
                ]
            ) from exc
        if is_new and where in {"patient", "encounter"}:
            self.changes.created = True
        else:
            self.changes.updated = True
        if not self.queued:
            _remember_loaded(obj)
            if is_new:
                self.new.remove(obj)


def _validate(obj: models.Model, full: bool) -> None:
    """The model's own checks; foreign keys hold rows this import read or queued.

    A queued row skips the uniqueness queries too: the import matched it by its key, and the
    database's constraints still refuse a clash (the batch is then written row by row).
    """
    exclude = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=exclude, validate_unique=full, validate_constraints=full)


class _Importer:
    def __init__(self, default_facility: str, facility_ids: Collection[int] | None) -> None:
        self.default_facility = default_facility
        self.facility_ids = None if facility_ids is None else frozenset(facility_ids)
        self.refs = ReferenceData()
        self.known = KnownRows()

    def do_prefetch(self, records: list[IntakeRecord]) -> None:
        patients: set[PatientKey] = set()
        encounters: set[EncounterKey] = set()
        for record in records:
            facility = self.refs.facility(record.facility_code or self.default_facility or "")
            if facility is None:
                continue
            patients.add((facility.pk, record.patient.mrn))
            if record.encounter is not None:
                encounters.add((facility.pk, record.encounter.external_id))
        self.known.do_prefetch(patients, encounters)

    def plan_record(self, record: IntakeRecord) -> PendingRecord:
        """Check the record and queue the rows it creates; ``_NeedsUpdate`` if it changes any."""
        writer = _Writer(record, queued=True)
        try:
            self._write(record, writer)
        except (RecordFailed, _NeedsUpdate):
            self._forget_new(writer)
            raise
        return PendingRecord(
            record, writer.changes.outcome, writer.new, writer.patient_key, writer.encounter_key
        )

    def do_record(self, record: IntakeRecord) -> str:
        writer = _Writer(record, queued=False)
        try:
            self._write(record, writer)
        except RecordFailed:
            self.known.forget(writer.patient_key, writer.encounter_key)
            raise
        return writer.changes.outcome

    def _forget_new(self, writer: _Writer) -> None:
        """Unlist the rows a record queued before it stopped; earlier records' stay listed."""
        for obj in writer.new:
            if isinstance(obj, Patient):
                self.known.forget(writer.patient_key, None)
            elif isinstance(obj, Encounter):
                self.known.forget(None, writer.encounter_key)
            elif isinstance(obj, Coverage) and writer.patient_key is not None:
                listed = self.known.active_coverages(writer.patient_key)
                if listed.get(obj.order) is obj:
                    self.known.drop_coverage(writer.patient_key, obj.order)

    def _write(self, record: IntakeRecord, writer: _Writer) -> None:
        problems: list[IntakeProblem] = []

        def report(field_path: str, message: str) -> None:
            problems.append(_record_problem(record, field_path, message))

        facility = self._facility(record, report)
        if facility is None:
            raise RecordFailed(problems)
        refs = _References(self.refs, facility, record, report)
        if problems:
            raise RecordFailed(problems)
        patient = self._patient(facility, record, writer)
        self._guarantor(patient, record, writer)
        for index, coverage in enumerate(record.coverages):
            self._coverage(patient, index, coverage, refs, writer)
        if record.encounter is not None:
            self._encounter(facility, patient, record, refs, writer, report)
            if problems:
                raise RecordFailed(problems)

    def _facility(
        self, record: IntakeRecord, report: Callable[[str, str], None]
    ) -> Facility | None:
        code = record.facility_code or self.default_facility
        if not code:
            report("facility_code", "no facility in the record; give one with --facility")
            return None
        found = self.refs.facility(code)
        if found is None:
            report("facility_code", f"no facility with code {code}")
        elif self.facility_ids is not None and found.pk not in self.facility_ids:
            report("facility_code", f"{code} is not one of your facilities")
            return None
        return found

    def _patient(self, facility: Facility, record: IntakeRecord, writer: _Writer) -> Patient:
        key = (facility.pk, record.patient.mrn)
        writer.patient_key = key
        patient = self.known.patient(key)
        values = record.patient.model_dump()
        if patient is None:
            patient = writer.create(Patient(facility=facility, **values))
            self.known.add_patient(key, patient)
        else:
            writer.assign(patient, {k: v for k, v in values.items() if v not in ("", None)})
        writer.save(patient, "patient")
        return patient

    def _guarantor(self, patient: Patient, record: IntakeRecord, writer: _Writer) -> None:
        incoming = record.guarantor
        if incoming is None:
            return
        if incoming.relationship_to_patient == "self":
            if patient.guarantor is not None:
                writer.assign(patient, {"guarantor": None})
                writer.save(patient, "patient")
            return
        guarantor = patient.guarantor or writer.create(Guarantor())
        writer.assign(guarantor, incoming.model_dump())
        writer.save(guarantor, "guarantor")
        if patient.guarantor is not guarantor:
            writer.assign(patient, {"guarantor": guarantor})
            writer.save(patient, "patient")

    def _coverage(
        self,
        patient: Patient,
        index: int,
        incoming: IntakeCoverage,
        refs: _References,
        writer: _Writer,
    ) -> None:
        payer, plan = refs.coverages[index]
        key = writer.patient_key
        assert key is not None
        current = self.known.active_coverages(key).get(incoming.order)
        values = incoming.model_dump(exclude={"payer_id", "payer_name", "plan_code", "self_pay"})
        if values["effective_date"] is None:
            values["effective_date"] = current.effective_date if current else timezone.localdate()
        if current is not None and current.payer_id != payer.pk:
            writer.assign(current, {"is_active": False})
            writer.save(current, f"coverages.{index}")
            self.known.drop_coverage(key, incoming.order)
            current = None
        coverage = current or writer.create(Coverage(patient=patient))
        writer.assign(coverage, {**values, "payer": payer, "plan": plan})
        writer.save(coverage, f"coverages.{index}")
        if current is None:
            self.known.add_coverage(key, coverage)

    def _encounter(
        self,
        facility: Facility,
        patient: Patient,
        record: IntakeRecord,
        refs: _References,
        writer: _Writer,
        report: Callable[[str, str], None],
    ) -> None:
        incoming = record.encounter
        assert incoming is not None
        key = (facility.pk, incoming.external_id)
        encounter = self.known.encounter(key)
        if encounter is not None and not _belongs_to(encounter, patient):
            report("encounter.external_id", f"{incoming.external_id} belongs to another patient")
            return
        writer.encounter_key = key
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
            encounter = writer.create(
                Encounter(
                    facility=facility,
                    patient=patient,
                    external_id=incoming.external_id,
                    status=incoming.status or "scheduled",
                )
            )
        writer.assign(encounter, values)
        writer.save(encounter, "encounter")
        if not is_new and incoming.status and incoming.status != encounter.status:
            if writer.queued:
                raise _NeedsUpdate
            with _reported(record, "encounter.status"):
                do_set_encounter_status(encounter, incoming.status)
            _remember_loaded(encounter)
            writer.changes.updated = True
        lines = self._lines(facility, encounter, incoming, key, is_new, writer)
        if lines is not None:
            if not is_new:
                writer.changes.updated = True
            self.known.add_encounter(key, encounter, lines)
        elif is_new:
            self.known.add_encounter(key, encounter, ([], []))
        if is_new and not writer.queued:
            do_ensure_cases([encounter.pk])

    def _lines(
        self,
        facility: Facility,
        encounter: Encounter,
        incoming: IntakeEncounter,
        key: EncounterKey,
        is_new: bool,
        writer: _Writer,
    ) -> LineKeys | None:
        """Replace the diagnoses and service lines when they differ; their keys when they did."""
        wanted_dx = [(d.sequence, d.icd10_code) for d in incoming.diagnoses]
        wanted_lines = [
            build_line_key(s.line_number, s.cpt_hcpcs, s.modifiers, s.units, s.diagnosis_pointers)
            for s in incoming.service_lines
        ]
        if not is_new:
            if (wanted_dx, wanted_lines) == self.known.line_keys(key):
                return None
            if writer.queued:
                raise _NeedsUpdate
            encounter.service_lines.all().delete()
            encounter.diagnoses.all().delete()
        elif writer.queued and _repeats(wanted_dx, wanted_lines):
            raise _NeedsUpdate  # the database's constraint names the clash, row by row
        for index, (sequence, code) in enumerate(wanted_dx):
            diagnosis = writer.create(
                Diagnosis(encounter=encounter, sequence=sequence, icd10_code=code)
            )
            writer.save(diagnosis, f"encounter.diagnoses.{index}")
        sequences = {sequence for sequence, _ in wanted_dx}
        for index, line in enumerate(incoming.service_lines):
            item = None
            if line.charge is None:
                day = encounter.scheduled_at.astimezone(facility.zone).date()
                item = self.refs.chargemaster_item(
                    facility, line.cpt_hcpcs, day, encounter.department
                )
            service_line = ServiceLine(
                encounter=encounter,
                line_number=line.line_number,
                cpt_hcpcs=line.cpt_hcpcs,
                units=line.units,
                modifiers=list(line.modifiers),
                diagnosis_pointers=list(line.diagnosis_pointers),
                chargemaster_item=item,
                charge=line.charge,
            )
            service_line.known_diagnosis_sequences = sequences
            writer.save(writer.create(service_line), f"encounter.service_lines.{index}")
        return wanted_dx, wanted_lines


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    """Whether assigning ``value`` would change the row (a foreign key by its id: no query)."""
    field = obj._meta.get_field(name)
    if field.many_to_one:
        if value is not None and value.pk is None:
            return obj._state.fields_cache.get(name) is not value
        return bool(getattr(obj, field.attname) != (value.pk if value is not None else None))
    return not _same(getattr(obj, name), value)


def _belongs_to(encounter: Encounter, patient: Patient) -> bool:
    if encounter.patient_id is not None and patient.pk is not None:
        return bool(encounter.patient_id == patient.pk)
    return encounter._state.fields_cache.get("patient") is patient


def _repeats(dx: list[tuple[int, str]], lines: list[tuple[Any, ...]]) -> bool:
    """Two diagnoses with one sequence, or two lines with one number."""
    sequences = [s for s, _ in dx]
    numbers = [line[0] for line in lines]
    return len(set(sequences)) != len(sequences) or len(set(numbers)) != len(numbers)


class _References:
    """The reference data a record names, matched by code or identifier (never created)."""

    def __init__(
        self,
        refs: ReferenceData,
        facility: Facility,
        record: IntakeRecord,
        report: Callable[[str, str], None],
    ) -> None:
        self.department: Department | None = None
        self.rendering: Provider | None = None
        self.attending: Provider | None = None
        self.coverages: list[tuple[Payer, Plan | None]] = []
        for index, coverage in enumerate(record.coverages):
            payer = refs.payer(coverage)
            if payer is None:
                named = (
                    " / ".join(v for v in (coverage.payer_id, coverage.payer_name) if v)
                    or "self-pay"
                )
                report(f"coverages.{index}.payer_id", f"no payer with ID or name {named}")
                continue
            plan = None
            if coverage.plan_code:
                plan = refs.plan(payer, coverage.plan_code)
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
        self.department = refs.department(facility, encounter.department_code)
        if self.department is None:
            report(
                "encounter.department_code",
                f"no department {encounter.department_code} in facility {facility.code}",
            )
        self.rendering = refs.provider(encounter.rendering_provider_npi)
        if self.rendering is None:
            report(
                "encounter.rendering_provider_npi",
                f"no provider with NPI {encounter.rendering_provider_npi}",
            )
        if encounter.attending_provider_npi:
            self.attending = refs.provider(encounter.attending_provider_npi)
            if self.attending is None:
                report(
                    "encounter.attending_provider_npi",
                    f"no provider with NPI {encounter.attending_provider_npi}",
                )


def _remember_loaded(obj: models.Model) -> None:
    """Note the row's values as the database holds them, to tell later what changed."""
    obj._intake_loaded = _snapshot(obj)  # type: ignore[attr-defined]


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
    parts: list[int | str] = [int(p) if p.isascii() and p.isdigit() else p for p in path.split(".")]
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
