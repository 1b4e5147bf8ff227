"""Validation, SNIP levels 1 and 2, driven by the implementation-guide specs.

Level 1 (integrity): envelopes, control numbers and counts, segment IDs, element data types
and lengths. Level 2 (requirements of the guide): segment order and loops, required
segments, loops and elements, maximum use, code values, X12 syntax notes (P, R, E, C, L),
"not used" segments and elements.

``validate(document)`` never raises; it returns a ``ValidationReport`` (shape below) from
which ``finclear.x12.acks`` builds a 999.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from finclear.x12.codesources import COUNTRY_CODE_REF, EXTERNAL_CODES, STATE_CODE_REF
from finclear.x12.document import FunctionalGroup, Interchange, Transaction, X12Document
from finclear.x12.errors import Finding, Level, Severity
from finclear.x12.gcpause import with_gc_paused
from finclear.x12.specs import common
from finclear.x12.specs.model import ElementSpec, LoopSpec, SegmentSpec, Usage
from finclear.x12.specs.registry import all_specs
from finclear.x12.tree import Loop, Segment

# -- the report ------------------------------------------------------------------------------


@dataclass(slots=True)
class SegmentErrors:
    """The findings about one segment of a transaction set: one 999 IK3 and its IK4s.

    ``codes`` are the IK304 codes; when the segment only has element errors, it is "8"
    (segment has data element errors), as the 999 requires.
    """

    position: int
    segment_id: str
    loop_id: str
    codes: list[str]
    elements: list[Finding]  # level ELEMENT: IK401 position/component, IK402 ref, IK403 code


@dataclass(slots=True)
class TransactionReport:
    """One transaction set's result: a 999 IK5 (and the AK2 that introduces it)."""

    transaction_set: str  # AK201
    control_number: str  # AK202
    version: str  # AK203: ST03, else GS08
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def ack_code(self) -> str:
        """IK501: A accepted, E accepted with warnings noted, R rejected."""
        if self.errors:
            return "R"
        if any(f.severity is Severity.WARNING and f.code for f in self.findings):
            return "E"
        return "A"

    @property
    def syntax_codes(self) -> list[str]:
        """IK502..IK506: transaction-level codes, "5" when segments are in error (at most 5)."""
        codes = [f.code for f in self.errors if f.level is Level.TRANSACTION and f.code]
        if any(f.level in (Level.SEGMENT, Level.ELEMENT) for f in self.errors):
            codes.append("5")
        return list(dict.fromkeys(codes))[:5]

    def segment_errors(self) -> list[SegmentErrors]:
        """Segment and element errors grouped by segment, in segment order (999 IK3/IK4)."""
        by_key: dict[tuple[int, str], SegmentErrors] = {}
        for f in self.errors:
            if f.level not in (Level.SEGMENT, Level.ELEMENT) or f.segment_position is None:
                continue
            key = (f.segment_position, f.segment_id)
            entry = by_key.get(key)
            if entry is None:
                entry = by_key[key] = SegmentErrors(f.segment_position, f.segment_id, "", [], [])
            if f.loop_id and not entry.loop_id:
                entry.loop_id = f.loop_id
            if f.level is Level.SEGMENT:
                if f.code not in entry.codes:
                    entry.codes.append(f.code)
            else:
                entry.elements.append(f)
        for entry in by_key.values():
            if not entry.codes:
                entry.codes.append("8")
        return [by_key[key] for key in sorted(by_key)]


@dataclass(slots=True)
class GroupReport:
    """One functional group's result: a 999 AK1 and AK9."""

    functional_id: str  # AK101 (GS01)
    control_number: str  # AK102 (GS06)
    version: str  # AK103 (GS08)
    declared_count: int | None  # GE01 as read (AK902 reports the transaction sets included)
    findings: list[Finding] = field(default_factory=list)  # group level: AK905 codes
    transactions: list[TransactionReport] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def received(self) -> int:
        """AK903."""
        return len(self.transactions)

    @property
    def accepted_count(self) -> int:
        """AK904."""
        return sum(1 for t in self.transactions if t.accepted)

    @property
    def ack_code(self) -> str:
        """AK901: A accepted, E accepted with errors noted, P partially accepted, R rejected."""
        if self.errors or (self.transactions and self.accepted_count == 0):
            return "R"
        if self.accepted_count < len(self.transactions):
            return "P"
        if any(t.ack_code == "E" for t in self.transactions):
            return "E"
        return "A"

    @property
    def syntax_codes(self) -> list[str]:
        """AK905..AK909."""
        return list(dict.fromkeys(f.code for f in self.errors if f.code))[:5]


