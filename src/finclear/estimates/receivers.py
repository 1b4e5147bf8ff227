"""Recalculate an encounter's current estimate when what it was calculated from changes.

A saved or deleted service line or diagnosis, or a saved coverage marks the encounters it
touches; when the transaction commits, their current estimates whose inputs changed are
recalculated once, in bulk (``do_refresh_estimates``). An encounter without an estimate gets
none here. Bulk writes send no signals: their callers call ``do_refresh_estimates`` (the demo
pipeline does). Eligibility checks (new 271 benefits) are not watched here: the eligibility
service refreshes the estimates of the encounters it verifies, real time and batch, inside the
transaction that records them, before the case statuses are recomputed once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

_pending = threading.local()


def _open_encounters_of_patient(patient_id: int | None) -> list[int]:
    from finclear.estimates.models import Estimate

    if patient_id is None:
        return []
    return list(
        Estimate.objects.filter(encounter__patient_id=patient_id, is_current=True).values_list(
            "encounter_id", flat=True
        )
    )


ENCOUNTER_OF: dict[str, Callable[[Any], Iterable[int]]] = {
    "scheduling.ServiceLine": lambda row: [row.encounter_id],
    "scheduling.Diagnosis": lambda row: [row.encounter_id],
    "patients.Coverage": lambda row: _open_encounters_of_patient(row.patient_id),
}


def _flush() -> None:
    from finclear.estimates.services import do_refresh_estimates

    ids = getattr(_pending, "ids", set())
    _pending.ids = set()
    if ids:
        do_refresh_estimates(ids)


def mark(encounter_ids: Iterable[int]) -> None:
    ids = {pk for pk in encounter_ids if pk is not None}
    if not ids:
        return
    pending: set[int] = getattr(_pending, "ids", set())
    pending.update(ids)
    _pending.ids = pending
    transaction.on_commit(_flush)


def _receiver(find: Callable[[Any], Iterable[int]]) -> Callable[..., None]:
    def on_change(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            mark(find(instance))

    return on_change


_RECEIVERS: list[Callable[..., None]] = []


def connect() -> None:
    for sender, find in ENCOUNTER_OF.items():
        receiver = _receiver(find)
        _RECEIVERS.append(receiver)
        uid = f"estimates-refresh-{sender}"
        post_save.connect(receiver, sender=sender, dispatch_uid=uid, weak=False)
        post_delete.connect(receiver, sender=sender, dispatch_uid=f"{uid}-del", weak=False)
