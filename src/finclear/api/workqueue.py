"""The workqueue endpoints of the API (mounted at ``/api/workqueue/``).

The same reads and actions as the web worklist and workspace: the worklist with its filters
and counts, the workspace data of one case, claim, next, release, reassign, override, notes,
counseling, bulk actions and saved views. Permissions and facility scoping are the token
user's; every read of a case is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from finclear.audit.services import record_view
from finclear.workqueue import queries, services
from finclear.workqueue.forms import WorklistFilterForm, workers
from finclear.workqueue.models import ClearanceCase, SavedView

router = Router(tags=["workqueue"])

MAX_ID = 2**63 - 1  # the largest primary key the databases hold
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID)]

VIEW = "workqueue.view_clearancecase"
WORK = "workqueue.change_clearancecase"
REASSIGN = "workqueue.assign_task"
OVERRIDE = "workqueue.override_clearance"
NOTE = "workqueue.add_casenote"
BULK_PERMISSIONS = {
    "claim": WORK,
    "release": WORK,
    "verify_eligibility": "eligibility.verify_eligibility",
}


class OpenItemOut(Schema):
    item: str
    reason: str


class CaseOut(Schema):
    id: int
    encounter_id: int
    patient_id: int
    status: str
    computed_status: str
    status_reason: str
    overridden: bool
    open_items: list[OpenItemOut]
    priority: int
    priority_explained: str
    payer_at_risk: Decimal
    patient_at_risk: Decimal
    due_date: dt.date
    scheduled_at: dt.datetime | None
    facility_id: int | None
    payer_id: int | None
    owner: str | None
    claimed_at: dt.datetime | None
    computed_at: dt.datetime | None


class WorklistOut(Schema):
    tab: str
    counts: dict[str, int]
    page: int
    pages: int
    total: int
    items: list[CaseOut]


class WorklistQuery(Schema):
    tab: str = "todo"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    facility: Id | None = None
    department: Id | None = None
    provider: Id | None = None
    payer: Id | None = None
    item: Literal["eligibility", "authorization", "estimate", "counseling"] | None = None
    assignee: str | None = None
    sort: Literal["priority", "date"] = "priority"
    page: int = Field(1, ge=1, le=1_000_000)


class CoverageOut(Schema):
    id: int
    order: int
    payer: str
    plan: str | None
    member_id: str
    is_active: bool
    effective_date: dt.date | None
    termination_date: dt.date | None


class NoteOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    assignee: str | None
    due_at: dt.datetime | None


class ActivityOut(Schema):
    kind: str
    user: str | None
    from_status: str
    to_status: str
    detail: str
    occurred_at: dt.datetime


class PatientOut(Schema):
    id: int
    mrn: str
    first_name: str
    last_name: str
    date_of_birth: dt.date


class EncounterOut(Schema):
    id: int
    scheduled_at: dt.datetime
    status: str
    encounter_type: str
    facility: str
    department: str
    provider: str
    service_codes: list[str]


class WorkspaceOut(Schema):
    case: CaseOut
    patient: PatientOut
    encounter: EncounterOut
    coverages: list[CoverageOut]
    notes: list[NoteOut]
    tasks: list[TaskOut]
    history: list[ActivityOut]


class NextOut(Schema):
    case: CaseOut | None


class ReassignIn(Schema):
    owner_id: Id


class OverrideIn(Schema):
    status: Literal[
        "cleared",
        "needs_eligibility",
        "needs_authorization",
        "needs_estimate",
        "needs_counseling",
        "at_risk",
    ]
    reason: str


class TextIn(Schema):
    body: str


class BulkIn(Schema):
    action: Literal["claim", "release", "verify_eligibility"]
    case_ids: list[Id] = Field(max_length=500)


class BulkOut(Schema):
    action: str
    done: int
    refused: list[str]


class SavedViewIn(Schema):
    name: str
    query: str = ""


class SavedViewOut(Schema):
    id: int
    name: str
    query: str


class ErrorOut(Schema):
    detail: str


def need(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied(f"permission denied: needs {permission}")
    return user


def case_data(case: ClearanceCase) -> dict[str, Any]:
    """A case as ``CaseOut``'s fields, in a plain dict (validated once, by the response)."""
    return {
        "id": case.pk,
        "encounter_id": case.encounter_id,
        "patient_id": case.encounter.patient_id,
        "status": case.status,
        "computed_status": case.computed_status,
        "status_reason": case.status_reason,
        "overridden": bool(case.override_status),
        "open_items": list(case.open_items or []),
        "priority": case.priority,
        "priority_explained": case.priority_explained,
        "payer_at_risk": case.payer_at_risk,
        "patient_at_risk": case.patient_at_risk,
        "due_date": case.due_date,
        "scheduled_at": case.scheduled_at,
        "facility_id": case.facility_id,
        "payer_id": case.payer_id,
        "owner": case.owner.get_username() if case.owner_id else None,
        "claimed_at": case.claimed_at,
        "computed_at": case.computed_at,
    }


