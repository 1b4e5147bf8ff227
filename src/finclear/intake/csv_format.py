"""CSV schedules: one row per scheduled encounter (columns documented in docs/intake-csv.md).

Service lines are written in one cell, ``cpt_codes``: items separated by ``;``, each
``CODE[-MOD[-MOD...]][*UNITS][@POINTER[:POINTER...]]``, e.g. ``99214-25;97110*3@2``. Without
pointers a line points at the first (up to four) diagnoses of ``icd10_codes`` (``E11.9;I10``).
Dates are ``YYYY-MM-DD`` or ``MM/DD/YYYY``; ``scheduled_at`` is ``YYYY-MM-DD HH:MM`` (or ``T``,
optionally with an offset; without one it is the facility's local time).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from finclear.intake.records import (
    IntakeProblem,
    IntakeRecord,
    IntakeSource,
    build_record,
    problem,
)

PATIENT_COLUMNS = (
    "mrn",
    "last_name",
    "first_name",
    "middle_name",
    "date_of_birth",
    "sex",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "email",
)
GUARANTOR_COLUMNS = {
    "guarantor_relationship": "relationship_to_patient",
    "guarantor_last_name": "last_name",
    "guarantor_first_name": "first_name",
    "guarantor_date_of_birth": "date_of_birth",
    "guarantor_address_line1": "address_line1",
    "guarantor_city": "city",
    "guarantor_state": "state",
    "guarantor_postal_code": "postal_code",
    "guarantor_phone": "phone",
}
COVERAGE_FIELDS = (
    "payer_id",
    "payer_name",
    "plan_code",
    "member_id",
    "group_number",
    "subscriber_relationship",
    "subscriber_last_name",
    "subscriber_first_name",
    "subscriber_date_of_birth",
    "subscriber_member_id",
    "effective_date",
    "termination_date",
)
COVERAGE_PREFIXES = {"primary": 1, "secondary": 2}
ENCOUNTER_COLUMNS = {
    "appointment_id": "external_id",
    "scheduled_at": "scheduled_at",
    "department_code": "department_code",
    "rendering_npi": "rendering_provider_npi",
    "attending_npi": "attending_provider_npi",
    "encounter_type": "encounter_type",
    "place_of_service": "place_of_service",
    "reason": "reason",
}
LINE_COLUMNS = ("cpt_codes", "icd10_codes")

COLUMNS: tuple[str, ...] = (
    "facility_code",
    *PATIENT_COLUMNS,
    *GUARANTOR_COLUMNS,
    *(f"{prefix}_{name}" for prefix in COVERAGE_PREFIXES for name in COVERAGE_FIELDS),
    *ENCOUNTER_COLUMNS,
    *LINE_COLUMNS,
)
REQUIRED_COLUMNS = ("mrn", "last_name", "first_name", "date_of_birth")
_KNOWN_COLUMNS = frozenset(COLUMNS)

_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(.*)$")
_LINE_ITEM = re.compile(
    r"^(?P<code>[^-*@]+)(?P<mods>(-[^-*@]*)*)(\*(?P<units>[^@]*))?(@(?P<ptrs>.*))?$"
)
_SEX = {"F": "F", "FEMALE": "F", "M": "M", "MALE": "M", "U": "U", "UNKNOWN": "U", "": "U"}
_RELATIONSHIP = {"SELF": "18", "SPOUSE": "01", "CHILD": "19", "OTHER": "G8"}
_ENCOUNTER_TYPE = {"O": "outpatient", "I": "inpatient", "E": "emergency", "ED": "emergency"}


def parse_csv(
    path: Path, display_name: str | None = None
) -> tuple[list[IntakeRecord], list[IntakeProblem], int]:
    """Parse a CSV schedule: (records, problems, number of rows that failed)."""
    name = display_name or path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [problem(name, f"byte {exc.start}", "encoding", "not UTF-8 text")], 1
    return parse_csv_text(text, name)


def parse_csv_text(text: str, name: str) -> tuple[list[IntakeRecord], list[IntakeProblem], int]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        return [], [problem(name, "line 1", "header", f"unreadable CSV: {exc}")], 1
    header = [h.strip().lower() for h in header]
    reader.fieldnames = header
    problems: list[IntakeProblem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        message = f"missing required column(s): {', '.join(missing)}"
        return [], [problem(name, "line 1", "header", message)], 1
    for column in header:
        if column not in COLUMNS:
            problems.append(problem(name, "line 1", column, "unknown column, ignored"))
    records: list[IntakeRecord] = []
    failed = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(problem(name, f"line {line}", "row", f"unreadable CSV: {exc}"))
            failed += 1
            break
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue
        result = parse_row(row, name, f"line {line}")
        if isinstance(result, IntakeRecord):
            records.append(result)
        else:
            problems.extend(result)
            failed += 1
    return records, problems, failed


def parse_row(
    row: dict[str | None, Any], name: str, location: str
) -> IntakeRecord | list[IntakeProblem]:
    """One CSV row into a record, or its problems (every bad cell, not only the first)."""
    if row.get(None):
        return [problem(name, location, "row", f"{len(row[None])} more value(s) than columns")]
    cells = {k: (v or "").strip() for k, v in row.items() if k in _KNOWN_COLUMNS}
    prefixes = [p for p in COVERAGE_PREFIXES if any(cells.get(f"{p}_{f}") for f in COVERAGE_FIELDS)]
    raw: dict[str, Any] = {
        "kind": "schedule",
        "facility_code": cells.get("facility_code", ""),
        "patient": _patient(cells),
        "coverages": [_coverage(cells, p) for p in prefixes],
    }
    if any(cells.get(c) for c in GUARANTOR_COLUMNS):
        raw["guarantor"] = {
            field: _date(cells.get(column, ""))
            if field == "date_of_birth"
            else cells.get(column, "")
            for column, field in GUARANTOR_COLUMNS.items()
            if cells.get(column)
        }
        raw["guarantor"]["relationship_to_patient"] = (
            cells.get("guarantor_relationship", "other").lower() or "other"
        )
    line_problems: list[IntakeProblem] = []
    if any(cells.get(c) for c in (*ENCOUNTER_COLUMNS, *LINE_COLUMNS)):
        raw["encounter"], line_problems = _encounter(cells, name, location)
    source = IntakeSource(file=name, location=location, format="csv")
    result = build_record(raw, source, lambda loc: column_for(loc, prefixes))
    if line_problems:
        return line_problems + (result if isinstance(result, list) else [])
    return result


def _patient(cells: dict[str, str]) -> dict[str, Any]:
    patient: dict[str, Any] = {c: cells.get(c, "") for c in PATIENT_COLUMNS}
    patient["date_of_birth"] = _date(patient["date_of_birth"])
    patient["sex"] = _SEX.get(patient["sex"].upper(), patient["sex"].upper())
    return patient


def _coverage(cells: dict[str, str], prefix: str) -> dict[str, Any]:
    coverage: dict[str, Any] = {"order": COVERAGE_PREFIXES[prefix]}
    for field in COVERAGE_FIELDS:
        value = cells.get(f"{prefix}_{field}", "")
        if field.endswith(("date", "date_of_birth")):
            coverage[field] = _date(value) if value else None
        elif field == "subscriber_relationship":
            coverage[field] = _RELATIONSHIP.get(value.upper(), value.upper()) if value else "18"
        else:
            coverage[field] = value
    return coverage


def _encounter(
    cells: dict[str, str], name: str, location: str
) -> tuple[dict[str, Any], list[IntakeProblem]]:
    encounter: dict[str, Any] = {
        field: cells.get(column, "") for column, field in ENCOUNTER_COLUMNS.items()
    }
    encounter["scheduled_at"] = _date(encounter["scheduled_at"])
    kind = encounter["encounter_type"].strip()
    encounter["encounter_type"] = _ENCOUNTER_TYPE.get(kind.upper(), kind.lower()) or "outpatient"
    codes = [c.strip() for c in cells.get("icd10_codes", "").split(";") if c.strip()]
    encounter["diagnoses"] = [
        {"sequence": i, "icd10_code": c} for i, c in enumerate(codes, start=1)
    ]
    default_pointers = list(range(1, min(len(codes), 4) + 1))
    lines, problems = parse_cpt_codes(cells.get("cpt_codes", ""), default_pointers, name, location)
    encounter["service_lines"] = lines
    return encounter, problems


def parse_cpt_codes(
    cell: str, default_pointers: list[int], name: str, location: str
) -> tuple[list[dict[str, Any]], list[IntakeProblem]]:
    """The ``cpt_codes`` mini-syntax into service-line dicts (validated later by the record)."""
    lines: list[dict[str, Any]] = []
    problems: list[IntakeProblem] = []
    items = [item.strip() for item in cell.split(";") if item.strip()]
    for number, item in enumerate(items, start=1):
        field = f"cpt_codes (item {number})"
        match = _LINE_ITEM.match(item.replace(" ", ""))
        if match is None:
            problems.append(
                problem(name, location, field, "expected CODE[-MOD][*UNITS][@POINTERS]")
            )
            continue
        line: dict[str, Any] = {
            "line_number": number,
            "cpt_hcpcs": match["code"],
            "modifiers": [m for m in (match["mods"] or "").split("-") if m],
            "diagnosis_pointers": default_pointers,
        }
        if match["units"] is not None:
            line["units"] = match["units"]
        if match["ptrs"] is not None:
            pointers = match["ptrs"].split(":")
            if not all(p.isascii() and p.isdigit() for p in pointers):
                problems.append(
                    problem(name, location, field, "diagnosis pointers must be numbers like @1:2")
                )
                continue
            line["diagnosis_pointers"] = [int(p) for p in pointers]
        lines.append(line)
    return lines, problems


def column_for(loc: tuple[int | str, ...], prefixes: list[str]) -> str:
    """The CSV column a validation error location refers to."""
    head, *rest = loc
    if head == "patient" and rest:
        return str(rest[0])
    if head == "guarantor" and rest:
        field = str(rest[0])
        return next((c for c, f in GUARANTOR_COLUMNS.items() if f == field), f"guarantor_{field}")
    if head == "coverages" and rest and isinstance(rest[0], int) and rest[0] < len(prefixes):
        prefix = prefixes[rest[0]]
        return f"{prefix}_{rest[1]}" if len(rest) > 1 else f"{prefix}_payer_id"
    if head == "encounter" and rest:
        field = str(rest[0])
        if field == "diagnoses":
            return f"icd10_codes (code {int(rest[1]) + 1})" if len(rest) > 1 else "icd10_codes"
        if field == "service_lines":
            detail = f", {rest[2]}" if len(rest) > 2 else ""
            return f"cpt_codes (item {int(rest[1]) + 1}{detail})" if len(rest) > 1 else "cpt_codes"
        return next((c for c, f in ENCOUNTER_COLUMNS.items() if f == field), field)
    return ".".join(str(part) for part in loc)


def _date(value: str) -> str:
    """``MM/DD/YYYY[ rest]`` to ISO; anything else is left for the record to judge."""
    match = _US_DATE.match(value.strip())
    if match is None:
        return value.strip()
    month, day, year, rest = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}{rest}"