@dataclass(slots=True)
class InterchangeReport:
    """One interchange's result; ``findings`` carry TA1 note codes (TA105)."""

    control_number: str  # ISA13
    findings: list[Finding] = field(default_factory=list)
    groups: list[GroupReport] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


@dataclass(slots=True)
class ValidationReport:
    """The result of ``validate``: a tree that mirrors the document.

    ``findings`` are document-level (encoding, text outside any interchange); each
    ``InterchangeReport`` has interchange-level findings and its ``GroupReport``s; each group
    has group-level findings and its ``TransactionReport``s, whose findings are every
    transaction, segment and element finding of that transaction set (the reader's and the
    validator's). Every finding names where it is (segment position from ST, segment ID,
    element position, component, loop ID) and what is wrong, in words, with its 999 code.
    """

    source: str
    findings: list[Finding] = field(default_factory=list)
    interchanges: list[InterchangeReport] = field(default_factory=list)

    def groups(self) -> Iterator[GroupReport]:
        for interchange in self.interchanges:
            yield from interchange.groups

    def transactions(self) -> Iterator[TransactionReport]:
        for group in self.groups():
            yield from group.transactions

    def all_findings(self) -> Iterator[Finding]:
        yield from self.findings
        for interchange in self.interchanges:
            yield from interchange.findings
            for group in interchange.groups:
                yield from group.findings
                for transaction in group.transactions:
                    yield from transaction.findings

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.all_findings() if f.severity is Severity.ERROR]

    @property
    def valid(self) -> bool:
        """True when nothing in the file is an error (warnings allowed)."""
        return not self.errors


# -- element checks ------------------------------------------------------------------------------

