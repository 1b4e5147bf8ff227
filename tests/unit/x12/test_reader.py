from __future__ import annotations

from finclear.x12.errors import Level
from finclear.x12.reader import read
from tests.unit.x12.texts import BODY_835, interchange, sample_835, transaction


def codes(findings: object) -> set[tuple[Level, str]]:
    return {(f.level, f.code) for f in findings}  # type: ignore[attr-defined]


def test_envelopes_and_segments() -> None:
    doc = read(sample_835("\n"), "x.835")
    assert doc.source == "x.835"
    [interchange_] = doc.interchanges
    assert interchange_.control_number == "000000001"
    [group] = interchange_.groups
    assert group.functional_id == "HP"
    [tx] = group.transactions
    assert tx.transaction_set == "835"
    assert tx.version == "005010X221A1"
    assert [s.position for s in tx.segments] == list(range(1, len(BODY_835) + 3))
    assert tx.segments[0] is tx.st and tx.segments[-1] is tx.se
    assert not list(doc.all_findings())
    assert doc.segment_count == len(BODY_835) + 6


def test_valid_counts_give_no_findings_and_bad_ones_are_named() -> None:
    text = sample_835().replace(f"SE*{len(BODY_835) + 2}*0001", "SE*3*0002")
    text = text.replace("GE*1*1", "GE*2*7").replace("IEA*1*000000001", "IEA*3*000000009")
    doc = read(text)
    found = codes(doc.all_findings())
    assert {
        (Level.TRANSACTION, "4"),
        (Level.TRANSACTION, "3"),
        (Level.GROUP, "5"),
        (Level.GROUP, "4"),
        (Level.INTERCHANGE, "021"),
        (Level.INTERCHANGE, "001"),
    } <= found
    se01 = next(f for f in doc.all_findings() if f.code == "4" and f.level is Level.TRANSACTION)
    assert se01.segment_id == "SE" and se01.element_position == 1
    assert "SE01" in se01.describe()


def test_several_interchanges_groups_and_transactions() -> None:
    two = [transaction(BODY_835, control="0001"), transaction(BODY_835, control="0002")]
    first = interchange(two, group="1")
    second = interchange([transaction(BODY_835)], control="000000002", group="5")
    doc = read(first + "\n" + second)
    assert [len(i.groups) for i in doc.interchanges] == [1, 1]
    assert [t.control_number for t in doc.transactions()] == ["0001", "0002", "0001"]
    assert not [f for f in doc.all_findings() if f.is_error]


def test_missing_trailers_are_reported_and_content_kept() -> None:
    text = sample_835().split("SE*")[0]
    doc = read(text)
    [tx] = doc.transactions()
    assert len(tx.segments) == len(BODY_835) + 1
    found = codes(doc.all_findings())
    assert {(Level.TRANSACTION, "2"), (Level.GROUP, "3"), (Level.INTERCHANGE, "023")} <= found


def test_segments_outside_envelopes_are_reported() -> None:
    text = sample_835().replace("GE*1*1~", "GE*1*1~NM1*QC*1*DOE~")
    doc = read(text)
    [interchange_] = doc.interchanges
    assert [s.id for s in interchange_.stray] == ["NM1"]
    assert any("outside a transaction set" in f.message for f in interchange_.findings)


def test_loop_tree_is_built_from_the_guide() -> None:
    doc = read(sample_835())
    [tx] = doc.transactions()
    assert tx.spec is not None and tx.root is not None
    ids = [loop.id for loop in tx.root.walk()]
    assert ids.count("2100") == 1 and ids.count("2110") == 1
    clp = next(loop for loop in tx.root.walk() if loop.id == "2100")
    assert clp.segments[0].id == "CLP"
    assert all(seg.spec is not None for seg in tx.segments)


def test_errata_variant_is_read_with_the_closest_guide() -> None:
    text = sample_835().replace("005010X221A1", "005010X221A2")
    [tx] = read(text).transactions()
    assert tx.spec is not None and tx.spec.version == "005010X221A1"
    assert any("read with 005010X221A1" in f.message for f in tx.findings)
