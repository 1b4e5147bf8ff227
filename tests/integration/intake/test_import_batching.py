"""Queued (bulk) writes behave like one record at a time: order, failures, audit, fallback."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.intake import services
from finclear.intake.services import do_import

pytestmark = pytest.mark.django_db

BASE = {
    "facility_code": "NORTH",
    "mrn": "MRN900001",
    "last_name": "Batchson",
    "first_name": "Ida",
    "date_of_birth": "1970-05-05",
    "sex": "F",
    "phone": "217-555-0100",
    "primary_payer_id": "ZZ301",
    "primary_plan_code": "SB-PPO",
    "primary_member_id": "ZZ900001",
    "primary_effective_date": "2025-01-01",
    "appointment_id": "APT900001",
    "scheduled_at": "2027-03-16 09:00",
    "department_code": "PC",
    "rendering_npi": "1029797218",
    "cpt_codes": "99213",
    "icd10_codes": "I10",
}


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = sorted({c for row in rows for c in row})
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(**changes: str) -> dict[str, str]:
    return {**BASE, **changes}


def counts(result: Any) -> tuple[int, int, int, int]:
    return (result.created, result.updated, result.unchanged, result.failed)


def test_a_failed_row_does_not_hide_a_queued_patient(
    clinic: dict[str, Any], tmp_path: Path
) -> None:
    from finclear.patients.models import Patient
    from finclear.scheduling.models import Encounter

    rows = [
        row(),
        row(appointment_id="APT900002", icd10_codes="E11"),  # not billable: fails
        row(appointment_id="APT900003"),
    ]
    result = do_import(write(tmp_path / "s.csv", rows))
    assert counts(result) == (2, 0, 0, 1)
    assert [p.location for p in result.problems] == ["line 3"]
    assert Patient.objects.filter(mrn="MRN900001").count() == 1
    assert set(
        Encounter.objects.filter(patient__mrn="MRN900001").values_list("external_id", flat=True)
    ) == {
        "APT900001",
        "APT900003",
    }


def test_a_later_row_updates_a_row_queued_earlier(clinic: dict[str, Any], tmp_path: Path) -> None:
    from finclear.audit.models import AuditEvent
    from finclear.patients.models import Patient

    rows = [row(), row(appointment_id="APT900002", phone="217-555-0199")]
    result = do_import(write(tmp_path / "s.csv", rows))
    assert counts(result) == (2, 0, 0, 0)
    patient = Patient.objects.get(mrn="MRN900001")
    assert patient.phone == "217-555-0199"
    actions = list(
        AuditEvent.objects.filter(object_type="patients.patient", object_id=str(patient.pk))
        .order_by("id")
        .values_list("action", "detail")
    )
    assert actions == [("create", {}), ("update", {"fields": ["phone"]})]


def test_every_written_row_is_in_the_audit_trail(clinic: dict[str, Any], examples: Path) -> None:
    from finclear.audit.models import AuditEvent
    from finclear.patients.models import Coverage, Patient
    from finclear.scheduling.models import Diagnosis, Encounter, ServiceLine

    seeded = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (Patient, Coverage, Encounter, Diagnosis, ServiceLine)
    }
    do_import(examples / "schedule.csv")
    for model, before in seeded.items():
        ids = {str(pk) for pk in model.objects.exclude(pk__in=before).values_list("pk", flat=True)}
        assert ids
        created = AuditEvent.objects.filter(
            action="create", object_type=model._meta.label_lower
        ).values_list("object_id", "patient_id")
        seeded_ids = {str(pk) for pk in before}
        ours = [(o, p) for o, p in created if o not in seeded_ids]
        assert {object_id for object_id, _ in ours} == ids, model
        assert all(patient_id is not None for _, patient_id in ours)


def test_a_batch_that_fails_is_written_row_by_row(
    clinic: dict[str, Any], examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from finclear.patients.models import Patient
    from finclear.workqueue.models import ClearanceCase

    def refuse(*args: Any) -> None:
        raise IntegrityError("simulated clash")

    monkeypatch.setattr(services, "do_write_batch", refuse)
    result = do_import(examples / "schedule.csv")
    assert counts(result) == (6, 0, 0, 0)
    assert Patient.objects.filter(mrn__startswith="MRN").count() == 5
    assert ClearanceCase.objects.filter(encounter__patient__mrn__startswith="MRN").count() == 6


def test_a_row_moved_back_and_forth_in_one_file(clinic: dict[str, Any], tmp_path: Path) -> None:
    from finclear.scheduling.models import Encounter

    do_import(write(tmp_path / "a.csv", [row()]))
    rows = [
        row(scheduled_at="2027-03-16 10:00"),
        row(scheduled_at="2027-03-16 09:00", cpt_codes="99214"),
    ]
    result = do_import(write(tmp_path / "b.csv", rows))
    assert counts(result) == (0, 2, 0, 0)
    encounter = Encounter.objects.get(external_id="APT900001")
    assert encounter.scheduled_at == dt.datetime(2027, 3, 16, 13, 0, tzinfo=dt.UTC)
    assert [line.cpt_hcpcs for line in encounter.service_lines.all()] == ["99214"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.lists(
        st.tuples(
            st.dates(dt.date(2019, 6, 1), dt.date(2021, 6, 1)),
            st.one_of(st.none(), st.dates(dt.date(2019, 6, 1), dt.date(2021, 6, 1))),
            st.booleans(),
            st.sampled_from(["A1", "B2", "C3"]),
        ),
        max_size=5,
    ),
    day=st.dates(dt.date(2019, 6, 1), dt.date(2021, 6, 1)),
)
def test_chargemaster_lines_are_found_as_the_query_finds_them(
    clinic: dict[str, Any], items: list[tuple[dt.date, dt.date | None, bool, str]], day: dt.date
) -> None:
    from finclear.intake.references import ReferenceData
    from finclear.organizations.models import Department
    from finclear.scheduling.models import ChargemasterItem
    from finclear.scheduling.queries import find_chargemaster_item

    facility = clinic["facility"]
    department = Department.objects.get(facility=facility, code="PT")
    ChargemasterItem.objects.filter(cpt_hcpcs="G0283").delete()
    for number, (effective, end, own, code) in enumerate(items):
        ChargemasterItem.objects.get_or_create(
            facility=facility,
            code=f"{code}{number}",
            effective_date=effective,
            defaults={
                "description": "Electrical stimulation",
                "cpt_hcpcs": "G0283",
                "revenue_code": "0420",
                "standard_charge": Decimal("40.00"),
                "end_date": end,
                "department": department if own else None,
            },
        )
    for dept in (department, None):
        expected = find_chargemaster_item(facility, "G0283", day, dept)
        assert ReferenceData().chargemaster_item(facility, "G0283", day, dept) == expected
