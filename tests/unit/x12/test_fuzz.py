"""Random mutations of real files: reading, validating and writing never raise anything but
X12Error."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.x12.errors import X12Error
from finclear.x12.reader import iter_claims, iter_transactions, read
from finclear.x12.validate import validate
from finclear.x12.writer import write
from tests.conftest import SHARED_X12
from tests.unit.x12.texts import sample_835

SAMPLES = [
    "pyx12/pyx12/tests/835_mult_loops.txt",
    "imsweb-x12-parser/src/test/resources/837_5010/x12_valid.txt",
    "imsweb-x12-parser/src/test/resources/277_5010/x12_277CA_accepted.txt",
    "linuxforhealth-x12/demo-file/demo.271",
    "imsweb-x12-parser/src/test/resources/837_5010/x12_999_rejected.txt",
]


def _originals() -> list[bytes]:
    found = [(SHARED_X12 / name).read_bytes() for name in SAMPLES if (SHARED_X12 / name).is_file()]
    return found or [sample_835("\n").encode()]


ORIGINALS = _originals()
SPECIAL = b"*:^~|>\n\r ISAGSSTSEGEIEA0123456789\xff\xef\xbb\xbf"


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(ORIGINALS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "delete", "insert", "swap", "truncate", "dup"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.sampled_from(SPECIAL))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "swap":
            old, new = draw(st.sampled_from(b"*:^~")), draw(st.sampled_from(SPECIAL))
            data = bytearray(bytes(data).replace(bytes([old]), bytes([new])))
        elif kind == "truncate":
            del data[at:]
        else:
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[at:at] = data[at:end]
    return bytes(data)


def _exercise(data: bytes) -> None:
    try:
        doc = read(data, "fuzz")
    except X12Error:
        return
    validate(doc)
    write(doc)
    for finding in doc.all_findings():
        finding.describe()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_raise_only_x12error(data: bytes) -> None:
    _exercise(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_streaming_mutations_raise_only_x12error(data: bytes) -> None:
    try:
        for _ in iter_transactions(io.BytesIO(data), chunk_size=97):
            pass
        for _ in iter_claims(io.BytesIO(data), chunk_size=97):
            pass
    except X12Error:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_raise_only_x12error(data: bytes) -> None:
    _exercise(data)
    _exercise(b"ISA*" + data)


@pytest.mark.parametrize("original", ORIGINALS)
def test_unmutated_originals_read_back_exactly(original: bytes) -> None:
    assert write(read(original)).encode() == original
