"""Writes for prior authorization, each in one transaction.

* Rules: ``do_import_rules`` loads a rules file into ``AuthorizationRule`` rows.
* Requirements: ``do_evaluate_encounter(s)`` evaluates every service line against the rules
  (and a 271's hints) and stores a ``LineRequirement`` per line.
* Tracking: ``do_open_authorizations`` opens one authorization (status "required") for the
  lines that need one and have none; ``do_request`` sends the 278 through a sender and applies
  the response; ``do_record_obtained`` records one obtained by phone or portal;
  ``do_attach_document``, ``do_cancel``, ``do_record_use`` (units used), ``do_expire``.
* Alerts: ``do_raise_alerts`` opens workqueue tasks (expiring, units nearly used, overdue).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from finclear.authorizations.exchange import (
    PAYLOAD_TYPE_REQUEST,
    Decision278,
    build_pas_request,
    build_request,
    decision_from_pas,
    read_decision,
)
from finclear.authorizations.models import (
    APPROVED_STATUSES,
    AWAITING_STATUSES,
    CLOSED_STATUSES,
    Authorization,
    AuthorizationDocument,
    AuthorizationRule,
    AuthorizationService,
    AuthorizationStatus,
    AuthorizationUse,
    Channel,
    LineRequirement,
    Requirement,
    ServiceDecision,
)
from finclear.connect import pas
from finclear.organizations.validation import do_save_checked
from finclear.patients.models import Coverage
from finclear.payers.models import Payer, Plan
from finclear.rules import authrules, deadlines
from finclear.scheduling.models import Diagnosis, Encounter, EncounterStatus, ServiceLine
from finclear.workqueue.models import ClearanceCase, Task, TaskKind, TaskStatus
from finclear.workqueue.services import do_create_task
from finclear.x12 import (
    Envelope,
    SequentialControlNumbers,
    X12Error,
    build_interchange,
    read,
    validate,
)
from finclear.x12.build.authorization import build_278_request

# sender(payload_type, payload) -> the response payload; a PayerGateway bound to an endpoint.
Sender = Callable[[str, str], str]


class RequestFailed(Exception):
    """A request that could not be sent at all (no endpoint for the payer, for one)."""


# -- rules ---------------------------------------------------------------------------------------


@dataclass
class RulesImport:
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)


@transaction.atomic
def do_import_rules(text: str, source: str) -> RulesImport:
    """Upsert the rules of a YAML or CSV file by rule ID; bad rules are reported, not loaded."""
    rules, problems = authrules.parse_rules(text, source)
    result = RulesImport(problems=[p.describe() for p in problems])
    payers = {p.primary_payer_id: p for p in Payer.objects.exclude(primary_payer_id="")}
    lines = _rule_lines(text, [r.rule_id for r in rules])
    for rule in rules:
        where = f"{source}, line {lines.get(rule.rule_id, 1)}"
        payer = payers.get(rule.payer)
        if payer is None:
            result.problems.append(f"{where}, payer: no payer with primary payer ID {rule.payer}")
            continue
        plan = None
        if rule.plan:
            plan = Plan.objects.filter(payer=payer, code=rule.plan).first()
            if plan is None:
                result.problems.append(f"{where}, plan: {payer.name} has no plan {rule.plan}")
                continue
        row = AuthorizationRule.objects.filter(rule_id=rule.rule_id).first()
        created = row is None
        row = row or AuthorizationRule(rule_id=rule.rule_id)
        row.payer, row.plan = payer, plan
        row.codes = ";".join([*sorted(rule.codes), *(str(r) for r in rule.ranges)])
        row.places_of_service = ";".join(sorted(rule.places_of_service))
        row.encounter_types = ";".join(sorted(rule.encounter_types))
        row.diagnoses = ";".join(rule.diagnoses)
        row.min_units = rule.min_units
        row.requires = rule.requires
        row.effective_date, row.expiration_date = rule.effective, rule.expires
        row.source, row.note, row.is_active = rule.source, rule.note, True
        do_save_checked(row)
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def _rule_lines(text: str, rule_ids: list[str]) -> dict[str, int]:
    """The line each rule ID first appears on, for the messages about payers and plans."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for rule_id in rule_ids:
            if rule_id not in found and rule_id in line:
                found[rule_id] = number
    return found


