"""Abstract models shared by the domain apps: field-named errors, timestamps, an address."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


class CheckedModel(models.Model):
    """A model whose validation messages all start with the field they are about.

    Django's own messages ("This field cannot be blank.") do not name their field; this
    prefixes them, so an importer's or the API's error report can be read without the form.
    """

    class Meta:
        abstract = True

    def full_clean(
        self,
        exclude: Collection[str] | None = None,
        validate_unique: bool = True,
        validate_constraints: bool = True,
    ) -> None:
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        except ValidationError as exc:
            raise name_fields(exc) from exc


def name_fields(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    named: dict[str, list[Any]] = {}
    for field, errors in exc.error_dict.items():
        named[field] = []
        for error in errors:
            message = str(error.message % error.params) if error.params else str(error.message)
            if field != NON_FIELD_ERRORS and not message.startswith(f"{field}: "):
                message = f"{field}: {message}"
            named[field].append(ValidationError(message, code=error.code))
    return ValidationError(named)


class TimestampedModel(CheckedModel):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AddressModel(models.Model):
    address_line1 = models.CharField(max_length=100, blank=True)
    address_line2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, blank=True, help_text="USPS two-letter code")
    postal_code = models.CharField(max_length=10, blank=True, help_text="ZIP or ZIP+4")

    class Meta:
        abstract = True
