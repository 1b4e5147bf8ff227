from __future__ import annotations

from pathlib import Path

import pytest

from finclear.intake.parsers import UnknownFormatError, detect_format, parse_file


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("schedule.csv", "csv"),
        ("schedule_bad.csv", "csv"),
        ("siu_s12.hl7", "hl7v2"),
        ("adt_a04.hl7", "hl7v2"),
        ("bundle.json", "fhir"),
    ],
)
def test_detects_the_samples(examples: Path, name: str, expected: str) -> None:
    assert detect_format(examples / name) == expected


def test_content_wins_over_the_extension(tmp_path: Path, examples: Path) -> None:
    for source, expected in (
        ("siu_s12.hl7", "hl7v2"),
        ("bundle.json", "fhir"),
        ("schedule.csv", "csv"),
    ):
        target = tmp_path / f"{source}.txt"
        target.write_bytes(examples.joinpath(source).read_bytes())
        assert detect_format(target) == expected
    framed = tmp_path / "feed.dat"
    framed.write_bytes(b"\x0b" + examples.joinpath("adt_a04.hl7").read_bytes() + b"\x1c\r")
    assert detect_format(framed) == "hl7v2"


def test_unknown_content_is_an_error_and_a_problem(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("hello\n")
    with pytest.raises(UnknownFormatError):
        detect_format(target)
    result = parse_file(target)
    assert result.failed == 1 and result.problems[0].field == "format"
