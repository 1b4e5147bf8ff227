"""Streamed raw segments (``iter_pieces``) match the whole-text reader, segment for segment
and suffix for suffix, whatever the buffer size and the whitespace between segments."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.x12.lexer import iter_pieces
from finclear.x12.reader import read
from tests.unit.x12.texts import sample_835

WHITESPACE = st.sampled_from(["", "\n", "\r\n", "  \n", "\t"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    """One or two interchanges (the second with other delimiters), with any whitespace."""
    first = sample_835()
    second = sample_835().replace("*", "|").replace("~", "!").replace(":", ">")
    parts = [first] if draw(st.booleans()) else [first, second]
    out = []
    for part in parts:
        terminator = part[105]
        segments = part.split(terminator)[:-1]
        out.extend(segment + terminator + draw(WHITESPACE) for segment in segments)
    return "".join(out)


@settings(max_examples=100, deadline=None)
@given(texts(), st.sampled_from([7, 97, 1000, 1 << 20]))
def test_pieces_match_the_reader(text: str, chunk_size: int) -> None:
    streamed = list(iter_pieces(io.BytesIO(text.encode()), chunk_size))
    doc = read(text)
    expected = []
    for interchange in doc.interchanges:
        expected.append(interchange.isa)
        for group in interchange.groups:
            expected.append(group.gs)
            for transaction in group.transactions:
                expected.extend(transaction.segments)
            if group.ge is not None:
                expected.append(group.ge)
        if interchange.iea is not None:
            expected.append(interchange.iea)
    assert [piece for piece, _ in streamed] == [
        seg.delimiters.element.join(seg.elements) for seg in expected
    ]
    assert [d for _, d in streamed] == [seg.delimiters for seg in expected]
