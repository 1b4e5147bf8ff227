"""Abstract models shared by the domain apps: timestamps and a postal address."""

from __future__ import annotations

from django.db import models


class TimestampedModel(models.Model):
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
