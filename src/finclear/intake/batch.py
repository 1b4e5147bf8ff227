"""New rows of many records, written together: ``PendingBatch`` and ``do_write_batch``.

Records that only create rows (a new patient, coverage, encounter with its diagnoses and
lines) are validated one by one and queued; the queue is written with one ``bulk_create`` per
model, its audit events with one more, and the new encounters' clearance cases with
``do_ensure_cases``. ``bulk_create`` sends no signals, so what the receivers would have done
is done here: an audit event per row (the audit trail misses nothing), and the workqueue and
estimate receivers told which encounters to recompute when the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.registry import patient_ids_of
from finclear.audit.services import build_event
from finclear.audit.tracking import take_snapshot
from finclear.estimates import receivers as estimate_receivers
from finclear.intake.records import IntakeRecord
from finclear.patients.models import Coverage, Guarantor, Patient
from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine
from finclear.workqueue import receivers as case_receivers
from finclear.workqueue.services import do_ensure_cases

# Parents before children: each bulk insert finds its foreign keys' primary keys set.
WRITE_ORDER: tuple[type[models.Model], ...] = (
    Guarantor,
    Patient,
    Coverage,
    Encounter,
    Diagnosis,
    ServiceLine,
)
PENDING = "_intake_pending"


def is_pending(obj: models.Model) -> bool:
    """Queued by an earlier record of the batch, not written yet."""
    return bool(getattr(obj, PENDING, False))


@dataclass
class PendingRecord:
    record: IntakeRecord
    outcome: str
    objects: list[models.Model]
    patient_key: tuple[int, str] | None
    encounter_key: tuple[int, str] | None


@dataclass
class PendingBatch:
    records: list[PendingRecord] = field(default_factory=list)

    def add(self, pending: PendingRecord) -> None:
        for obj in pending.objects:
            setattr(obj, PENDING, True)
        self.records.append(pending)

    def __len__(self) -> int:
        return len(self.records)


def do_write_batch(batch: PendingBatch, snapshot: Any) -> None:
    """Insert the batch's rows in one savepoint; an IntegrityError rolls all of it back.

    ``snapshot(obj)`` is called for each written row, so the import sees it as loaded.
    """
    by_model: dict[type[models.Model], list[models.Model]] = {m: [] for m in WRITE_ORDER}
    guarantor_patients: dict[int, Patient] = {}
    for pending in batch.records:
        for obj in pending.objects:
            by_model[type(obj)].append(obj)
            if isinstance(obj, Patient) and obj.guarantor is not None:
                guarantor_patients[id(obj.guarantor)] = obj
    existing_patients = {id(c): c.patient for c in by_model[Coverage] if not is_pending(c.patient)}
    with transaction.atomic():
        for model in WRITE_ORDER:
            if by_model[model]:
                model._default_manager.bulk_create(by_model[model])
        written = [obj for model in WRITE_ORDER for obj in by_model[model]]
        patient_ids = patient_ids_of(o for o in written if not isinstance(o, Guarantor))
        for guarantor in by_model[Guarantor]:
            patient_ids[id(guarantor)] = guarantor_patients[id(guarantor)].pk
        AuditEvent.objects.bulk_create(
            build_event(AuditAction.CREATE, obj=obj, patient_id=patient_ids[id(obj)])
            for obj in written
        )
        encounter_ids = [e.pk for e in by_model[Encounter]]
        do_ensure_cases(encounter_ids)
        touched = set(encounter_ids)
        for coverage in by_model[Coverage]:
            if id(coverage) in existing_patients:
                touched.update(case_receivers.ENCOUNTER_OF["patients.Coverage"](coverage))
        case_receivers.mark(touched)
        estimate_receivers.mark(
            set(encounter_ids)
            | {
                pk
                for coverage in by_model[Coverage]
                if id(coverage) in existing_patients
                for pk in estimate_receivers.ENCOUNTER_OF["patients.Coverage"](coverage)
            }
        )
    for obj in written:
        setattr(obj, PENDING, False)
        take_snapshot(obj)
        snapshot(obj)
        if isinstance(obj, Encounter):
            obj._loaded_status = obj.status
