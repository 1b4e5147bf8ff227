"""The hand-written guide specs (270/271 X279A1, 276 X212, 278 X217 request and response):
well formed, faithful to the X12 005010 segment directory, right where the guides say so,
and able to place every segment of the real samples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from finclear.x12.reader import read, read_file
from finclear.x12.specs import (
    codelists,
    x212_276,
    x217_278_request,
    x217_278_response,
    x279a1_270,
    x279a1_271,
)
from finclear.x12.specs.model import (
    ElementSpec,
    LoopSpec,
    SegmentSpec,
    TransactionSpec,
    Usage,
)
from finclear.x12.tree import Loop
from tests.conftest import SHARED_X12

SPECS = {
    "270": x279a1_270.SPEC,
    "271": x279a1_271.SPEC,
    "276": x212_276.SPEC,
    "278-request": x217_278_request.SPEC,
    "278-response": x217_278_response.SPEC,
}
ALL = list(SPECS.values())
IDS = list(SPECS)

# Number of elements of each segment in the X12 005010 segment directory (Stedi's 005010
# segment reference; the same counts are in pyx12's 5010 maps where they have the segment).
STANDARD_ELEMENT_COUNTS = {
    "AAA": 4, "AMT": 3, "BHT": 6, "CL1": 4, "CR1": 10, "CR2": 12, "CR5": 18, "CR6": 21,
    "DMG": 11, "DTP": 3, "EB": 14, "EQ": 5, "HCR": 4, "HI": 12, "HL": 4, "HSD": 8, "III": 9,
    "INS": 17, "LE": 1, "LS": 1, "MPI": 7, "MSG": 3, "N3": 2, "N4": 7, "NM1": 12, "PER": 9,
    "PRV": 6, "PWK": 9, "REF": 4, "SE": 2, "ST": 3, "SV1": 21, "SV2": 10, "SV3": 11,
    "SVC": 7, "TOO": 3, "TRN": 4, "UM": 10,
}  # fmt: skip
# Components of the composites these guides use (X12 005010 composite directory).
STANDARD_COMPONENT_COUNTS = {
    "C001": 15, "C002": 5, "C003": 8, "C004": 4, "C005": 5, "C006": 5, "C022": 9, "C023": 3,
    "C024": 5, "C035": 3, "C040": 6, "C052": 4, "C056": 3,
}  # fmt: skip
DATA_TYPES = {"AN", "ID", "DT", "TM", "N0", "N2", "R", ""}

SAMPLES = SHARED_X12


def loops(loop: LoopSpec, path: str = "") -> Iterator[tuple[str, LoopSpec]]:
    here = f"{path}/{loop.id}"
    yield here, loop
    for child in loop.children:
        if isinstance(child, LoopSpec):
            yield from loops(child, here)


def segments(spec: TransactionSpec) -> Iterator[tuple[str, SegmentSpec]]:
    for path, loop in loops(spec.root):
        for child in loop.children:
            if isinstance(child, SegmentSpec):
                yield f"{path}/{child.id}", child


def elements(seg: SegmentSpec) -> Iterator[ElementSpec]:
    for element in seg.elements:
        yield element
        yield from element.components


def find_loop(spec: TransactionSpec, loop_id: str) -> LoopSpec:
    for _, loop in loops(spec.root):
        if loop.id == loop_id:
            return loop
    raise AssertionError(f"no loop {loop_id} in {spec.name}")


def own_segments(loop: LoopSpec, seg_id: str) -> list[SegmentSpec]:
    return [c for c in loop.children if isinstance(c, SegmentSpec) and c.id == seg_id]


def one_segment(loop: LoopSpec, seg_id: str, qualifier: str | None = None) -> SegmentSpec:
    found = [
        s
        for s in own_segments(loop, seg_id)
        if qualifier is None or (s.qualifier is not None and qualifier in s.qualifier[1])
    ]
    assert len(found) == 1, f"{loop.id} {seg_id} {qualifier}: {len(found)} found"
    return found[0]


def element(seg: SegmentSpec, pos: int) -> ElementSpec:
    found = seg.elements[pos - 1]
    assert found.pos == pos
    return found


def child_ids(loop: LoopSpec) -> list[str]:
    return [c.id for c in loop.children]


# --- structure -------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_every_loop_starts_with_its_required_trigger_segment(spec: TransactionSpec) -> None:
    assert spec.root.id == "ST"
    assert child_ids(spec.root)[0] == "ST" and child_ids(spec.root)[-1] == "SE"
    for path, loop in loops(spec.root):
        assert loop.children, path
        first = loop.children[0]
        assert isinstance(first, SegmentSpec), path
        assert first.usage is Usage.REQUIRED, path


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_siblings_sharing_a_segment_id_carry_disjoint_qualifiers(spec: TransactionSpec) -> None:
    for path, loop in loops(spec.root):
        # the loop's own trigger is matched before its siblings: compare the rest
        by_id: dict[str, list[tuple[int, frozenset[str]] | None]] = {}
        for child in loop.children[1:]:
            seg = child if isinstance(child, SegmentSpec) else child.trigger
            by_id.setdefault(seg.id, []).append(seg.qualifier)
        for seg_id, qualifiers in by_id.items():
            if len(qualifiers) < 2:
                continue
            assert all(q is not None for q in qualifiers), f"{path} {seg_id}"
            seen: set[str] = set()
            for qualifier in qualifiers:
                assert qualifier is not None
                assert not seen & qualifier[1], f"{path} {seg_id} overlaps on {seen & qualifier[1]}"
                seen |= qualifier[1]


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_qualifiers_point_at_an_id_element_with_those_codes(spec: TransactionSpec) -> None:
    for path, seg in segments(spec):
        if seg.qualifier is None:
            continue
        pos, values = seg.qualifier
        assert values, path
        qualified = element(seg, pos)
        assert qualified.usage is Usage.REQUIRED, path
        assert qualified.codes is not None and values <= qualified.codes, path


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_element_counts_match_the_x12_segment_directory(spec: TransactionSpec) -> None:
    for path, seg in segments(spec):
        assert len(seg.elements) == STANDARD_ELEMENT_COUNTS[seg.id], path
        for element_spec in seg.elements:
            if element_spec.data_type == "":
                expected = STANDARD_COMPONENT_COUNTS[element_spec.ref]
                if element_spec.usage is not Usage.NOT_USED:
                    assert len(element_spec.components) == expected, f"{path} {element_spec}"


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_positions_are_consecutive_from_one(spec: TransactionSpec) -> None:
    for path, seg in segments(spec):
        assert [e.pos for e in seg.elements] == list(range(1, len(seg.elements) + 1)), path
        for composite in seg.elements:
            positions = [c.pos for c in composite.components]
            assert positions == list(range(1, len(positions) + 1)), path


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_usages_types_lengths_and_codes_are_well_formed(spec: TransactionSpec) -> None:
    for path, seg in segments(spec):
        assert isinstance(seg.usage, Usage), path
        assert seg.max_use is None or seg.max_use >= 1, path
        assert any(e.usage is not Usage.NOT_USED for e in seg.elements), path
        for e in elements(seg):
            where = f"{path} {e.pos} {e.name}"
            assert isinstance(e.usage, Usage), where
            assert e.data_type in DATA_TYPES, where
            assert e.ref, where
            assert e.repeat >= 1, where
            if e.data_type == "":
                assert e.ref.startswith("C") and e.codes is None, where
                continue
            assert 1 <= e.min_len <= e.max_len, where
            assert not e.components, where
            if e.codes is not None:
                assert e.codes and e.data_type in {"ID", "AN"}, where
                for code in e.codes:
                    assert e.min_len <= len(code) <= e.max_len, f"{where}: {code!r}"
    for _, loop in loops(spec.root):
        assert isinstance(loop.usage, Usage)
        assert loop.max_use is None or loop.max_use >= 1


@pytest.mark.parametrize("spec", ALL, ids=IDS)
def test_headers_identify_the_guide(spec: TransactionSpec) -> None:
    st = spec.root.children[0]
    assert isinstance(st, SegmentSpec)
    assert element(st, 1).codes == frozenset({spec.transaction_set})
    assert element(st, 3).codes == frozenset({spec.version})
    assert spec.source


def test_guide_identifiers() -> None:
    assert (x279a1_270.SPEC.functional_id, x279a1_270.SPEC.version) == ("HS", "005010X279A1")
    assert (x279a1_271.SPEC.functional_id, x279a1_271.SPEC.version) == ("HB", "005010X279A1")
    assert (x212_276.SPEC.functional_id, x212_276.SPEC.version) == ("HR", "005010X212")
    for spec in (x217_278_request.SPEC, x217_278_response.SPEC):
        assert (spec.transaction_set, spec.functional_id, spec.version) == (
            "278",
            "HI",
            "005010X217",
        )


def test_278_request_and_response_are_told_apart_by_bht02() -> None:
    assert (x217_278_request.BHT02, x217_278_response.BHT02) == ("13", "11")
    assert x217_278_request.SPEC.name != x217_278_response.SPEC.name
    for module in (x217_278_request, x217_278_response):
        bht = one_segment(module.SPEC.root, "BHT")
        codes = element(bht, 2).codes
        assert codes is not None and module.BHT02 in codes
    request_codes = element(one_segment(x217_278_request.SPEC.root, "BHT"), 2).codes
    response_codes = element(one_segment(x217_278_response.SPEC.root, "BHT"), 2).codes
    assert request_codes is not None and response_codes is not None
    assert not request_codes & response_codes


# --- spot checks against the guide tables ------------------------------------------------


def test_271_loops() -> None:
    ids = {loop.id for _, loop in loops(x279a1_271.SPEC.root)}
    for letter in "CD":
        assert {f"2000{letter}", f"2100{letter}", f"2110{letter}"} <= ids
        assert {f"2115{letter}", f"2120{letter}"} <= ids
    assert {"2000A", "2100A", "2000B", "2100B"} <= ids


def test_271_2110c_eb() -> None:
    eb = find_loop(x279a1_271.SPEC, "2110C").trigger
    assert eb.id == "EB" and eb.usage is Usage.REQUIRED
    assert element(eb, 1).usage is Usage.REQUIRED
    assert element(eb, 1).codes == codelists.ELIGIBILITY_BENEFIT_CODES
    assert element(eb, 2).usage is Usage.SITUATIONAL
    eb03 = element(eb, 3)
    assert (eb03.usage, eb03.repeat) == (Usage.SITUATIONAL, 99)
    assert eb03.codes == codelists.SERVICE_TYPE_CODES
    assert {"30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"} <= (
        eb03.codes
    )
    assert element(eb, 6).codes == codelists.TIME_PERIOD_QUALIFIERS
    assert element(eb, 7).data_type == "R" and element(eb, 8).data_type == "R"
    assert element(eb, 12).codes == frozenset({"N", "U", "W", "Y"})
    eb13 = element(eb, 13)
    assert eb13.ref == "C003" and eb13.components[0].codes is not None
    assert "HC" in eb13.components[0].codes
    assert element(eb, 14).ref == "C004"
    assert "P0910" in eb.syntax


def test_271_service_type_codes_are_the_x279a1_list() -> None:
    codes = codelists.SERVICE_TYPE_CODES
    assert len(codes) == 187
    assert "29" not in codes and "31" not in codes and "AP" not in codes
    assert {"A0", "A8", "B1", "B3", "BZ", "CQ", "DG", "GY", "PT", "UC"} <= codes


def test_271_2100c_subscriber_name_and_dependent() -> None:
    nm1 = find_loop(x279a1_271.SPEC, "2100C").trigger
    assert element(nm1, 1).codes == frozenset({"IL"}) and nm1.qualifier == (1, frozenset({"IL"}))
    assert find_loop(x279a1_271.SPEC, "2100D").trigger.qualifier == (1, frozenset({"03"}))


def test_271_ls_le_wrap_2120() -> None:
    for letter in "CD":
        loop = find_loop(x279a1_271.SPEC, f"2110{letter}")
        ids = child_ids(loop)
        ls, rel, le = ids.index("LS"), ids.index(f"2120{letter}"), ids.index("LE")
        assert ls + 1 == rel == le - 1
        assert ids.index(f"2115{letter}") < ls
        assert element(own_segments(loop, "LS")[0], 1).codes == frozenset({"2120"})
        assert element(own_segments(loop, "LE")[0], 1).codes == frozenset({"2120"})


@pytest.mark.parametrize("loop_id", ["2100A", "2100B", "2100C", "2100D"])
def test_271_aaa_in_name_loops(loop_id: str) -> None:
    aaa = one_segment(find_loop(x279a1_271.SPEC, loop_id), "AAA")
    assert aaa.max_use == 9
    reasons, follow_up = element(aaa, 3).codes, element(aaa, 4).codes
    assert reasons is not None and reasons <= codelists.REJECT_REASON_CODES
    assert follow_up is not None and follow_up <= codelists.FOLLOW_UP_ACTION_CODES
    assert element(aaa, 2).usage is Usage.NOT_USED


def test_271_aaa_codes_per_loop() -> None:
    subscriber = element(one_segment(find_loop(x279a1_271.SPEC, "2100C"), "AAA"), 3).codes
    assert subscriber is not None and {"72", "73", "75", "76"} <= subscriber
    dependent = element(one_segment(find_loop(x279a1_271.SPEC, "2100D"), "AAA"), 3).codes
    assert dependent is not None and {"64", "65", "67", "77"} <= dependent


def test_270_2000c_subscriber_level() -> None:
    hl = find_loop(x279a1_270.SPEC, "2000C").trigger
    assert element(hl, 3).codes == frozenset({"22"})
    assert element(hl, 4).codes == frozenset({"0", "1"})
    assert element(hl, 4).usage is Usage.REQUIRED
    assert element(find_loop(x279a1_270.SPEC, "2000D").trigger, 3).codes == frozenset({"23"})
    assert element(find_loop(x279a1_270.SPEC, "2000A").trigger, 2).usage is Usage.NOT_USED


def test_270_2110c_eq_and_dates() -> None:
    eq = find_loop(x279a1_270.SPEC, "2110C").trigger
    assert eq.id == "EQ" and element(eq, 1).repeat == 99
    assert element(eq, 1).codes == codelists.SERVICE_TYPE_CODES
    assert "R0102" in eq.syntax
    dtp = one_segment(find_loop(x279a1_270.SPEC, "2100C"), "DTP")
    assert element(dtp, 2).codes == frozenset({"D8", "RD8"})
    assert find_loop(x279a1_270.SPEC, "2110C").max_use == 99


def test_276_2200d_claim_tracking() -> None:
    loop = find_loop(x212_276.SPEC, "2200D")
    assert loop.trigger.id == "TRN" and element(loop.trigger, 1).codes == frozenset({"1"})
    for qualifier in ("1K", "BLT", "EJ", "D9"):
        assert one_segment(loop, "REF", qualifier).usage is Usage.SITUATIONAL
    assert element(one_segment(loop, "AMT"), 1).codes == frozenset({"T3"})
    assert element(one_segment(loop, "DTP"), 1).codes == frozenset({"472"})
    assert element(one_segment(loop, "DTP"), 2).codes == frozenset({"D8", "RD8"})
    line = find_loop(x212_276.SPEC, "2210D")
    assert line.trigger.id == "SVC" and line.trigger.elements[0].ref == "C003"


def test_276_hierarchy() -> None:
    levels = {
        loop.id: element(loop.trigger, 3).codes
        for _, loop in loops(x212_276.SPEC.root)
        if loop.trigger.id == "HL"
    }
    assert levels == {
        "2000A": frozenset({"20"}),
        "2000B": frozenset({"21"}),
        "2000C": frozenset({"19"}),
        "2000D": frozenset({"22"}),
        "2000E": frozenset({"23"}),
    }


def test_278_request_2000e_um() -> None:
    loop = find_loop(x217_278_request.SPEC, "2000E")
    assert element(loop.trigger, 3).codes == frozenset({"EV"})
    um = one_segment(loop, "UM")
    assert um.usage is Usage.REQUIRED
    assert element(um, 1).codes == frozenset({"AR", "HS", "SC"})
    assert element(um, 2).codes == codelists.CERTIFICATION_TYPE_CODES
    um04 = element(um, 4)
    assert um04.ref == "C023" and um04.components[1].codes == frozenset({"A", "B"})
    assert not own_segments(loop, "HCR")
    assert one_segment(loop, "DTP", "AAH").qualifier == (1, frozenset({"AAH"}))


@pytest.mark.parametrize("loop_id", ["2000E", "2000F"])
def test_278_response_hcr_carries_the_certification_number(loop_id: str) -> None:
    loop = find_loop(x217_278_response.SPEC, loop_id)
    ids = child_ids(loop)
    assert ids.index("UM") + 1 == ids.index("HCR")
    hcr = one_segment(loop, "HCR")
    assert element(hcr, 1).usage is Usage.REQUIRED
    assert element(hcr, 1).codes == codelists.ACTION_CODES
    assert {"A1", "A3", "A4", "A6"} <= codelists.ACTION_CODES
    assert element(hcr, 2).name == "Certification Number"
    assert element(hcr, 2).data_type == "AN" and element(hcr, 2).max_len == 50
    for qualifier in ("102", "036", "007"):
        one_segment(loop, "DTP", qualifier)


# --- the real samples and synthetic files parse -----------------------------------------


def samples(guide: str, transaction_sets: set[str]) -> list[Path]:
    index = SAMPLES / "INDEX.tsv"
    if not index.exists():
        return []
    found = []
    for line in index.read_text().splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) > 2 and cols[2] == guide and cols[1] in transaction_sets:
            found.append(SAMPLES / cols[0])
    return found


def unplaced(root: Loop) -> list[str]:
    return [seg.id for loop in root.walk() for seg in loop.segments if seg.spec is None]


SAMPLE_FILES = samples("005010X279A1", {"270", "271"}) + samples("005010X212", {"276"})


@pytest.mark.skipif(not SAMPLE_FILES, reason="shared samples not available")
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_real_samples_place_every_segment(path: Path) -> None:
    doc = read_file(path)
    transactions = [t for ic in doc.interchanges for g in ic.groups for t in g.transactions]
    assert transactions
    for transaction in transactions:
        assert transaction.spec is SPECS[transaction.transaction_set]
        assert transaction.root is not None
        assert unplaced(transaction.root) == []


ENVELOPE = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*260101*0900*^*00501*000000001*0*T*:~GS*HI*SENDER*RECEIVER*20260101*0900*1*X*005010X217~"
)
REQUEST_278 = (
    "ST*278*0001*005010X217~BHT*0007*13*REQ0001*20260101*0900~HL*1**20*1~"
    "NM1*X3*2*SYNTHETIC PLAN*****PI*12345~HL*2*1*21*1~"
    "NM1*1P*2*SYNTHETIC CLINIC*****XX*1234567893~HL*3*2*22*1~"
    "NM1*IL*1*DOE*JANE****MI*W000000001~DMG*D8*19800101*F~HL*4*3*23*1~"
    "NM1*03*1*DOE*JOHN~INS*N*19~HL*5*4*EV*1~TRN*1*EVT0001*9999999999~UM*HS*I*2*11:B~"
    "DTP*AAH*RD8*20260110-20260120~HI*ABK:M5416~NM1*DN*1*SMITH*ANN****XX*1234567893~"
    "HL*6*5*SS*0~TRN*1*SVC0001*9999999999~UM*HS*I~DTP*472*D8*20260115~"
    "SV1*HC:72148*1200*UN*1~NM1*SJ*1*BROWN*ALICE****XX*1234567893~SE*26*0001~"
)
RESPONSE_278 = (
    "ST*278*0002*005010X217~BHT*0007*11*REQ0001*20260101*0901~HL*1**20*1~"
    "NM1*X3*2*SYNTHETIC PLAN*****PI*12345~HL*2*1*21*1~"
    "NM1*1P*2*SYNTHETIC CLINIC*****XX*1234567893~HL*3*2*22*1~"
    "NM1*IL*1*DOE*JANE****MI*W000000001~HL*4*3*EV*1~TRN*2*EVT0001*9999999999~"
    "UM*HS*I*2*11:B~HCR*A1*AUTH12345~DTP*AAH*RD8*20260110-20260120~"
    "DTP*036*D8*20260301~HL*5*4*SS*0~TRN*2*SVC0001*9999999999~UM*HS*I~HCR*A3**CX~"
    "DTP*472*D8*20260115~SV1*HC:72148*1200*UN*1~SE*20*0002~"
)


@pytest.mark.parametrize(
    ("body", "spec"),
    [(REQUEST_278, x217_278_request.SPEC), (RESPONSE_278, x217_278_response.SPEC)],
    ids=["request", "response"],
)
def test_synthetic_278_places_every_segment(body: str, spec: TransactionSpec) -> None:
    doc = read(ENVELOPE + body + "GE*1*1~IEA*1*000000001~")
    (transaction,) = [t for ic in doc.interchanges for g in ic.groups for t in g.transactions]
    assert transaction.spec is spec
    assert transaction.root is not None
    assert unplaced(transaction.root) == []
    event = [loop for loop in transaction.root.walk() if loop.id == "2000E"]
    assert len(event) == 1 and [loop.id for loop in event[0].loops][-1] == "2000F"
