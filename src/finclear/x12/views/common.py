"""Value types and helpers shared by the typed views and the builders.

The views read a parsed transaction's loop tree; they never assume how deeply the spec nests
the hierarchical (HL) loops or whether it wraps tables in HEADER/DETAIL/FOOTER pseudo-loops:
loops are found by their guide ID anywhere in the tree, and HL parents by HL02.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

from finclear.x12.errors import X12Error
from finclear.x12.tree import Loop, Segment
from finclear.x12.views.frozen import fast_init


class TransactionLike(Protocol):
    """What a view needs of a parsed transaction: its loop tree (None when no guide is known)."""

    @property
    def root(self) -> Loop | None: ...


class ViewError(X12Error):
    """A value in a transaction that a typed view cannot read (a bad date, amount...)."""


def fail(seg: Segment, pos: int, problem: str) -> ViewError:
    return ViewError(
        problem, segment_position=seg.position, segment_id=seg.id, element_position=pos
    )


@fast_init
@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class Party:
    """An NM1 (or N1) entity with its N3/N4 address when the loop has one."""

    entity: str  # NM101 / N101 entity identifier code, e.g. IL, PR, 1P
    name: str  # NM103 last or organization name / N102
    first_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    entity_type: str = ""  # NM102: 1 person, 2 non-person
    id_qualifier: str = ""  # NM108 / N103
    id: str = ""  # NM109 / N104
    address: Address | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class DatePeriod:
    """A DTP or DTM date: one day (start == end) or a range (RD8)."""

    qualifier: str
    start: date
    end: date


@fast_init
@dataclass(frozen=True, slots=True)
class Reference:
    qualifier: str  # REF01
    value: str  # REF02
    description: str = ""  # REF03


@fast_init
@dataclass(frozen=True, slots=True)
class Trace:
    """A TRN trace number."""

    type: str  # TRN01: 1 current transaction, 2 referenced transaction
    reference: str  # TRN02
    originator: str = ""  # TRN03
    secondary: str = ""  # TRN04


@fast_init
@dataclass(frozen=True, slots=True)
class Amount:
    qualifier: str
    amount: Decimal


@fast_init
@dataclass(frozen=True, slots=True)
class Quantity:
    qualifier: str
    quantity: Decimal


@fast_init
@dataclass(frozen=True, slots=True)
class Procedure:
    """A composite medical procedure identifier (SVC01, EB13, SV101...)."""

    qualifier: str  # HC, AD, ER, IV, N4, NU, WK, ZZ...
    code: str
    modifiers: tuple[str, ...] = ()
    description: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class RequestError:
    """An AAA request validation: why a payer could not answer, and what to do next."""

    loop: str  # the loop it appeared in, e.g. 2100C
    valid_request: str  # AAA01: Y or N
    code: str  # AAA03 reject reason
    follow_up: str  # AAA04 follow-up action

    @property
    def meaning(self) -> str:
        return REJECT_REASONS.get(self.code, self.code)

    @property
    def follow_up_meaning(self) -> str:
        return FOLLOW_UP_ACTIONS.get(self.follow_up, self.follow_up)


# AAA03 reject reason codes (data element 901) used by X279A1, X217 and X212.
REJECT_REASONS: dict[str, str] = {
    "04": "Authorized Quantity Exceeded",
    "15": "Required application data missing",
    "33": "Input Errors",
    "35": "Out of Network",
    "41": "Authorization/Access Restrictions",
    "42": "Unable to Respond at Current Time",
    "43": "Invalid/Missing Provider Identification",
    "44": "Invalid/Missing Provider Name",
    "45": "Invalid/Missing Provider Specialty",
    "46": "Invalid/Missing Provider Phone Number",
    "47": "Invalid/Missing Provider State",
    "48": "Invalid/Missing Referring Provider Identification Number",
    "49": "Provider is Not Primary Care Physician",
    "50": "Provider Ineligible for Inquiries",
    "51": "Provider Not on File",
    "52": "Service Dates Not Within Provider Plan Enrollment",
    "53": "Inquired Benefit Inconsistent with Provider Type",
    "54": "Inappropriate Product/Service ID Qualifier",
    "55": "Inappropriate Product/Service ID",
    "56": "Inappropriate Date",
    "57": "Invalid/Missing Date(s) of Service",
    "58": "Invalid/Missing Date-of-Birth",
    "60": "Date of Birth Follows Date(s) of Service",
    "61": "Date of Death Precedes Date(s) of Service",
    "62": "Date of Service Not Within Allowable Inquiry Period",
    "63": "Date of Service in Future",
    "64": "Invalid/Missing Patient ID",
    "65": "Invalid/Missing Patient Name",
    "66": "Invalid/Missing Patient Gender Code",
    "67": "Patient Not Found",
    "68": "Duplicate Patient ID Number",
    "69": "Inconsistent with Patient's Age",
    "70": "Inconsistent with Patient's Gender",
    "71": "Patient Birth Date Does Not Match That for the Patient on the Database",
    "72": "Invalid/Missing Subscriber/Insured ID",
    "73": "Invalid/Missing Subscriber/Insured Name",
    "74": "Invalid/Missing Subscriber/Insured Gender Code",
    "75": "Subscriber/Insured Not Found",
    "76": "Duplicate Subscriber/Insured ID Number",
    "77": "Subscriber Found, Patient Not Found",
    "78": "Subscriber/Insured Not in Group/Plan Identified",
    "79": "Invalid Participant Identification",
    "80": "No Response received - Transaction Terminated",
    "97": "Invalid or Missing Provider Address",
    "98": "Experimental Service or Procedure",
    "AA": "Authorization Number Not Found",
    "AE": "Requires Primary Care Physician Authorization",
    "AF": "Invalid/Missing Diagnosis Code(s)",
    "AG": "Invalid/Missing Procedure Code(s)",
    "AO": "Additional Patient Condition Information Required",
    "CI": "Certification Information Does Not Match Patient",
    "E8": "Requires Medical Review",
    "IA": "Invalid Authorization Number Format",
    "MA": "Missing Authorization Number",
    "T4": "Payer Name or Identifier Missing",
}

# AAA04 follow-up action codes (data element 889).
FOLLOW_UP_ACTIONS: dict[str, str] = {
    "C": "Please Correct and Resubmit",
    "N": "Resubmission Not Allowed",
    "P": "Please Resubmit Original Transaction",
    "R": "Resubmission Allowed",
    "S": "Do Not Resubmit; Inquiry Initiated to a Third Party",
    "W": "Please Wait 30 Days and Resubmit",
    "X": "Please Wait 10 Days and Resubmit",
    "Y": "Do Not Resubmit; We Will Hand Over Your Request",
}


# -- reading helpers ---------------------------------------------------------------------------

_TABLES = frozenset({"ST", "HEADER", "DETAIL", "FOOTER", "TABLE1", "TABLE2", "TABLE3"})


def root_of(tx: TransactionLike, allowed: tuple[str, ...]) -> tuple[Loop, str]:
    """The loop tree of ``tx`` and its ST01, which must be one of ``allowed``."""
    root = tx.root
    if root is None:
        raise ViewError("the transaction has no loop tree: its guide is not known")
    st = first_segment(root, "ST")
    if st is None:
        raise ViewError("the transaction has no ST segment")
    if st.get(1) not in allowed:
        raise fail(st, 1, f"transaction set {st.get(1)!r} is not one of {', '.join(allowed)}")
    return root, st.get(1)


def table_segments(root: Loop) -> Iterator[Segment]:
    """The segments outside any guide loop: the root's and those of table pseudo-loops."""
    yield from root.segments
    for child in root.loops:
        if child.id in _TABLES:
            yield from table_segments(child)