def build_rule_set() -> tuple[authrules.RuleSet, dict[str, int]]:
    """The active rules, and each rule ID's row pk (to link a requirement to its rule)."""
    rows = AuthorizationRule.objects.filter(is_active=True).select_related("payer", "plan")
    rules = [row.to_rule() for row in rows]
    return authrules.RuleSet(rules), {row.rule_id: row.pk for row in rows}


# -- requirements --------------------------------------------------------------------------------


def visit_date(encounter: Encounter) -> dt.date:
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def primary_coverage(encounter: Encounter) -> Coverage | None:
    day = visit_date(encounter)
    coverages = (
        Coverage.objects.filter(patient_id=encounter.patient_id, is_active=True)
        .select_related("payer", "plan")
        .order_by("order", "pk")
    )
    return next((c for c in coverages if c.is_in_force_on(day)), None)


def build_line_facts(
    encounter: Encounter, coverage: Coverage, lines: Sequence[ServiceLine] | None = None
) -> list[authrules.LineFacts]:
    diagnoses = {d.sequence: d.icd10_code for d in encounter.diagnoses.all()}
    if lines is None:
        lines = list(encounter.service_lines.order_by("line_number"))
    return _line_facts(encounter, coverage, lines, diagnoses)


def _line_facts(
    encounter: Encounter,
    coverage: Coverage,
    lines: Sequence[ServiceLine],
    diagnoses: dict[int, str],
) -> list[authrules.LineFacts]:
    day = visit_date(encounter)
    out = []
    for line in lines:
        pointed = tuple(diagnoses[p] for p in line.diagnosis_pointers or () if p in diagnoses)
        out.append(
            authrules.LineFacts(
                line_number=line.line_number,
                code=line.cpt_hcpcs,
                units=Decimal(line.units),
                date_of_service=day,
                payer=coverage.payer.primary_payer_id,
                plan=coverage.plan.code if coverage.plan_id else "",
                place_of_service=encounter.place_of_service,
                encounter_type=encounter.encounter_type,
                diagnoses=pointed or tuple(diagnoses.values()),
            )
        )
    return out


@transaction.atomic
def do_evaluate_encounter(
    encounter: Encounter,
    hints: Sequence[authrules.EligibilityHint] = (),
    rule_set: tuple[authrules.RuleSet, dict[str, int]] | None = None,
) -> list[LineRequirement]:
    """Evaluate and store the requirement of each of the encounter's lines."""
    rules, rule_pks = rule_set or build_rule_set()
    lines = list(encounter.service_lines.order_by("line_number"))
    coverage = primary_coverage(encounter)
    now = timezone.now()
    stored = []
    for line, decision in zip(
        lines, _decisions(encounter, coverage, lines, rules, hints), strict=True
    ):
        row = LineRequirement.objects.filter(service_line=line).first() or LineRequirement(
            service_line=line
        )
        row.requirement = decision.requirement.value
        row.reason = decision.reason
        row.rule_id = rule_pks.get(decision.rule.rule_id) if decision.rule else None
        row.evaluated_at = now
        do_save_checked(row)
        stored.append(row)
    return stored


def _decisions(
    encounter: Encounter,
    coverage: Coverage | None,
    lines: list[ServiceLine],
    rules: authrules.RuleSet,
    hints: Sequence[authrules.EligibilityHint],
) -> list[authrules.LineDecision]:
    if coverage is None or coverage.payer.is_self_pay:
        why = "no coverage in force" if coverage is None else "self-pay"
        return [
            authrules.LineDecision(
                line.line_number,
                line.cpt_hcpcs,
                authrules.Requirement.NOT_REQUIRED,
                f"{why}: no payer to authorize",
            )
            for line in lines
        ]
    facts = build_line_facts(encounter, coverage, lines)
    return authrules.evaluate(rules, facts, hints)


