"""gc_paused: the collector is off inside, restored after, and what was allocated inside is
moved to the oldest generation (unless the application froze objects itself)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from finclear.x12.gcpause import gc_paused, with_gc_paused


@pytest.fixture
def collector() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


class Box:
    """A container the collector tracks."""

    def __init__(self) -> None:
        self.items: list[object] = []


def _generation_of(obj: object) -> int | None:
    for generation in range(3):
        if any(o is obj for o in gc.get_objects(generation)):
            return generation
    return None


@pytest.mark.usefixtures("collector")
@pytest.mark.parametrize("enabled", [True, False])
def test_state_restored(enabled: bool) -> None:
    gc.enable() if enabled else gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


@pytest.mark.usefixtures("collector")
def test_state_restored_on_error() -> None:
    gc.enable()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_allocations_end_in_the_oldest_generation() -> None:
    gc.enable()
    with gc_paused():
        box = Box()
        assert _generation_of(box) == 0
    assert _generation_of(box) == 2
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector")
def test_an_application_freeze_is_left_alone() -> None:
    gc.enable()
    kept = Box()
    gc.freeze()
    assert gc.get_freeze_count() > 0
    assert _generation_of(kept) is None  # frozen: in no generation
    with gc_paused():
        box = Box()
    gc.disable()  # no young collection may move the box before it is looked for
    # Still frozen (an unfreeze would have moved it to the oldest generation). The freeze
    # count itself is not compared: a frozen object freed meanwhile lowers it.
    assert _generation_of(kept) is None
    assert gc.get_freeze_count() > 0
    assert _generation_of(box) == 0


@pytest.mark.usefixtures("collector")
def test_decorator_pauses_and_returns() -> None:
    gc.enable()

    @with_gc_paused
    def state(value: int) -> tuple[bool, int]:
        return gc.isenabled(), value

    assert state(7) == (False, 7)
    assert gc.isenabled()
