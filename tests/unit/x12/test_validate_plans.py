"""The validator's precompiled checks agree with the plain value check, value by value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.x12.errors import Finding
from finclear.x12.specs.model import ElementSpec, SegmentSpec, Usage
from finclear.x12.tree import Segment
from finclear.x12.validate import _check_value, _Checker, _quick_check

# digits of other scripts, superscripts, control characters, exponent and sign
ALPHABET = "0123456789.-E+ aZ\x01\x7f\u00b2\u0663\u00e9"
TYPES = ["AN", "ID", "R", "N", "N0", "N2", "DT", "TM", "B", ""]


@st.composite
def element_specs(draw: st.DrawFn) -> ElementSpec:
    low = draw(st.integers(1, 6))
    high = draw(st.integers(low, 10))
    kind = draw(st.sampled_from(TYPES))
    codes = None
    if kind == "ID" and draw(st.booleans()):
        codes = frozenset(draw(st.lists(st.text(ALPHABET, max_size=8), max_size=5)))
    ref = draw(st.sampled_from(["", "156", "98"]))
    return ElementSpec(1, "Value", Usage.SITUATIONAL, kind, low, high, codes, ref=ref)


values = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=12),
    st.text("0123456789.-\u00b2\u0663", min_size=1, max_size=12),  # number-like
)


@settings(max_examples=500)
@given(element_specs(), values)
def test_quick_passes_only_good_values(spec: ElementSpec, value: str) -> None:
    if _quick_check(spec)(value):
        assert _check_value(value, spec) is None


@settings(max_examples=500)
@given(element_specs(), values)
def test_check_segment_reports_exactly_the_bad_values(spec: ElementSpec, value: str) -> None:
    """The inline tests of ``check_segment`` (codes, text, decimal numbers) and its fallback
    find a problem exactly when ``_check_value`` does."""
    findings: list[Finding] = []
    segment_spec = SegmentSpec("ZZZ", "Test", Usage.SITUATIONAL, elements=(spec,))
    value = value.replace(":", "").replace("^", "") or "1"
    _Checker(findings).check_segment(Segment(["ZZZ", value], 2), segment_spec, "2000")
    problem = _check_value(value, spec)
    assert [f.code for f in findings] == ([problem[0]] if problem else [])


@given(st.lists(st.sampled_from(["", "X"]), min_size=1, max_size=5))
def test_syntax_notes_on_pairs_and_longer(present: list[str]) -> None:
    """Paired (P), required (R), exclusive (E), conditional (C) and list conditional (L)
    notes, on two elements and on more, as the X12 syntax rules define them."""
    elements = tuple(
        ElementSpec(pos, f"E{pos}", Usage.SITUATIONAL, "AN") for pos in range(1, len(present) + 1)
    )
    positions = "".join(f"{pos:02d}" for pos in range(1, len(present) + 1))
    used = [bool(value) for value in present]
    expected = {
        "P": all(used) or not any(used),
        "R": any(used),
        "E": sum(used) <= 1,
        "C": not used[0] or all(used),
        "L": not used[0] or any(used[1:]),
    }
    for kind, ok in expected.items():
        if len(present) == 1 and kind in "CL":
            continue  # a conditional note names at least two elements
        findings: list[Finding] = []
        spec = SegmentSpec(
            "ZZZ", "Test", Usage.SITUATIONAL, elements=elements, syntax=(kind + positions,)
        )
        _Checker(findings).check_segment(Segment(["ZZZ", *present], 2), spec, "2000")
        assert (not findings) is ok, (kind, present, findings)
