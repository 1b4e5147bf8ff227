"""Collecting validation errors that name their field, for ``clean()`` and the services.

Every message starts with the field name (``npi: 1234567890 fails the NPI check digit``) so it
reads the same in the admin, in the API and in an importer's error report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

_US_STATE = re.compile(r"^[A-Z]{2}$")
_POSTAL_CODE = re.compile(r"^\d{5}(-?\d{4})?$")


class FieldErrors:
    """Gathers every problem of a record before raising, so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(f"{field}: {message}")

    def check(self, field: str, checker: Callable[[Any], Any], value: Any) -> Any:
        """Run a pure-core ``check_*`` (which raises ValueError); return its result or None."""
        try:
            return checker(value)
        except ValueError as exc:
            self.add(field, str(exc))
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def check_address(errors: FieldErrors, state: str, postal_code: str) -> None:
    if state and not _US_STATE.match(state):
        errors.add("state", f"{state!r} is not a two-letter USPS state code")
    if postal_code and not _POSTAL_CODE.match(postal_code):
        errors.add("postal_code", f"{postal_code!r} is not a ZIP code (12345 or 12345-6789)")


def do_save_checked(instance: Model, **save_kwargs: Any) -> None:
    """``full_clean()`` then ``save()``: the one way services write a row."""
    instance.full_clean()
    instance.save(**save_kwargs)


def set_fields(instance: Model, fields: dict[str, Any]) -> None:
    """Assign ``fields`` to the instance, refusing names the model does not have."""
    known = {f.name for f in instance._meta.concrete_fields} | {
        f.attname for f in instance._meta.concrete_fields
    }
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError(
            {name: f"{name}: {type(instance).__name__} has no such field" for name in unknown}
        )
    for name, value in fields.items():
        setattr(instance, name, value)
