from __future__ import annotations

import pytest

from finclear.x12.reader import read
from finclear.x12.tree import Delimiters, Segment
from finclear.x12.writer import write, write_segments
from tests.unit.x12.texts import sample_835


@pytest.mark.parametrize("suffix", ["", "\n", "\r\n"])
def test_round_trip_is_exact(suffix: str) -> None:
    text = sample_835(suffix)
    assert write(read(text)) == text


def test_round_trip_keeps_irregular_whitespace_and_bom() -> None:
    text = "\ufeff" + sample_835("\n").replace("\nN3*", "\n  N3*").replace("\nLX*", "\r\nLX*")
    assert write(read(text.encode())) == text


def test_round_trip_without_final_line_break() -> None:
    text = sample_835("\n").rstrip("\n")
    assert write(read(text)) == text


def test_write_segments_with_other_delimiters() -> None:
    segments = [Segment(["ST", "835", "0001"]), Segment(["SE", "2", "0001"])]
    d = Delimiters(element="|", segment="!", suffix="\n")
    assert write_segments(segments, d) == "ST|835|0001!\nSE|2|0001!\n"
    assert write_segments(segments) == "ST*835*0001~SE*2*0001~"
