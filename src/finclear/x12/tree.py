"""The parsed form of X12: segments, loops, transactions, groups and interchanges.

This is the contract between the reader, the validator, the typed views and the builders.
Segments are kept flat, in file order, on their transaction (that is what the writer
serializes, byte for byte); loops are an index over them built by the generic loop parser
from a ``TransactionSpec``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from finclear.x12.specs.model import LoopSpec, SegmentSpec


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"
    suffix: str = ""  # what follows every segment terminator in the file ("\n", "\r\n" or "")


@dataclass(slots=True)
class Segment:
    """One segment. ``elements[0]`` is the segment ID, so ``elements[9]`` is ``NM109``."""

    elements: list[str]
    position: int = 0  # 1-based ordinal within its transaction set (ST is 1), as in 999 IK302
    delimiters: Delimiters = field(default_factory=Delimiters)
    spec: SegmentSpec | None = None

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, pos: int, component: int = 0) -> str:
        """Element ``pos`` (1-based), or its component ``component`` (1-based); "" if absent."""
        if pos >= len(self.elements):
            return ""
        value = self.elements[pos]
        if not component:
            return value
        parts = value.split(self.delimiters.component)
        return parts[component - 1] if component <= len(parts) else ""

    def components(self, pos: int) -> list[str]:
        value = self.get(pos)
        return value.split(self.delimiters.component) if value else []

    def repeats(self, pos: int) -> list[str]:
        value = self.get(pos)
        if not value:
            return []
        separator = self.delimiters.repetition
        return value.split(separator) if separator else [value]  # "" when ISA11 declares none


@dataclass(slots=True)
class Loop:
    """A loop instance: its own segments, then its child loops, in file order."""

    id: str
    spec: LoopSpec | None = None
    segments: list[Segment] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)

    def segment(self, seg_id: str, qualifier: str | None = None, pos: int = 1) -> Segment | None:
        """The first own segment ``seg_id`` (whose element ``pos`` equals ``qualifier``)."""
        for seg in self.segments:
            if seg.elements[0] == seg_id and (qualifier is None or seg.get(pos) == qualifier):
                return seg
        return None

    def segments_of(self, seg_id: str) -> list[Segment]:
        return [seg for seg in self.segments if seg.elements[0] == seg_id]

    def loop(self, loop_id: str) -> Loop | None:
        for child in self.loops:
            if child.id == loop_id:
                return child
        return None

    def loops_of(self, loop_id: str) -> list[Loop]:
        return [child for child in self.loops if child.id == loop_id]

    def walk(self) -> Iterator[Loop]:
        """This loop and every loop below it, depth first."""
        yield self
        for child in self.loops:
            yield from child.walk()
