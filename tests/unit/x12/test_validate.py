from __future__ import annotations

from finclear.x12.errors import Level
from finclear.x12.reader import read
from finclear.x12.validate import ValidationReport, validate
from tests.unit.x12.texts import BODY_835, interchange, sample_835, transaction


def report_for(body: list[str]) -> ValidationReport:
    return validate(read(interchange([transaction(body)])))


def replace(body: list[str], old: str, new: str) -> list[str]:
    return [new if seg == old else seg for seg in body]


def element_codes(report: ValidationReport) -> set[tuple[str, int | None, str]]:
    return {
        (f.segment_id, f.element_position, f.code)
        for f in report.all_findings()
        if f.level is Level.ELEMENT
    }


def test_a_valid_835_is_valid_and_accepted() -> None:
    report = validate(read(sample_835("\n")))
    assert report.valid, [f.describe() for f in report.errors]
    [group] = report.groups()
    assert group.ack_code == "A" and group.received == 1 and group.accepted_count == 1
    [tx] = group.transactions
    assert (tx.transaction_set, tx.control_number, tx.ack_code) == ("835", "0001", "A")


def test_required_element_missing_and_bad_code_and_types() -> None:
    body = replace(
        BODY_835,
        "CLP*CLAIM1*1*150.00*100.00*50.00*12*PAYERCLAIM1*11*1",
        "CLP*CLAIM1*Q*15O.00*100.00*50.00*12**11*1",
    )
    body = replace(body, "DTM*405*20260102", "DTM*405*20260231")
    report = report_for(body)
    found = element_codes(report)
    assert ("CLP", 2, "7") in found  # invalid code value
    assert ("CLP", 3, "6") in found  # not a decimal number
    assert ("CLP", 7, "1") in found  # required element missing
    assert ("DTM", 2, "8") in found  # invalid date
    bad = next(f for f in report.errors if f.segment_id == "CLP" and f.element_position == 7)
    assert bad.segment_position == 11 and bad.loop_id == "2100"
    assert "Payer Claim Control Number" in bad.message and bad.element_ref == "127"
    [tx] = report.transactions()
    assert tx.ack_code == "R" and tx.syntax_codes == ["5"]
    clp = next(s for s in tx.segment_errors() if s.segment_id == "CLP")
    assert clp.codes == ["8"] and {f.element_position for f in clp.elements} == {2, 3, 7}


def test_lengths_and_too_many_elements() -> None:
    body = replace(BODY_835, "TRN*1*12345*1512345678", "TRN*1*12345*15123456789*X*Y*Z")
    found = element_codes(report_for(body))
    assert ("TRN", 3, "5") in found
    assert ("TRN", 5, "3") in found


def test_syntax_notes() -> None:
    # PER: R0304 style notes on the 835 payer contact: a number qualifier without its number
    body = replace(BODY_835, "PER*BL*CLAIMS*TE*5555550100", "PER*BL*CLAIMS*TE")
    found = element_codes(report_for(body))
    assert any(seg == "PER" and code == "2" for seg, _, code in found)


def test_required_segment_missing_and_max_use() -> None:
    body = [seg for seg in BODY_835 if not seg.startswith("TRN")]
    body = replace(body, "DTM*405*20260102", "DTM*405*20260102")
    report = report_for([*body[:2], "DTM*405*20260102", *body[2:]])
    segment_codes = {(f.segment_id, f.code) for f in report.errors if f.level is Level.SEGMENT}
    assert ("TRN", "3") in segment_codes
    assert ("DTM", "5") in segment_codes


def test_state_codes_come_from_code_source_22() -> None:
    body = replace(BODY_835, "N4*SPRINGFIELD*IL*62701", "N4*SPRINGFIELD*NP*62701")
    assert ("N4", 2, "7") in element_codes(report_for(body))
    foreign = replace(BODY_835, "N4*SPRINGFIELD*IL*62701", "N4*KATHMANDU*NP**NP")
    assert not any(f[0] == "N4" for f in element_codes(report_for(foreign)))


def test_envelope_errors_reach_the_report() -> None:
    text = sample_835().replace("GE*1*1", "GE*3*1").replace("*00501*", "*00502*")
    report = validate(read(text))
    [interchange_] = report.interchanges
    assert any(f.code == "017" for f in interchange_.errors)  # ISA12 version
    [group] = report.groups()
    assert group.syntax_codes == ["5"] and group.ack_code == "R"


def test_unknown_guide_is_not_supported() -> None:
    text = interchange([transaction(["BGN*00*1*20260101"], ts="834")], "BE", "005010X220A1")
    [tx] = validate(read(text)).transactions()
    assert tx.ack_code == "R" and tx.syntax_codes == ["1"]


def test_validation_does_not_change_the_document() -> None:
    doc = read(sample_835())
    before = list(doc.all_findings())
    validate(doc)
    validate(doc)
    assert list(doc.all_findings()) == before


def test_required_loop_missing_is_found_past_the_quick_structure_test() -> None:
    # the payee (1000B, N1 PE) is a required loop of the 835 header
    body = [seg for seg in BODY_835 if not seg.startswith("N1*PE")]
    report = report_for(body)
    found = {(f.segment_id, f.code, f.loop_id) for f in report.errors if f.level is Level.SEGMENT}
    assert ("N1", "3", "1000B") in found
