from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.intake.fhir_format import parse_fhir, parse_fhir_data


def sample(examples: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((examples / "bundle.json").read_text())
    return data


def entry_of(bundle: dict[str, Any], resource_id: str) -> int:
    return next(i for i, e in enumerate(bundle["entry"]) if e["resource"]["id"] == resource_id)


def test_sample_bundle(examples: Path) -> None:
    records, problems, failed = parse_fhir(examples / "bundle.json")
    assert (problems, failed) == ([], 0)
    by_mrn = {r.patient.mrn: r for r in records}
    appointment = by_mrn["MRN800201"]
    assert appointment.kind == "schedule" and appointment.facility_code == "NORTH"
    assert appointment.encounter is not None
    assert appointment.encounter.department_code == "CARD"
    assert [s.cpt_hcpcs for s in appointment.encounter.service_lines] == ["99214", "93306"]
    assert [d.icd10_code for d in appointment.encounter.diagnoses] == ["I10", "I509"]
    encounter = by_mrn["MRN800202"]
    assert encounter.encounter is not None and encounter.encounter.external_id == "V900202"
    assert [(c.order, c.payer_id) for c in encounter.coverages] == [(1, "ZZ120"), (2, "ZZ301")]
    assert by_mrn["MRN800203"].kind == "registration"


def test_an_invalid_resource_fails_only_what_uses_it(examples: Path) -> None:
    bundle = sample(examples)
    index = entry_of(bundle, "pat-2")
    bundle["entry"][index]["resource"]["birthDate"] = "not-a-date"
    records, problems, failed = parse_fhir_data(bundle, "b.json")
    assert {r.patient.mrn for r in records} == {"MRN800201", "MRN800203"}
    assert failed == 2  # the Patient itself and the Encounter that uses it
    assert problems[0].location == f"entry {index}" and problems[0].field.startswith(
        "Patient.birthDate"
    )
    assert any(p.field.endswith(".subject") and "invalid Patient" in p.message for p in problems)


def test_record_errors_name_the_fhir_path(examples: Path) -> None:
    bundle = sample(examples)
    index = entry_of(bundle, "cov-1")
    del bundle["entry"][index]["resource"]["subscriberId"]
    bundle["entry"][index]["resource"]["payor"] = [{"reference": "Organization/north"}]
    bundle["entry"][index]["resource"]["order"] = 7
    _, problems, _ = parse_fhir_data(bundle, "b.json")
    assert [p.field for p in problems] == [f"Bundle.entry[{index}].resource.order"]


def test_not_a_bundle_and_unused_types(examples: Path) -> None:
    _, problems, failed = parse_fhir_data({"resourceType": "Patient"}, "p.json")
    assert failed == 1 and problems[0].message == "expected a FHIR Bundle"
    bundle = sample(examples)
    bundle["entry"].append({"resource": {"resourceType": "Observation", "status": "final"}})
    records, problems, failed = parse_fhir_data(bundle, "b.json")
    assert len(records) == 3 and failed == 1 and "Observation" in problems[0].message


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_random_mutations_never_raise(data: st.DataObject) -> None:
    bundle = copy.deepcopy(
        json.loads((Path(__file__).resolve().parents[3] / "examples" / "bundle.json").read_text())
    )
    for _ in range(3):
        entry = data.draw(st.sampled_from(bundle["entry"]))
        keys = [k for k in entry["resource"] if k != "resourceType"]
        key = data.draw(st.sampled_from(keys))
        entry["resource"][key] = data.draw(json_value)
    records, problems, failed = parse_fhir_data(bundle, "fuzz.json")
    assert len(records) + failed >= 1
    assert all(p.file == "fuzz.json" for p in problems)