def do_evaluate_encounters(encounter_ids: Iterable[int]) -> int:
    """Evaluate many encounters with one rule set; return how many lines were evaluated."""
    rule_set = build_rule_set()
    count = 0
    encounters = (
        Encounter.objects.filter(pk__in=list(encounter_ids))
        .select_related("facility")
        .order_by("pk")
    )
    for encounter in encounters:
        count += len(do_evaluate_encounter(encounter, rule_set=rule_set))
    return count


# -- coverage: which authorization covers a line -------------------------------------------------


def units_used(authorization: Authorization, code: str) -> Decimal:
    """Units of ``code`` billed under the authorization (its uses on encounters not cancelled)."""
    total = (
        AuthorizationUse.objects.filter(authorization=authorization, service_line__cpt_hcpcs=code)
        .exclude(service_line__encounter__status=EncounterStatus.CANCELLED)
        .aggregate(total=Sum("units"))["total"]
    )
    return Decimal(total or 0)


def build_facts(
    authorization: Authorization, exclude_line: ServiceLine | None = None
) -> authrules.AuthorizationFacts:
    services = []
    for service in authorization.services.all():
        used = units_used(authorization, service.cpt_hcpcs)
        if exclude_line is not None and hasattr(exclude_line, "authorization_use"):
            use = exclude_line.authorization_use
            if (
                use.authorization_id == authorization.pk
                and exclude_line.cpt_hcpcs == service.cpt_hcpcs
            ):
                used -= use.units
        if service.decision in (ServiceDecision.APPROVED, ServiceDecision.PARTIALLY_APPROVED):
            services.append(
                authrules.ApprovedService(service.cpt_hcpcs, service.approved_units, used)
            )
    return authrules.AuthorizationFacts(
        payer=authorization.payer.primary_payer_id,
        approved=authorization.status in APPROVED_STATUSES,
        start=authorization.start_date,
        end=authorization.end_date,
        services=tuple(services),
        reference=authorization.certification_number or f"#{authorization.pk}",
    )


@dataclass(frozen=True)
class LineCoverage:
    line: ServiceLine
    requirement: str  # Requirement value ("" when never evaluated)
    reason: str
    authorization: Authorization | None  # the approved one covering the line
    problems: tuple[str, ...]  # why the candidate authorizations do not cover it

    @property
    def cleared(self) -> bool:
        if self.requirement == Requirement.NOT_REQUIRED:
            return True
        return self.requirement == Requirement.REQUIRED and self.authorization is not None


def build_coverage(encounter: Encounter) -> list[LineCoverage]:
    """Each line's requirement and the authorization covering it (or why none does)."""
    return build_coverages([encounter])[encounter.pk]


def build_coverages(encounters: Sequence[Encounter]) -> dict[int, list[LineCoverage]]:
    """``build_coverage`` of many encounters (with their facility) in a fixed number of queries."""
    ids = [e.pk for e in encounters]
    patient_ids = {e.patient_id for e in encounters}
    lines_by: dict[int, list[ServiceLine]] = defaultdict(list)
    for line in (
        ServiceLine.objects.filter(encounter_id__in=ids)
        .select_related("auth_requirement")
        .order_by("encounter_id", "line_number")
    ):
        lines_by[line.encounter_id].append(line)
    diagnoses_by: dict[int, dict[int, str]] = defaultdict(dict)
    for dx in Diagnosis.objects.filter(encounter_id__in=ids).order_by("sequence"):
        diagnoses_by[dx.encounter_id][dx.sequence] = dx.icd10_code
    coverages_by: dict[int, list[Coverage]] = defaultdict(list)
    for coverage in (
        Coverage.objects.filter(patient_id__in=patient_ids, is_active=True)
        .select_related("payer", "plan")
        .order_by("patient_id", "order", "pk")
    ):
        coverages_by[coverage.patient_id].append(coverage)
    auths_by: dict[int, list[Authorization]] = defaultdict(list)
    auths = list(
        Authorization.objects.filter(coverage__patient_id__in=patient_ids)
        .exclude(status__in=[AuthorizationStatus.CANCELLED, AuthorizationStatus.NOT_REQUIRED])
        .select_related("payer", "coverage")
        .prefetch_related("services")
        .order_by("pk")
    )
    for auth in auths:
        auths_by[auth.coverage.patient_id].append(auth)
    used, own_use = _units_used([a.pk for a in auths])
    out: dict[int, list[LineCoverage]] = {}
    for encounter in encounters:
        day = visit_date(encounter)
        coverage = next(
            (c for c in coverages_by[encounter.patient_id] if c.is_in_force_on(day)), None
        )
        lines = lines_by[encounter.pk]
        facts = (
            _line_facts(encounter, coverage, lines, diagnoses_by[encounter.pk])
            if coverage is not None
            else []
        )
        rows = []
        for index, line in enumerate(lines):
            requirement = getattr(line, "auth_requirement", None)
            covering, problems = None, []
            for auth in auths_by[encounter.patient_id] if facts else []:
                mine = own_use.get(line.pk)
                check = authrules.check_coverage(
                    _auth_facts(auth, used, mine if mine and mine[0] == auth.pk else None, line),
                    facts[index],
                )
                if check.covers:
                    covering = auth
                    break
                if any(s.cpt_hcpcs == line.cpt_hcpcs for s in auth.services.all()):
                    problems.extend(check.problems)
            rows.append(
                LineCoverage(
                    line,
                    requirement.requirement if requirement else "",
                    requirement.reason if requirement else "not evaluated yet",
                    covering,
                    tuple(problems),
                )
            )
        out[encounter.pk] = rows
    return out


