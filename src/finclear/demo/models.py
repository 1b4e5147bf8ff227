"""The record of each synthetic clinic loaded into this database."""

from __future__ import annotations

from django.db import models


class SeedRun(models.Model):
    """One ``finclear seed``: the parameters that rebuild the clinic and what it created.

    ``finclear demo`` reads the latest run to skip re-seeding with the same parameters.
    """

    seed = models.BigIntegerField()
    patients = models.PositiveIntegerField()
    days = models.PositiveIntegerField()
    start_date = models.DateField()
    encounters_requested = models.PositiveIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, help_text="Rows created per table")
    scenario_path = models.CharField(max_length=500, blank=True)
    duration_seconds = models.FloatField(help_text="Wall time of the load")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Seed run #{self.pk} (seed {self.seed}, {self.patients} patients)"

    def same_parameters(
        self, *, seed: int, patients: int, days: int, start_date: object, encounters: int | None
    ) -> bool:
        return (
            self.seed == seed
            and self.patients == patients
            and self.days == days
            and self.start_date == start_date
            and self.encounters_requested == encounters
        )
