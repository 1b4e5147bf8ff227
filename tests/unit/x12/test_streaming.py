from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

from finclear.x12.reader import iter_claims, iter_transactions, read
from tests.unit.x12.texts import BODY_835, interchange, transaction

HEADER = BODY_835[:9]  # BPR .. LX
CLAIM = BODY_835[9:]  # CLP .. its service line


def big_835(claims: int) -> str:
    body = list(HEADER)
    for n in range(claims):
        body.extend(seg.replace("CLAIM1", f"CLAIM{n}") for seg in CLAIM)
    return interchange([transaction(body), transaction(body, control="0002")], suffix="\n")


def test_iter_transactions_matches_read() -> None:
    text = big_835(3)
    streamed = list(iter_transactions(io.BytesIO(text.encode()), chunk_size=64))
    whole = list(read(text).transactions())
    assert [t.control_number for t in streamed] == [t.control_number for t in whole]
    assert [len(t.segments) for t in streamed] == [len(t.segments) for t in whole]
    assert [f.describe() for t in streamed for f in t.findings] == []
    assert streamed[0].group is not None and streamed[0].group.interchange is not None


def test_iter_claims_yields_each_claim_with_its_context() -> None:
    claims = list(iter_claims(io.BytesIO(big_835(5).encode()), chunk_size=100))
    assert [c.loop.segments[0].get(1) for c in claims] == [f"CLAIM{n}" for n in range(5)] * 2
    first = claims[0]
    assert first.transaction_set == "835" and first.control_number == "0001"
    assert [loop.id for loop in first.loop.loops] == ["2110"]
    assert first.ancestors[0].segment("BPR") is not None
    payer = first.ancestor("1000A")
    assert payer is not None and payer.segments[0].get(2) == "ACME HEALTH PLAN"
    assert first.interchange_control_number == "000000001"


def test_a_cut_short_file_still_yields_its_claims() -> None:
    text = big_835(2)
    cut = text[: text.index("SE*")]
    assert len(list(iter_claims(io.BytesIO(cut.encode())))) == 2


def _peak(path: Path) -> tuple[int, int, int]:
    """(claims, traced peak bytes, root loops left) streaming ``path``."""
    tracemalloc.start()
    try:
        count = 0
        last = None
        for claim in iter_claims(path, chunk_size=1 << 14):
            count += 1
            last = claim
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last is not None
    return count, peak, len(last.ancestors[0].loops)


def test_streaming_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small, big = tmp_path / "small.835", tmp_path / "big.835"
    small.write_text(big_835(100))
    big.write_text(big_835(600))
    _peak(small)  # the guide's indexes are built once, on first use
    small_count, small_peak, _ = _peak(small)
    big_count, big_peak, root_loops = _peak(big)
    assert (small_count, big_count) == (200, 1200)
    assert root_loops <= 3  # yielded claims are let go of
    assert big_peak < small_peak * 1.5, (small_peak, big_peak)


def test_a_read_document_is_freed_by_reference_counting_alone() -> None:
    """A document from ``read`` links its parts top down only (a stream's transactions link up
    to their group): once dropped, nothing of it waits for the cycle collector."""
    import gc

    from finclear.x12 import validate

    text = big_835(3)
    gc.collect()
    gc.disable()
    try:
        document = read(text)
        report = validate(document)
        assert [t.group for t in document.transactions()] == [None, None]
        assert all(g.interchange is None for i in document.interchanges for g in i.groups)
        del document, report
        assert gc.collect() == 0
    finally:
        gc.enable()