def _units_used(
    auth_ids: list[int],
) -> tuple[dict[tuple[int, str], Decimal], dict[int, tuple[int, Decimal]]]:
    """Units billed per (authorization, code), and each billed line's (authorization, units)."""
    used: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    own: dict[int, tuple[int, Decimal]] = {}
    uses = (
        AuthorizationUse.objects.filter(authorization_id__in=auth_ids)
        .exclude(service_line__encounter__status=EncounterStatus.CANCELLED)
        .values_list("authorization_id", "service_line_id", "service_line__cpt_hcpcs", "units")
    )
    for auth_id, line_id, code, units in uses:
        used[(auth_id, code)] += units
        own[line_id] = (auth_id, units)
    return used, own


def _auth_facts(
    auth: Authorization,
    used: dict[tuple[int, str], Decimal],
    own: tuple[int, Decimal] | None,
    line: ServiceLine,
) -> authrules.AuthorizationFacts:
    """The authorization's facts for ``line``: the line's own use is not counted against it."""
    services = []
    for service in auth.services.all():
        if service.decision not in (ServiceDecision.APPROVED, ServiceDecision.PARTIALLY_APPROVED):
            continue
        units = used.get((auth.pk, service.cpt_hcpcs), Decimal(0))
        if own is not None and service.cpt_hcpcs == line.cpt_hcpcs:
            units -= own[1]
        services.append(authrules.ApprovedService(service.cpt_hcpcs, service.approved_units, units))
    return authrules.AuthorizationFacts(
        payer=auth.payer.primary_payer_id,
        approved=auth.status in APPROVED_STATUSES,
        start=auth.start_date,
        end=auth.end_date,
        services=tuple(services),
        reference=auth.certification_number or f"#{auth.pk}",
    )


# -- tracking ------------------------------------------------------------------------------------


@transaction.atomic
def do_open_authorizations(encounter: Encounter, user: Any = None) -> Authorization | None:
    """Open one authorization ("required, not requested") for the required lines of the
    encounter that no authorization covers or asks for yet; None when there is nothing to do."""
    coverage = primary_coverage(encounter)
    if coverage is None:
        return None
    asked = set(
        AuthorizationService.objects.filter(
            service_line__encounter=encounter,
            authorization__status__in=[
                *AWAITING_STATUSES,
                *APPROVED_STATUSES,
                AuthorizationStatus.REQUIRED,
            ],
        ).values_list("service_line_id", flat=True)
    )
    needed = [
        c.line
        for c in build_coverage(encounter)
        if c.requirement == Requirement.REQUIRED
        and c.authorization is None
        and c.line.pk not in asked
    ]
    if not needed:
        return None
    authorization = Authorization(
        coverage=coverage,
        payer=coverage.payer,
        encounter=encounter,
        status=AuthorizationStatus.REQUIRED,
        requested_by=user,
    )
    do_save_checked(authorization)
    for line in needed:
        do_save_checked(
            AuthorizationService(
                authorization=authorization,
                service_line=line,
                cpt_hcpcs=line.cpt_hcpcs,
                requested_units=line.units,
            )
        )
    return authorization


