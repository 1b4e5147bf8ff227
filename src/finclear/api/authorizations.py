"""The prior authorization endpoints of the API (mounted at ``/api/authorizations/``).

The same actions as the encounter page: each line's requirement and covering authorization,
evaluate the rules (opening what is needed), request (X12 278 or FHIR PAS), record one
obtained by phone/portal/fax, attach a documentation reference, cancel. Permissions and
facility scoping are the token user's; every authorization read is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from finclear.accounts.scoping import get_encounter_for_user_or_404, get_patient_for_user_or_404
from finclear.audit.services import record_list_view, record_view
from finclear.authorizations import queries, services
from finclear.authorizations.gateway import sender_for
from finclear.authorizations.models import Authorization, Channel
from finclear.scheduling.models import Encounter

router = Router(tags=["authorizations"])
VIEW = "authorizations.view_authorization"
CHANGE = "authorizations.change_authorization"


class ServiceOut(Schema):
    cpt_hcpcs: str
    requested_units: Decimal
    approved_units: Decimal | None
    decision: str
    decision_code: str


class DocumentOut(Schema):
    kind: str
    reference: str
    transmission: str
    added_at: dt.datetime


class AuthorizationOut(Schema):
    id: int
    encounter_id: int | None
    coverage_id: int
    payer: str
    status: str
    channel: str
    certification_number: str
    expedited: bool
    requested_at: dt.datetime | None
    decision_due_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_late: bool
    start_date: dt.date | None
    end_date: dt.date | None
    decision_code: str
    reason_code: str
    reason_text: str
    obtained_from: str
    obtained_at: dt.datetime | None
    recorded_by: str | None
    cancelled_reason: str
    services: list[ServiceOut]
    documents: list[DocumentOut]


class LineOut(Schema):
    line_number: int
    cpt_hcpcs: str
    units: Decimal
    requirement: str  # required, not_required, unknown, or "" (not evaluated)
    reason: str
    cleared: bool
    covered_by: int | None
    problems: list[str]


class RequestIn(Schema):
    channel: str = Channel.X12_278.value
    expedited: bool = False


class ObtainedServiceIn(Schema):
    cpt_hcpcs: str
    approved_units: Decimal | None = None


class ObtainedIn(Schema):
    channel: str
    status: str
    certification_number: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    services: list[ObtainedServiceIn]
    obtained_from: str
    obtained_at: dt.datetime


class DocumentIn(Schema):
    kind: str
    reference: str
    transmission: str = ""


class CancelIn(Schema):
    reason: str


def need(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied(f"permission denied: needs {permission}")
    return user


def authorization_for(request: HttpRequest, auth_id: int) -> Authorization:
    """The authorization, or 404 when its patient is outside the user's facilities."""
    auth = get_object_or_404(
        Authorization.objects.select_related("payer", "recorded_by", "coverage").prefetch_related(
            "services", "documents"
        ),
        pk=auth_id,
    )
    get_patient_for_user_or_404(request.auth, auth.coverage.patient_id)  # type: ignore[attr-defined]
    return auth


def authorization_out(auth: Authorization, late: bool = False) -> AuthorizationOut:
    return AuthorizationOut(
        id=auth.pk,
        encounter_id=auth.encounter_id,
        coverage_id=auth.coverage_id,
        payer=auth.payer.name,
        status=auth.status,
        channel=auth.channel,
        certification_number=auth.certification_number,
        expedited=auth.expedited,
        requested_at=auth.requested_at,
        decision_due_at=auth.decision_due_at,
        decided_at=auth.decided_at,
        decision_late=late,
        start_date=auth.start_date,
        end_date=auth.end_date,
        decision_code=auth.decision_code,
        reason_code=auth.reason_code,
        reason_text=auth.reason_text,
        obtained_from=auth.obtained_from,
        obtained_at=auth.obtained_at,
        recorded_by=auth.recorded_by.get_username() if auth.recorded_by else None,
        cancelled_reason=auth.cancelled_reason,
        services=[
            ServiceOut(
                cpt_hcpcs=s.cpt_hcpcs,
                requested_units=s.requested_units,
                approved_units=s.approved_units,
                decision=s.decision,
                decision_code=s.decision_code,
            )
            for s in auth.services.all()
        ],
        documents=[
            DocumentOut(
                kind=d.kind,
                reference=d.reference,
                transmission=d.transmission,
                added_at=d.created_at,
            )
            for d in auth.documents.all()
        ],
    )


