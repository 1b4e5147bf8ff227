"""What every intake parser produces, whatever the format: the same pydantic records.

A parser turns each source record (a CSV row, an HL7 message, a FHIR appointment with its
patient) into one ``IntakeRecord``, or into ``IntakeProblem``s when it cannot. The records hold
facts as the source states them; reference data (facility, department, provider, payer, plan) is
named by code or identifier and matched later by the import service.

``IntakeEncounter.scheduled_at`` may be naive: it then means the facility's local time, and the
import service makes it aware in the facility's time zone (a CSV schedule rarely states an
offset, and the parser cannot know the facility's zone).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _iso_date(value: Any) -> Any:
    """Only dates or ISO strings: pydantic would otherwise read '19800115' as a Unix time."""
    if isinstance(value, dt.datetime):
        raise ValueError("not a valid date")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("not a valid date")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("not a valid date and time")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]

Sex = Literal["F", "M", "U"]
GuarantorRelationship = Literal["self", "spouse", "parent", "other"]
SubscriberRelationship = Literal["18", "01", "19", "G8"]
EncounterType = Literal["outpatient", "inpatient", "emergency"]
EncounterStatus = Literal["scheduled", "arrived", "discharged", "cancelled"]
RecordKind = Literal["schedule", "registration", "update"]
Format = Literal["csv", "hl7v2", "fhir"]


class IntakeProblem(BaseModel):
    """One thing wrong with one source record: where (file, location, field) and what."""

    model_config = ConfigDict(frozen=True)

    file: str
    location: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.location}: {self.field}: {self.message}"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IntakeAddress(_Record):
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


class IntakePatient(IntakeAddress):
    mrn: str = Field(min_length=1, max_length=40)
    first_name: str = Field(min_length=1, max_length=80)
    middle_name: str = ""
    last_name: str = Field(min_length=1, max_length=80)
    date_of_birth: IsoDate
    sex: Sex = "U"
    phone: str = ""
    email: str = ""


class IntakeGuarantor(IntakeAddress):
    first_name: str = Field(min_length=1, max_length=80)
    last_name: str = Field(min_length=1, max_length=80)
    date_of_birth: IsoDate | None = None
    relationship_to_patient: GuarantorRelationship = "other"
    phone: str = ""


class IntakeCoverage(_Record):
    """A policy; the payer is named by its ID (clearinghouse or primary) and/or its name."""

    order: int = Field(ge=1, le=3)
    self_pay: bool = False
    payer_id: str = ""
    payer_name: str = ""
    plan_code: str = ""
    member_id: str = ""
    group_number: str = ""
    subscriber_relationship: SubscriberRelationship = "18"
    subscriber_first_name: str = ""
    subscriber_last_name: str = ""
    subscriber_date_of_birth: IsoDate | None = None
    subscriber_member_id: str = ""
    effective_date: IsoDate | None = None
    termination_date: IsoDate | None = None

    @model_validator(mode="after")
    def _payer_named(self) -> IntakeCoverage:
        if not self.payer_id and not self.payer_name and not self.self_pay:
            raise ValueError("a coverage needs a payer ID or a payer name")
        return self


class IntakeDiagnosis(_Record):
    sequence: int = Field(ge=1, le=12)
    icd10_code: str = Field(min_length=3, max_length=8)

    @field_validator("icd10_code")
    @classmethod
    def _undotted(cls, value: str) -> str:
        return value.replace(".", "").upper()


class IntakeServiceLine(_Record):
    line_number: int = Field(ge=1)
    cpt_hcpcs: str
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(default=Decimal(1), gt=0, max_digits=9, decimal_places=3)
    diagnosis_pointers: list[int] = Field(default_factory=list, max_length=4)
    charge: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)

    @field_validator("cpt_hcpcs", mode="before")
    @classmethod
    def _upper_code(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cpt_hcpcs")
    @classmethod
    def _five_characters(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z0-9]{5}", value):
            raise ValueError(f"{value or '(blank)'} is not a CPT/HCPCS code (5 letters or digits)")
        return value

    @field_validator("modifiers")
    @classmethod
    def _two_char_modifiers(cls, value: list[str]) -> list[str]:
        cleaned = [m.strip().upper() for m in value if m.strip()]
        for modifier in cleaned:
            if len(modifier) != 2 or not modifier.isalnum():
                raise ValueError(f"modifier {modifier!r} is not 2 letters or digits")
        return cleaned

    @field_validator("diagnosis_pointers")
    @classmethod
    def _pointers_in_range(cls, value: list[int]) -> list[int]:
        for pointer in value:
            if not 1 <= pointer <= 12:
                raise ValueError(f"diagnosis pointer {pointer} is not between 1 and 12")
        return value


class IntakeEncounter(_Record):
    external_id: str = Field(min_length=1, max_length=64)
    department_code: str = Field(min_length=1)
    rendering_provider_npi: str = Field(min_length=1)
    attending_provider_npi: str = ""
    encounter_type: EncounterType = "outpatient"
    scheduled_at: IsoDateTime
    status: EncounterStatus | None = None
    place_of_service: str = ""
    reason: str = Field(default="", max_length=200)
    diagnoses: list[IntakeDiagnosis] = Field(default_factory=list, max_length=12)
    service_lines: list[IntakeServiceLine] = Field(default_factory=list)

    @field_validator("place_of_service")
    @classmethod
    def _two_digits(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d{2}", value):
            raise ValueError(f"{value} is not a 2-digit place-of-service code")
        return value


class IntakeSource(_Record):
    """Where a record comes from; ``fields`` names the source field of each record field path."""

    file: str
    location: str
    format: Format
    fields: dict[str, str] = Field(default_factory=dict)


class IntakeRecord(_Record):
    """One source record: a patient, their guarantor and coverages, and maybe an encounter.

    ``facility_code`` is empty when the source does not say; the import then uses its default.
    """

    source: IntakeSource
    kind: RecordKind
    facility_code: str = ""
    patient: IntakePatient
    guarantor: IntakeGuarantor | None = None
    coverages: list[IntakeCoverage] = Field(default_factory=list, max_length=3)
    encounter: IntakeEncounter | None = None

    @field_validator("coverages")
    @classmethod
    def _distinct_orders(cls, value: list[IntakeCoverage]) -> list[IntakeCoverage]:
        orders = [c.order for c in value]
        if len(orders) != len(set(orders)):
            raise ValueError(f"two coverages share an order of benefits ({sorted(orders)})")
        return value


FieldNamer = Callable[[tuple[int | str, ...]], str]


def build_record(
    raw: dict[str, Any],
    source: IntakeSource,
    name_field: FieldNamer,
    origin: dict[str, str] | None = None,
) -> IntakeRecord | list[IntakeProblem]:
    """Validate ``raw`` into an ``IntakeRecord``, or report each invalid field by its source name.

    ``origin`` (record field path -> source field) is kept on the record so that the import can
    name the source field of a later model validation error too.
    """
    if origin:
        source = source.model_copy(update={"fields": dict(origin)})
    try:
        return IntakeRecord.model_validate({**raw, "source": source})
    except ValidationError as exc:
        return [
            IntakeProblem(
                file=source.file,
                location=source.location,
                field=name_field(tuple(error["loc"])),
                message=describe_error(error),
            )
            for error in exc.errors(include_url=False)
        ]


def describe_error(error: Any) -> str:
    """A pydantic error as a sentence that never repeats the value (it may be patient data)."""
    kind = error.get("type", "")
    if kind == "missing":
        return "required, missing"
    if kind.startswith("date"):
        return "not a valid date" if kind.startswith("date_") else "not a valid date and time"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"not one of {expected}"
    if kind == "string_too_short":
        return "required, blank"
    if kind.startswith("decimal"):
        return "not a number"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def origin_namer(origin: dict[str, str]) -> FieldNamer:
    """Name an error by the source field recorded for the longest prefix of its location."""

    def name(loc: tuple[int | str, ...]) -> str:
        parts = [str(p) for p in loc]
        for end in range(len(parts), 0, -1):
            key = ".".join(parts[:end])
            if key in origin:
                return origin[key]
        return ".".join(parts)

    return name


def problem(file: str, location: str, field: str, message: str) -> IntakeProblem:
    return IntakeProblem(file=file, location=location, field=field, message=message)


def join_loc(loc: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in loc)
