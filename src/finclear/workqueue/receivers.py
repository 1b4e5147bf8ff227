"""Recompute a case whenever one of its facts changes.

Saving or deleting an encounter, a service line, a coverage, an authorization or a line's
authorization requirement marks the cases it touches; the marked cases are recomputed once,
in bulk, when the transaction commits (``transaction.on_commit``), so an import of many
rows recomputes each case once. Eligibility checks recompute their case in their own
service. Bulk writes (``QuerySet.update``, ``bulk_create``) send no signals: their callers
recompute (``do_recompute_cases``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from finclear.workqueue.models import ClearanceCase

_pending = threading.local()

# sender (lazy "app_label.Model") -> how to find the encounters a row touches
ENCOUNTER_OF: dict[str, Callable[[Any], Iterable[int]]] = {
    "scheduling.Encounter": lambda row: [row.pk],
    "scheduling.ServiceLine": lambda row: [row.encounter_id],
    "patients.Coverage": lambda row: _open_encounters_of_patient(row.patient_id),
    "authorizations.Authorization": lambda row: _open_encounters_of_coverage(row.coverage_id),
    "authorizations.LineRequirement": lambda row: _encounter_of_line(row.service_line_id),
}


def _open_encounters_of_patient(patient_id: int | None) -> list[int]:
    if patient_id is None:
        return []
    return list(
        ClearanceCase.objects.filter(encounter__patient_id=patient_id, is_open=True).values_list(
            "encounter_id", flat=True
        )
    )


def _open_encounters_of_coverage(coverage_id: int | None) -> list[int]:
    if coverage_id is None:
        return []
    return list(
        ClearanceCase.objects.filter(
            encounter__patient__coverages__pk=coverage_id, is_open=True
        ).values_list("encounter_id", flat=True)
    )


def _encounter_of_line(line_id: int | None) -> list[int]:
    from finclear.scheduling.models import ServiceLine

    return list(ServiceLine.objects.filter(pk=line_id).values_list("encounter_id", flat=True))


def _flush() -> None:
    from finclear.workqueue.services import do_recompute_cases

    encounter_ids = getattr(_pending, "ids", set())
    _pending.ids = set()
    if not encounter_ids:
        return
    case_ids = ClearanceCase.objects.filter(encounter_id__in=encounter_ids).values_list(
        "pk", flat=True
    )
    do_recompute_cases(list(case_ids))


def mark(encounter_ids: Iterable[int]) -> None:
    ids = {pk for pk in encounter_ids if pk is not None}
    if not ids:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(ids)
    if getattr(_pending, "deferred", 0):
        return  # deferred_recompute() recomputes them when its block ends
    # One callback per change: the first to run recomputes everything pending, the others
    # find nothing left. (A rolled-back savepoint drops its callbacks, never the others'.)
    transaction.on_commit(_flush)


def is_pending(encounter_ids: Iterable[int]) -> bool:
    """Whether any of these encounters has changes marked and not yet recomputed."""
    pending = getattr(_pending, "ids", None)
    return bool(pending) and any(pk in pending for pk in encounter_ids)


@contextmanager
def deferred_recompute() -> Iterator[None]:
    """Hold back the recomputation of marked cases until the block ends, then do it once.

    For bulk work made of many small transactions (a demo pipeline step, a batch of
    requests): each commit would otherwise recompute its cases there and then. If the block
    raises, the marked cases stay pending for the next recomputation.
    """
    depth = getattr(_pending, "deferred", 0)
    _pending.deferred = depth + 1
    try:
        yield
    finally:
        _pending.deferred = depth
    if depth == 0:
        _flush()


def _receiver(find: Callable[[Any], Iterable[int]]) -> Callable[..., None]:
    def on_change(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw:  # loading fixtures
            return
        mark(find(instance))

    return on_change


_RECEIVERS: list[Callable[..., None]] = []


def connect() -> None:
    for sender, find in ENCOUNTER_OF.items():
        app_label = sender.split(".")[0]
        from django.apps import apps

        if not apps.is_installed(f"finclear.{app_label}"):
            continue
        receiver = _receiver(find)
        _RECEIVERS.append(receiver)  # signals hold receivers weakly
        post_save.connect(receiver, sender=sender, dispatch_uid=f"workqueue-recompute-{sender}")
        post_delete.connect(
            receiver, sender=sender, dispatch_uid=f"workqueue-recompute-del-{sender}"
        )
