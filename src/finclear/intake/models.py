"""The record of each import: what file, when, by whom, and what came of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """One run of ``do_import``. ``problems`` holds locations and messages, never patient data."""

    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=10)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
    )
    channel = models.CharField(max_length=10, default="cli")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["-started_at"], name="importrun_started_idx")]

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.file_name} ({self.format})"