def first_segment(root: Loop, seg_id: str) -> Segment | None:
    for seg in table_segments(root):
        if seg.id == seg_id:
            return seg
    return None


def find_loops(root: Loop, loop_id: str) -> list[Loop]:
    return [loop for loop in root.walk() if loop.id == loop_id]


def first_loop(root: Loop, loop_id: str) -> Loop | None:
    for loop in root.walk():
        if loop.id == loop_id:
            return loop
    return None


def child_loops(loop: Loop, loop_id: str) -> list[Loop]:
    """Loops ``loop_id`` below ``loop`` that do not belong to a deeper HL loop."""
    found: list[Loop] = []
    for child in loop.loops:
        if child.id == loop_id:
            found.append(child)
        elif child.segment("HL") is None:
            found.extend(child_loops(child, loop_id))
    return found


def child_loop(loop: Loop, loop_id: str) -> Loop | None:
    loops = child_loops(loop, loop_id)
    return loops[0] if loops else None


def hl_id(loop: Loop) -> str:
    hl = loop.segment("HL")
    return hl.get(1) if hl else ""


def hl_parent(loop: Loop) -> str:
    hl = loop.segment("HL")
    return hl.get(2) if hl else ""


def text(seg: Segment | None, pos: int, component: int = 0) -> str:
    return seg.get(pos, component) if seg is not None else ""


