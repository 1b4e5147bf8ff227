"""Every real sample in ../shared/x12 (read in place) against the reader, writer, validator."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from finclear.x12.errors import Level, Severity
from finclear.x12.reader import read_file
from finclear.x12.validate import validate
from finclear.x12.writer import write
from tests.conftest import SHARED_X12

SETS = {"270", "271", "276", "277", "278", "835", "837", "999"}


def _rows() -> list[dict[str, str]]:
    index = SHARED_X12 / "INDEX.tsv"
    if not index.is_file():
        return []
    with index.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if SETS & set(r["transaction_set"].split(","))]


ROWS = _rows()
PATHS = [r["path"] for r in ROWS]
VERDICTS = {r["path"]: r["pyx12_4.0.0_valid"] for r in ROWS}

# Samples that are not X12 as written: reported, not round-tripped.
UNREADABLE = {
    # ISA16 is followed by a line break, so "\n" is the segment terminator; every segment
    # then starts with a stray "~".
    "tigershark/tests/835-example.txt",
    "tigershark/tests/835-example-2.txt",
}

# Where our verdict differs from pyx12 4.0.0's, and the guide rule that decides it.
DISAGREEMENTS = {
    "imsweb-x12-parser/src/test/resources/277_5010/x12_277CA_accepted.txt": (
        "X214 loop 2200C: STC (Billing Provider Status Information) is situational, pyx12's map "
        "makes it required; and DTP03 10010101 is a valid D8 (CCYYMMDD) date, pyx12 refuses "
        "years before 1800, a rule of its own"
    ),
    "imsweb-x12-parser/src/test/resources/277_5010/x12_277CA_rejected.txt": (
        "X214 loop 2200C: STC (Billing Provider Status Information) is situational, pyx12's map "
        "makes it required"
    ),
}

pytestmark = pytest.mark.skipif(not ROWS, reason=f"no shared X12 samples at {SHARED_X12}")


def _path(name: str) -> Path:
    return SHARED_X12 / name


@pytest.mark.parametrize("name", PATHS)
def test_sample_parses(name: str) -> None:
    doc = read_file(_path(name))
    transactions = list(doc.transactions())
    if name in UNREADABLE:
        assert any(f.is_error for f in doc.all_findings())
        return
    assert transactions
    for tx in transactions:
        if tx.version.startswith("00501") and tx.spec is not None:
            assert tx.root is not None
            assert sum(len(loop.segments) for loop in tx.root.walk()) == len(tx.segments)


@pytest.mark.parametrize("name", [p for p in PATHS if p not in UNREADABLE])
def test_sample_round_trips_byte_for_byte(name: str) -> None:
    data = _path(name).read_bytes()
    assert write(read_file(_path(name))).encode("utf-8") == data


JUDGED = [
    p
    for p in PATHS
    if VERDICTS[p] in ("yes", "no")
    and all(tx.spec is not None for tx in read_file(_path(p)).transactions())
]


@pytest.mark.parametrize("name", JUDGED)
def test_verdict_agrees_with_pyx12_or_names_the_rule(name: str) -> None:
    report = validate(read_file(_path(name)))
    ours = "yes" if report.valid else "no"
    if name in DISAGREEMENTS:
        assert ours != VERDICTS[name], f"we now agree with pyx12: drop {name} from DISAGREEMENTS"
        return
    assert ours == VERDICTS[name], [f.describe() for f in report.errors]


def test_the_277ca_disagreement_is_the_named_rule() -> None:
    name = "imsweb-x12-parser/src/test/resources/277_5010/x12_277CA_accepted.txt"
    doc = read_file(_path(name))
    [tx] = doc.transactions()
    assert tx.root is not None
    loops = {loop.id: loop for loop in tx.root.walk()}
    assert "2200C" in loops and loops["2200C"].segment("STC") is None
    dtp = next(s for s in tx.segments if s.id == "DTP" and s.get(3) == "10010101")
    assert dtp.spec is not None
    report = validate(doc)
    assert report.valid
    assert not [f for f in report.all_findings() if f.severity is Severity.ERROR]
    assert all(f.level is not Level.SEGMENT for f in report.all_findings())
