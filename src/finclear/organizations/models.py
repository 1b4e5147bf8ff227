"""Organizations, their facilities and departments, and the providers who work there."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

from django.db import models

from finclear.codes.npi import check_npi
from finclear.codes.tin import check_tin
from finclear.organizations.base import AddressModel, TimestampedModel
from finclear.organizations.validation import FieldErrors, check_address

_TAXONOMY = re.compile(r"^[0-9A-Z]{9}X$")
_CODE = re.compile(r"^[A-Z0-9_-]{1,20}$")


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_npi_field(errors: FieldErrors, value: str, field: str = "npi") -> None:
    if value:
        errors.check(field, check_npi, value)


def check_tin_field(errors: FieldErrors, value: str, field: str = "tin") -> None:
    if not value:
        return
    digits = errors.check(field, check_tin, value)
    if digits is not None and digits != value:
        errors.add(field, f"store the TIN as nine bare digits ({digits}), not {value!r}")


class Organization(TimestampedModel, AddressModel):
    name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10, help_text="Type 2 (organization) NPI")
    tin = models.CharField("TIN", max_length=9, help_text="Nine digits, no hyphen")
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = FieldErrors()
        check_npi_field(errors, self.npi)
        check_tin_field(errors, self.tin)
        check_address(errors, self.state, self.postal_code)
        errors.raise_if_any()


class Facility(TimestampedModel, AddressModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="facilities"
    )
    code = models.CharField(max_length=20, unique=True, help_text="Short code, e.g. NORTH")
    name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10)
    tin = models.CharField("TIN", max_length=9, help_text="Nine digits, no hyphen")
    phone = models.CharField(max_length=20, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", help_text="IANA name")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.code and not _CODE.match(self.code):
            errors.add("code", f"{self.code!r} must be upper-case letters, digits, - or _")
        check_npi_field(errors, self.npi)
        check_tin_field(errors, self.tin)
        check_address(errors, self.state, self.postal_code)
        if self.time_zone not in _time_zones():
            errors.add("time_zone", f"{self.time_zone!r} is not an IANA time zone")
        errors.raise_if_any()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Department(TimestampedModel):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="departments")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["facility__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "code"], name="department_code_per_facility"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = FieldErrors()
        if self.code and not _CODE.match(self.code):
            errors.add("code", f"{self.code!r} must be upper-case letters, digits, - or _")
        errors.raise_if_any()


class Provider(TimestampedModel):
    npi = models.CharField("NPI", max_length=10, unique=True)
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    credential = models.CharField(max_length=20, blank=True, help_text="e.g. MD, DO, NP")
    taxonomy = models.CharField(max_length=10, blank=True, help_text="NUCC taxonomy code")
    facilities = models.ManyToManyField(Facility, related_name="providers", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        suffix = f", {self.credential}" if self.credential else ""
        return f"{self.first_name} {self.last_name}{suffix}"

    def clean(self) -> None:
        errors = FieldErrors()
        check_npi_field(errors, self.npi)
        if self.taxonomy and not _TAXONOMY.match(self.taxonomy):
            errors.add(
                "taxonomy",
                f"{self.taxonomy!r} is not a NUCC taxonomy code (9 letters or digits then X)",
            )
        errors.raise_if_any()