def padded(seg: Segment, size: int) -> list[str]:
    """The segment's elements (ID first), padded with "" to at least ``size``: element ``n``
    is then ``padded(seg, size)[n]`` for any ``n < size``, as ``seg.get(n)`` would read it."""
    elements = seg.elements
    if len(elements) >= size:
        return elements
    return elements + [""] * (size - len(elements))


def decimal_or_none(seg: Segment | None, pos: int, component: int = 0) -> Decimal | None:
    if seg is None:
        return None
    return decimal_value(seg, pos, seg.get(pos, component))


def decimal_value(seg: Segment, pos: int, value: str) -> Decimal | None:
    """``value``, read from element ``pos`` of ``seg`` (named in the error), as a number;
    None when it is empty."""
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise fail(seg, pos, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise fail(seg, pos, f"{value!r} is not a finite number")
    return number


def decimal_of(seg: Segment, pos: int, component: int = 0) -> Decimal:
    number = decimal_value(seg, pos, seg.get(pos, component))
    if number is None:
        raise fail(seg, pos, "amount is missing")
    return number


_DATES: dict[str, date] = {}  # dates already read: files repeat a few dates many times


def parse_date(seg: Segment, pos: int, value: str | None = None) -> date:
    """A CCYYMMDD date (element ``pos`` of ``seg`` unless ``value`` is given)."""
    raw = seg.get(pos) if value is None else value
    day = _DATES.get(raw)
    if day is not None:
        return day
    if len(raw) != 8 or not raw.isdigit():
        raise fail(seg, pos, f"{raw!r} is not a CCYYMMDD date")
    try:
        day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise fail(seg, pos, f"{raw!r} is not a calendar date") from None
    if len(_DATES) < 10_000:
        _DATES[raw] = day
    return day


def date_or_none(seg: Segment | None, pos: int) -> date | None:
    if seg is None or not seg.get(pos):
        return None
    return parse_date(seg, pos)


def parse_period(seg: Segment, qualifier_pos: int = 1) -> DatePeriod:
    """A DTP (qualifier, format D8/RD8, value) starting at ``qualifier_pos``."""
    qualifier = seg.get(qualifier_pos)
    fmt = seg.get(qualifier_pos + 1)
    pos = qualifier_pos + 2
    raw = seg.get(pos)
    if fmt == "RD8":
        first, sep, last = raw.partition("-")
        if not sep:
            raise fail(seg, pos, f"{raw!r} is not a CCYYMMDD-CCYYMMDD range")
        return DatePeriod(qualifier, parse_date(seg, pos, first), parse_date(seg, pos, last))
    if fmt not in ("D8", ""):
        raise fail(seg, qualifier_pos + 1, f"date format {fmt!r} is not D8 or RD8")
    day = parse_date(seg, pos)
    return DatePeriod(qualifier, day, day)


def segments_by_id(loop: Loop) -> dict[str, list[Segment]]:
    """The loop's own segments grouped by segment ID, in file order: one pass over the loop
    for a view that reads many kinds of segment from it."""
    groups: dict[str, list[Segment]] = {}
    for seg in loop.segments:
        sid = seg.elements[0]
        found = groups.get(sid)
        if found is None:
            groups[sid] = [seg]
        else:
            found.append(seg)
    return groups


def first_with(segments: list[Segment] | None, qualifier: str, pos: int = 1) -> Segment | None:
    """The first of ``segments`` whose element ``pos`` is ``qualifier`` (as ``Loop.segment``)."""
    for seg in segments or ():
        if seg.get(pos) == qualifier:
            return seg
    return None


def dtp_periods(loop: Loop) -> tuple[DatePeriod, ...]:
    return tuple(parse_period(seg) for seg in loop.segments_of("DTP"))


def dtm_periods(loop: Loop) -> tuple[DatePeriod, ...]:
    """DTM dates (qualifier, CCYYMMDD) as one-day periods."""
    return dtm_periods_of(loop.segments_of("DTM"))


_DAYS: dict[tuple[str, str], DatePeriod] = {}  # one-day periods by (qualifier, CCYYMMDD)


def dtm_periods_of(segments: list[Segment] | None) -> tuple[DatePeriod, ...]:
    if not segments:
        return ()
    periods = []
    for seg in segments:
        e = seg.elements if len(seg.elements) >= 3 else padded(seg, 3)
        key = (e[1], e[2])
        found = _DAYS.get(key)
        if found is None:
            day = parse_date(seg, 2, e[2])
            found = DatePeriod(e[1], day, day)
            if len(_DAYS) < 10_000:
                _DAYS[key] = found
        periods.append(found)
    return tuple(periods)


def period(periods: tuple[DatePeriod, ...], *qualifiers: str) -> DatePeriod | None:
    for item in periods:
        if item.qualifier in qualifiers:
            return item
    return None


def references(loop: Loop) -> tuple[Reference, ...]:
    return references_of(loop.segments_of("REF"))


def references_of(segments: list[Segment] | None) -> tuple[Reference, ...]:
    if not segments:
        return ()
    return tuple([Reference(*padded(seg, 4)[1:4]) for seg in segments])


def reference(loop: Loop | None, qualifier: str) -> str:
    if loop is None:
        return ""
    seg = loop.segment("REF", qualifier)
    return seg.get(2) if seg else ""


def traces(loop: Loop) -> tuple[Trace, ...]:
    return tuple(
        Trace(seg.get(1), seg.get(2), seg.get(3), seg.get(4)) for seg in loop.segments_of("TRN")
    )


def amounts(loop: Loop) -> tuple[Amount, ...]:
    return amounts_of(loop.segments_of("AMT"))


def amounts_of(segments: list[Segment] | None) -> tuple[Amount, ...]:
    if not segments:
        return ()
    return tuple([Amount(seg.get(1), decimal_of(seg, 2)) for seg in segments])


def quantities(loop: Loop) -> tuple[Quantity, ...]:
    return quantities_of(loop.segments_of("QTY"))


def quantities_of(segments: list[Segment] | None) -> tuple[Quantity, ...]:
    if not segments:
        return ()
    return tuple([Quantity(seg.get(1), decimal_of(seg, 2)) for seg in segments])


def request_errors(loop: Loop) -> tuple[RequestError, ...]:
    return tuple(
        RequestError(loop.id, seg.get(1), seg.get(3), seg.get(4)) for seg in loop.segments_of("AAA")
    )


def address_of(loop: Loop) -> Address | None:
    n3 = loop.segment("N3")
    n4 = loop.segment("N4")
    if n3 is None and n4 is None:
        return None
    return Address(
        line1=text(n3, 1),
        line2=text(n3, 2),
        city=text(n4, 1),
        state=text(n4, 2),
        postal_code=text(n4, 3),
        country=text(n4, 4),
    )


def party_of(loop: Loop | None, seg_id: str = "NM1", entity: str | None = None) -> Party | None:
    """The NM1 (or N1) entity of ``loop`` with the loop's N3/N4 address."""
    if loop is None:
        return None
    seg = loop.segment(seg_id, entity)
    if seg is None:
        return None
    if seg_id == "N1":
        return Party(
            entity=seg.get(1),
            name=seg.get(2),
            id_qualifier=seg.get(3),
            id=seg.get(4),
            address=address_of(loop),
        )
    return party_of_nm1(seg, address_of(loop))


def party_of_nm1(seg: Segment, address: Address | None = None) -> Party:
    e = padded(seg, 10)
    return Party(
        entity=e[1],
        entity_type=e[2],
        name=e[3],
        first_name=e[4],
        middle_name=e[5],
        suffix=e[7],
        id_qualifier=e[8],
        id=e[9],
        address=address,
    )


_PROCEDURES: dict[str, Procedure] = {}  # by separator + composite: files repeat their codes


def procedure_of(seg: Segment, pos: int) -> Procedure | None:
    value = seg.get(pos)
    if not value:
        return None
    separator = seg.delimiters.component
    key = separator + value
    found = _PROCEDURES.get(key)
    if found is not None:
        return found
    parts = value.split(separator)
    parts += [""] * (8 - len(parts))
    procedure = Procedure(parts[0], parts[1], tuple(filter(None, parts[2:6])), parts[6])
    if len(_PROCEDURES) < 10_000:
        _PROCEDURES[key] = procedure
    return procedure


def hl_index(root: Loop) -> dict[str, Loop]:
    """Every HL loop of the transaction by its HL01."""
    return {hl_id(loop): loop for loop in root.walk() if loop.segment("HL") is not None}


def hl_children(index: dict[str, Loop], parent: Loop) -> list[Loop]:
    parent_id = hl_id(parent)
    return [loop for loop in index.values() if hl_parent(loop) == parent_id]


def hl_level(loop: Loop) -> str:
    """HL03, the hierarchical level code (20 source, 21 receiver, 22 subscriber...)."""
    hl = loop.segment("HL")
    return hl.get(3) if hl else ""


def child_loop_prefixed(loop: Loop, prefix: str) -> Loop | None:
    """The first loop below ``loop`` (outside deeper HL loops) whose ID starts with ``prefix``."""
    for child in loop.loops:
        if child.id.startswith(prefix):
            return child
        if child.segment("HL") is None:
            found = child_loop_prefixed(child, prefix)
            if found is not None:
                return found
    return None


def child_loops_prefixed(loop: Loop, prefix: str) -> list[Loop]:
    found: list[Loop] = []
    for child in loop.loops:
        if child.id.startswith(prefix):
            found.append(child)
        elif child.segment("HL") is None:
            found.extend(child_loops_prefixed(child, prefix))
    return found


def hl_ancestor(
    index: dict[str, Loop], loop: Loop, loop_id: str = "", level: str = ""
) -> Loop | None:
    """The nearest HL ancestor of ``loop`` with loop ID ``loop_id`` (or HL03 ``level``)."""
    seen: set[str] = set()
    current = index.get(hl_parent(loop))
    while current is not None and hl_id(current) not in seen:
        if (loop_id and current.id == loop_id) or (level and hl_level(current) == level):
            return current
        seen.add(hl_id(current))
        current = index.get(hl_parent(current))
    return None