def json_datetime(value: dt.datetime | None) -> str | None:
    """``value`` as ``NinjaJSONEncoder`` writes it (Django's ECMA-262 form: milliseconds,
    "Z" for UTC)."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


_text = json.encoder.encode_basestring_ascii  # a str as json.dumps writes it (in C)


def _text_or_null(value: str | None) -> str:
    return "null" if value is None else _text(value)


def row_json(row: queries.CaseRow) -> str:
    """A worklist row as ``json.dumps`` writes ``CaseOut``'s fields (the same as
    ``case_data`` of its case), in the schema's order, with the decimals, dates and times as
    ``NinjaJSONEncoder`` writes them: one string per row instead of a dict for the encoder
    (the dicts and their encoding were a sixth of the API's CPU). Held to the schema's own
    rendering by test_a_row_is_what_the_schema_makes_of_it and
    test_the_worklist_body_is_what_the_schema_makes_of_it."""
    items = ", ".join(
        f'{{"item": {_text(str(i["item"]))}, "reason": {_text(str(i["reason"]))}}}'
        for i in row.open_items or []
    )
    return (
        f'{{"id": {int(row.id)}, "encounter_id": {int(row.encounter_id)}, '
        f'"patient_id": {int(row.patient_id)}, "status": {_text(row.status)}, '
        f'"computed_status": {_text(row.computed_status)}, '
        f'"status_reason": {_text(row.status_reason)}, '
        f'"overridden": {"true" if row.override_status else "false"}, '
        f'"open_items": [{items}], "priority": {int(row.priority)}, '
        f'"priority_explained": {_text(row.priority_explained)}, '
        f'"payer_at_risk": {_text(str(row.payer_at_risk))}, '
        f'"patient_at_risk": {_text(str(row.patient_at_risk))}, '
        f'"due_date": {_text(row.due_date.isoformat())}, '
        f'"scheduled_at": {_text_or_null(json_datetime(row.scheduled_at))}, '
        f'"facility_id": {"null" if row.facility_id is None else int(row.facility_id)}, '
        f'"payer_id": {"null" if row.payer_id is None else int(row.payer_id)}, '
        f'"owner": {_text_or_null(row.owner_name)}, '
        f'"claimed_at": {_text_or_null(json_datetime(row.claimed_at))}, '
        f'"computed_at": {_text_or_null(json_datetime(row.computed_at))}}}'
    )


def case_out(case: ClearanceCase) -> CaseOut:
    return CaseOut(**case_data(case))


def case_for(request: HttpRequest, case_id: CaseId) -> ClearanceCase:
    try:
        return queries.workspace_case(request.auth, case_id)  # type: ignore[attr-defined]
    except ClearanceCase.DoesNotExist:
        raise HttpError(404, f"case #{case_id}: not found in your facilities") from None


@router.get("/cases", response={200: WorklistOut, 422: ErrorOut})
def worklist(request: HttpRequest, filters: Query[WorklistQuery]) -> Any:
    """The worklist: one tab's page (50 items) and the count of every tab."""
    user = need(request, VIEW)
    data = QueryDict(mutable=True)
    for name, value in filters.dict().items():
        if value is not None and name not in ("page",):
            data[name] = str(value)
    form = WorklistFilterForm(data, user=user)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return Status(422, ErrorOut(detail=errors))
    tab = form.cleaned_data.get("tab") or "todo"
    # Every row shown is recorded as viewed (build_worklist: in the rows' own statement).
    result = queries.build_worklist(
        user, form.cleaned_data, tab=tab, sort=filters.sort, page=filters.page, request=request
    )
    rows = result.page.rows
    head = {
        "tab": result.tab,
        "counts": result.counts,
        "page": result.page.number,
        "pages": result.page.num_pages,
        "total": result.page.total,
    }
    # Rendered as WorklistOut would be, without validating fifty rows again (an eighth of the
    # request's CPU): json.dumps of the head and "items" last, each row as row_json writes
    # it; test_the_worklist_body_is_what_the_schema_makes_of_it holds it to that.
    items = ", ".join(row_json(r) for r in rows)
    body = f'{json.dumps(head)[:-1]}, "items": [{items}]}}'
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/cases/{case_id}", response=WorkspaceOut)
def workspace(request: HttpRequest, case_id: CaseId) -> WorkspaceOut:
    """Everything the workspace shows of one case (eligibility: ``/api/eligibility/``)."""
    need(request, VIEW)
    case = case_for(request, case_id)
    record_view(request, case)
    encounter = case.encounter
    patient = encounter.patient
    provider = encounter.rendering_provider
    return WorkspaceOut(
        case=case_out(case),
        patient=PatientOut(
            id=patient.pk,
            mrn=patient.mrn,
            first_name=patient.first_name,
            last_name=patient.last_name,
            date_of_birth=patient.date_of_birth,
        ),
        encounter=EncounterOut(
            id=encounter.pk,
            scheduled_at=encounter.scheduled_at,
            status=encounter.status,
            encounter_type=encounter.encounter_type,
            facility=encounter.facility.code,
            department=encounter.department.name,
            provider=f"{provider.last_name}, {provider.first_name}",
            service_codes=[line.cpt_hcpcs for line in encounter.service_lines.all()],
        ),
        coverages=[
            CoverageOut(
                id=c.pk,
                order=int(c.order),
                payer=c.payer.name,
                plan=c.plan.name if c.plan_id else None,
                member_id=c.member_id,
                is_active=c.is_active,
                effective_date=c.effective_date,
                termination_date=c.termination_date,
            )
            for c in queries.coverages_of(encounter)
        ],
        notes=[
            NoteOut(id=n.pk, author=n.author.get_username(), body=n.body, created_at=n.created_at)
            for n in case.notes.all()
        ],
        tasks=[
            TaskOut(
                id=t.pk,
                kind=t.kind,
                title=t.title,
                status=t.status,
                assignee=t.assignee.get_username() if t.assignee_id else None,
                due_at=t.due_at,
            )
            for t in case.tasks.all()
        ],
        history=[
            ActivityOut(
                kind=a.kind,
                user=a.user.get_username() if a.user_id else None,
                from_status=a.from_status,
                to_status=a.to_status,
                detail=a.detail,
                occurred_at=a.occurred_at,
            )
            for a in case.activities.all()
        ],
    )


def _reloaded(request: HttpRequest, case_id: CaseId) -> CaseOut:
    return case_out(case_for(request, case_id))


@router.post("/cases/{case_id}/claim", response={200: CaseOut, 409: ErrorOut})
def claim(request: HttpRequest, case_id: CaseId) -> Any:
    """Take the case; 409 when someone else holds it."""
    user = need(request, WORK)
    case_for(request, case_id)
    try:
        services.do_claim_case(case_id, user)
    except services.ClaimRefused as exc:
        return Status(409, ErrorOut(detail=str(exc)))
    return _reloaded(request, case_id)


@router.post("/next", response=NextOut)
def claim_next(request: HttpRequest) -> NextOut:
    """Claim the most urgent unowned, uncleared case of your facilities (null when none)."""
    user = need(request, WORK)
    case = services.do_claim_next(user, queries.cases_for_user(user))
    return NextOut(case=_reloaded(request, case.pk) if case else None)


@router.post("/cases/{case_id}/release", response={200: CaseOut, 409: ErrorOut})
def release(request: HttpRequest, case_id: CaseId) -> Any:
    """Give the case back; only its owner may, or a supervisor."""
    user = need(request, WORK)
    case_for(request, case_id)
    try:
        services.do_release_case(case_id, user, force=user.has_perm(REASSIGN))
    except services.ClaimRefused as exc:
        return Status(409, ErrorOut(detail=str(exc)))
    return _reloaded(request, case_id)


@router.post("/cases/{case_id}/reassign", response=CaseOut)
def reassign(request: HttpRequest, case_id: CaseId, body: ReassignIn) -> CaseOut:
    user = need(request, REASSIGN)
    case_for(request, case_id)
    owner = get_object_or_404(workers(user), pk=body.owner_id)
    services.do_reassign_case(case_id, owner, user)
    return _reloaded(request, case_id)


@router.post("/cases/{case_id}/override", response=CaseOut)
def override(request: HttpRequest, case_id: CaseId, body: OverrideIn) -> CaseOut:
    """Set the status by hand with a reason (audited); lapses when the computed one changes."""
    user = need(request, OVERRIDE)
    case_for(request, case_id)
    services.do_override_status(case_id, body.status, body.reason, user)
    return _reloaded(request, case_id)


@router.delete("/cases/{case_id}/override", response=CaseOut)
def lift_override(request: HttpRequest, case_id: CaseId) -> CaseOut:
    user = need(request, OVERRIDE)
    case_for(request, case_id)
    services.do_lift_override(case_id, user)
    return _reloaded(request, case_id)


@router.post("/cases/{case_id}/notes", response={201: NoteOut})
def add_note(request: HttpRequest, case_id: CaseId, body: TextIn) -> Status:
    user = need(request, NOTE)
    case = case_for(request, case_id)
    note = services.do_add_note(case, user, body.body)
    return Status(
        201,
        NoteOut(id=note.pk, author=user.get_username(), body=note.body, created_at=note.created_at),
    )


@router.post("/cases/{case_id}/counseling", response=CaseOut)
def counseling(request: HttpRequest, case_id: CaseId, body: TextIn) -> CaseOut:
    """Record a financial counseling conversation (a done task and a note)."""
    user = need(request, NOTE)
    need(request, WORK)
    case_for(request, case_id)
    services.do_record_counseling(case_id, user, body.body)
    return _reloaded(request, case_id)


@router.post("/bulk", response=BulkOut)
def bulk(request: HttpRequest, body: BulkIn) -> BulkOut:
    """Claim, release or verify eligibility for many cases; each refusal is reported."""
    user = need(request, BULK_PERMISSIONS[body.action])
    if not body.case_ids:
        raise HttpError(422, "case_ids: give at least one")
    result = services.do_bulk(body.action, body.case_ids, user, queries.cases_for_user(user))
    return BulkOut(action=result.action, done=result.done, refused=result.refused)


@router.get("/views", response=list[SavedViewOut])
def saved_views(request: HttpRequest) -> list[SavedViewOut]:
    user = need(request, VIEW)
    return [SavedViewOut(id=v.pk, name=v.name, query=v.query) for v in queries.saved_views(user)]


@router.post("/views", response={201: SavedViewOut})
def save_view(request: HttpRequest, body: SavedViewIn) -> Status:
    user = need(request, VIEW)
    name = body.name.strip()
    if not name or len(name) > 60:
        raise HttpError(422, "name: required, up to 60 characters")
    view, _ = SavedView.objects.update_or_create(
        user=user, name=name, defaults={"query": body.query[:1000]}
    )
    return Status(201, SavedViewOut(id=view.pk, name=view.name, query=view.query))


@router.delete("/views/{view_id}", response={204: None})
def delete_view(request: HttpRequest, view_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Status:
    user = need(request, VIEW)
    deleted, _ = SavedView.objects.filter(user=user, pk=view_id).delete()
    if not deleted:
        raise HttpError(404, f"saved view #{view_id}: not found")
    return Status(204, None)
