"""Behaviours chosen by magic member IDs (for tests and demos; see docs/payersim.md).

A member ID ending in one of these suffixes, optionally followed by ``X<n>``, triggers them;
the rest of the ID is looked up in the scenario as usual:

* ``AAA42`` the payer cannot respond now (AAA 42); ``AAA72``, ``AAA73``, ``AAA75`` those
  rejections;
* ``SLOW`` the answer comes after ``--slow-ms``;
* ``FAIL5`` the request gets HTTP 500.

``X<n>`` limits the behaviour to the first ``n`` requests naming that member ID (``FAIL5X2``:
two 500s, then answers); without it, it applies every time.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

_MAGIC = re.compile(r"(AAA42|AAA72|AAA73|AAA75|SLOW|FAIL5)(?:X(\d{1,3}))?$")


@dataclass(frozen=True, slots=True)
class Magic:
    behaviour: str  # AAA42, AAA72, AAA73, AAA75, SLOW, FAIL5
    times: int | None  # None: every time
    base_id: str  # the member ID without the suffix
    member_id: str  # as sent


def parse_magic(member_id: str) -> Magic | None:
    found = _MAGIC.search(member_id.upper())
    if found is None:
        return None
    times = int(found.group(2)) if found.group(2) else None
    return Magic(found.group(1), times, member_id[: found.start()], member_id)


class Counters:
    """How many times each magic member ID was seen (thread-safe)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def applies(self, magic: Magic) -> bool:
        """Counts this request; True while the behaviour still applies to it."""
        if magic.times is None:
            return True
        with self._lock:
            seen = self._seen.get(magic.member_id.upper(), 0)
            self._seen[magic.member_id.upper()] = seen + 1
        return seen < magic.times