def lines_out(encounter: Encounter) -> list[LineOut]:
    return [
        LineOut(
            line_number=c.line.line_number,
            cpt_hcpcs=c.line.cpt_hcpcs,
            units=c.line.units,
            requirement=c.requirement,
            reason=c.reason,
            cleared=c.cleared,
            covered_by=c.authorization.pk if c.authorization else None,
            problems=list(c.problems),
        )
        for c in services.build_coverage(encounter)
    ]


def reload(request: HttpRequest, auth: Authorization) -> AuthorizationOut:
    fresh = authorization_for(request, auth.pk)
    record_view(request, fresh)
    return authorization_out(fresh)


@router.get("/encounters/{encounter_id}/lines", response=list[LineOut])
def encounter_lines(request: HttpRequest, encounter_id: int) -> list[LineOut]:
    """Each service line's requirement, why, and the authorization covering it (or why none)."""
    user = need(request, VIEW)
    return lines_out(get_encounter_for_user_or_404(user, encounter_id))


@router.post("/encounters/{encounter_id}/evaluate", response=list[LineOut])
def evaluate(request: HttpRequest, encounter_id: int) -> list[LineOut]:
    """Evaluate the rules on the encounter and open an authorization for what needs one."""
    user = need(request, CHANGE)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    services.do_evaluate_encounter(encounter)
    services.do_open_authorizations(encounter, user=user)
    return lines_out(encounter)


@router.get("/encounters/{encounter_id}/authorizations", response=list[AuthorizationOut])
def encounter_authorizations(request: HttpRequest, encounter_id: int) -> list[AuthorizationOut]:
    user = need(request, VIEW)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    _, rows = queries.build_panel(encounter)
    record_list_view(request, [row.authorization for row in rows], "api authorizations")
    return [authorization_out(row.authorization, row.late) for row in rows]


@router.post("/encounters/{encounter_id}/obtained", response={201: AuthorizationOut})
def record_obtained(
    request: HttpRequest, encounter_id: int, body: ObtainedIn
) -> tuple[int, AuthorizationOut]:
    """Record an authorization obtained by phone, portal or fax (who at the payer, and when)."""
    user = need(request, CHANGE)
    encounter = get_encounter_for_user_or_404(user, encounter_id)
    auth = services.do_record_obtained(
        encounter,
        channel=body.channel,
        status=body.status,
        certification_number=body.certification_number,
        start_date=body.start_date,
        end_date=body.end_date,
        services=[
            services.ObtainedService(s.cpt_hcpcs.upper(), s.approved_units) for s in body.services
        ],
        obtained_from=body.obtained_from,
        obtained_at=body.obtained_at,
        user=user,
    )
    return 201, reload(request, auth)


@router.get("/{auth_id}", response=AuthorizationOut)
def authorization_detail(request: HttpRequest, auth_id: int) -> AuthorizationOut:
    need(request, VIEW)
    return reload(request, authorization_for(request, auth_id))


@router.post("/{auth_id}/request", response=AuthorizationOut)
def send_request(request: HttpRequest, auth_id: int, body: RequestIn) -> AuthorizationOut:
    """Send the request to the payer (X12 278 or FHIR PAS) and apply its answer."""
    user = need(request, CHANGE)
    auth = authorization_for(request, auth_id)
    try:
        send = sender_for(auth.payer)
    except Exception as exc:  # no endpoint configured for the payer
        raise HttpError(409, str(exc)) from None
    services.do_request(auth, send, user=user, expedited=body.expedited, channel=body.channel)
    return reload(request, auth)


@router.post("/{auth_id}/documents", response={201: AuthorizationOut})
def attach_document(
    request: HttpRequest, auth_id: int, body: DocumentIn
) -> tuple[int, AuthorizationOut]:
    user = need(request, CHANGE)
    auth = authorization_for(request, auth_id)
    services.do_attach_document(
        auth, kind=body.kind, reference=body.reference, transmission=body.transmission, user=user
    )
    return 201, reload(request, auth)


@router.post("/{auth_id}/cancel", response=AuthorizationOut)
def cancel(request: HttpRequest, auth_id: int, body: CancelIn) -> AuthorizationOut:
    user = need(request, CHANGE)
    auth = authorization_for(request, auth_id)
    services.do_cancel(auth, body.reason, user)
    return reload(request, auth)