def do_request(
    authorization: Authorization,
    send: Sender,
    *,
    user: Any = None,
    expedited: bool | None = None,
    envelope: Envelope | None = None,
    channel: str = Channel.X12_278,
) -> Authorization:
    """Send the request (an X12 278, or a FHIR PAS Claim bundle) and apply the response.

    The request is recorded (status requested, the CMS-0057-F due time) before it is sent, in
    its own transaction; the response is applied in another. A failed exchange leaves the
    authorization "requested" with the error in ``reason_text``, so nothing is lost.
    """
    now = timezone.now()
    if channel not in (Channel.X12_278, Channel.FHIR_PAS):
        raise ValidationError({"channel": f"channel: {channel!r} is not x12_278 or fhir_pas"})
    name = "278" if channel == Channel.X12_278 else "PAS"
    text, codes = _mark_requested(
        authorization, user=user, expedited=expedited, now=now, envelope=envelope, channel=channel
    )
    try:
        if channel == Channel.X12_278:
            decision = read_decision(send(PAYLOAD_TYPE_REQUEST, text))
        else:
            response = pas.parse_claim_response_bundle(send(pas.PAYLOAD_TYPE_PAS_REQUEST, text))
            decision = decision_from_pas(response, codes)
    except (X12Error, pas.PasError, ValueError, OSError, RuntimeError) as exc:
        return _note_failure(authorization, f"{name} exchange failed: {exc}")
    except Exception as exc:  # a gateway error of any adapter: kept, never lost
        return _note_failure(authorization, f"{name} exchange failed: {type(exc).__name__}: {exc}")
    return do_apply_decision(authorization, decision)


@transaction.atomic
def _mark_requested(
    authorization: Authorization,
    *,
    user: Any,
    expedited: bool | None,
    now: dt.datetime,
    envelope: Envelope | None,
    channel: str,
) -> tuple[str, list[str]]:
    """Record the request (status, due time); return what to send and the codes asked for."""
    auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if auth.status not in (AuthorizationStatus.REQUIRED, AuthorizationStatus.PENDED):
        raise ValidationError(
            {
                "status": f"status: a {auth.get_status_display().lower()} authorization cannot be requested"
            }
        )
    if not auth.services.exists():
        raise ValidationError({"services": "services: nothing to request"})
    if expedited is not None:
        auth.expedited = expedited
    auth.request_reference = auth.request_reference or uuid.uuid4().hex[:20].upper()
    auth.status = AuthorizationStatus.REQUESTED
    auth.channel = channel
    auth.requested_at = now
    auth.decision_due_at = deadlines.decision_due(now, auth.expedited)
    auth.requested_by = user or auth.requested_by
    do_save_checked(auth)
    codes = [s.cpt_hcpcs for s in auth.services.all()]
    if channel == Channel.FHIR_PAS:
        bundle = pas.build_claim_bundle(build_pas_request(auth, auth.request_reference, now))
        authorization.refresh_from_db()
        return bundle, codes
    request = build_request(auth, auth.request_reference, now)
    facility = auth.encounter.facility if auth.encounter else None
    env = envelope or Envelope(
        sender_id=(facility.npi if facility else "FINCLEAR")[:15],
        receiver_id=auth.payer.primary_payer_id[:15],
        created=now,
    )
    segments = build_278_request(request, "0001")
    text = build_interchange(env, [segments], SequentialControlNumbers())
    report = validate(read(text))
    if not report.valid:
        raise ValidationError(
            {"encounter": f"encounter: the 278 would be invalid: {report.errors[0].describe()}"}
        )
    authorization.refresh_from_db()
    return text, codes


def do_note_problem(authorization: Authorization, message: str) -> Authorization:
    """Keep on the authorization why it could not be sent (shown on the page and the API)."""
    return _note_failure(authorization, message)


