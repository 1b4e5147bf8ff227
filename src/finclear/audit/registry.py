"""Which models hold patient data, and how to find the patient a row belongs to.

Each entry maps a model label (``app_label.model``) to the lookup path from that model to its
patient: ``""`` for the patient itself, ``"patient"`` for a direct foreign key,
``"encounter__patient"`` through a chain, or a function for anything else. Apps that add
patient data later call ``register_patient_model``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.db import models

PatientPath = str | Callable[[models.Model], int | None]


def guarantor_patient_id(guarantor: models.Model) -> int | None:
    """The first patient this guarantor answers for (a guarantor may cover several)."""
    patient_model = apps.get_model("patients", "Patient")
    pk: int | None = (
        patient_model._base_manager.filter(guarantor_id=guarantor.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return pk


PATIENT_MODELS: dict[str, PatientPath] = {
    "patients.patient": "",
    "patients.guarantor": guarantor_patient_id,
    "patients.coverage": "patient",
    "scheduling.encounter": "patient",
    "scheduling.serviceline": "encounter__patient",
    "scheduling.diagnosis": "encounter__patient",
    "workqueue.clearancecase": "encounter__patient",
    "workqueue.casenote": "case__encounter__patient",
    "workqueue.task": "case__encounter__patient",
}


def register_patient_model(label: str, path: PatientPath) -> None:
    """Declare another model as patient data; call it before the app registry is ready."""
    PATIENT_MODELS[label.lower()] = path


def is_patient_model(model: type[models.Model]) -> bool:
    return model._meta.label_lower in PATIENT_MODELS


def patient_id_of(obj: models.Model) -> int | None:
    """The patient a row belongs to, read from the row or with one query up its chain.

    Works in post_delete too: only the row's own foreign key values are read from it.
    """
    path = PATIENT_MODELS.get(obj._meta.label_lower)
    if path is None:
        return None
    if callable(path):
        return path(obj)
    if path == "":
        return _as_int(obj.pk)
    return _follow(obj, path)


def _follow(obj: models.Model, path: str) -> int | None:
    first, _, rest = path.partition("__")
    fk_value = getattr(obj, f"{first}_id", None)
    if fk_value is None or not rest:
        return _as_int(fk_value)
    cached = obj._state.fields_cache.get(first)
    if cached is not None:
        return _follow(cached, rest)
    related = obj._meta.get_field(first).related_model
    assert isinstance(related, type)
    value = related._base_manager.filter(pk=fk_value).values_list(rest, flat=True).first()
    return _as_int(value)


def patient_ids_of(objs: Iterable[models.Model]) -> dict[int, int | None]:
    """``patient_id_of`` for many rows, keyed by ``id(row)``, with one query per model.

    Rows whose first hop is already loaded are followed in memory, like ``patient_id_of``.
    """
    result: dict[int, int | None] = {}
    pending: dict[tuple[type[models.Model], str], list[tuple[models.Model, Any]]] = {}
    for obj in objs:
        path = PATIENT_MODELS.get(obj._meta.label_lower)
        first, _, rest = path.partition("__") if isinstance(path, str) else ("", "", "")
        if not rest or obj._state.fields_cache.get(first) is not None:
            result[id(obj)] = patient_id_of(obj)
            continue
        fk_value = getattr(obj, f"{first}_id", None)
        if fk_value is None:
            result[id(obj)] = None
            continue
        related = obj._meta.get_field(first).related_model
        assert isinstance(related, type)
        pending.setdefault((related, rest), []).append((obj, fk_value))
    for (related, rest), rows in pending.items():
        keys = {fk for _, fk in rows}
        found = dict(related._base_manager.filter(pk__in=keys).values_list("pk", rest))
        for obj, fk_value in rows:
            result[id(obj)] = _as_int(found.get(fk_value))
    return result


def _as_int(value: Any) -> int | None:
    return None if value is None else int(value)
