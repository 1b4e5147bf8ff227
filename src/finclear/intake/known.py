"""The rows an import matches its records to, read in bulk before the first record is written.

Patients by (facility, MRN), their active coverages by order, encounters by (facility,
external ID) with the keys of their diagnoses and service lines: a few queries per 500 keys
instead of several per record. A key that was never read (or was forgotten after a failed
record) is read on its own when asked for, so the answer is always what the database holds
plus what this import has written or queued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from finclear.patients.models import Coverage, Patient
from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine

CHUNK = 500
PatientKey = tuple[int, str]
EncounterKey = tuple[int, str]
LineKeys = tuple[list[tuple[int, str]], list[tuple[Any, ...]]]


def build_line_key(
    line_number: int, cpt_hcpcs: str, modifiers: Sequence[str], units: Any, pointers: Sequence[int]
) -> tuple[Any, ...]:
    """What makes two service lines the same for re-import: compared, never stored."""
    return (line_number, cpt_hcpcs, list(modifiers), Decimal(units), list(pointers))


class KnownRows:
    """What the database (and this import) holds for the keys of the file being imported."""

    def __init__(self) -> None:
        self.patients: dict[PatientKey, Patient | None] = {}
        self.coverages: dict[PatientKey, dict[int, Coverage]] = {}
        self.encounters: dict[EncounterKey, Encounter | None] = {}
        self.lines: dict[EncounterKey, LineKeys] = {}

    def do_prefetch(
        self, patient_keys: Iterable[PatientKey], encounter_keys: Iterable[EncounterKey]
    ) -> None:
        by_facility: dict[int, set[str]] = {}
        for facility_id, mrn in patient_keys:
            by_facility.setdefault(facility_id, set()).add(mrn)
        for facility_id, mrns in by_facility.items():
            for chunk in _chunks(sorted(mrns)):
                self._read_patients(facility_id, chunk)
        by_facility = {}
        for facility_id, external_id in encounter_keys:
            by_facility.setdefault(facility_id, set()).add(external_id)
        for facility_id, external_ids in by_facility.items():
            for chunk in _chunks(sorted(external_ids)):
                self._read_encounters(facility_id, chunk)

    def patient(self, key: PatientKey) -> Patient | None:
        if key not in self.patients:
            self._read_patients(key[0], [key[1]])
        return self.patients[key]

    def active_coverages(self, key: PatientKey) -> dict[int, Coverage]:
        """The patient's active coverages by order (empty for a patient not yet known)."""
        if key not in self.coverages:
            self.patient(key)
        return self.coverages.setdefault(key, {})

    def encounter(self, key: EncounterKey) -> Encounter | None:
        if key not in self.encounters:
            self._read_encounters(key[0], [key[1]])
        return self.encounters[key]

    def line_keys(self, key: EncounterKey) -> LineKeys:
        """The (sequence, code) of the encounter's diagnoses and the keys of its lines."""
        if key not in self.lines:
            self._read_encounters(key[0], [key[1]])
        return self.lines.get(key, ([], []))

    def add_patient(self, key: PatientKey, patient: Patient) -> None:
        self.patients[key] = patient
        self.coverages.setdefault(key, {})

    def add_coverage(self, key: PatientKey, coverage: Coverage) -> None:
        self.active_coverages(key)[coverage.order] = coverage

    def drop_coverage(self, key: PatientKey, order: int) -> None:
        self.active_coverages(key).pop(order, None)

    def add_encounter(self, key: EncounterKey, encounter: Encounter, lines: LineKeys) -> None:
        self.encounters[key] = encounter
        self.lines[key] = lines

    def forget(self, patient_key: PatientKey | None, encounter_key: EncounterKey | None) -> None:
        """Drop what a failed record may have changed in memory: read it again when asked."""
        if patient_key is not None:
            self.patients.pop(patient_key, None)
            self.coverages.pop(patient_key, None)
        if encounter_key is not None:
            self.encounters.pop(encounter_key, None)
            self.lines.pop(encounter_key, None)

    def _read_patients(self, facility_id: int, mrns: list[str]) -> None:
        found = {
            p.mrn: p
            for p in Patient.objects.filter(facility_id=facility_id, mrn__in=mrns).select_related(
                "guarantor"
            )
        }
        for mrn in mrns:
            self.patients[(facility_id, mrn)] = found.get(mrn)
            self.coverages[(facility_id, mrn)] = {}
        keys = {p.pk: (facility_id, p.mrn) for p in found.values()}
        if not keys:
            return
        for coverage in Coverage.objects.filter(patient_id__in=keys, is_active=True).order_by(
            "-pk"
        ):
            # Lowest pk last: it wins, as ``.first()`` over (patient, order, pk) would.
            self.coverages[keys[coverage.patient_id]][coverage.order] = coverage

    def _read_encounters(self, facility_id: int, external_ids: list[str]) -> None:
        found = {
            e.external_id: e
            for e in Encounter.objects.filter(facility_id=facility_id, external_id__in=external_ids)
        }
        for external_id in external_ids:
            self.encounters[(facility_id, external_id)] = found.get(external_id)
        keys = {e.pk: (facility_id, e.external_id) for e in found.values()}
        for key in keys.values():
            self.lines[key] = ([], [])
        if not keys:
            return
        diagnoses = (
            Diagnosis.objects.filter(encounter_id__in=keys)
            .order_by("encounter_id", "sequence")
            .values_list("encounter_id", "sequence", "icd10_code")
        )
        for encounter_id, sequence, code in diagnoses:
            self.lines[keys[encounter_id]][0].append((sequence, code))
        lines = (
            ServiceLine.objects.filter(encounter_id__in=keys)
            .order_by("encounter_id", "line_number")
            .values_list(
                "encounter_id",
                "line_number",
                "cpt_hcpcs",
                "modifiers",
                "units",
                "diagnosis_pointers",
            )
        )
        for encounter_id, number, code, modifiers, units, pointers in lines:
            self.lines[keys[encounter_id]][1].append(
                build_line_key(number, code, modifiers, units, pointers)
            )


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
