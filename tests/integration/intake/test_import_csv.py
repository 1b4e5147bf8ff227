from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from finclear.intake.models import ImportRun
from finclear.intake.services import do_import

pytestmark = pytest.mark.django_db


def counts(result: Any) -> tuple[int, int, int, int]:
    return (result.created, result.updated, result.unchanged, result.failed)


def sample_rows() -> tuple[int, ...]:
    """Patients, encounters, coverages, lines of the samples (not the seeded demo patient)."""
    from finclear.patients.models import Coverage, Patient
    from finclear.scheduling.models import Encounter, ServiceLine

    return (
        Patient.objects.filter(mrn__startswith="MRN").count(),
        Encounter.objects.filter(patient__mrn__startswith="MRN").count(),
        Coverage.objects.filter(patient__mrn__startswith="MRN").count(),
        ServiceLine.objects.filter(encounter__patient__mrn__startswith="MRN").count(),
    )


def test_good_schedule_imports_and_reimport_changes_nothing(
    clinic: dict[str, Any], examples: Path
) -> None:
    from finclear.scheduling.models import Encounter
    from finclear.workqueue.models import ClearanceCase

    first = do_import(examples / "schedule.csv")
    assert first.problems == []
    assert counts(first) == (6, 0, 0, 0)
    totals = sample_rows()
    assert totals == (5, 6, 5, 10)
    assert ClearanceCase.objects.filter(encounter__patient__mrn__startswith="MRN").count() == 6
    pt = Encounter.objects.get(external_id="APT500304")
    assert [(line.cpt_hcpcs, line.units) for line in pt.service_lines.order_by("line_number")][1][
        1
    ] == 3
    visit = Encounter.objects.get(external_id="APT500301")
    assert visit.scheduled_at == dt.datetime(2027, 3, 16, 13, 0, tzinfo=dt.UTC)  # 09:00 New York

    second = do_import(examples / "schedule.csv")
    assert counts(second) == (0, 0, 6, 0)
    assert sample_rows() == totals
    assert ImportRun.objects.count() == 2


def test_a_changed_row_updates_in_place(
    clinic: dict[str, Any], examples: Path, tmp_path: Path
) -> None:
    from finclear.patients.models import Coverage
    from finclear.scheduling.models import Encounter

    do_import(examples / "schedule.csv")
    rows = list(csv.DictReader((examples / "schedule.csv").open()))
    rows[0]["scheduled_at"] = "2027-03-16 10:15"
    rows[0]["primary_member_id"] = rows[5]["primary_member_id"] = "ZZ800301009"  # same patient
    rows[0]["cpt_codes"] = "99215"
    changed = tmp_path / "schedule.csv"
    with changed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = do_import(changed)
    assert counts(result) == (0, 1, 5, 0)
    encounter = Encounter.objects.get(external_id="APT500301")
    assert encounter.scheduled_at.astimezone(dt.UTC).hour == 14
    assert [line.cpt_hcpcs for line in encounter.service_lines.all()] == ["99215"]
    coverage = Coverage.objects.get(patient__mrn="MRN800301", is_active=True)
    assert coverage.member_id == "ZZ800301009"
    assert sample_rows()[1] == 6


EXPECTED_BAD = {
    ("line 2", "date_of_birth"),
    ("line 3", "date_of_birth"),
    ("line 4", "sex"),
    ("line 5", "rendering_npi"),
    ("line 6", "icd10_codes (code 1)"),
    ("line 7", "primary_member_id"),
    ("line 8", "primary_payer_id"),
    ("line 9", "cpt_codes (item 1, units)"),
    ("line 9", "cpt_codes (item 2, cpt_hcpcs)"),
    ("line 11", "mrn"),
    ("line 13", "department_code"),
}


def test_bad_rows_are_reported_where_and_good_rows_kept(
    clinic: dict[str, Any], examples: Path
) -> None:
    from finclear.patients.models import Patient

    result = do_import(examples / "schedule_bad.csv")
    assert counts(result) == (2, 0, 0, 10)
    assert {(p.location, p.field) for p in result.problems} == EXPECTED_BAD
    assert set(Patient.objects.filter(mrn__startswith="MRN").values_list("mrn", flat=True)) == {
        "MRN800409",
        "MRN800411",
    }
    run = ImportRun.objects.get()
    assert run.failed == 10 and run.created == 2
    stored = json.dumps(run.problems)
    for patient_data in ("Futureborn", "2031-01-01", "Nomember", "1980-02-30"):
        assert patient_data not in stored


def test_dry_run_writes_nothing(clinic: dict[str, Any], examples: Path) -> None:
    from finclear.patients.models import Patient

    before = Patient.objects.count()
    result = do_import(examples / "schedule.csv", dry_run=True)
    assert counts(result) == (6, 0, 0, 0)
    assert Patient.objects.count() == before
    assert ImportRun.objects.count() == 0


def test_unknown_facility_and_default_facility(clinic: dict[str, Any], tmp_path: Path) -> None:
    text = "mrn,last_name,first_name,date_of_birth\nM1,Testpatient,Ann,1970-01-01\n"
    target = tmp_path / "p.csv"
    target.write_text(text)
    missing = do_import(target)
    assert counts(missing) == (0, 0, 0, 1)
    assert missing.problems[0].field == "facility_code"
    assert counts(do_import(target, facility_code="NORTH")) == (1, 0, 0, 0)
    unknown = do_import(target, facility_code="WEST")
    assert "no facility with code WEST" in unknown.problems[0].message
