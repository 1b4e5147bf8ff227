from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.intake.hl7_format import hl7_date, hl7_datetime, parse_hl7, parse_hl7_text

MSH = "MSH|^~\\&|SYNTH|NORTH|FINCLEAR|NORTH|20260301||{type}|CTRL{n}|P|{version}"
PID = "PID|1||OTHER^^^X^SS~MRN9^^^NORTH^MR||Testpatient^Ann^B||{dob}|F|||1 Way^^Town^IL^62701||^PRN^PH^^1^217^5550100"
SCH = "SCH|P1|APT9|||||R^Reason|ROUTINE|20|MIN|^^20^202603160900-0400"
PV1 = "PV1|1|O|PCP^^^NORTH||||1234567893^Doc^A"


def message(
    n: int = 1, kind: str = "SIU^S12", dob: str = "19700102", version: str = "2.5.1"
) -> str:
    segments = [MSH.format(type=kind, n=n, version=version), PID.format(dob=dob)]
    if kind.startswith("SIU"):
        segments += [SCH, PV1, "AIS|1|A|99213^Visit^CPT", "DG1|1|I10|E11.9^Diabetes^I10"]
    return "\r".join(segments)


def test_samples_parse(examples: Path) -> None:
    for name, count, kind in (
        ("siu_s12.hl7", 3, "schedule"),
        ("adt_a04.hl7", 1, "registration"),
        ("adt_a08.hl7", 1, "update"),
    ):
        records, problems, failed = parse_hl7(examples / name)
        assert (len(records), problems, failed) == (count, [], 0), name
        assert {r.kind for r in records} == {kind}


def test_siu_fields() -> None:
    records, problems, _ = parse_hl7_text(message(), "t.hl7")
    assert problems == []
    record = records[0]
    assert record.patient.mrn == "MRN9"  # the MR repetition, not the first
    assert record.patient.phone == "217-555-0100"
    assert record.facility_code == "NORTH"
    encounter = record.encounter
    assert encounter is not None
    assert encounter.external_id == "APT9"
    assert encounter.scheduled_at.isoformat() == "2026-03-16T09:00:00-04:00"
    assert [line.cpt_hcpcs for line in encounter.service_lines] == ["99213"]
    assert [d.icd10_code for d in encounter.diagnoses] == ["E119"]


def test_mllp_framing_mixed_line_endings_and_versions_hl7apy_refuses() -> None:
    text = (
        "\x0b"
        + message(1, version="2.9")
        + "\x1c\r\n"
        + message(2, "ADT^A08", version="2.3").replace("\r", "\n")
    )
    records, problems, failed = parse_hl7_text(text, "t.hl7")
    assert problems == [] and failed == 0
    assert [r.kind for r in records] == ["schedule", "update"]


def test_bad_message_is_reported_and_the_others_kept() -> None:
    text = "\n".join(
        [message(1), message(2, dob="19701399"), message(3, "ADT^A03"), message(4, "ADT^A04")]
    )
    records, problems, failed = parse_hl7_text(text, "t.hl7")
    assert failed == 2
    assert [str(p) for p in problems] == [
        "t.hl7:message 2 (line 7): PID-7: not a valid date",
        "t.hl7:message 3 (line 13): MSH-9: ADT^A03 is not supported (SIU^S12, ADT^A04, ADT^A08)",
    ]
    assert [r.source.location for r in records] == ["message 1 (line 1)", "message 4 (line 15)"]


def test_segments_before_the_first_msh_are_reported() -> None:
    records, problems, failed = parse_hl7_text("PID|1\n" + message(), "t.hl7")
    assert len(records) == 1 and failed == 1
    assert (problems[0].location, problems[0].field) == ("line 1", "segment")


def test_timestamps() -> None:
    assert hl7_date("19800115") == "1980-01-15"
    assert hl7_date("198001151230") == "1980-01-15"
    assert hl7_datetime("202603160915") == "2026-03-16T09:15:00"
    assert hl7_datetime("20260316091530.5-0500") == "2026-03-16T09:15:30-05:00"
    assert hl7_datetime("garbage") == "garbage"


segment_text = st.text(alphabet=st.sampled_from(list("|^~\\&ABC019 .-")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["MSH", "PID", "PV1", "SCH", "IN1", "IN2", "GT1", "AIS", "DG1", "ZZZ"]),
            segment_text,
        ),
        max_size=8,
    )
)
def test_random_messages_never_raise(segments: list[tuple[str, str]]) -> None:
    text = "\r".join(sid + "|" + body for sid, body in segments)
    records, problems, failed = parse_hl7_text(text, "fuzz.hl7")
    assert len(records) + failed >= sum(1 for sid, _ in segments if sid == "MSH")
    assert all(p.file == "fuzz.hl7" for p in problems)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_random_field_values_in_a_real_message_never_raise(dob: str, member: str) -> None:
    text = (
        message(dob=dob.replace("\r", "").replace("\n", ""))
        + "\rIN1|1|PLAN|PAYER|Name"
        + "|" * 32
        + member.replace("\r", "")
    )
    records, problems, failed = parse_hl7_text(text, "fuzz.hl7")
    assert len(records) + failed == 1
    assert bool(failed) == bool(problems)
