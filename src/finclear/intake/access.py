"""Who may import files and who may read the import runs."""

from __future__ import annotations

from typing import Any

# Importing writes patients, coverages and encounters: the user must be allowed all of it.
IMPORT_PERMISSIONS = (
    "patients.add_patient",
    "patients.change_patient",
    "patients.add_coverage",
    "patients.change_coverage",
    "scheduling.add_encounter",
    "scheduling.change_encounter",
)
# A run holds file names, counts and problem locations, never patient data.
VIEW_RUNS_PERMISSION = "patients.view_patient"


def check_can_import(user: Any) -> bool:
    return bool(user is not None and user.has_perms(IMPORT_PERMISSIONS))


def check_can_view_runs(user: Any) -> bool:
    return bool(user is not None and user.has_perm(VIEW_RUNS_PERMISSION))
