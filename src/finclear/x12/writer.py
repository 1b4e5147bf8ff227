"""Writing X12: a document or a list of segments back to text.

Each segment is written with its own delimiters (its ``suffix`` included), so a document
read from a file is written back byte for byte, irregular line breaks and all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from finclear.x12.document import Interchange, X12Document
from finclear.x12.tree import Delimiters, Segment


def _render(segment: Segment, delimiters: Delimiters | None) -> str:
    d = delimiters or segment.delimiters
    return d.element.join(segment.elements) + d.segment + d.suffix


def write_segments(segments: Iterable[Segment], delimiters: Delimiters | None = None) -> str:
    """The segments as text: with ``delimiters`` when given, else each with its own."""
    if delimiters is not None:
        end = delimiters.segment + delimiters.suffix
        element = delimiters.element
        return "".join([element.join(seg.elements) + end for seg in segments])
    return "".join([_render(seg, None) for seg in segments])


def iter_interchange_segments(interchange: Interchange) -> Iterator[Segment]:
    """The interchange's segments in writing order: ISA, TA1s, groups, IEA."""
    yield interchange.isa
    yield from interchange.ta1s
    for group in interchange.groups:
        yield group.gs
        for transaction in group.transactions:
            yield from transaction.segments
        if group.ge is not None:
            yield group.ge
    if interchange.iea is not None:
        yield interchange.iea


def write(document: X12Document) -> str:
    """The document as text, exactly as it was read when it was read from text.

    Segments the reader reported as stray (outside any envelope) are not written.
    """
    parts = [document.prefix]
    for interchange in document.interchanges:
        parts.append(write_segments(iter_interchange_segments(interchange)))
    return "".join(parts)
