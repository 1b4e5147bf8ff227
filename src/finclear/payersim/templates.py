"""A cache of built 271 transaction sets, so a repeated answer is not rebuilt segment by segment.

Most of the simulator's time would go to ``build_271`` checking every character of a hundred
EB segments. Two answers that differ only in what each request brings (BHT03 reference, the
time, the TRN trace numbers echoed, ST02) share their segments: the cache builds the answer
once with placeholder traces, then copies it, rebuilding only BHT, TRN, ST and SE.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

from finclear.x12.build.eligibility import (
    VERSION,
    EligibilityAnswer,
    EligibilityResponse,
    MemberAnswer,
    build_271,
)
from finclear.x12.build.segments import SegmentMaker, ccyymmdd, hhmm
from finclear.x12.tree import Segment
from finclear.x12.views.common import Trace

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MARK = "FINCLEARSIMTRACE"


class _Key:
    """A response as a dict key, hashed once: a miss looks it up and then stores it, and the
    hash of a response walks every one of its hundred benefits."""

    __slots__ = ("hash", "value")

    def __init__(self, value: EligibilityResponse) -> None:
        self.value = value
        self.hash = hash(value)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self.hash == other.hash and self.value == other.value


class ResponseCache:
    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._built: dict[_Key, list[Segment]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def build_271(self, response: EligibilityResponse, control_number: str) -> list[Segment]:
        """The same segments as ``build_271(response, control_number)``."""
        traces: list[Trace] = []
        key = _Key(
            replace(
                response,
                reference="",
                created=_EPOCH,
                answers=tuple(_mark(answer, traces) for answer in response.answers),
            )
        )
        template = self._built.get(key)
        if template is None:
            template = build_271(key.value, "0001")
            with self._lock:
                self.misses += 1
                if len(self._built) >= self.max_entries:
                    self._built.clear()
                self._built[key] = template
        else:
            self.hits += 1
        return _fill(template, response, traces, control_number)


def _mark(answer: EligibilityAnswer, traces: list[Trace]) -> EligibilityAnswer:
    def member(m: MemberAnswer) -> MemberAnswer:
        marked = []
        for trace in m.traces:
            marked.append(Trace(trace.type, f"{_MARK}{len(traces)}"))
            traces.append(trace)
        return replace(m, traces=tuple(marked))

    dependent = member(answer.dependent) if answer.dependent is not None else None
    return EligibilityAnswer(member(answer.subscriber), dependent)


def _fill(
    template: list[Segment],
    response: EligibilityResponse,
    traces: list[Trace],
    control_number: str,
) -> list[Segment]:
    make = SegmentMaker(template[0].delimiters)
    created = response.created
    out: list[Segment] = []
    for seg in template:
        new: Segment | None = None
        sid = seg.elements[0]  # read once: a template holds a hundred segments
        if sid == "ST":
            new = make("ST", "271", control_number, VERSION)
        elif sid == "SE":
            new = make("SE", seg.get(1), control_number)
        elif sid == "BHT":
            new = make(
                "BHT",
                seg.get(1),
                seg.get(2),
                response.reference,
                ccyymmdd(created.date()),
                hhmm(created),
            )
        elif sid == "TRN" and seg.get(2).startswith(_MARK):
            trace = traces[int(seg.get(2)[len(_MARK) :])]
            new = make("TRN", trace.type, trace.reference, trace.originator, trace.secondary)
        if new is None:
            out.append(seg)
        else:
            new.position = seg.position
            out.append(new)
    return out
