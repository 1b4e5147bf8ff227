"""HL7 v2 feeds: SIU^S12 (new appointment), ADT^A04 (register) and ADT^A08 (update patient).

Library: python-hl7 (``hl7``), not hl7apy. Both parse ER7, but hl7apy binds every message to
its version's structure: it refuses versions it does not ship (``2.9`` raises
UnsupportedVersion), and reading a field the version does not define (``PID-40`` in a 2.3
message) raises ChildNotFound; its component names change with the version too. Feeds in the
wild mix versions, add fields and Z-segments, so positional access that never depends on the
declared version (python-hl7's ``extract_field``, with escape sequences decoded) is what holds.

A file holds any number of messages, MLLP framing (``0x0B``, ``0x1C``) and batch envelopes
(FHS/BHS/BTS/FTS) are ignored, segments may end in ``\\r``, ``\\n`` or ``\\r\\n``. Each message is
one record, located as ``message N (line L)`` where L is the line of its MSH.

Fields read (2.5.1 positions, stable from 2.3 to 2.8): PID-3 (the ``MR`` repetition, else the
first), PID-5, 7, 8, 11, 13; GT1-3, 5, 6, 8, 11; IN1-2 (plan), 3 (payer ID), 4 (payer name), 8
(group), 12/13 (dates), 16-18 (insured), 22 (order of benefits, else IN1-1), 36 (policy number,
else IN2-61), 49 (insured's ID); PV1-2 (class), 3 (location: point of care = department,
facility = facility code; else MSH-4), 7 (attending), 19 (visit number); SCH-2 (else SCH-1;
the appointment ID), 7 (reason), 11.4 (start; else TQ1-7 or AIS-4), 25 (status); AIS-3 (CPT/
HCPCS, one line each); AIG/AIP-3 (rendering provider NPI); AIL-3 (department); DG1-3 (ICD-10).
ADT messages carry an encounter only when PV1-19 and PV1-44 (admit time) are present.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hl7

from finclear.intake.records import (
    IntakeProblem,
    IntakeRecord,
    IntakeSource,
    build_record,
    origin_namer,
    problem,
)

SUPPORTED = {("SIU", "S12"): "schedule", ("ADT", "A04"): "registration", ("ADT", "A08"): "update"}
_ENVELOPE = {"FHS", "BHS", "BTS", "FTS"}
_TS = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?(?:\.\d{1,4})?)?([+-]\d{2})?(\d{2})?$"
)
_SEX = {"F": "F", "M": "M", "U": "U", "O": "U", "A": "U", "N": "U", "X": "U", "": "U"}
_SUBSCRIBER = {
    "SEL": "18",
    "SPO": "01",
    "CHD": "19",
    "18": "18",
    "01": "01",
    "19": "19",
    "G8": "G8",
    "": "18",
}
_GUARANTOR = {
    "SEL": "self",
    "SPO": "spouse",
    "PAR": "parent",
    "FTH": "parent",
    "MTH": "parent",
    "": "other",
}
_CLASS = {
    "O": "outpatient",
    "I": "inpatient",
    "E": "emergency",
    "P": "outpatient",
    "R": "outpatient",
}
_SCH_STATUS = {
    "BOOKED": "scheduled",
    "PENDING": "scheduled",
    "CANCELLED": "cancelled",
    "COMPLETE": "discharged",
}


def parse_hl7(
    path: Path, display_name: str | None = None
) -> tuple[list[IntakeRecord], list[IntakeProblem], int]:
    name = display_name or path.name
    text = path.read_bytes().decode("utf-8", errors="replace")
    return parse_hl7_text(text, name)


def parse_hl7_text(text: str, name: str) -> tuple[list[IntakeRecord], list[IntakeProblem], int]:
    """Parse every message of a file: (records, problems, number of messages that failed)."""
    records: list[IntakeRecord] = []
    problems: list[IntakeProblem] = []
    failed = 0
    messages, stray_line = split_messages(text)
    if stray_line is not None:
        problems.append(
            problem(name, f"line {stray_line}", "segment", "segments before the first MSH")
        )
        failed += 1
    for number, (line, segments) in enumerate(messages, start=1):
        result = parse_message(segments, name, f"message {number} (line {line})")
        if isinstance(result, IntakeRecord):
            records.append(result)
        else:
            problems.extend(result)
            failed += 1
    return records, problems, failed


def split_messages(text: str) -> tuple[list[tuple[int, list[str]]], int | None]:
    """(line of the MSH, segments) per message, and the line of any segment before the first MSH."""
    text = text.replace("\x0b", "").replace("\x1c", "").lstrip("\ufeff")
    messages: list[tuple[int, list[str]]] = []
    stray_line: int | None = None
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        segment = raw.strip()
        if not segment or segment[:3] in _ENVELOPE:
            continue
        if segment.startswith("MSH"):
            messages.append((number, [segment]))
        elif messages:
            messages[-1][1].append(segment)
        elif stray_line is None:
            stray_line = number
    return messages, stray_line


class _Message:
    """Positional, never-raising access to one parsed message."""

    def __init__(self, message: hl7.Message) -> None:
        self.message = message
        self.counts: dict[str, int] = {}
        for segment in message:
            sid = str(segment[0])
            self.counts[sid] = self.counts.get(sid, 0) + 1

    def get(
        self, sid: str, field: int, comp: int = 1, sub: int = 1, rep: int = 1, nth: int = 1
    ) -> str:
        if self.counts.get(sid, 0) < nth:
            return ""
        try:
            value = self.message.extract_field(sid, nth, field, rep, comp, sub)
        except (IndexError, KeyError):
            return ""
        return str(value).strip()

    def count(self, sid: str) -> int:
        return self.counts.get(sid, 0)


def parse_message(
    segments: list[str], name: str, location: str
) -> IntakeRecord | list[IntakeProblem]:
    try:
        parsed = hl7.parse("\r".join(segments))
    except Exception as exc:  # python-hl7 raises several types on malformed ER7
        return [
            problem(name, location, "MSH", f"not a parsable HL7 v2 message ({type(exc).__name__})")
        ]
    msg = _Message(parsed)
    kind_key = (
        msg.get("MSH", 9, 1).upper(),
        msg.get("MSH", 9, 2).upper() or msg.get("EVN", 1).upper(),
    )
    kind = SUPPORTED.get(kind_key)
    if kind is None:
        shown = "^".join(part for part in kind_key if part) or "(blank)"
        return [
            problem(
                name, location, "MSH-9", f"{shown} is not supported (SIU^S12, ADT^A04, ADT^A08)"
            )
        ]
    if msg.count("PID") == 0:
        return [problem(name, location, "PID", "required segment missing")]
    origin: dict[str, str] = {}
    raw: dict[str, Any] = {
        "kind": kind,
        "facility_code": msg.get("PV1", 3, 4) or msg.get("AIL", 3, 4) or msg.get("MSH", 4),
        "patient": _patient(msg, origin),
        "coverages": _coverages(msg, origin),
    }
    origin["facility_code"] = "PV1-3.4"
    if msg.count("GT1"):
        raw["guarantor"] = _guarantor(msg, origin)
    if kind == "schedule":
        raw["encounter"] = _appointment(msg, origin)
    elif msg.get("PV1", 19) and msg.get("PV1", 44):
        raw["encounter"] = _visit(msg, origin)
    source = IntakeSource(file=name, location=location, format="hl7v2")
    return build_record(raw, source, origin_namer(origin), origin)


def _patient(msg: _Message, origin: dict[str, str]) -> dict[str, Any]:
    rep = 1
    mrn = msg.get("PID", 3, 1)
    for candidate in range(1, 10):
        value = msg.get("PID", 3, 1, rep=candidate)
        if not value:
            break
        if msg.get("PID", 3, 5, rep=candidate).upper() == "MR":
            mrn, rep = value, candidate
            break
    origin.update(
        {
            "patient.mrn": f"PID-3 (repetition {rep})",
            "patient.last_name": "PID-5.1",
            "patient.first_name": "PID-5.2",
            "patient.middle_name": "PID-5.3",
            "patient.date_of_birth": "PID-7",
            "patient.sex": "PID-8",
            "patient.address_line1": "PID-11.1",
            "patient.address_line2": "PID-11.2",
            "patient.city": "PID-11.3",
            "patient.state": "PID-11.4",
            "patient.postal_code": "PID-11.5",
            "patient.phone": "PID-13",
            "patient.email": "PID-13.4",
        }
    )
    sex = msg.get("PID", 8).upper()
    return {
        "mrn": mrn,
        "last_name": msg.get("PID", 5, 1),
        "first_name": msg.get("PID", 5, 2),
        "middle_name": msg.get("PID", 5, 3),
        "date_of_birth": hl7_date(msg.get("PID", 7)),
        "sex": _SEX.get(sex, sex),
        **_address(msg, "PID", 11),
        "phone": _phone(msg, "PID", 13),
        "email": _email(msg, "PID", 13),
    }


def _guarantor(msg: _Message, origin: dict[str, str]) -> dict[str, Any]:
    origin.update(
        {
            "guarantor.last_name": "GT1-3.1",
            "guarantor.first_name": "GT1-3.2",
            "guarantor.date_of_birth": "GT1-8",
            "guarantor.relationship_to_patient": "GT1-11",
            "guarantor": "GT1",
        }
    )
    relation = msg.get("GT1", 11).upper()
    dob = msg.get("GT1", 8)
    return {
        "last_name": msg.get("GT1", 3, 1),
        "first_name": msg.get("GT1", 3, 2),
        "date_of_birth": hl7_date(dob) if dob else None,
        "relationship_to_patient": _GUARANTOR.get(relation, "other"),
        **_address(msg, "GT1", 5),
        "phone": _phone(msg, "GT1", 6),
    }


def _coverages(msg: _Message, origin: dict[str, str]) -> list[dict[str, Any]]:
    """IN1 segments, each with the IN2 that follows it (if any)."""
    coverages: list[dict[str, Any]] = []
    in2_after: dict[int, int] = {}
    in1_seen = in2_seen = 0
    for segment in msg.message:
        sid = str(segment[0])
        if sid == "IN1":
            in1_seen += 1
        elif sid == "IN2" and in1_seen:
            in2_seen += 1
            in2_after[in1_seen] = in2_seen
    for nth in range(1, msg.count("IN1") + 1):

        def get(field: int, comp: int = 1, nth: int = nth) -> str:
            return msg.get("IN1", field, comp, nth=nth)

        index = len(coverages)
        where = f"IN1[{nth}]"
        order_text = get(22) if get(22).isascii() and get(22).isdigit() else get(1)
        member_id = get(36) or msg.get("IN2", 61, nth=in2_after.get(nth, 0))
        relation = get(17).upper()
        origin.update(
            {
                f"coverages.{index}": f"{where}-3",
                f"coverages.{index}.order": f"{where}-22"
                if get(22).isascii() and get(22).isdigit()
                else f"{where}-1",
                f"coverages.{index}.plan_code": f"{where}-2",
                f"coverages.{index}.payer_id": f"{where}-3",
                f"coverages.{index}.payer_name": f"{where}-4",
                f"coverages.{index}.group_number": f"{where}-8",
                f"coverages.{index}.effective_date": f"{where}-12",
                f"coverages.{index}.termination_date": f"{where}-13",
                f"coverages.{index}.subscriber_last_name": f"{where}-16.1",
                f"coverages.{index}.subscriber_first_name": f"{where}-16.2",
                f"coverages.{index}.subscriber_relationship": f"{where}-17",
                f"coverages.{index}.subscriber_date_of_birth": f"{where}-18",
                f"coverages.{index}.member_id": f"{where}-36",
                f"coverages.{index}.subscriber_member_id": f"{where}-49",
            }
        )
        coverages.append(
            {
                "order": order_text if order_text.isascii() and order_text.isdigit() else nth,
                "plan_code": get(2),
                "payer_id": get(3),
                "payer_name": get(4),
                "group_number": get(8),
                "effective_date": hl7_date(get(12)) if get(12) else None,
                "termination_date": hl7_date(get(13)) if get(13) else None,
                "subscriber_last_name": get(16, 1),
                "subscriber_first_name": get(16, 2),
                "subscriber_relationship": _SUBSCRIBER.get(relation, relation),
                "subscriber_date_of_birth": hl7_date(get(18)) if get(18) else None,
                "member_id": member_id,
                "subscriber_member_id": get(49),
            }
        )
    if coverages:
        origin["coverages"] = "IN1"
    return coverages


def _appointment(msg: _Message, origin: dict[str, str]) -> dict[str, Any]:
    start, start_field = next(
        (
            (value, where)
            for value, where in (
                (msg.get("SCH", 11, 4), "SCH-11.4"),
                (msg.get("TQ1", 7), "TQ1-7"),
                (msg.get("AIS", 4), "AIS-4"),
            )
            if value
        ),
        ("", "SCH-11.4"),
    )
    rendering, rendering_field = next(
        (
            (value, where)
            for value, where in (
                (msg.get("AIP", 3), "AIP-3"),
                (msg.get("AIG", 3), "AIG-3"),
                (msg.get("PV1", 7), "PV1-7"),
            )
            if value
        ),
        ("", "AIP-3"),
    )
    status = msg.get("SCH", 25).upper()
    encounter = _encounter_common(msg, origin)
    encounter.update(
        {
            "external_id": msg.get("SCH", 2) or msg.get("SCH", 1),
            "scheduled_at": hl7_datetime(start),
            "department_code": msg.get("AIL", 3) or msg.get("PV1", 3),
            "rendering_provider_npi": rendering,
            "reason": msg.get("SCH", 7, 2) or msg.get("SCH", 7, 1),
            "status": _SCH_STATUS.get(status),
        }
    )
    encounter["service_lines"] = [
        {
            "line_number": nth,
            "cpt_hcpcs": msg.get("AIS", 3, nth=nth),
            "diagnosis_pointers": encounter["pointers"],
        }
        for nth in range(1, msg.count("AIS") + 1)
    ]
    del encounter["pointers"]
    origin.update(
        {
            "encounter.external_id": "SCH-2",
            "encounter.scheduled_at": start_field,
            "encounter.department_code": "AIL-3" if msg.get("AIL", 3) else "PV1-3",
            "encounter.rendering_provider_npi": rendering_field,
            "encounter.reason": "SCH-7",
            "encounter.service_lines": "AIS",
            **{
                f"encounter.service_lines.{i - 1}": f"AIS[{i}]-3"
                for i in range(1, msg.count("AIS") + 1)
            },
        }
    )
    return encounter


def _visit(msg: _Message, origin: dict[str, str]) -> dict[str, Any]:
    encounter = _encounter_common(msg, origin)
    del encounter["pointers"]
    encounter.update(
        {
            "external_id": msg.get("PV1", 19),
            "scheduled_at": hl7_datetime(msg.get("PV1", 44)),
            "department_code": msg.get("PV1", 3),
            "rendering_provider_npi": msg.get("PV1", 7),
        }
    )
    origin.update(
        {
            "encounter.external_id": "PV1-19",
            "encounter.scheduled_at": "PV1-44",
            "encounter.department_code": "PV1-3",
            "encounter.rendering_provider_npi": "PV1-7",
        }
    )
    return encounter


def _encounter_common(msg: _Message, origin: dict[str, str]) -> dict[str, Any]:
    patient_class = msg.get("PV1", 2).upper()
    codes = [msg.get("DG1", 3, nth=nth) for nth in range(1, msg.count("DG1") + 1)]
    origin.update(
        {
            "encounter": "PV1",
            "encounter.encounter_type": "PV1-2",
            "encounter.attending_provider_npi": "PV1-7",
            "encounter.diagnoses": "DG1",
            **{f"encounter.diagnoses.{i}": f"DG1[{i + 1}]-3" for i in range(len(codes))},
        }
    )
    return {
        "encounter_type": _CLASS.get(patient_class, patient_class.lower())
        if patient_class
        else "outpatient",
        "attending_provider_npi": msg.get("PV1", 7),
        "diagnoses": [{"sequence": i, "icd10_code": code} for i, code in enumerate(codes, start=1)],
        "pointers": list(range(1, min(len(codes), 4) + 1)),
    }


def _address(msg: _Message, sid: str, field: int) -> dict[str, str]:
    return {
        "address_line1": msg.get(sid, field, 1),
        "address_line2": msg.get(sid, field, 2),
        "city": msg.get(sid, field, 3),
        "state": msg.get(sid, field, 4),
        "postal_code": msg.get(sid, field, 5),
    }


def _telecoms(msg: _Message, sid: str, field: int) -> list[int]:
    """The repetitions of an XTN field that are present."""
    return [
        rep for rep in range(1, 6) if any(msg.get(sid, field, c, rep=rep) for c in (1, 2, 4, 7))
    ]


def _is_email(msg: _Message, sid: str, field: int, rep: int) -> bool:
    return msg.get(sid, field, 2, rep=rep).upper() == "NET" or "@" in msg.get(
        sid, field, 4, rep=rep
    )


def _phone(msg: _Message, sid: str, field: int) -> str:
    for rep in _telecoms(msg, sid, field):
        if _is_email(msg, sid, field, rep):
            continue
        area, local = msg.get(sid, field, 6, rep=rep), msg.get(sid, field, 7, rep=rep)
        if local:
            return (
                f"{area}-{local[:3]}-{local[3:]}" if area and len(local) == 7 else f"{area}{local}"
            )
        return msg.get(sid, field, 1, rep=rep)
    return ""


def _email(msg: _Message, sid: str, field: int) -> str:
    for rep in _telecoms(msg, sid, field):
        if _is_email(msg, sid, field, rep):
            return msg.get(sid, field, 4, rep=rep)
    return ""


def hl7_date(value: str) -> str:
    """An HL7 DT/TS to ``YYYY-MM-DD`` (the time is dropped); anything else is returned as is."""
    match = _TS.match(value)
    if match is None:
        return value
    return f"{match[1]}-{match[2]}-{match[3]}"


def hl7_datetime(value: str) -> str:
    """An HL7 TS to ISO 8601, keeping its offset if it has one; anything else as is."""
    match = _TS.match(value)
    if match is None or match[4] is None:
        return value
    iso = f"{match[1]}-{match[2]}-{match[3]}T{match[4]}:{match[5] or '00'}:{match[6] or '00'}"
    if match[7]:
        iso += f"{match[7]}:{match[8] or '00'}"
    return iso
