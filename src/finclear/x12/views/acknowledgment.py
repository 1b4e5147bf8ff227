"""Typed view of a 999 implementation acknowledgment (005010X231A1).

AK1 names the acknowledged group; each 2000 loop (AK2 ... IK5) one transaction set, with
its segment errors (2100: IK3, CTX) and their element errors (2110: IK4, CTX); AK9 the
group's result.
"""

from __future__ import annotations

from dataclasses import dataclass

from finclear.x12.tree import Loop, Segment
from finclear.x12.views.ack_codes import (
    ELEMENT_ERRORS,
    GROUP_ERRORS,
    GROUP_STATUSES,
    SEGMENT_ERRORS,
    TRANSACTION_ERRORS,
    TRANSACTION_STATUSES,
)
from finclear.x12.views.common import (
    TransactionLike,
    ViewError,
    child_loops,
    fail,
    find_loops,
    first_segment,
    root_of,
    text,
)


@dataclass(frozen=True, slots=True)
class ElementError:
    """An IK4: which element of the segment, and what is wrong with it."""

    position: int  # IK401-1
    component: int | None  # IK401-2
    repetition: int | None  # IK401-3
    reference: str  # IK402: data element reference number
    code: str  # IK403
    bad_value: str = ""  # IK404

    @property
    def meaning(self) -> str:
        return ELEMENT_ERRORS.get(self.code, self.code)


@dataclass(frozen=True, slots=True)
class SegmentError:
    """An IK3: which segment, in which loop, and what is wrong with it."""

    segment_id: str  # IK301
    position: int  # IK302: ordinal of the segment in the transaction set (ST is 1)
    loop: str  # IK303
    code: str  # IK304
    context: tuple[str, ...] = ()  # CTX01 of the 2100 loop, e.g. "CLM01:12345"
    elements: tuple[ElementError, ...] = ()

    @property
    def meaning(self) -> str:
        return SEGMENT_ERRORS.get(self.code, self.code)


@dataclass(frozen=True, slots=True)
class TransactionAck:
    transaction_set: str  # AK201
    control_number: str  # AK202
    convention: str  # AK203
    status: str  # IK501: A, E, R...
    codes: tuple[str, ...]  # IK502-IK506
    errors: tuple[SegmentError, ...]

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    @property
    def status_meaning(self) -> str:
        return TRANSACTION_STATUSES.get(self.status, self.status)

    @property
    def code_meanings(self) -> tuple[str, ...]:
        return tuple(TRANSACTION_ERRORS.get(code, code) for code in self.codes)


@dataclass(frozen=True, slots=True)
class AcknowledgmentView:
    control_number: str  # ST02
    functional_id: str  # AK101
    group_control_number: str  # AK102
    group_version: str  # AK103
    transactions: tuple[TransactionAck, ...]
    status: str  # AK901
    included: int  # AK902
    received: int  # AK903
    accepted: int  # AK904
    codes: tuple[str, ...]  # AK905-AK909

    @property
    def status_meaning(self) -> str:
        return GROUP_STATUSES.get(self.status, self.status)

    @property
    def code_meanings(self) -> tuple[str, ...]:
        return tuple(GROUP_ERRORS.get(code, code) for code in self.codes)

    @classmethod
    def from_transaction(cls, tx: TransactionLike) -> AcknowledgmentView:
        root, _ = root_of(tx, ("999",))
        st = first_segment(root, "ST")
        ak1 = first_segment(root, "AK1")
        ak9 = _find(root, "AK9")
        if ak9 is None:
            raise ViewError("999 has no AK9 segment")
        return cls(
            control_number=text(st, 2),
            functional_id=text(ak1, 1),
            group_control_number=text(ak1, 2),
            group_version=text(ak1, 3),
            transactions=tuple(_transaction(loop) for loop in find_loops(root, "2000")),
            status=ak9.get(1),
            included=_count(ak9, 2),
            received=_count(ak9, 3),
            accepted=_count(ak9, 4),
            codes=tuple(ak9.get(pos) for pos in range(5, 10) if ak9.get(pos)),
        )


def _find(root: Loop, seg_id: str) -> Segment | None:
    for loop in root.walk():
        seg = loop.segment(seg_id)
        if seg is not None:
            return seg
    return None


def _count(seg: Segment, pos: int) -> int:
    value = seg.get(pos)
    if not value.isdigit():
        raise fail(seg, pos, f"{value!r} is not a count")
    return int(value)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _transaction(loop: Loop) -> TransactionAck:
    ak2 = loop.segment("AK2")
    ik5 = loop.segment("IK5")
    return TransactionAck(
        transaction_set=text(ak2, 1),
        control_number=text(ak2, 2),
        convention=text(ak2, 3),
        status=text(ik5, 1),
        codes=tuple(text(ik5, pos) for pos in range(2, 7) if text(ik5, pos)),
        errors=tuple(_segment_error(seg_loop) for seg_loop in child_loops(loop, "2100")),
    )


def _segment_error(loop: Loop) -> SegmentError:
    ik3 = loop.segment("IK3")
    position = text(ik3, 2)
    elements = []
    for element_loop in child_loops(loop, "2110"):
        ik4 = element_loop.segment("IK4")
        if ik4 is None:
            continue
        where = [*ik4.components(1), "", "", ""]
        elements.append(
            ElementError(
                position=int(where[0]) if where[0].isdigit() else 0,
                component=_int_or_none(where[1]),
                repetition=_int_or_none(where[2]),
                reference=ik4.get(2),
                code=ik4.get(3),
                bad_value=ik4.get(4),
            )
        )
    return SegmentError(
        segment_id=text(ik3, 1),
        position=int(position) if position.isdigit() else 0,
        loop=text(ik3, 3),
        code=text(ik3, 4),
        context=tuple(seg.get(1) for seg in loop.segments_of("CTX")),
        elements=tuple(elements),
    )