@transaction.atomic
def _note_failure(authorization: Authorization, message: str) -> Authorization:
    auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
    auth.reason_text = message[:2000]
    do_save_checked(auth, update_fields=["reason_text", "updated_at"])
    return auth


@transaction.atomic
def do_apply_decision(authorization: Authorization, decision: Decision278) -> Authorization:
    """Apply a payer's decision (from a 278 or a PAS ClaimResponse) to the authorization."""
    auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if auth.status in CLOSED_STATUSES:
        raise ValidationError(
            {"status": f"status: authorization is {auth.status}; decision not applied"}
        )
    auth.status = decision.status
    auth.decision_code = decision.action
    auth.reason_code = decision.reason_code
    auth.reason_text = decision.reason_text[:2000]
    if decision.certification_number:
        auth.certification_number = decision.certification_number
    if decision.start:
        auth.start_date = decision.start
    if decision.end:
        auth.end_date = decision.end
    if decision.status not in AWAITING_STATUSES:
        auth.decided_at = timezone.now()
    if decision.status in APPROVED_STATUSES and not (auth.start_date and auth.end_date):
        auth.status = AuthorizationStatus.PENDED
        auth.reason_text = (
            auth.reason_text + "; approved without a date span: ask the payer"
        ).strip("; ")
    do_save_checked(auth)
    by_code = {o.code: o for o in decision.services}
    for service in auth.services.all():
        outcome = by_code.get(service.cpt_hcpcs)
        if outcome is None:
            continue
        service.decision = outcome.decision
        service.decision_code = outcome.action
        service.approved_units = outcome.approved_units
        do_save_checked(service)
    return auth


@dataclass(frozen=True)
class ObtainedService:
    cpt_hcpcs: str
    approved_units: Decimal | None
    decision: str = ServiceDecision.APPROVED


@transaction.atomic
def do_record_obtained(
    encounter: Encounter,
    *,
    channel: str,
    status: str,
    certification_number: str,
    start_date: dt.date | None,
    end_date: dt.date | None,
    services: Sequence[ObtainedService],
    obtained_from: str,
    obtained_at: dt.datetime,
    user: Any,
    authorization: Authorization | None = None,
) -> Authorization:
    """Record an authorization obtained by phone, portal or fax: who, when, what was approved."""
    if channel not in (Channel.PHONE, Channel.PORTAL, Channel.FAX):
        raise ValidationError({"channel": f"channel: {channel!r} is not phone, portal or fax"})
    if not obtained_from.strip():
        raise ValidationError(
            {"obtained_from": "obtained_from: who at the payer gave it (and their reference)"}
        )
    if not services:
        raise ValidationError({"services": "services: at least one service"})
    coverage = primary_coverage(encounter)
    if coverage is None:
        raise ValidationError({"coverage": "coverage: no coverage in force on the visit date"})
    auth = authorization or Authorization(
        coverage=coverage, payer=coverage.payer, encounter=encounter
    )
    auth.channel = channel
    auth.status = status
    auth.certification_number = certification_number.strip()
    auth.start_date, auth.end_date = start_date, end_date
    auth.obtained_from = obtained_from.strip()
    auth.obtained_at = obtained_at
    auth.requested_at = auth.requested_at or obtained_at
    auth.decided_at = obtained_at if status not in AWAITING_STATUSES else None
    auth.recorded_by = user
    do_save_checked(auth)
    lines = {line.cpt_hcpcs: line for line in encounter.service_lines.all()}
    existing = {s.cpt_hcpcs: s for s in auth.services.all()}
    for item in services:
        service = existing.get(item.cpt_hcpcs) or AuthorizationService(
            authorization=auth,
            cpt_hcpcs=item.cpt_hcpcs,
            service_line=lines.get(item.cpt_hcpcs),
            requested_units=(
                lines[item.cpt_hcpcs].units
                if item.cpt_hcpcs in lines
                else item.approved_units or Decimal(1)
            ),
        )
        service.approved_units = item.approved_units
        service.decision = item.decision
        do_save_checked(service)
    return auth


