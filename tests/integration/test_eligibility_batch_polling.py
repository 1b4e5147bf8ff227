"""Picking up a batch's 271s: quick polls at first, then longer waits, within the timeout."""

from __future__ import annotations

import pytest

from finclear.connect.gateway import ExchangeResult
from finclear.eligibility import corebatch
from tests.integration.eligibility_support import build_endpoint


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    perf_counter = monotonic

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class SlowPayer:
    """Has no 271s until ``ready_after`` seconds of the clock have passed."""

    def __init__(self, clock: Clock, ready_after: float) -> None:
        self.clock = clock
        self.ready_after = ready_after
        self.polls = 0

    def retrieve_batch(self, endpoint, payload_type, payload_id):
        if payload_type == corebatch.RESULTS_271:
            self.polls += 1
        ready = self.clock.now >= self.ready_after
        return ExchangeResult("ISA" if ready else "", "", payload_id, "Success", "", 1, 1.0)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(corebatch, "time", fake)
    monkeypatch.setattr(corebatch, "read_answers", lambda payload, key: ({}, ""))
    return fake


def collect(payer: SlowPayer) -> None:
    receipt = corebatch.Submitted("batch-1", 1, 0.0)
    corebatch.do_collect_group(payer, build_endpoint(), [], receipt)


def test_a_quick_payer_is_polled_every_hundredth_of_a_second(clock):
    payer = SlowPayer(clock, ready_after=0.075)
    collect(payer)
    assert set(clock.sleeps) == {corebatch.POLL_SECONDS}
    assert clock.now == pytest.approx(0.08)  # found within one poll of being ready


def test_a_slow_payer_is_polled_less_and_less_often(clock):
    payer = SlowPayer(clock, ready_after=30.0)
    collect(payer)
    quick = [s for s in clock.sleeps if s == corebatch.POLL_SECONDS]
    later = clock.sleeps[len(quick) :]
    assert len(quick) == pytest.approx(corebatch.FAST_POLLING / corebatch.POLL_SECONDS, abs=2)
    assert later == sorted(later) and later[-1] == corebatch.POLL_MAX_SECONDS
    assert payer.polls < 150  # a poll a second once past the first seconds


def test_the_pickup_gives_up_at_its_timeout(clock):
    payer = SlowPayer(clock, ready_after=float("inf"))
    collect(payer)
    assert corebatch.PICKUP_TIMEOUT <= clock.now < corebatch.PICKUP_TIMEOUT + 1.5
