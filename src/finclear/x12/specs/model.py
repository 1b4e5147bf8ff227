"""The declarative model of an X12 implementation guide (TR3).

Every guide finclear reads or writes is described once, as data, with these dataclasses:
one module per guide under ``finclear.x12.specs`` exposes a ``SPEC: TransactionSpec``.
One generic loop parser and one validator are driven by them; no transaction has
hand-written parsing code.

Conventions (they follow the guides' own tables, so a maintainer can check them line by line):

* Element positions are 1-based, as in the guide (``NM109`` is ``pos=9`` of ``NM1``).
* ``max_use=None`` means unbounded (the guide's ">1").
* A segment or loop whose first segment carries an identifying code (``NM101 = IL``,
  ``HL03 = 22``) states it in ``qualifier``: the element position and the allowed values.
  The parser uses it to tell apart sibling segments and loops with the same segment ID.
* Composite elements list their components in ``components`` (positions 1-based inside the
  composite).
* ``syntax`` holds the X12 syntax notes of a segment in their standard notation:
  ``P0304`` (paired), ``R0203`` (at least one), ``E0102`` (exclusive), ``C0405`` (if the
  first, then all the others), ``L010203`` (if the first, then at least one of the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Usage(StrEnum):
    REQUIRED = "R"
    SITUATIONAL = "S"
    NOT_USED = "N"


@dataclass(frozen=True, slots=True)
class ElementSpec:
    pos: int
    name: str
    usage: Usage
    data_type: str  # AN, ID, DT, TM, N0, N2, R, B, ...  ("" for a composite)
    min_len: int = 1
    max_len: int = 80
    codes: frozenset[str] | None = None  # allowed values for ID elements, when the guide lists them
    repeat: int = 1  # repetitions allowed (element repetition separator)
    components: tuple[ElementSpec, ...] = ()  # for composites
    ref: str = ""  # X12 data element number, e.g. "98"


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    id: str
    name: str
    usage: Usage
    max_use: int | None = 1
    elements: tuple[ElementSpec, ...] = ()
    qualifier: tuple[int, frozenset[str]] | None = None
    syntax: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoopSpec:
    """A loop. Its first child is the loop's trigger segment."""

    id: str  # the guide's loop ID, e.g. "2000A", "2100C"
    name: str
    usage: Usage
    max_use: int | None = 1
    children: tuple[SegmentSpec | LoopSpec, ...] = field(default_factory=tuple)

    @property
    def trigger(self) -> SegmentSpec:
        first = self.children[0]
        assert isinstance(first, SegmentSpec)
        return first


@dataclass(frozen=True, slots=True)
class TransactionSpec:
    """One implementation guide: ST01 + GS08 identify it.

    ``root`` is the pseudo-loop of the whole transaction set, from ST to SE (its id is "ST").
    """

    transaction_set: str  # ST01, e.g. "835"
    version: str  # GS08 / ST03, e.g. "005010X221A1"
    name: str
    functional_id: str  # GS01, e.g. "HP"
    root: LoopSpec
    aliases: tuple[str, ...] = ()  # other GS08 values accepted for this guide (e.g. "005010X222")
    source: str = ""  # where the structure was taken from (guide, pyx12 map + license)
