"""Writing the audit trail.

``record_event`` writes one event; ``record_view`` and ``record_list_view`` record reads of
patient data by a request. Who, how and from where come from the arguments, else from the
request, else from the current ``audit_context``; with none of them the event is attributed
to the system over the command line. Events name objects by type and id only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.http import HttpRequest
from django.utils import timezone

from finclear.audit.context import (
    AuditContext,
    build_request_context,
    current_context,
)
from finclear.audit.models import AuditAction, AuditChannel, AuditEvent
from finclear.audit.registry import patient_id_of, patient_ids_of

_ALLOWED_DETAIL_KEYS = frozenset({"fields", "list", "reason", "filters", "count", "format", "via"})


def check_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """Detail holds field names, counts and reasons: never values. Refuse anything else."""
    unknown = sorted(set(detail) - _ALLOWED_DETAIL_KEYS)
    if unknown:
        raise ValueError(
            f"detail: keys {', '.join(unknown)} are not allowed in an audit event "
            f"(allowed: {', '.join(sorted(_ALLOWED_DETAIL_KEYS))})"
        )
    for key, value in detail.items():
        if key in {"fields", "filters"} and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise ValueError(f"detail: {key} must be a list of names")
    return dict(detail)


def describe(obj: models.Model) -> tuple[str, str, str]:
    """(object_type, object_id, object_repr) of a row: its type and id, never its content."""
    meta = obj._meta
    object_id = "" if obj.pk is None else str(obj.pk)
    return meta.label_lower, object_id, f"{meta.verbose_name} #{object_id}"[:200]


def _resolve(request: HttpRequest | None, channel: str | None) -> tuple[AuditContext, str]:
    context = build_request_context(request) if request is not None else current_context()
    if context is None:
        context = AuditContext(channel=AuditChannel.CLI)
    return context, channel or context.channel


# Django's ``Choices.values`` builds a new list on every access: kept once, at import.
_ACTIONS = frozenset(AuditAction.values)
_CHANNELS = frozenset(AuditChannel.values)


def build_event(
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    patient_id: int | None = None,
    user: Any = None,
    username: str | None = None,
    channel: str | None = None,
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event; ``record_event`` saves one, ``record_list_view`` saves many at once."""
    if action not in _ACTIONS:
        raise ValueError(f"action: {action!r} is not one of {', '.join(AuditAction.values)}")
    context, channel = _resolve(request, channel)
    if channel not in _CHANNELS:
        raise ValueError(f"channel: {channel!r} is not one of {', '.join(AuditChannel.values)}")
    if user is None:
        user = context.acting_user()
    object_repr = ""
    if obj is not None:
        object_type, object_id, object_repr = describe(obj)
        if patient_id is None:
            patient_id = patient_id_of(obj)
    elif object_type:
        object_repr = f"{object_type} #{object_id}"[:200] if object_id else object_type
    if username is None:
        username = user.get_username() if user is not None else ""
    return AuditEvent(
        occurred_at=timezone.now(),
        user=user,
        username=username[:150],
        action=action,
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=object_repr,
        patient_id=patient_id,
        channel=channel,
        ip_address=context.ip_address,
        path=context.path,
        detail=check_detail(detail or {}),
    )


# The columns of ``build_event_rows``' rows (every field but the key), in this order.
EVENT_COLUMNS = (
    "occurred_at",
    "user",
    "username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "patient_id",
    "channel",
    "ip_address",
    "path",
    "detail",
)
EventRow = Callable[[models.Model, "int | None", Mapping[str, Any]], list[Any]]


def build_event_rows(
    action: str,
    *,
    user: Any = None,
    channel: str | None = None,
    request: HttpRequest | None = None,
) -> EventRow:
    """``build_event`` for many objects by one actor, as rows of ``EVENT_COLUMNS`` values
    prepared for the database (``get_db_prep_save``), without an ``AuditEvent`` per row: for
    the bulk paths that write thousands (a batch's recompute). Returns ``row(obj, patient_id,
    detail)``.

    One event is built here as ``build_event`` builds it (the action, the context and the
    channel checked, the user resolved) and its shared values prepared once; each row has its
    own time (``timezone.now()``, as each ``build_event``), object, patient (``patient_id_of``
    the object when None) and detail (checked and prepared once per distinct detail).
    """
    shared = build_event(action, user=user, channel=channel, request=request)
    meta = AuditEvent._meta

    def prepare(name: str, value: Any) -> Any:
        return meta.get_field(name).get_db_prep_save(value, connection)

    user_id, username, action_, channel_, ip_address, path = (
        prepare(name, getattr(shared, meta.get_field(name).attname))
        for name in ("user", "username", "action", "channel", "ip_address", "path")
    )
    occurred, detail_field = meta.get_field("occurred_at"), meta.get_field("detail")
    probe = timezone.now()
    # Whether the backend takes an aware datetime as it is (PostgreSQL; SQLite's is text).
    time_as_is = occurred.get_db_prep_save(probe, connection) is probe
    details: dict[Any, Any] = {}

    def prepared_detail(detail: Mapping[str, Any]) -> Any:
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in detail.items())
        try:
            return details[key]
        except KeyError:
            value = details[key] = detail_field.get_db_prep_save(check_detail(detail), connection)
            return value
        except TypeError:  # a value that cannot be a key
            return detail_field.get_db_prep_save(check_detail(detail), connection)

    def row(obj: models.Model, patient_id: int | None, detail: Mapping[str, Any]) -> list[Any]:
        object_type, object_id, object_repr = describe(obj)
        if patient_id is None:
            patient_id = patient_id_of(obj)
        now = timezone.now()
        return [
            now if time_as_is else occurred.get_db_prep_save(now, connection),
            user_id,
            username,
            action_,
            object_type,
            object_id[:64],
            object_repr,
            patient_id,
            channel_,
            ip_address,
            path,
            prepared_detail(detail),
        ]

    return row


