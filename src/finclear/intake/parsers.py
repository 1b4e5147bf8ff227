"""Reading an intake file whatever its format: ``detect_format`` and ``parse_file``.

Parsing needs no database: it yields ``IntakeRecord``s and ``IntakeProblem``s; the import
service (``finclear.intake.services``) writes the records.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from finclear.intake.csv_format import COVERAGE_PREFIXES, REQUIRED_COLUMNS, column_for, parse_csv
from finclear.intake.fhir_format import parse_fhir
from finclear.intake.hl7_format import parse_hl7
from finclear.intake.records import Format, IntakeProblem, IntakeRecord, origin_namer, problem

FORMATS: tuple[str, ...] = get_args(Format)
_EXTENSIONS = {".csv": "csv", ".hl7": "hl7v2", ".er7": "hl7v2", ".json": "fhir"}
_SNIFF_BYTES = 8192


class UnknownFormatError(ValueError):
    """The file is none of the formats intake reads."""


@dataclass
class ParseResult:
    file: str
    format: str
    records: list[IntakeRecord] = field(default_factory=list)
    problems: list[IntakeProblem] = field(default_factory=list)
    failed: int = 0


def detect_format(path: Path) -> str:
    """``csv``, ``hl7v2`` or ``fhir``, judged by the content first, the extension second."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff\x0b \t\r\n")
    if text.startswith(("MSH|", "FHS|", "BHS|")):
        return "hl7v2"
    if text.startswith("{") and '"resourceType"' in text:
        return "fhir"
    first_line = text.splitlines()[0] if text else ""
    if first_line:
        try:
            header = {c.strip().lower() for c in next(csv.reader([first_line]))}
        except csv.Error:
            header = set()
        if set(REQUIRED_COLUMNS) <= header:
            return "csv"
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None and text:
        # Content that names no format: let that format's parser say what is wrong with it.
        return by_extension
    raise UnknownFormatError(
        f"{path.name}: not a CSV schedule (header with {', '.join(REQUIRED_COLUMNS)}), "
        "an HL7 v2 file (starting with MSH|) or a FHIR JSON resource"
    )


def parse_file(
    path: Path, file_format: str | None = None, display_name: str | None = None
) -> ParseResult:
    """Parse ``path`` (format detected unless given); never raises for bad content."""
    name = display_name or path.name
    try:
        chosen = file_format or detect_format(path)
    except UnknownFormatError as exc:
        return ParseResult(
            name, "unknown", problems=[problem(name, "file", "format", str(exc))], failed=1
        )
    except OSError as exc:
        return ParseResult(
            name,
            "unknown",
            problems=[problem(name, "file", "file", exc.strerror or "unreadable")],
            failed=1,
        )
    if chosen not in FORMATS:
        raise ValueError(f"unknown format {chosen!r}; expected one of {', '.join(FORMATS)}")
    parser = {"csv": parse_csv, "hl7v2": parse_hl7, "fhir": parse_fhir}[chosen]
    records, problems, failed = parser(path, name)
    return ParseResult(name, chosen, records, problems, failed)


def source_field(record: IntakeRecord, loc: tuple[int | str, ...]) -> str:
    """How the record's source names the field at ``loc`` (a path in the record)."""
    if record.source.format == "csv":
        by_order = {order: prefix for prefix, order in COVERAGE_PREFIXES.items()}
        return column_for(loc, [by_order.get(c.order, str(c.order)) for c in record.coverages])
    return origin_namer(record.source.fields)(loc)
