"""Making segments: elements, composites and repetitions joined with the chosen delimiters.

Values are checked as they go in: a value that holds a delimiter, or a control character,
would corrupt the interchange, so it raises an ``X12Error`` naming the segment and element.
Trailing empty elements and components are dropped, as the X12 syntax requires.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal

from finclear.x12.errors import X12Error
from finclear.x12.tree import Delimiters, Segment

# An element is a plain value, a composite (tuple of components) or a repetition (list).
Element = str | tuple[str, ...] | list[str] | list[tuple[str, ...]]


class SegmentMaker:
    """Builds segments for one set of delimiters."""

    def __init__(self, delimiters: Delimiters | None = None) -> None:
        self.delimiters = delimiters or Delimiters()
        d = self.delimiters
        self._forbidden = {d.element, d.component, d.repetition, d.segment}
        # One scan in C for a value to refuse (the loop below then names the character).
        self._refused = re.compile(
            "[\x00-\x1f" + "".join(re.escape(c) for c in sorted(self._forbidden) if c) + "]"
        )

    def __call__(self, seg_id: str, *elements: Element) -> Segment:
        values = [seg_id]
        refused = self._refused.search
        for pos, element in enumerate(elements, start=1):
            if type(element) is str and refused(element) is None:
                values.append(element)  # a plain value to keep as it is (most are)
            else:
                values.append(self._element(seg_id, pos, element))
        while len(values) > 1 and values[-1] == "":
            values.pop()
        return Segment(values, delimiters=self.delimiters)

    def _element(self, seg_id: str, pos: int, element: Element) -> str:
        if isinstance(element, str):
            return self._value(seg_id, pos, element)
        if isinstance(element, tuple):
            return self._composite(seg_id, pos, element)
        parts = [
            self._composite(seg_id, pos, item)
            if isinstance(item, tuple)
            else self._value(seg_id, pos, item)
            for item in element
        ]
        return self.delimiters.repetition.join(parts)

    def _composite(self, seg_id: str, pos: int, components: tuple[str, ...]) -> str:
        parts = [self._value(seg_id, pos, c) for c in components]
        while parts and parts[-1] == "":
            parts.pop()
        return self.delimiters.component.join(parts)

    def _value(self, seg_id: str, pos: int, value: str) -> str:
        if self._refused.search(value) is None:
            return value
        for char in value:
            if char in self._forbidden or ord(char) < 32:
                raise X12Error(
                    f"value {value!r} holds the character {char!r}, a delimiter or a "
                    "control character",
                    segment_id=seg_id,
                    element_position=pos,
                )
        return value


def number(value: Decimal | int | None) -> str:
    """An R or N0 value: no exponent, no needless trailing zeros ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise X12Error(f"{value} is not a finite number")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def money(value: Decimal | None) -> str:
    """A monetary amount in dollars and cents (``R``, "" for None); never rounds."""
    if value is None:
        return ""
    if value.is_finite() and value != value.quantize(Decimal("0.01")):
        raise X12Error(f"amount {value} has more than two decimal places")
    return number(value)


def ccyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value is not None else ""


def hhmm(value: time | datetime) -> str:
    return value.strftime("%H%M")


def period(start: date, end: date | None = None) -> tuple[str, str]:
    """(format qualifier, value) of a DTP date: D8 for one day, RD8 for a range."""
    if end is None or end == start:
        return "D8", ccyymmdd(start)
    return "RD8", f"{ccyymmdd(start)}-{ccyymmdd(end)}"


def procedure(
    qualifier: str, code: str, modifiers: Sequence[str] = (), description: str = ""
) -> tuple[str, ...]:
    """A composite medical procedure identifier (C003)."""
    mods = list(modifiers)[:4]
    if len(list(modifiers)) > 4:
        raise X12Error(f"procedure {code} has more than 4 modifiers")
    mods += [""] * (4 - len(mods))
    return (qualifier, code, *mods, description)


class Hierarchy:
    """Numbers HL segments in order: HL01 counts up, HL02 names the parent."""

    def __init__(self, make: SegmentMaker) -> None:
        self.make = make
        self.count = 0

    def hl(self, parent: str, level: str, has_children: bool | None) -> tuple[Segment, str]:
        """The HL segment and its HL01 (to pass as the children's parent).

        ``has_children`` None leaves HL04 out (277CA patient level).
        """
        self.count += 1
        own = str(self.count)
        child = "" if has_children is None else ("1" if has_children else "0")
        return self.make("HL", own, parent, level, child), own
