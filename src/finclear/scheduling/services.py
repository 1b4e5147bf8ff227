"""Writes for encounters, their diagnoses and service lines (each in one transaction).

``do_create_encounter`` is the one way to create an encounter: it validates it with its
diagnoses and lines and opens its clearance case. Bulk loaders that create encounters
otherwise call ``finclear.workqueue.services.do_ensure_cases`` afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finclear.organizations.models import Department, Facility, Provider
from finclear.organizations.validation import do_save_checked, set_fields
from finclear.patients.models import Patient
from finclear.scheduling.models import (
    ChargemasterItem,
    Diagnosis,
    Encounter,
    EncounterStatus,
    ServiceLine,
)
from finclear.scheduling.queries import find_chargemaster_item
from finclear.workqueue.services import do_ensure_case


@dataclass(frozen=True)
class ServiceLineInput:
    """A service line to add; with no chargemaster item, the facility's CDM line for the code
    on the visit date is used when there is one; with no charge, CDM charge x units."""

    cpt_hcpcs: str
    units: Decimal = Decimal(1)
    modifiers: Sequence[str] = ()
    diagnosis_pointers: Sequence[int] = ()
    chargemaster_item: ChargemasterItem | None = None
    charge: Decimal | None = None
    line_number: int | None = None


@transaction.atomic
def do_create_encounter(
    *,
    facility: Facility,
    department: Department,
    patient: Patient,
    rendering_provider: Provider,
    scheduled_at: dt.datetime,
    place_of_service: str,
    diagnoses: Sequence[str] = (),
    service_lines: Sequence[ServiceLineInput] = (),
    **fields: Any,
) -> Encounter:
    """Create an encounter with its diagnoses (in sequence order) and lines, and its case.

    Any error rolls everything back; errors of a diagnosis or a line are keyed
    ``diagnoses[i]`` / ``service_lines[i]`` and keep their field-named message.
    """
    encounter = Encounter(
        facility=facility,
        department=department,
        patient=patient,
        rendering_provider=rendering_provider,
        scheduled_at=scheduled_at,
        place_of_service=place_of_service,
        **fields,
    )
    do_save_checked(encounter)
    for index, code in enumerate(diagnoses):
        with _errors_under(f"diagnoses[{index}]"):
            do_add_diagnosis(encounter, code, sequence=index + 1)
    for index, line in enumerate(service_lines):
        with _errors_under(f"service_lines[{index}]"):
            do_add_service_line(encounter, line)
    do_ensure_case(encounter)
    return encounter


@transaction.atomic
def do_update_encounter(encounter: Encounter, **fields: Any) -> None:
    """Change an encounter's fields (status changes go through ``do_set_encounter_status``)."""
    if "status" in fields:
        raise ValidationError({"status": "status: use do_set_encounter_status"})
    set_fields(encounter, fields)
    do_save_checked(encounter)


@transaction.atomic
def do_set_encounter_status(encounter: Encounter, status: str) -> Encounter:
    """Move an encounter along scheduled -> arrived -> discharged, or to cancelled.

    The row is locked and re-read so two clerks cannot both move it from the same state.
    """
    if status not in EncounterStatus.values:
        raise ValidationError(
            {"status": f"status: {status!r} is not one of {', '.join(EncounterStatus.values)}"}
        )
    current = Encounter.objects.select_for_update().get(pk=encounter.pk)
    current.status = status
    do_save_checked(current, update_fields=["status", "updated_at"])
    encounter.status = current.status
    encounter._loaded_status = current.status
    return current


@transaction.atomic
def do_add_diagnosis(
    encounter: Encounter, icd10_code: str, sequence: int | None = None
) -> Diagnosis:
    """Add a diagnosis; without a sequence it goes after the last one."""
    if sequence is None:
        last = encounter.diagnoses.order_by("-sequence").values_list("sequence", flat=True).first()
        sequence = (last or 0) + 1
    diagnosis = Diagnosis(encounter=encounter, sequence=sequence, icd10_code=icd10_code)
    do_save_checked(diagnosis)
    return diagnosis


@transaction.atomic
def do_add_service_line(encounter: Encounter, line: ServiceLineInput) -> ServiceLine:
    line_number = line.line_number
    if line_number is None:
        last = (
            encounter.service_lines.order_by("-line_number")
            .values_list("line_number", flat=True)
            .first()
        )
        line_number = (last or 0) + 1
    item = line.chargemaster_item
    if item is None and line.charge is None:
        day = encounter.scheduled_at.astimezone(encounter.facility.zone).date()
        item = find_chargemaster_item(encounter.facility, line.cpt_hcpcs, day, encounter.department)
    service_line = ServiceLine(
        encounter=encounter,
        line_number=line_number,
        cpt_hcpcs=line.cpt_hcpcs,
        units=line.units,
        modifiers=list(line.modifiers),
        diagnosis_pointers=list(line.diagnosis_pointers),
        chargemaster_item=item,
        charge=line.charge,
    )
    do_save_checked(service_line)
    return service_line


@transaction.atomic
def do_create_chargemaster_item(facility: Facility, **fields: Any) -> ChargemasterItem:
    item = ChargemasterItem(facility=facility, **fields)
    do_save_checked(item)
    return item


@contextmanager
def _errors_under(prefix: str) -> Iterator[None]:
    """Re-key a ValidationError raised inside under a prefix (``service_lines[2]``)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {
                f"{prefix}.{name}": [f"{prefix}.{message}" for message in messages]
                for name, messages in exc.message_dict.items()
            }
        ) from exc
