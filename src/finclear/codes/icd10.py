"""ICD-10-CM diagnosis codes, checked against the code set shipped by ``simple-icd-10-cm``.

A code is billable when it is a leaf of the tabular list (a category or subcategory with no
children). Codes are stored without the dot and upper-cased: ``E11.9`` -> ``E119``.
"""

from __future__ import annotations

from functools import cache, lru_cache
from types import ModuleType

MAX_SUGGESTIONS = 3


@cache
def _code_set() -> ModuleType:
    """The code set, loaded on first use: parsing its XML takes seconds, so not at import."""
    import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module


def normalize_icd10(code: str) -> str:
    """``" e11.9 "`` -> ``"E119"``."""
    return code.strip().replace(".", "").upper()


@lru_cache(maxsize=65536)
def _lookup(code: str) -> tuple[bool, bool]:
    """(is a code of the tabular list, is a leaf) for a normalized code."""
    cm = _code_set()
    if not code or not cm.is_valid_item(code) or not cm.is_category_or_subcategory(code):
        return (False, False)
    return (True, bool(cm.is_leaf(code)))


def is_icd10_code(code: str) -> bool:
    """True for any category or subcategory of ICD-10-CM, billable or not."""
    return _lookup(normalize_icd10(code))[0]


def is_billable_icd10(code: str) -> bool:
    known, leaf = _lookup(normalize_icd10(code))
    return known and leaf


@lru_cache(maxsize=4096)
def billable_descendants(code: str, limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
    """Billable codes under a non-billable one, for error messages.

    The least specific come first, and among those the ``.9``-style catch-alls (``E11`` ->
    ``E119``), which is what a coder usually means when they type a bare category.
    """
    cm = _code_set()
    leaves = [normalize_icd10(d) for d in cm.get_descendants(code) if cm.is_leaf(d)]
    leaves.sort(key=lambda leaf: (len(leaf), not leaf.endswith("9")))
    return tuple(leaves[:limit])


def check_icd10(code: str) -> str:
    """Return the normalized code if it is a billable ICD-10-CM code; ValueError otherwise."""
    normalized = normalize_icd10(code)
    known, leaf = _lookup(normalized)
    if not known:
        raise ValueError(f"{code.strip() or repr(code)} is not an ICD-10-CM code")
    if not leaf:
        examples = billable_descendants(normalized)
        hint = f"; use a more specific code such as {examples[0]}" if examples else ""
        raise ValueError(f"{normalized} is not a billable ICD-10-CM code (it has children){hint}")
    return normalized


def icd10_description(code: str) -> str:
    normalized = normalize_icd10(code)
    if not _lookup(normalized)[0]:
        raise ValueError(f"{code.strip() or repr(code)} is not an ICD-10-CM code")
    return str(_code_set().get_description(normalized))
