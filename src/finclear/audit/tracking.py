"""Automatic audit of every create, update and delete of patient data.

Receivers on post_init/post_save/post_delete of each model in ``registry.PATIENT_MODELS``:
an instance remembers its field values when loaded, so an update records the names of the
fields that changed (never the values). Who and from where come from the audit context.
Bulk operations (``QuerySet.update``, ``bulk_create``) send no signals and are not seen here:
services that use them record their own events.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_delete, post_init, post_save

from finclear.audit.models import AuditAction
from finclear.audit.registry import PATIENT_MODELS
from finclear.audit.services import record_event

_SNAPSHOT = "_finclear_audit_snapshot"
_DEFERRED = object()
_UNTRACKED_FIELDS = frozenset({"created_at", "updated_at"})


_ATOMS = frozenset({str, int, float, bool, type(None), Decimal})


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (a list or dict field), made without ``copy.deepcopy``'s
    memo and dispatch: plain dicts and lists are rebuilt, immutable scalars shared (as
    ``deepcopy`` shares them); anything else is left to ``deepcopy``. A check's benefit rows
    are thousands of values, copied on every save and load of the row."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


# Field classes whose values are immutable scalars: a snapshot shares them. A value of any
# other field (JSON, arrays, fields not listed here) is deep-copied when it is a list or dict.
_SCALAR_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,  # DateTimeField too
    models.DecimalField,
    models.DurationField,
    models.FloatField,
    models.ForeignKey,
    models.IntegerField,  # the positive, small and big ones too
    models.TextField,
    models.TimeField,
    models.UUIDField,
)
_MUTABLE_BY_MODEL: dict[type[models.Model], tuple[str, ...]] = {}


def _mutable_attnames(model: type[models.Model]) -> tuple[str, ...]:
    names = _MUTABLE_BY_MODEL.get(model)
    if names is None:
        names = _MUTABLE_BY_MODEL[model] = tuple(
            f.attname for f in model._meta.concrete_fields if not isinstance(f, _SCALAR_FIELDS)
        )
    return names


def take_snapshot(instance: models.Model) -> None:
    """Remember the instance's field values (runs on every load of a patient model's row).

    A copy of the instance's ``__dict__``: a deferred field is missing from it, as from the
    instance. Only the values of fields that can hold a list or dict are copied deeply.
    """
    state = instance.__dict__
    values = state.copy()
    values.pop(_SNAPSHOT, None)
    for name in _mutable_attnames(type(instance)):
        value = values.get(name, _DEFERRED)
        if isinstance(value, list | dict):
            values[name] = copy_json(value)
    state[_SNAPSHOT] = values


def changed_field_names(instance: models.Model, update_fields: Any = None) -> list[str]:
    snapshot: dict[str, Any] = getattr(instance, _SNAPSHOT, {})
    names = []
    for field in instance._meta.concrete_fields:
        if field.name in _UNTRACKED_FIELDS or field.primary_key:
            continue
        if update_fields is not None and field.name not in update_fields:
            continue
        before = snapshot.get(field.attname, _DEFERRED)
        after = instance.__dict__.get(field.attname, _DEFERRED)
        if before is _DEFERRED or after is _DEFERRED:
            if update_fields is not None:
                names.append(field.name)
            continue
        if before != after:
            names.append(field.name)
    return names


def on_init(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    take_snapshot(instance)


def on_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if created:
        record_event(AuditAction.CREATE, obj=instance)
    else:
        fields = changed_field_names(instance, update_fields)
        record_event(AuditAction.UPDATE, obj=instance, detail={"fields": fields})
    take_snapshot(instance)


def on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    record_event(AuditAction.DELETE, obj=instance)


def connect_patient_models() -> list[str]:
    """Connect the receivers to every registered model that exists; return their labels."""
    connected = []
    for label in PATIENT_MODELS:
        app_label, _, model_name = label.partition(".")
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        uid = f"finclear-audit-{label}"
        post_init.connect(on_init, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(on_save, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(on_delete, sender=model, dispatch_uid=uid, weak=False)
        connected.append(label)
    return connected
