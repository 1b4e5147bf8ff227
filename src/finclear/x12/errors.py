"""The X12 error type and the validation finding.

``X12Error`` is the one exception any malformed input may raise, from any part of
``finclear.x12``. Problems that do not stop reading are reported as ``Finding`` records
instead, so the good segments around a bad one are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class X12Error(Exception):
    """Malformed X12 input: says where (segment, element, line) and what, in words."""

    def __init__(
        self,
        message: str,
        *,
        segment_position: int | None = None,
        segment_id: str | None = None,
        element_position: int | None = None,
        line: int | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.segment_position = segment_position
        self.segment_id = segment_id
        self.element_position = element_position
        self.line = line
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.segment_position is not None:
            where.append(f"segment {self.segment_position}")
        if self.segment_id:
            element = (
                f" element {self.segment_id}{self.element_position:02d}"
                if self.element_position is not None
                else ""
            )
            where.append(f"{self.segment_id}{element}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class Severity(StrEnum):
    ERROR = "error"  # the input breaks the standard or the guide: a 999 rejects it
    WARNING = "warning"  # accepted, but worth telling (a guide variant read as another)
    INFO = "info"


class Level(StrEnum):
    """Which part of a 999 (or a TA1) a finding's ``code`` belongs to."""

    INTERCHANGE = "interchange"  # TA105 interchange note code ("001", "021"...)
    GROUP = "group"  # AK905 functional group syntax error code
    TRANSACTION = "transaction"  # IK502 transaction set syntax error code
    SEGMENT = "segment"  # IK304 segment syntax error code
    ELEMENT = "element"  # IK403 data element syntax error code
    DOCUMENT = "document"  # outside any envelope (encoding, stray text): no 999 code


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found while reading or validating.

    ``code`` is the 999 (or TA1) code for ``level``: an IK304 code for a segment problem,
    an IK403 code for an element problem, an IK502 code for a transaction, an AK905 code for a
    group, a TA105 code for an interchange; "" when no code applies (document level, info).
    Positions are 1-based; ``segment_position`` counts from ST (ST is 1), as in IK302, and is
    None for segments outside a transaction set; ``element_position`` and ``component`` are as
    in IK401 (component 0 means the whole element).
    """

    severity: Severity
    level: Level
    code: str
    message: str
    segment_position: int | None = None
    segment_id: str = ""
    element_position: int | None = None
    component: int = 0
    repetition: int = 0
    loop_id: str = ""
    element_ref: str = ""  # X12 data element reference number (IK404 / IK402)
    bad_value: str = ""  # the copy of the bad data element (IK404), never patient data in logs
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def describe(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.segment_position is not None:
            where.append(f"segment {self.segment_position}")
        if self.segment_id:
            name = self.segment_id
            if self.element_position:
                name += f"{self.element_position:02d}"
                if self.component:
                    name += f"-{self.component}"
            where.append(name)
        if self.loop_id:
            where.append(f"loop {self.loop_id}")
        code = f" [{self.level.value} {self.code}]" if self.code else ""
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{self.severity.value}{code}: {prefix}{self.message}"
