from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from finclear.intake.services import do_import

pytestmark = pytest.mark.django_db


def counts(result: Any) -> tuple[int, int, int, int]:
    return (result.created, result.updated, result.unchanged, result.failed)


def test_siu_then_adt_register_and_update(clinic: dict[str, Any], examples: Path) -> None:
    from finclear.patients.models import Coverage, Patient
    from finclear.scheduling.models import Encounter

    assert counts(do_import(examples / "siu_s12.hl7")) == (3, 0, 0, 0)
    assert counts(do_import(examples / "siu_s12.hl7")) == (0, 0, 3, 0)
    assert Coverage.objects.filter(patient__mrn="MRN800102", is_active=True).count() == 2
    child = Patient.objects.get(mrn="MRN800103")
    assert child.guarantor is not None and child.guarantor.relationship_to_patient == "parent"

    assert counts(do_import(examples / "adt_a04.hl7")) == (1, 0, 0, 0)
    assert Encounter.objects.filter(external_id="V900104").exists()

    before = Coverage.objects.count()
    update = do_import(examples / "adt_a08.hl7")
    assert counts(update) == (0, 1, 0, 0)
    patient = Patient.objects.get(mrn="MRN800101")
    assert (patient.address_line1, patient.postal_code) == ("909 Relocated Ct", "62711")
    assert Coverage.objects.get(patient=patient, is_active=True).member_id == "ZZ800101002"
    assert Coverage.objects.count() == before
    assert counts(do_import(examples / "adt_a08.hl7")) == (0, 0, 1, 0)


def test_hl7_model_errors_name_the_segment_field(
    clinic: dict[str, Any], examples: Path, tmp_path: Path
) -> None:
    text = (
        (examples / "siu_s12.hl7")
        .read_text()
        .replace("E11.9^Type 2", "E11^Type 2")
        .replace("1577352143^Simulacre^Quentin^^^^MD|D", "1000000013^X^Y^^^^MD|D")
    )
    target = tmp_path / "siu.hl7"
    target.write_text(text)
    result = do_import(target)
    assert counts(result) == (1, 0, 0, 2)
    assert {(p.location, p.field) for p in result.problems} == {
        ("message 1 (line 1)", "DG1[1]-3"),
        ("message 2 (line 17)", "AIP-3"),
    }


def test_fhir_bundle_imports_idempotently_and_updates(
    clinic: dict[str, Any], examples: Path, tmp_path: Path
) -> None:
    from finclear.patients.models import Coverage, Patient
    from finclear.scheduling.models import Encounter

    before = (Patient.objects.count(), Encounter.objects.count(), Coverage.objects.count())
    assert counts(do_import(examples / "bundle.json")) == (3, 0, 0, 0)
    after = (Patient.objects.count(), Encounter.objects.count(), Coverage.objects.count())
    assert [n - m for n, m in zip(after, before, strict=True)] == [3, 2, 3]
    assert counts(do_import(examples / "bundle.json")) == (0, 0, 3, 0)

    bundle = json.loads((examples / "bundle.json").read_text())
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Appointment":
            resource["start"] = "2027-03-19T15:00:00-04:00"
        if resource["resourceType"] == "Patient" and resource["id"] == "pat-3":
            resource["birthDate"] = "2999-01-01"
    target = tmp_path / "bundle.json"
    target.write_text(json.dumps(bundle))
    result = do_import(target)
    assert counts(result) == (0, 1, 1, 1)
    assert [(p.field, p.message) for p in result.problems] == [
        ("Bundle.entry[17].resource.birthDate", "the value is in the future")
    ]
    assert (
        Encounter.objects.get(external_id="APT500201")
        .scheduled_at.isoformat()
        .startswith("2027-03-19T19:00")
    )
