"""The reading helpers behind the typed views: grouping, padding and the value caches."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finclear.x12.tree import Delimiters, Loop, Segment
from finclear.x12.views.common import (
    DatePeriod,
    Procedure,
    ViewError,
    dtm_periods_of,
    padded,
    parse_date,
    procedure_of,
    segments_by_id,
)


def seg(*elements: str, component: str = ":") -> Segment:
    return Segment(list(elements), 3, Delimiters(component=component))


def test_segments_by_id_keeps_file_order() -> None:
    loop = Loop("2110", None, [seg("SVC", "HC:1"), seg("DTM", "472"), seg("DTM", "150")], [])
    groups = segments_by_id(loop)
    assert list(groups) == ["SVC", "DTM"]
    assert [s.get(1) for s in groups["DTM"]] == ["472", "150"]


@given(st.lists(st.text(max_size=3), min_size=1, max_size=6), st.integers(0, 10))
def test_padded_reads_as_get(elements: list[str], size: int) -> None:
    segment = Segment(elements)
    values = padded(segment, size)
    assert len(values) >= size
    assert all(values[pos] == segment.get(pos) for pos in range(1, size))
    assert segment.elements == elements  # the segment itself is left alone


def test_a_bad_date_fails_every_time() -> None:
    good = seg("DTM", "472", "20240131")
    assert parse_date(good, 2) == date(2024, 1, 31)
    assert parse_date(good, 2) == date(2024, 1, 31)
    bad = seg("DTM", "472", "20240231")
    for _ in range(2):
        with pytest.raises(ViewError, match="not a calendar date"):
            parse_date(bad, 2)


def test_dtm_periods_shared_values_and_errors() -> None:
    first = dtm_periods_of([seg("DTM", "232", "20240101"), seg("DTM", "233", "20240101")])
    again = dtm_periods_of([seg("DTM", "232", "20240101")])
    assert first == (
        DatePeriod("232", date(2024, 1, 1), date(2024, 1, 1)),
        DatePeriod("233", date(2024, 1, 1), date(2024, 1, 1)),
    )
    assert again == first[:1]
    assert dtm_periods_of(None) == ()
    with pytest.raises(ViewError):
        dtm_periods_of([seg("DTM", "232", "2024")])


def test_procedure_read_with_each_segments_own_separator() -> None:
    colon = procedure_of(seg("SVC", "HC:99213:25"), 1)
    greater = procedure_of(seg("SVC", "HC:99213:25", component=">"), 1)
    assert colon == Procedure("HC", "99213", ("25",))
    assert greater == Procedure("HC:99213:25", "", ())
    assert procedure_of(seg("SVC", "HC>99213>>26", component=">"), 1) == Procedure(
        "HC", "99213", ("26",)
    )
    assert procedure_of(seg("SVC", ""), 1) is None
