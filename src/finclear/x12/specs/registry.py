"""Which implementation guide reads a transaction set: ``spec_for(ST01, version)``.

Every module of ``finclear.x12.specs`` that exposes ``SPEC`` (a ``TransactionSpec``) is a
guide; it is found by its ``transaction_set`` and ``version`` or one of its ``aliases``.
Errata variants of a guide (GS08 ``005010X222`` / ``X222A1`` / ``X222A2``) fall back to the
closest known guide of the same base, and the caller is told so.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache

import finclear.x12.specs as specs_package
from finclear.x12.specs.model import TransactionSpec

_NOT_GUIDES = frozenset({"model", "registry"})
_BASE = re.compile(r"^(\d{6}X\d{3})(A(\d+))?")


@dataclass(frozen=True, slots=True)
class Match:
    """The guides found for a transaction set; ``exact`` False when read as a variant."""

    specs: tuple[TransactionSpec, ...]
    exact: bool


@cache
def all_specs() -> tuple[TransactionSpec, ...]:
    """Every guide in ``finclear.x12.specs``, in module name order."""
    found: list[TransactionSpec] = []
    for info in sorted(pkgutil.iter_modules(specs_package.__path__), key=lambda m: m.name):
        if info.name in _NOT_GUIDES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{specs_package.__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, TransactionSpec):
            found.append(spec)
    return tuple(found)


def _versions(spec: TransactionSpec) -> tuple[str, ...]:
    return (spec.version, *spec.aliases)


def _errata(version: str) -> tuple[str, int] | None:
    match = _BASE.match(version)
    if match is None:
        return None
    return match.group(1), int(match.group(3) or 0)


@cache
def find_specs(transaction_set: str, version: str) -> Match:
    """The guides for ST01 ``transaction_set`` and guide ``version`` (ST03, else GS08)."""
    same_set = [s for s in all_specs() if s.transaction_set == transaction_set]
    exact = tuple(s for s in same_set if version in _versions(s))
    if exact:
        return Match(exact, True)
    wanted = _errata(version)
    if wanted is None:
        return Match((), False)
    base, addendum = wanted
    scored: list[tuple[int, TransactionSpec]] = []
    for spec in same_set:
        for known in _versions(spec):
            errata = _errata(known)
            if errata is not None and errata[0] == base:
                scored.append((abs(errata[1] - addendum), spec))
                break
    if not scored:
        return Match((), False)
    best = min(score for score, _ in scored)
    return Match(tuple(spec for score, spec in scored if score == best), False)


def spec_for(transaction_set: str, version: str) -> TransactionSpec | None:
    """The guide for a transaction set, the closest errata of the same base if need be.

    When two guides share ST01 and version (278 request and response), the first is given;
    the reader tells them apart by their header segments (see ``finclear.x12.reader``).
    """
    match = find_specs(transaction_set, version)
    return match.specs[0] if match.specs else None
