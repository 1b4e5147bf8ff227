"""The parsed form of a whole X12 file: interchanges, functional groups, transaction sets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from finclear.x12.errors import Finding
from finclear.x12.specs.model import TransactionSpec
from finclear.x12.tree import Delimiters, Loop, Segment


@dataclass(slots=True)
class Transaction:
    """One transaction set, ST to SE.

    ``segments`` holds every segment from ST to SE in file order (ST is position 1); ``root``
    is the loop tree over them built from ``spec`` (None when no guide is known). ``group``
    is set on the transactions of a stream (``iter_transactions``), which come without their
    document; a document from ``read`` holds its groups and transactions top down and sets no
    link back up (each would make the document a reference cycle, which only a full garbage
    collection frees: 0.2 ms of CPU per encounter of an eligibility batch).
    """

    st: Segment
    se: Segment | None = None
    segments: list[Segment] = field(default_factory=list)
    root: Loop | None = None
    spec: TransactionSpec | None = None
    findings: list[Finding] = field(default_factory=list)
    version: str = ""  # the guide version read from ST03, else GS08
    group: FunctionalGroup | None = field(default=None, repr=False, compare=False)

    @property
    def transaction_set(self) -> str:
        return self.st.get(1)

    @property
    def control_number(self) -> str:
        return self.st.get(2)


@dataclass(slots=True)
class FunctionalGroup:
    gs: Segment
    ge: Segment | None = None
    transactions: list[Transaction] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    interchange: Interchange | None = field(default=None, repr=False, compare=False)

    @property
    def functional_id(self) -> str:
        return self.gs.get(1)

    @property
    def control_number(self) -> str:
        return self.gs.get(6)

    @property
    def version(self) -> str:
        return self.gs.get(8)


@dataclass(slots=True)
class Interchange:
    isa: Segment
    iea: Segment | None = None
    groups: list[FunctionalGroup] = field(default_factory=list)
    delimiters: Delimiters = field(default_factory=Delimiters)
    ta1s: list[Segment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stray: list[Segment] = field(default_factory=list)  # segments outside any envelope, reported

    @property
    def control_number(self) -> str:
        return self.isa.get(13)

    @property
    def usage(self) -> str:
        """ISA15: P production, T test."""
        return self.isa.get(15)


@dataclass(slots=True)
class X12Document:
    """A file: its interchanges, and what surrounds them (kept so writing back is exact)."""

    interchanges: list[Interchange] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    source: str = "<string>"
    prefix: str = ""  # what precedes the first ISA (a byte order mark, blank lines)

    def transactions(self) -> Iterator[Transaction]:
        for interchange in self.interchanges:
            for group in interchange.groups:
                yield from group.transactions

    def all_findings(self) -> Iterator[Finding]:
        """Every finding of the document, its interchanges, groups and transactions."""
        yield from self.findings
        for interchange in self.interchanges:
            yield from interchange.findings
            for group in interchange.groups:
                yield from group.findings
                for transaction in group.transactions:
                    yield from transaction.findings

    @property
    def segment_count(self) -> int:
        count = 0
        for interchange in self.interchanges:
            count += 1 + len(interchange.ta1s) + (interchange.iea is not None)
            for group in interchange.groups:
                count += 1 + (group.ge is not None)
                count += sum(len(t.segments) for t in group.transactions)
        return count