@transaction.atomic
def do_attach_document(
    authorization: Authorization,
    *,
    kind: str,
    reference: str,
    transmission: str = "",
    user: Any = None,
) -> AuthorizationDocument:
    document = AuthorizationDocument(
        authorization=authorization,
        kind=kind.strip(),
        reference=reference.strip(),
        transmission=transmission,
        added_by=user,
    )
    do_save_checked(document)
    return document


@transaction.atomic
def do_cancel(authorization: Authorization, reason: str, user: Any = None) -> Authorization:
    auth = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if auth.status in CLOSED_STATUSES:
        raise ValidationError({"status": f"status: authorization is already {auth.status}"})
    if not reason.strip():
        raise ValidationError({"cancelled_reason": "cancelled_reason: say why"})
    auth.status = AuthorizationStatus.CANCELLED
    auth.cancelled_reason = reason.strip()
    auth.recorded_by = user or auth.recorded_by
    do_save_checked(auth)
    return auth


@transaction.atomic
def do_record_use(authorization: Authorization, line: ServiceLine) -> AuthorizationUse:
    """Bill a line under the authorization: refused unless the authorization covers it."""
    encounter = line.encounter
    coverage = authorization.coverage
    (facts,) = build_line_facts(encounter, coverage, [line])
    check = authrules.check_coverage(build_facts(authorization, exclude_line=line), facts)
    if not check.covers:
        raise ValidationError({"authorization": [f"authorization: {p}" for p in check.problems]})
    use = AuthorizationUse.objects.filter(service_line=line).first() or AuthorizationUse(
        service_line=line
    )
    use.authorization = authorization
    use.units = line.units
    do_save_checked(use)
    return use


@transaction.atomic
def do_expire(today: dt.date) -> int:
    """Approved authorizations whose last day has passed become expired."""
    count = 0
    for auth in Authorization.objects.select_for_update().filter(
        status__in=list(APPROVED_STATUSES), end_date__lt=today
    ):
        auth.status = AuthorizationStatus.EXPIRED
        do_save_checked(auth, update_fields=["status", "updated_at"])
        count += 1
    return count


# -- alerts ---------------------------------------------------------------------------------------


@transaction.atomic
def do_raise_alerts(now: dt.datetime | None = None) -> list[Task]:
    """Open a workqueue task per new alert; an alert already open is not opened twice."""
    now = now or timezone.now()
    deadlines.check_aware(now, "now")
    opened: list[Task] = []
    auths = Authorization.objects.filter(encounter__isnull=False).select_related(
        "encounter__facility", "payer"
    )
    for auth in auths.filter(status__in=list(APPROVED_STATUSES)).prefetch_related("services"):
        today = now.astimezone(auth.encounter.facility.zone).date()
        if deadlines.is_expiring(auth.end_date, today):
            days = deadlines.days_until(auth.end_date, today)
            opened += _alert(
                auth,
                "expiring",
                f"Authorization {auth.certification_number} ends in {days} days",
                now,
            )
        for service in auth.services.all():
            used = units_used(auth, service.cpt_hcpcs)
            if deadlines.units_nearly_used(service.approved_units, used):
                opened += _alert(
                    auth,
                    f"units-{service.cpt_hcpcs}",
                    f"Authorization {auth.certification_number}: {used.normalize():f} of "
                    f"{service.approved_units.normalize():f} units of {service.cpt_hcpcs} used",
                    now,
                )
    for auth in auths.filter(status__in=list(AWAITING_STATUSES), decision_due_at__lt=now):
        opened += _alert(
            auth,
            "overdue",
            f"Decision overdue from {auth.payer.name} (due {auth.decision_due_at:%Y-%m-%d %H:%M %Z})",
            now,
        )
    return opened


def _alert(auth: Authorization, key: str, title: str, now: dt.datetime) -> list[Task]:
    case = ClearanceCase.objects.filter(encounter_id=auth.encounter_id).first()
    if case is None:
        return []
    marker = f"[auth {auth.pk} {key}]"
    if Task.objects.filter(case=case, status=TaskStatus.OPEN, detail__startswith=marker).exists():
        return []
    return [
        do_create_task(
            case,
            kind=TaskKind.AUTHORIZATION,
            title=title[:200],
            detail=f"{marker} authorization #{auth.pk}",
            due_at=now + dt.timedelta(days=1),
        )
    ]
