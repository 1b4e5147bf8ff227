"""Taxpayer Identification Number format: an EIN (``12-3456789``) or an SSN-shaped number.

Only the shape is checked (nine digits, not all zeros); the stored form is nine bare digits.
"""

from __future__ import annotations

import re

_SHAPES = (
    re.compile(r"^\d{9}$"),
    re.compile(r"^\d{2}-\d{7}$"),
    re.compile(r"^\d{3}-\d{2}-\d{4}$"),
)


def normalize_tin(tin: str) -> str:
    """Nine bare digits from ``123456789``, ``12-3456789`` or ``123-45-6789``; ValueError otherwise."""
    text = tin.strip()
    if not text.isascii() or not any(shape.match(text) for shape in _SHAPES):
        raise ValueError(
            f"{tin!r} is not a TIN: expected 9 digits (123456789, 12-3456789 or 123-45-6789)"
        )
    digits = text.replace("-", "")
    if digits == "000000000":
        raise ValueError(f"{tin!r} is not a TIN: all zeros")
    return digits


def check_tin(tin: str) -> str:
    """Return the TIN as nine bare digits, or raise ValueError naming the problem."""
    return normalize_tin(tin)


def is_valid_tin(tin: str) -> bool:
    try:
        normalize_tin(tin)
    except ValueError:
        return False
    return True