_REAL = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:E-?\d+)?")
_NUMERIC = re.compile(r"-?\d+")
_DIGITS = re.compile(r"\d+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATE_OK: dict[str, bool] = {}


def _valid_date(value: str) -> bool:
    known = _DATE_OK.get(value)
    if known is not None:
        return known
    ok = False
    if _DIGITS.fullmatch(value) and len(value) in (6, 8):
        if len(value) == 8:
            year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
        else:
            year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
        try:
            date(year, month, day)
            ok = True
        except ValueError:
            ok = False
    if len(_DATE_OK) < 100_000:
        _DATE_OK[value] = ok
    return ok


def _valid_time(value: str) -> bool:
    if not _DIGITS.fullmatch(value) or len(value) not in (4, 6, 7, 8):
        return False
    hours, minutes = int(value[:2]), int(value[2:4])
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return hours < 24 and minutes < 60 and seconds < 60


DATE_FORMAT_REF = "1250"  # Date Time Period Format Qualifier
DATE_PERIOD_REF = "1251"  # Date Time Period


def _valid_range(value: str) -> bool:
    start, _, end = value.partition("-")
    return len(start) == 8 and len(end) == 8 and _valid_date(start) and _valid_date(end)


def _valid_date_time(value: str) -> bool:
    return len(value) == 12 and _valid_date(value[:8]) and _valid_time(value[8:])


_DATE_FORMATS = {
    "D8": lambda v: len(v) == 8 and _valid_date(v),
    "D6": lambda v: len(v) == 6 and _valid_date(v),
    "RD8": _valid_range,
    "DT": _valid_date_time,
}


def _check_value(value: str, spec: ElementSpec) -> tuple[str, str] | None:
    """The IK403 code and the problem in words for one simple value, or None."""
    kind = spec.data_type
    if kind in ("AN", "ID"):
        size = len(value)
        if _CONTROL.search(value):
            return "6", "control character in the value"
    elif kind == "R":
        if not _REAL.fullmatch(value):
            return "6", f"{value[:20]!r} is not a decimal number"
        if "E" in value:
            size = sum(c.isdigit() for c in value)
        else:
            size = len(value) - ("." in value) - (value[0] == "-")
    elif kind.startswith("N") and kind[1:].isdigit():
        if not _NUMERIC.fullmatch(value):
            return "6", f"{value[:20]!r} is not a whole number (implied {kind[1:]} decimals)"
        size = len(value.lstrip("-"))
    elif kind == "DT":
        if not _valid_date(value) or not spec.min_len <= len(value) <= spec.max_len:
            fmt = "CCYYMMDD" if spec.min_len == 8 else "YYMMDD" if spec.max_len == 6 else "date"
            return "8", f"{value[:20]!r} is not a valid {fmt} date"
        return None
    elif kind == "TM":
        if not _valid_time(value) or not spec.min_len <= len(value) <= spec.max_len:
            return "9", f"{value[:20]!r} is not a valid HHMM[SS[d..]] time"
        return None
    else:
        size = len(value)
    if size < spec.min_len:
        return "4", f"too short: {size} characters, at least {spec.min_len}"
    if size > spec.max_len:
        return "5", f"too long: {size} characters, at most {spec.max_len}"
    if kind == "ID":
        if spec.codes is not None:
            if value not in spec.codes:
                return "7", f"{value[:20]!r} is not a valid code here"
        elif spec.ref in EXTERNAL_CODES:
            source, codes = EXTERNAL_CODES[spec.ref]
            if value not in codes:
                return "7", f"{value[:20]!r} is not in {source}"
    return None


@dataclass(frozen=True, slots=True)
class _Codes:
    """The quick check of a coded element: one of the codes that pass every check."""

    good: frozenset[str]

    def __call__(self, value: str) -> bool:
        return value in self.good


def _quick_check(spec: ElementSpec) -> Callable[[str], bool]:
    """A test that is True only for values ``_check_value`` passes, cheap for the common case
    (a false answer sends the value to ``_check_value`` for the exact finding)."""
    kind, low, high = spec.data_type, spec.min_len, spec.max_len
    codes = spec.codes
    if kind == "ID" and codes is None and spec.ref in EXTERNAL_CODES:
        codes = EXTERNAL_CODES[spec.ref][1]
    if kind == "ID" and codes is not None:
        return _Codes(frozenset(code for code in codes if _check_value(code, spec) is None))
    if kind in ("AN", "ID"):
        # a printable value has no control character
        return lambda value: low <= len(value) <= high and value.isprintable()
    if kind == "R":

        def real(value: str) -> bool:
            if not _REAL.fullmatch(value):
                return False
            if "E" in value:
                size = sum(c.isdigit() for c in value)
            else:
                size = len(value) - ("." in value) - (value[0] == "-")
            return low <= size <= high

        return real
    if kind.startswith("N") and kind[1:].isdigit():
        return lambda value: (
            bool(_NUMERIC.fullmatch(value)) and low <= len(value.lstrip("-")) <= high
        )
    if kind == "DT":
        return lambda value: _valid_date(value) and low <= len(value) <= high
    if kind == "TM":
        return lambda value: _valid_time(value) and low <= len(value) <= high
    return lambda value: low <= len(value) <= high


# how ``check_segment`` tests a single value before calling ``_Element.quick`` (see there)
_BY_QUICK, _BY_CODES, _BY_TEXT, _BY_REAL = range(4)


_QUICK: dict[int, tuple[ElementSpec, Callable[[str], bool]]] = {}


def _quick_of(spec: ElementSpec) -> Callable[[str], bool]:
    """``_quick_check`` of a component, worked out once."""
    found = _QUICK.get(id(spec))
    if found is None or found[0] is not spec:
        found = _QUICK[id(spec)] = (spec, _quick_check(spec))
    return found[1]


@dataclass(frozen=True, slots=True)
class _Element:
    """One element spec, worked out for checking."""

    spec: ElementSpec
    required: bool
    not_used: bool
    state: bool  # a state or province code: not checked in a foreign address
    composite: bool
    any_text: bool  # data type AN: a component separator is just a character
    quick: Callable[[str], bool]
    plain: bool  # neither composite nor "not used": a value is checked with ``quick`` alone
    test: int  # _BY_CODES: in ``good``; _BY_TEXT: printable, length; _BY_REAL: digits, one "."
    good: frozenset[str]  # the codes that pass every check (_BY_CODES)


def _element_plan(e: ElementSpec) -> _Element:
    quick = _quick_check(e)
    good: frozenset[str] = frozenset()
    test = _BY_QUICK
    if isinstance(quick, _Codes):
        test, good = _BY_CODES, quick.good
    elif e.data_type in ("AN", "ID"):
        test = _BY_TEXT
    elif e.data_type == "R":
        test = _BY_REAL
    return _Element(
        e,
        e.usage is Usage.REQUIRED,
        e.usage is Usage.NOT_USED,
        e.ref == STATE_CODE_REF,
        bool(e.components),
        e.data_type == "AN",
        quick,
        not e.components and e.usage is not Usage.NOT_USED,
        test,
        good,
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """What checking a segment spec takes, worked out once per spec."""

    syntax: tuple[tuple[str, str, tuple[int, ...], int], ...]  # note, kind, positions, lowest
    country_pos: int  # the country code element (ref 26), 0 when none
    date_pos: tuple[int, ElementSpec] | None  # (format qualifier position, date element)
    by_pos: dict[int, ElementSpec]
    elements: tuple[_Element, ...]  # in the spec's order
    in_order: bool  # the spec lists elements 1..n in order: elements[p - 1] is position p
    required: tuple[_Element, ...]  # the required elements, in the spec's order
    last_required: int  # the highest position of a required element, 0 when none
    # checked when it has no codes; a composite's qualifier is its first component
    qualifier: tuple[int, frozenset[str], ElementSpec] | None


_PLANS: dict[int, tuple[SegmentSpec, _Plan]] = {}


def _plan(spec: SegmentSpec) -> _Plan:
    found = _PLANS.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    syntax = []
    for note in spec.syntax:
        positions = tuple(int(note[i : i + 2]) for i in range(1, len(note) - 1, 2))
        syntax.append((note, note[:1], positions, min(positions, default=0)))
    country = next((e.pos for e in spec.elements if e.ref == COUNTRY_CODE_REF), 0)
    fmt = next((e for e in spec.elements if e.ref == DATE_FORMAT_REF), None)
    value = next((e for e in spec.elements if e.ref == DATE_PERIOD_REF), None)
    elements = tuple(_element_plan(e) for e in spec.elements)
    qualifier = None
    if spec.qualifier is not None:
        pos, allowed = spec.qualifier
        qualifier_spec = spec.elements[pos - 1] if 0 < pos <= len(spec.elements) else None
        if qualifier_spec is not None and qualifier_spec.codes is None:
            qualifier = (pos, allowed, qualifier_spec)
    plan = _Plan(
        tuple(syntax),
        country,
        (fmt.pos, value) if fmt is not None and value is not None else None,
        {e.pos: e for e in spec.elements},
        elements,
        [e.pos for e in spec.elements] == list(range(1, len(spec.elements) + 1)),
        tuple(e for e in elements if e.required),
        max((e.spec.pos for e in elements if e.required), default=0),
        qualifier,
    )
    _PLANS[id(spec)] = (spec, plan)
    return plan


class _Checker:
    """Validates the segments of one transaction, collecting findings."""

    def __init__(self, findings: list[Finding], level: Level = Level.ELEMENT) -> None:
        self.findings = findings
        self.level = level
        self.codes_for: dict[int, str] | None = None  # element position -> code (ISA: TA1)
        self.repeats = True  # False for the ISA, whose ISA11 is the repetition separator

    def element_finding(
        self,
        seg: Segment,
        loop_id: str,
        element: ElementSpec,
        code: str,
        message: str,
        component: int = 0,
        repetition: int = 0,
        value: str = "",
    ) -> None:
        level = self.level
        if self.codes_for is not None:
            code = self.codes_for.get(element.pos, "")
        self.findings.append(
            Finding(
                Severity.ERROR,
                level,
                code,
                f"{element.name}: {message}",
                segment_position=seg.position or None,
                segment_id=seg.elements[0],
                element_position=element.pos,
                component=component,
                repetition=repetition,
                loop_id=loop_id,
                element_ref=element.ref,
                bad_value=value[:80],
            )
        )

    def segment_finding(self, seg: Segment, loop_id: str, code: str, message: str) -> None:
        self.findings.append(
            Finding(
                Severity.ERROR,
                Level.SEGMENT,
                code,
                message,
                segment_position=seg.position or None,
                segment_id=seg.elements[0],
                loop_id=loop_id,
            )
        )

    def check_segment(self, seg: Segment, spec: SegmentSpec, loop_id: str) -> None:
        elements = seg.elements
        if spec.usage is Usage.NOT_USED:
            self.segment_finding(seg, loop_id, "I4", f"the guide does not use {spec.id} here")
            return
        specs = spec.elements
        count = len(elements)
        if count - 1 > len(specs):
            extra = len(specs) + 1
            self.findings.append(
                Finding(
                    Severity.ERROR,
                    self.level if self.codes_for is None else Level.INTERCHANGE,
                    "3" if self.codes_for is None else "",
                    f"too many data elements: {count - 1}, the guide has {len(specs)}",
                    segment_position=seg.position or None,
                    segment_id=elements[0],
                    element_position=extra,
                    loop_id=loop_id,
                )
            )
        plan = _plan(spec)
        foreign = False
        if plan.country_pos:
            country = elements[plan.country_pos] if plan.country_pos < count else ""
            foreign = country not in ("", "US", "CA")
        if plan.in_order:
            # elements present in the segment, then the required ones after its last
            planned = plan.elements
            component = seg.delimiters.component
            repetition = seg.delimiters.repetition if self.repeats else ""
            for pos in range(1, min(count, len(planned) + 1)):
                value = elements[pos]
                element = planned[pos - 1]
                if not value:
                    if element.required and not (foreign and element.state):
                        self.element_finding(seg, loop_id, element.spec, "1", "required, missing")
                    continue
                if (
                    element.plain
                    and not (foreign and element.state)
                    and (element.any_text or component not in value)
                    and (not repetition or repetition not in value)
                ):
                    # a single value: the common case, tested inline when it can be
                    test = element.test
                    if test == _BY_CODES:
                        ok = value in element.good
                    elif test == _BY_TEXT:
                        spec_ = element.spec
                        ok = spec_.min_len <= len(value) <= spec_.max_len and value.isprintable()
                    elif test == _BY_REAL:
                        digits = value.replace(".", "", 1)  # \d+.?\d* or .\d+ when decimal
                        ok = (
                            element.spec.min_len <= len(digits) <= element.spec.max_len
                            if digits.isdecimal()
                            else element.quick(value)
                        )
                    else:
                        ok = element.quick(value)
                    if ok:
                        continue
                self.check_element(seg, loop_id, element, value, foreign)
            if plan.last_required >= count:
                for element in plan.required:
                    if element.spec.pos >= count and not (foreign and element.state):
                        self.element_finding(seg, loop_id, element.spec, "1", "required, missing")
        else:
            for element in plan.elements:
                pos = element.spec.pos
                self.check_element(
                    seg, loop_id, element, elements[pos] if pos < count else "", foreign
                )
        qualifier = plan.qualifier
        if qualifier is not None:
            pos, allowed, qualifier_spec = qualifier
            value = elements[pos] if pos < count else ""
            if value and qualifier_spec.components:
                value = value.split(seg.delimiters.component, 1)[0]
            if value and value not in allowed:
                self.element_finding(
                    seg,
                    loop_id,
                    qualifier_spec,
                    "7",
                    f"{value[:20]!r} is not valid here",
                    value=value,
                )
        for note, kind, positions, lowest in plan.syntax:
            if lowest >= count:  # none of the elements is there
                if kind == "R":
                    self.check_syntax(
                        seg, spec, loop_id, note, positions, [False] * len(positions), plan.by_pos
                    )
                continue
            if len(positions) == 2:  # most notes: tested without building lists
                first, second = positions
                has_first = first < count and elements[first] != ""
                has_second = second < count and elements[second] != ""
                if kind == "P":
                    ok = has_first is has_second
                elif kind == "R":
                    ok = has_first or has_second
                elif kind == "E":
                    ok = not (has_first and has_second)
                else:  # C and L: the first needs the second
                    ok = not has_first or has_second
                if ok:
                    continue
                present = [has_first, has_second]
            else:
                present = [p < count and elements[p] != "" for p in positions]
                if kind == "P":
                    ok = all(present) or not any(present)
                elif kind == "R":
                    ok = any(present)
                elif kind == "E":
                    ok = sum(present) <= 1
                elif kind == "C":
                    ok = not present[0] or all(present)
                else:
                    ok = not present[0] or any(present[1:])
            if not ok:
                self.check_syntax(seg, spec, loop_id, note, positions, present, plan.by_pos)
        if plan.date_pos is not None:
            self.check_date_period(seg, loop_id, *plan.date_pos)

    def check_element(
        self, seg: Segment, loop_id: str, planned: _Element, value: str, foreign: bool
    ) -> None:
        element = planned.spec
        if foreign and planned.state:
            return
        if not value:
            if planned.required:
                self.element_finding(seg, loop_id, element, "1", "required, missing")
            return
        if planned.not_used:
            self.element_finding(
                seg, loop_id, element, "I10", "the guide does not use this element", value=value
            )
            return
        component = seg.delimiters.component
        repetition = seg.delimiters.repetition if self.repeats else ""
        if not (repetition and repetition in value):
            # one value: the common case
            if planned.composite:
                self.check_composite(seg, loop_id, element, value, component, 0)
            elif component in value and not planned.any_text:
                self.element_finding(
                    seg,
                    loop_id,
                    element,
                    "6",
                    "a component separator in a simple element",
                    value=value,
                )
            elif not planned.quick(value):
                problem = _check_value(value, element)
                if problem is not None:
                    self.element_finding(seg, loop_id, element, problem[0], problem[1], value=value)
            return
        values = value.split(repetition)
        if len(values) > element.repeat:
            self.element_finding(
                seg,
                loop_id,
                element,
                "12",
                f"{len(values)} repetitions, at most {element.repeat}",
                value=value,
            )
            return
        for rep, item in enumerate(values, 1):
            rep_no = rep if len(values) > 1 else 0
            if element.components:
                self.check_composite(seg, loop_id, element, item, component, rep_no)
                continue
            if component in item and element.data_type != "AN":
                self.element_finding(
                    seg,
                    loop_id,
                    element,
                    "6",
                    "a component separator in a simple element",
                    repetition=rep_no,
                    value=item,
                )
                continue
            problem = _check_value(item, element)
            if problem is not None:
                self.element_finding(
                    seg, loop_id, element, problem[0], problem[1], repetition=rep_no, value=item
                )

    def check_date_period(
        self, seg: Segment, loop_id: str, fmt_pos: int, value_spec: ElementSpec
    ) -> None:
        """A date or period (data element 1251) has the format its qualifier (1250) names."""
        elements = seg.elements
        fmt = elements[fmt_pos] if fmt_pos < len(elements) else ""
        value = elements[value_spec.pos] if value_spec.pos < len(elements) else ""
        if not value or fmt not in _DATE_FORMATS:
            return
        if not _DATE_FORMATS[fmt](value):
            self.element_finding(
                seg,
                loop_id,
                value_spec,
                "8",
                f"{value[:20]!r} is not a valid {fmt} date",
                value=value,
            )

    def check_composite(
        self, seg: Segment, loop_id: str, element: ElementSpec, value: str, sep: str, rep: int
    ) -> None:
        parts = value.split(sep)
        if len(parts) > len(element.components):
            self.element_finding(
                seg,
                loop_id,
                element,
                "13",
                f"{len(parts)} components, at most {len(element.components)}",
                repetition=rep,
                value=value,
            )
            return
        for comp in element.components:
            part = parts[comp.pos - 1] if comp.pos <= len(parts) else ""
            if not part:
                if comp.usage is Usage.REQUIRED:
                    self.element_finding(
                        seg, loop_id, element, "1", f"{comp.name}: required, missing", comp.pos, rep
                    )
                continue
            if comp.usage is Usage.NOT_USED:
                self.element_finding(
                    seg, loop_id, element, "I10", f"{comp.name}: not used", comp.pos, rep, part
                )
                continue
            if _quick_of(comp)(part):
                continue
            problem = _check_value(part, comp)
            if problem is not None:
                self.element_finding(
                    seg,
                    loop_id,
                    element,
                    problem[0],
                    f"{comp.name}: {problem[1]}",
                    comp.pos,
                    rep,
                    part,
                )

    def check_syntax(
        self,
        seg: Segment,
        spec: SegmentSpec,
        loop_id: str,
        note: str,
        positions: tuple[int, ...],
        present: list[bool],
        by_pos: dict[int, ElementSpec],
    ) -> None:
        """Report a broken syntax note (the caller found it broken)."""
        kind = note[:1]

        def report(pos: int, code: str, message: str) -> None:
            element = by_pos.get(pos) or ElementSpec(
                pos, f"{spec.id}{pos:02d}", Usage.SITUATIONAL, "AN"
            )
            self.element_finding(seg, loop_id, element, code, f"{message} (syntax note {note})")

        names = ", ".join(f"{spec.id}{p:02d}" for p in positions)
        if kind == "P":
            if any(present) and not all(present):
                missing = positions[present.index(False)]
                report(missing, "2", f"{names} are used together: {spec.id}{missing:02d} missing")
        elif kind == "R":
            if not any(present):
                report(positions[0], "2", f"at least one of {names} is required")
        elif kind == "E":
            if sum(present) > 1:
                second = positions[[i for i, p in enumerate(present) if p][1]]
                report(second, "10", f"only one of {names} may be used")
        elif kind == "C":
            if present[0] and not all(present[1:]):
                missing = positions[1:][present[1:].index(False)]
                report(missing, "2", f"{spec.id}{positions[0]:02d} requires {spec.id}{missing:02d}")
        elif kind == "L" and present[0] and not any(present[1:]):
            others = ", ".join(f"{spec.id}{p:02d}" for p in positions[1:])
            report(positions[1], "2", f"{spec.id}{positions[0]:02d} requires one of {others}")


# -- structure (loops, required segments, maximum use) -------------------------------------------


@dataclass(frozen=True, slots=True)
class _LoopPlan:
    """Where each child spec of a loop spec sits, and which children are required."""

    positions: dict[int, tuple[int, ...]]  # id(child spec) -> its indexes among the children
    required: frozenset[int]  # indexes of the required children
    # for the quick test that a loop instance has no structural finding at all
    required_segments: tuple[int, ...]  # id() of the required segment children
    required_loops: tuple[int, ...]  # id() of the required loop children
    max_use: dict[int, int]  # id(child spec) -> its maximum use, for the bounded ones


_LOOP_PLANS: dict[int, tuple[LoopSpec, _LoopPlan]] = {}


def _loop_plan(spec: LoopSpec) -> _LoopPlan:
    found = _LOOP_PLANS.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    positions: dict[int, tuple[int, ...]] = {}
    for i, child in enumerate(spec.children):
        positions[id(child)] = (*positions.get(id(child), ()), i)
    required = frozenset(
        i for i, child in enumerate(spec.children) if child.usage is Usage.REQUIRED
    )
    plan = _LoopPlan(
        positions,
        required,
        tuple(
            id(c) for c in spec.children if c.usage is Usage.REQUIRED and isinstance(c, SegmentSpec)
        ),
        tuple(
            id(c) for c in spec.children if c.usage is Usage.REQUIRED and isinstance(c, LoopSpec)
        ),
        {id(c): c.max_use for c in spec.children if c.max_use is not None},
    )
    _LOOP_PLANS[id(spec)] = (spec, plan)
    return plan


def _check_loop(checker: _Checker, loop: Loop) -> None:
    spec = loop.spec
    if spec is None:
        return
    plan = _loop_plan(spec)
    check_segment = checker.check_segment
    loop_id = loop.id
    counts: dict[int, list[Segment]] = {}
    for seg in loop.segments:
        seg_spec = seg.spec
        if seg_spec is not None:
            key = id(seg_spec)
            same = counts.get(key)
            if same is None:
                counts[key] = [seg]
            else:
                same.append(seg)
            check_segment(seg, seg_spec, loop_id)
    loop_counts: dict[int, list[Loop]] = {}
    for child in loop.loops:
        if child.spec is not None:
            loop_counts.setdefault(id(child.spec), []).append(child)
    if _structure_ok(plan, counts, loop_counts):
        for child in loop.loops:
            _check_loop(checker, child)
        return
    anchor = loop.segments[0] if loop.segments else None
    # only the children that are required or present can have a finding
    visit = set(plan.required)
    for key in (*counts, *loop_counts):
        visit.update(plan.positions.get(key, ()))
    children = spec.children
    for child_spec in [children[i] for i in sorted(visit)]:
        if isinstance(child_spec, SegmentSpec):
            found = counts.get(id(child_spec), [])
            if not found:
                if child_spec.usage is Usage.REQUIRED and anchor is not None:
                    checker.findings.append(
                        Finding(
                            Severity.ERROR,
                            Level.SEGMENT,
                            "3",
                            f"required segment {child_spec.id} ({child_spec.name}) missing",
                            segment_position=anchor.position or None,
                            segment_id=child_spec.id,
                            loop_id=loop.id,
                        )
                    )
            elif child_spec.max_use is not None and len(found) > child_spec.max_use:
                checker.segment_finding(
                    found[child_spec.max_use],
                    loop.id,
                    "5",
                    f"{child_spec.id} used {len(found)} times, at most {child_spec.max_use}",
                )
        else:
            instances = loop_counts.get(id(child_spec), [])
            if not instances:
                if child_spec.usage is Usage.REQUIRED and anchor is not None:
                    first = _first_segment(child_spec)
                    checker.findings.append(
                        Finding(
                            Severity.ERROR,
                            Level.SEGMENT,
                            "3",
                            f"required loop {child_spec.id} ({child_spec.name}) missing",
                            segment_position=anchor.position or None,
                            segment_id=first.id if first else "",
                            loop_id=child_spec.id,
                        )
                    )
            elif child_spec.max_use is not None and len(instances) > child_spec.max_use:
                extra = instances[child_spec.max_use]
                if extra.segments:
                    checker.segment_finding(
                        extra.segments[0],
                        child_spec.id,
                        "4",
                        f"loop {child_spec.id} occurs {len(instances)} times, "
                        f"at most {child_spec.max_use}",
                    )
    for child in loop.loops:
        _check_loop(checker, child)


def _structure_ok(
    plan: _LoopPlan, counts: dict[int, list[Segment]], loop_counts: dict[int, list[Loop]]
) -> bool:
    """True when the loop instance has every required child and none over its maximum use:
    the common case, told without walking the children in order (which finds the findings)."""
    for key in plan.required_segments:
        if key not in counts:
            return False
    for key in plan.required_loops:
        if key not in loop_counts:
            return False
    max_use = plan.max_use
    for key, segments in counts.items():
        if len(segments) > 1 and len(segments) > max_use.get(key, len(segments)):
            return False
    for key, loops in loop_counts.items():
        if len(loops) > 1 and len(loops) > max_use.get(key, len(loops)):
            return False
    return True


def _first_segment(spec: LoopSpec) -> SegmentSpec | None:
    for child in spec.children:
        if isinstance(child, SegmentSpec):
            return child
        found = _first_segment(child)
        if found is not None:
            return found
    return None


# -- envelopes -----------------------------------------------------------------------------------

_ISA_TA1_CODES = {
    1: "010",
    2: "011",
    3: "012",
    4: "013",
    5: "005",
    6: "006",
    7: "007",
    8: "008",
    9: "014",
    10: "015",
    11: "016",
    12: "017",
    13: "018",
    14: "019",
    15: "020",
    16: "027",
}
_GS_AK905_CODES = {1: "1", 6: "6", 8: "2"}


def _check_envelope_segment(
    seg: Segment, spec: SegmentSpec, level: Level, codes: dict[int, str]
) -> list[Finding]:
    found: list[Finding] = []
    checker = _Checker(found, level)
    checker.codes_for = codes
    checker.repeats = seg.elements[0] != "ISA"
    checker.check_segment(seg, spec, "")
    return found


def _known_sets() -> frozenset[str]:
    return frozenset(spec.transaction_set for spec in all_specs())


def check_transaction(transaction: Transaction, group: FunctionalGroup | None) -> TransactionReport:
    """Validate one transaction set: the reader's findings plus the guide's checks."""
    report = TransactionReport(
        transaction.transaction_set,
        transaction.control_number,
        transaction.version,
        list(transaction.findings),
    )
    findings = report.findings
    checker = _Checker(findings)
    st = transaction.st
    if group is not None and transaction.spec is not None:
        if transaction.spec.functional_id and group.functional_id != transaction.spec.functional_id:
            findings.append(
                Finding(
                    Severity.ERROR,
                    Level.TRANSACTION,
                    "6",
                    f"a {transaction.transaction_set} belongs in a functional group "
                    f"{transaction.spec.functional_id}, not {group.functional_id!r}",
                    segment_position=1,
                    segment_id="ST",
                    element_position=1,
                )
            )
        if st.get(3) and group.version and st.get(3) != group.version:
            findings.append(
                Finding(
                    Severity.ERROR,
                    Level.TRANSACTION,
                    "19",
                    f"ST03 {st.get(3)!r} differs from GS08 {group.version!r}",
                    segment_position=1,
                    segment_id="ST",
                    element_position=3,
                )
            )
    if transaction.spec is None or transaction.root is None:
        known = transaction.transaction_set in _known_sets()
        findings.append(
            Finding(
                Severity.ERROR,
                Level.TRANSACTION,
                "I6" if known else "1",
                f"no implementation guide for {transaction.transaction_set} "
                f"{transaction.version!r}: not validated",
                segment_position=1,
                segment_id="ST",
            )
        )
        return report
    _check_loop(checker, transaction.root)
    return report


@with_gc_paused
def validate(document: X12Document) -> ValidationReport:
    """SNIP 1 and 2 validation of every interchange, group and transaction set."""
    report = ValidationReport(document.source, list(document.findings))
    for interchange in document.interchanges:
        report.interchanges.append(_check_interchange(interchange))
    return report


def _check_interchange(interchange: Interchange) -> InterchangeReport:
    result = InterchangeReport(interchange.control_number, list(interchange.findings))
    isa = interchange.isa
    result.findings.extend(
        _check_envelope_segment(isa, common.ISA, Level.INTERCHANGE, _ISA_TA1_CODES)
    )
    raw_isa_length = (
        sum(len(e) for e in isa.elements) + len(isa.elements) - 1 + 1
    )  # elements, separators, terminator
    if raw_isa_length != 106:
        result.findings.append(
            Finding(
                Severity.ERROR,
                Level.INTERCHANGE,
                "022",
                f"the ISA segment is {raw_isa_length} characters long, it must be 106",
                segment_id="ISA",
            )
        )
    if interchange.iea is not None:
        result.findings.extend(
            _check_envelope_segment(interchange.iea, common.IEA, Level.INTERCHANGE, {})
        )
    for group in interchange.groups:
        group_report = GroupReport(
            group.functional_id,
            group.control_number,
            group.version,
            int(group.ge.get(1)) if group.ge is not None and group.ge.get(1).isdigit() else None,
            list(group.findings),
        )
        group_report.findings.extend(
            _check_envelope_segment(group.gs, common.GS, Level.GROUP, _GS_AK905_CODES)
        )
        if group.ge is not None:
            group_report.findings.extend(
                _check_envelope_segment(group.ge, common.GE, Level.GROUP, {})
            )
        seen: set[str] = set()
        for transaction in group.transactions:
            tx_report = check_transaction(transaction, group)
            if transaction.control_number in seen:
                tx_report.findings.append(
                    Finding(
                        Severity.ERROR,
                        Level.TRANSACTION,
                        "23",
                        f"ST02 {transaction.control_number!r} is used twice in the group",
                        segment_position=1,
                        segment_id="ST",
                        element_position=2,
                    )
                )
            seen.add(transaction.control_number)
            group_report.transactions.append(tx_report)
        result.groups.append(group_report)
    return result