def record_event(action: str, **kwargs: Any) -> AuditEvent:
    """Write one audit event; see ``build_event`` for the arguments."""
    event = build_event(action, **kwargs)
    event.save()
    return event


def record_view(
    request: HttpRequest, obj: models.Model, detail: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Record that the request's user read ``obj``."""
    return record_event(AuditAction.VIEW, obj=obj, request=request, detail=detail)


def record_list_view(request: HttpRequest, objs: Iterable[models.Model], list_name: str) -> int:
    """Record one view per row shown in a list, in one insert, so each patient's trail has it."""
    rows = list(objs)
    patient_ids = patient_ids_of(rows)
    return do_insert_views(
        request, [(*describe(obj), patient_ids[id(obj)]) for obj in rows], list_name
    )


def record_row_views(
    request: HttpRequest,
    model: type[models.Model],
    rows: Iterable[tuple[Any, int | None]],
    list_name: str,
) -> int:
    """``record_list_view`` for rows read as plain values: (primary key, patient id) pairs."""
    meta = model._meta
    return do_insert_views(
        request,
        [
            (meta.label_lower, str(pk), f"{meta.verbose_name} #{pk}"[:200], patient_id)
            for pk, patient_id in rows
        ],
        list_name,
    )


_VIEW_COLUMNS = (
    "occurred_at",
    "user",
    "username",
    "action",
    "channel",
    "ip_address",
    "path",
    "detail",
    "object_type",
    "object_id",
    "object_repr",
    "patient_id",
)
_SHARED = 8  # the first eight columns are the same for every row of one list


def _shared_view_values(request: HttpRequest, list_name: str) -> tuple[list[Any], list[Any]]:
    """(the event's fields in ``_VIEW_COLUMNS`` order, the first ``_SHARED`` values prepared
    for the database): one event built and checked as ``record_event`` would."""
    event = build_event(AuditAction.VIEW, request=request, detail={"list": list_name})
    fields = [AuditEvent._meta.get_field(name) for name in _VIEW_COLUMNS]
    shared = [
        field.get_db_prep_save(getattr(event, field.attname), connection)
        for field in fields[:_SHARED]
    ]
    return fields, shared


def build_views_insert(
    request: HttpRequest,
    model: type[models.Model],
    source: str,
    pk_column: str,
    patient_column: str,
    list_name: str,
) -> tuple[str, list[Any]]:
    """(SQL, params) of an INSERT of one VIEW event per row of ``source``, PostgreSQL only.

    ``source`` names a relation of the statement the INSERT goes into (a CTE's name: the
    rows a request reads and shows); ``pk_column`` and ``patient_column`` are its columns of
    the row's primary key and patient id. Put in a ``WITH`` beside the read, the rows shown
    and their audit events are one statement: no row can be shown unaudited, and neither the
    ids nor the patients travel back to the database. The events are those
    ``record_row_views`` writes for the same rows.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("build_views_insert: PostgreSQL only (a data-modifying WITH)")
    fields, shared = _shared_view_values(request, list_name)
    meta = model._meta
    key = (connection.alias, source, pk_column, patient_column)
    sql = _VIEWS_INSERTS.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        types = ", ".join(f"%s::{f.db_type(connection)}" for f in fields[:_SHARED])
        pk, patient = f"{qn('src')}.{qn(pk_column)}", f"{qn('src')}.{qn(patient_column)}"
        sql = _VIEWS_INSERTS[key] = (
            f"INSERT INTO {qn(AuditEvent._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in fields)}) "
            f"SELECT {types}, %s::varchar, LEFT(CAST({pk} AS varchar), 64), "
            f"LEFT(%s || CAST({pk} AS varchar), 200), {patient} FROM {qn(source)} AS {qn('src')}"
        )
    return sql, [*shared, meta.label_lower, f"{meta.verbose_name} #"]


_VIEWS_INSERTS: dict[tuple[str, str, str, str], str] = {}  # the statements' text, per shape


def do_insert_views(
    request: HttpRequest, rows: Sequence[tuple[str, str, str, int | None]], list_name: str
) -> int:
    """Insert one VIEW event per (object_type, object_id, object_repr, patient_id) row.

    One event is built and checked as ``record_event`` would; its shared values are prepared
    for the database once and the rows go out in one statement, without a model instance per
    row: a worklist page shows 50 rows. On PostgreSQL the rows travel as four arrays
    (``unnest``), so the statement has twelve parameters whatever the rows; elsewhere as a
    multi-row VALUES, in the batches the backend allows.
    """
    if not rows:
        return 0
    fields, shared = _shared_view_values(request, list_name)
    per_row = [(t, i[:64], r[:200], p) for t, i, r, p in rows]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ", ".join(f"%s::{f.db_type(connection)}" for f in fields[:_SHARED])
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {types}, r.* FROM unnest("
                "%s::varchar[], %s::varchar[], %s::varchar[], %s::bigint[]) AS r",
                [*shared, *(list(column) for column in zip(*per_row, strict=True))],
            )
            return len(per_row)
        values = [[*shared, *row] for row in per_row]
        placeholders = ["%s"] * len(fields)
        size = max(1, connection.ops.bulk_batch_size(fields, values))
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            sql = connection.ops.bulk_insert_sql(fields, [placeholders] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) {sql}",
                [value for row in batch for value in row],
            )
    return len(per_row)
