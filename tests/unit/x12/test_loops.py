from __future__ import annotations

from finclear.x12.errors import Level
from finclear.x12.loops import build_tree, choose_tree
from finclear.x12.specs.model import LoopSpec, SegmentSpec, TransactionSpec, Usage
from finclear.x12.tree import Loop, Segment

R, S = Usage.REQUIRED, Usage.SITUATIONAL


def seg(
    id_: str,
    *,
    qualifier: tuple[int, frozenset[str]] | None = None,
    usage: Usage = R,
    max_use: int | None = 1,
) -> SegmentSpec:
    return SegmentSpec(id_, id_, usage, max_use, qualifier=qualifier)


def q(*values: str, pos: int = 1) -> tuple[int, frozenset[str]]:
    return pos, frozenset(values)


# A tiny guide in the shape of an 837: header, two NM1 loops told apart by NM101, nested HL
# loops told apart by HL03, a claim loop with lines.
LINE = LoopSpec("2400", "line", S, None, (seg("LX"), seg("SV1"), seg("DTP", usage=S)))
CLAIM = LoopSpec(
    "2300",
    "claim",
    S,
    100,
    (seg("CLM"), seg("DTP", usage=S, max_use=None), seg("REF", usage=S), LINE),
)
PATIENT = LoopSpec(
    "2000C", "patient", S, None, (seg("HL", qualifier=q("23", pos=3)), seg("PAT"), CLAIM)
)
SUBSCRIBER = LoopSpec(
    "2000B",
    "subscriber",
    R,
    None,
    (seg("HL", qualifier=q("22", pos=3)), seg("SBR"), CLAIM, PATIENT),
)
BILLING = LoopSpec(
    "2000A",
    "billing",
    R,
    None,
    (seg("HL", qualifier=q("20", pos=3)), seg("PRV", usage=S), SUBSCRIBER),
)
SUBMITTER = LoopSpec("1000A", "submitter", R, 1, (seg("NM1", qualifier=q("41")), seg("PER")))
RECEIVER = LoopSpec("1000B", "receiver", R, 1, (seg("NM1", qualifier=q("40")),))
ROOT = LoopSpec(
    "ST", "transaction", R, 1, (seg("ST"), seg("BHT"), SUBMITTER, RECEIVER, BILLING, seg("SE"))
)
SPEC = TransactionSpec("837", "005010X999", "tiny", "HC", ROOT)


def segments(text: str) -> list[Segment]:
    out = [Segment(s.split("*")) for s in text.strip("~").split("~")]
    for i, s in enumerate(out, 1):
        s.position = i
    return out


def shape(loop: Loop) -> list[object]:
    return [loop.id, [s.id for s in loop.segments], [shape(c) for c in loop.loops]]


def test_loops_by_qualifier_hl_level_and_nesting() -> None:
    text = (
        "ST*837*1~BHT*1~NM1*41*X~PER*IC~NM1*40*Y~HL*1**20*1~PRV*BI~HL*2*1*22*0~SBR*P~"
        "CLM*A~DTP*431~DTP*454~LX*1~SV1*X~LX*2~SV1*Y~DTP*472~HL*3*1*22*1~SBR*P~HL*4*3*23*0~"
        "PAT*01~CLM*B~LX*1~SV1*Z~SE*24*1~"
    )
    root, findings = build_tree(SPEC, segments(text))
    assert findings == []
    assert shape(root) == [
        "ST",
        ["ST", "BHT", "SE"],
        [
            ["1000A", ["NM1", "PER"], []],
            ["1000B", ["NM1"], []],
            [
                "2000A",
                ["HL", "PRV"],
                [
                    [
                        "2000B",
                        ["HL", "SBR"],
                        [
                            [
                                "2300",
                                ["CLM", "DTP", "DTP"],
                                [["2400", ["LX", "SV1"], []], ["2400", ["LX", "SV1", "DTP"], []]],
                            ]
                        ],
                    ],
                    [
                        "2000B",
                        ["HL", "SBR"],
                        [
                            [
                                "2000C",
                                ["HL", "PAT"],
                                [["2300", ["CLM"], [["2400", ["LX", "SV1"], []]]]],
                            ]
                        ],
                    ],
                ],
            ],
        ],
    ]


def test_every_segment_gets_its_spec() -> None:
    segs = segments("ST*837*1~BHT*1~NM1*41*X~PER*IC~NM1*40*Y~HL*1**20*1~HL*2*1*22*0~SBR*P~SE*8*1~")
    build_tree(SPEC, segs)
    assert [s.spec.id if s.spec else None for s in segs] == [s.id for s in segs]
    assert segs[2].spec is SUBMITTER.children[0]


def test_unknown_and_unexpected_segments_are_findings_not_exceptions() -> None:
    segs = segments("ST*837*1~BHT*1~NM1*41*X~PER*IC~ZZZ*1~NM1*40*Y~HL*1**20*1~PAT*1~bad~SE*9*1~")
    root, findings = build_tree(SPEC, segs)
    by_id = {f.segment_id: f for f in findings}
    assert by_id["ZZZ"].code == "6" and by_id["ZZZ"].level is Level.SEGMENT
    assert by_id["ZZZ"].segment_position == 5 and by_id["ZZZ"].loop_id == "1000A"
    assert by_id["PAT"].code == "2"
    assert by_id["bad"].code == "1"
    assert sum(len(loop.segments) for loop in root.walk()) == len(segs)


def test_out_of_order_segment_is_reported_and_kept() -> None:
    segs = segments(
        "ST*837*1~BHT*1~NM1*41*X~PER*IC~NM1*40*Y~HL*1**20*1~HL*2*1*22*0~SBR*P~"
        "CLM*A~REF*X~DTP*431~SE*11*1~"
    )
    root, findings = build_tree(SPEC, segs)
    assert [(f.segment_id, f.code) for f in findings] == [("DTP", "7")]
    claim = next(loop for loop in root.walk() if loop.id == "2300")
    assert [s.id for s in claim.segments] == ["CLM", "REF", "DTP"]


def test_choose_tree_prefers_the_guide_that_fits() -> None:
    other = TransactionSpec(
        "837",
        "005010X999",
        "other",
        "HC",
        LoopSpec("ST", "t", R, 1, (seg("ST"), seg("XYZ"), seg("SE"))),
    )
    segs = segments("ST*837*1~BHT*1~NM1*41*X~PER*IC~NM1*40*Y~HL*1**20*1~HL*2*1*22*0~SBR*P~SE*8*1~")
    spec, _root, findings = choose_tree([other, SPEC], segs)
    assert spec is SPEC and findings == []
    assert segs[1].spec is ROOT.children[1]
