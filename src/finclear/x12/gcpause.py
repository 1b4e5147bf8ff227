"""Pausing Python's cyclic garbage collector around bulk parsing and checking.

Reading a file allocates millions of small containers (segments, their element lists, loops)
and no garbage cycles. With the collector on, every young collection walks them; and once it
is back on, they are all still young, so the next collections walk every one of them again
(generation 0, then 1, then a full collection), finding nothing. ``gc_paused`` turns the
collector off for the work and, on the way out, moves what was allocated straight to the
oldest generation (``gc.freeze`` then ``gc.unfreeze``, both constant time): only the full
collections the interpreter schedules anyway look at it from then on. Young garbage cycles
made elsewhere before the pause wait for that next full collection too.

When the application has frozen objects itself (``gc.freeze`` before forking workers), the
move is skipped: unfreezing would undo its freeze.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; what it allocated ends up in the oldest
    generation. The collector's state is restored whatever happens."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def with_gc_paused(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``func`` to run inside ``gc_paused``."""

    @wraps(func)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return func(*args, **kwargs)

    return paused
