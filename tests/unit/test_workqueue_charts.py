"""The dashboard's SVG charts: escaped, proportional, described for screen readers."""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from finclear.reports.charts import Bar, build_bar_chart, build_rate_bar


def widths(svg: str) -> list[int]:
    return [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', svg)]


def test_bars_are_proportional_and_labels_escaped() -> None:
    svg = build_bar_chart(
        [Bar("<b>A&B</b>", 10), Bar("half", 5), Bar("none", 0)], title="T", chart_id="c"
    )
    ElementTree.fromstring(svg)  # well-formed
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in svg and "<b>" not in svg
    full, half, none = widths(svg)
    assert half * 2 in (full, full - 1) and none == 0
    assert 'role="img"' in svg and "<desc" in svg and "half: 5" in svg


def test_an_empty_chart_says_no_data() -> None:
    svg = build_bar_chart([], title="Nothing", chart_id="e")
    ElementTree.fromstring(svg)
    assert "no data" in svg


def test_rate_bar() -> None:
    assert widths(build_rate_bar(Decimal("50.0"), title="r", chart_id="r", width=200)) == [200, 100]
    assert 'aria-label="r: no data"' in build_rate_bar(None, title="r", chart_id="r")


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_no_bar_is_longer_than_the_longest_value_allows(values: list[int]) -> None:
    svg = build_bar_chart([Bar(str(i), v) for i, v in enumerate(values)], title="t", chart_id="p")
    ElementTree.fromstring(svg)
    drawn = widths(svg)
    assert len(drawn) == len(values)
    biggest = max(values)
    for value, width in zip(values, drawn, strict=True):
        assert width <= drawn[values.index(biggest)]
        if value == biggest and value > 0:
            assert width == max(drawn)
