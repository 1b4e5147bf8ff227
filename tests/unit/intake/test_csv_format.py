from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from finclear.intake.csv_format import COLUMNS, parse_csv, parse_csv_text
from finclear.intake.records import IntakeProblem, IntakeRecord


def write(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


GOOD = {
    "mrn": "MRN1",
    "last_name": "Testpatient",
    "first_name": "Ann",
    "date_of_birth": "1970-01-02",
    "sex": "female",
    "primary_payer_id": "ZZBLU1",
    "primary_member_id": "ZZ1",
    "appointment_id": "APT1",
    "scheduled_at": "2026-03-16 09:00",
    "department_code": "PCP",
    "rendering_npi": "1234567893",
    "cpt_codes": "99214-25;97110*3@2;71046-26-RT",
    "icd10_codes": "E11.9;I10",
}


def test_sample_schedule_parses_whole(examples: Path) -> None:
    records, problems, failed = parse_csv(examples / "schedule.csv")
    assert (len(records), problems, failed) == (6, [], 0)
    second = records[1]
    assert [c.order for c in second.coverages] == [1, 2]
    assert second.coverages[1].subscriber_relationship == "01"
    assert second.patient.date_of_birth.isoformat() == "1955-04-30"
    assert (
        records[2].guarantor is not None
        and records[2].guarantor.relationship_to_patient == "parent"
    )


def test_service_line_syntax() -> None:
    records, problems, _ = parse_csv_text(write([GOOD]), "t.csv")
    assert problems == []
    encounter = records[0].encounter
    assert encounter is not None
    lines = encounter.service_lines
    assert [(x.cpt_hcpcs, x.modifiers, x.units, x.diagnosis_pointers) for x in lines] == [
        ("99214", ["25"], Decimal(1), [1, 2]),
        ("97110", [], Decimal(3), [2]),
        ("71046", ["26", "RT"], Decimal(1), [1, 2]),
    ]
    assert [d.icd10_code for d in encounter.diagnoses] == ["E119", "I10"]
    assert records[0].patient.sex == "F"
    assert encounter.scheduled_at.tzinfo is None


def test_bad_rows_are_reported_by_line_and_column_and_good_rows_kept(examples: Path) -> None:
    records, problems, failed = parse_csv(examples / "schedule_bad.csv")
    where = {(p.location, p.field) for p in problems}
    assert ("line 3", "date_of_birth") in where
    assert ("line 4", "sex") in where
    assert ("line 9", "cpt_codes (item 1, units)") in where
    assert ("line 9", "cpt_codes (item 2, cpt_hcpcs)") in where
    assert ("line 11", "mrn") in where
    assert failed == 4
    assert "MRN800409" in {r.patient.mrn for r in records}
    assert all(r.source.location not in {"line 3", "line 4", "line 9", "line 11"} for r in records)


def test_problem_never_repeats_patient_values() -> None:
    row = dict(GOOD, date_of_birth="1999-13-45", last_name="")
    _, problems, _ = parse_csv_text(write([row]), "t.csv")
    assert {p.field for p in problems} == {"date_of_birth", "last_name"}
    assert all("1999-13-45" not in str(p) for p in problems)


def test_missing_required_column_fails_the_file() -> None:
    records, problems, failed = parse_csv_text("mrn,last_name\nM1,Doe\n", "t.csv")
    assert records == [] and failed == 1
    assert problems[0].field == "header" and "first_name" in problems[0].message


def test_unknown_column_is_reported_not_fatal() -> None:
    text = write([dict(GOOD, shoe_size="9")], (*COLUMNS, "shoe_size"))
    records, problems, failed = parse_csv_text(text, "t.csv")
    assert len(records) == 1 and failed == 0
    assert [(p.location, p.field) for p in problems] == [("line 1", "shoe_size")]


def test_extra_values_and_multiline_cells_keep_line_numbers() -> None:
    header = "mrn,last_name,first_name,date_of_birth,address_line1"
    text = f'{header}\nM1,Doe,Ann,1970-01-01,"two\nlines"\nM2,Roe,Bo,1970-01-01,x,extra\nM3,Poe,Cy,1970-01-01,ok\n'
    records, problems, failed = parse_csv_text(text, "t.csv")
    assert [r.source.location for r in records] == ["line 2", "line 5"]
    assert [(p.location, p.field) for p in problems] == [("line 4", "row")]
    assert failed == 1


cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: cell for c in COLUMNS[:40]}), max_size=4))
def test_random_rows_only_ever_yield_records_or_problems(rows: list[dict[str, str]]) -> None:
    records, problems, failed = parse_csv_text(write(rows, COLUMNS[:40]), "fuzz.csv")
    assert all(isinstance(r, IntakeRecord) for r in records)
    assert all(isinstance(p, IntakeProblem) for p in problems)
    assert len(records) + failed <= max(len(rows), 1)


@settings(max_examples=150, deadline=None)
@example(cpt_codes="99213@\u00b2")  # a superscript two is a digit to str.isdigit, not to int()
@given(st.text(max_size=40))
def test_random_service_line_cells_never_raise(cpt_codes: str) -> None:
    row = dict(GOOD, cpt_codes=cpt_codes.replace("\x00", ""))
    records, problems, failed = parse_csv_text(write([row]), "t.csv")
    assert len(records) + failed == 1
    assert (failed == 1) == bool(problems)
