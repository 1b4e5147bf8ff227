"""The X12 278 of an authorization: the request built from its encounter, the response read.

``build_request`` turns an Authorization (its coverage, encounter, diagnoses, providers and
services) into builder input; ``read_decision`` turns a 278 response into a plain
``Decision278`` the services apply. Nothing here writes to the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from finclear.authorizations.models import Authorization, AuthorizationStatus, ServiceDecision
from finclear.connect import pas
from finclear.organizations.models import Facility
from finclear.patients.models import Coverage
from finclear.scheduling.models import Encounter, EncounterType
from finclear.x12 import X12Error, read
from finclear.x12.build.authorization import (
    ReviewEvent,
    ReviewItem,
    ReviewProvider,
    ReviewRequest,
)
from finclear.x12.build.parties import Organization, Person
from finclear.x12.views.authorization import AuthorizationView, Diagnosis, Review, ServiceDelivery
from finclear.x12.views.common import Address, DatePeriod, Party, Procedure, Trace

PAYLOAD_TYPE_REQUEST = "X12_278_Request_005010X217E1_2"
PAYLOAD_TYPE_RESPONSE = "X12_278_Response_005010X217E1_2"

# HCR01 action code -> the authorization's status (and a service's decision).
ACTION_STATUS: dict[str, str] = {
    "A1": AuthorizationStatus.APPROVED,
    "A2": AuthorizationStatus.PARTIALLY_APPROVED,
    "A6": AuthorizationStatus.PARTIALLY_APPROVED,  # modified: approved, not as asked
    "A3": AuthorizationStatus.DENIED,
    "A4": AuthorizationStatus.PENDED,
    "CT": AuthorizationStatus.PENDED,  # contact the payer
    "C": AuthorizationStatus.CANCELLED,
    "NA": AuthorizationStatus.NOT_REQUIRED,
}
ACTION_SERVICE: dict[str, str] = {
    "A1": ServiceDecision.APPROVED,
    "A2": ServiceDecision.PARTIALLY_APPROVED,
    "A6": ServiceDecision.PARTIALLY_APPROVED,
    "A3": ServiceDecision.DENIED,
    "A4": ServiceDecision.PENDED,
    "CT": ServiceDecision.PENDED,
}


def build_request(
    authorization: Authorization, reference: str, created: dt.datetime
) -> ReviewRequest:
    """The 278 request for review of ``authorization`` (which must name its encounter)."""
    encounter = authorization.encounter
    if encounter is None:
        raise ValueError("encounter: an authorization is requested for an encounter")
    coverage = authorization.coverage
    facility = encounter.facility
    day = encounter.scheduled_at.astimezone(facility.zone).date()
    subscriber, dependent, relationship = _members(coverage)
    originator = f"1{facility.tin}"  # TRN03: "1" + the provider's EIN, 10 characters
    event = ReviewItem(
        request_category="AR" if encounter.encounter_type == EncounterType.INPATIENT else "HS",
        certification_type="I",
        service_type="1",  # medical care
        facility=(encounter.place_of_service, "B"),
        level_of_service=_level(encounter, authorization.expedited),
        traces=(Trace("1", reference, originator),),
        dates=(DatePeriod("AAH", day, day),),
        diagnoses=tuple(
            Diagnosis("ABK" if i == 0 else "ABF", dx.icd10_code)
            for i, dx in enumerate(encounter.diagnoses.order_by("sequence")[:12])
        ),
        providers=(
            ReviewProvider(
                Party("FA", facility.name, entity_type="2", id_qualifier="XX", id=facility.npi),
                role="PE",
                taxonomy="",
            ),
        ),
    )
    provider = encounter.rendering_provider
    services = []
    for number, service in enumerate(authorization.services.select_related("service_line"), 1):
        line = service.service_line
        services.append(
            ReviewItem(
                request_category="HS",
                certification_type="I",
                traces=(Trace("1", f"{reference}-{number}", originator),),
                dates=(DatePeriod("472", day, day),),
                procedure=Procedure("HC", service.cpt_hcpcs, tuple(line.modifiers) if line else ()),
                charge=line.charge if line is not None else None,
                quantity=service.requested_units,
                delivery=ServiceDelivery("VS", _whole(service.requested_units)),
                providers=(
                    ReviewProvider(
                        Party(
                            "SJ",
                            provider.last_name,
                            provider.first_name,
                            entity_type="1",
                            id_qualifier="XX",
                            id=provider.npi,
                        ),
                        role="PE" if provider.taxonomy else "",
                        taxonomy=provider.taxonomy,
                    ),
                ),
            )
        )
    return ReviewRequest(
        reference=reference,
        created=created,
        umo=Organization(authorization.payer.name[:60], authorization.payer.primary_payer_id, "PI"),
        requester=Organization(
            facility.name[:60],
            facility.npi,
            "XX",
            address=_address(facility),
        ),
        requester_entity="FA",
        subscriber=subscriber,
        dependent=dependent,
        relationship=relationship,
        events=(ReviewEvent(event, tuple(services)),),
    )


def _address(facility: Facility) -> Address | None:
    """The requester's N3/N4, only when the facility's address is complete."""
    if not (facility.address_line1 and facility.city and facility.state and facility.postal_code):
        return None
    return Address(
        facility.address_line1,
        facility.address_line2,
        facility.city,
        facility.state,
        facility.postal_code,
    )


def _members(coverage: Coverage) -> tuple[Person, Person | None, str]:
    patient = coverage.patient
    as_person = Person(
        patient.last_name,
        patient.first_name,
        birth_date=patient.date_of_birth,
        gender=patient.sex if patient.sex in ("F", "M") else "",
    )
    if coverage.subscriber_relationship in ("", "18"):
        return replace(as_person, member_id=coverage.member_id), None, ""
    subscriber = Person(
        coverage.subscriber_last_name or patient.last_name,
        coverage.subscriber_first_name,
        member_id=coverage.subscriber_member_id or coverage.member_id,
        birth_date=coverage.subscriber_date_of_birth,
    )
    return subscriber, as_person, coverage.subscriber_relationship


def _level(encounter: Encounter, expedited: bool) -> str:
    if encounter.encounter_type == EncounterType.EMERGENCY:
        return "03"
    return "U" if expedited else "E"


def _whole(units: Decimal) -> Decimal:
    return units.to_integral_value() if units == units.to_integral_value() else units


@dataclass(frozen=True)
class ServiceOutcome:
    code: str
    decision: str  # ServiceDecision
    action: str
    approved_units: Decimal | None


@dataclass(frozen=True)
class Decision278:
    """What a 278 response decided, in the application's terms."""

    status: str  # AuthorizationStatus
    action: str  # the event's HCR01 (or the services' when the event has none)
    certification_number: str
    start: dt.date | None
    end: dt.date | None
    reason_code: str
    reason_text: str
    services: tuple[ServiceOutcome, ...]
    rejected: bool  # an AAA: the UMO could not process the request


def read_decision(text: str) -> Decision278:
    """The decision of a 278 response; raises X12Error when it is not one."""
    document = read(text)
    errors = [f for f in document.all_findings() if f.is_error]
    if errors:
        raise X12Error(f"278 response: {errors[0].describe()}")
    transactions = list(document.transactions())
    if len(transactions) != 1:
        raise X12Error(f"278 response: expected one transaction, found {len(transactions)}")
    view = AuthorizationView.from_transaction(transactions[0])
    if not view.is_response:
        raise X12Error(f"278 response: BHT02 is {view.purpose!r}, not 11")
    if not view.events:
        reasons = "; ".join(f"{e.code} {e.meaning}" for e in view.errors) or "no patient event"
        return Decision278(
            AuthorizationStatus.PENDED, "", "", None, None, "", reasons, (), bool(view.errors)
        )
    event = view.events[0]
    outcomes = tuple(_outcome(s) for s in event.services if s.procedure is not None)
    action = event.review.decision.action if event.review.decision else _overall(outcomes)
    status = ACTION_STATUS.get(action, AuthorizationStatus.PENDED)
    reviews = [event.review, *event.services]
    number = next((r.certification_number for r in reviews if r.certification_number), "")
    start, end = _certified_span(reviews)
    reason = next((r.decision.reason for r in reviews if r.decision and r.decision.reason), "")
    texts = [m for r in reviews for m in r.messages]
    texts += [f"{e.code} {e.meaning}" for e in view.errors]
    return Decision278(
        status, action, number, start, end, reason, "; ".join(texts), outcomes, bool(view.errors)
    )


def _certified_span(reviews: list[Review]) -> tuple[dt.date | None, dt.date | None]:
    """DTP 007 (effective, a day or a range) and DTP 036 (expiration), event level first."""
    start = end = None
    for review in reviews:
        for found in review.dates:
            if found.qualifier == "007" and start is None:
                start = found.start
                if found.end != found.start and end is None:
                    end = found.end
            elif found.qualifier == "036" and end is None:
                end = found.end
    return start, end


def _outcome(review: Review) -> ServiceOutcome:
    assert review.procedure is not None
    action = review.decision.action if review.decision else ""
    approved = None
    if action in ("A1", "A2", "A6"):
        delivered = next((d.quantity for d in review.deliveries if d.quantity is not None), None)
        approved = delivered if delivered is not None else review.quantity
    return ServiceOutcome(
        review.procedure.code,
        ACTION_SERVICE.get(action, ServiceDecision.PENDED),
        action,
        approved,
    )


def _overall(outcomes: tuple[ServiceOutcome, ...]) -> str:
    actions = {o.action for o in outcomes}
    if not actions:
        return ""
    if actions == {"A1"}:
        return "A1"
    if actions & {"A1", "A2", "A6"}:
        return "A2"
    if actions == {"A3"}:
        return "A3"
    return "A4"


# -- FHIR Da Vinci PAS ---------------------------------------------------------------------------


def build_pas_request(
    authorization: Authorization, reference: str, created: dt.datetime
) -> pas.PasRequest:
    """The PAS Claim (use = preauthorization) of ``authorization``."""
    encounter = authorization.encounter
    if encounter is None:
        raise ValueError("encounter: an authorization is requested for an encounter")
    patient = authorization.coverage.patient
    facility = encounter.facility
    items = tuple(
        pas.PasItem(
            number,
            service.cpt_hcpcs,
            service.requested_units,
            (service.service_line.charge / service.requested_units).quantize(Decimal("0.01"))
            if service.service_line is not None and service.requested_units
            else None,
        )
        for number, service in enumerate(authorization.services.select_related("service_line"), 1)
    )
    return pas.PasRequest(
        identifier=reference,
        created=created,
        patient_family=patient.last_name,
        patient_given=patient.first_name,
        birth_date=patient.date_of_birth,
        member_id=authorization.coverage.member_id,
        payer_id=authorization.payer.primary_payer_id,
        payer_name=authorization.payer.name,
        provider_npi=facility.npi,
        provider_name=facility.name,
        service_date=encounter.scheduled_at.astimezone(facility.zone).date(),
        place_of_service=encounter.place_of_service,
        diagnoses=tuple(d.icd10_code for d in encounter.diagnoses.order_by("sequence")),
        items=items,
        expedited=authorization.expedited,
    )


def decision_from_pas(response: pas.PasDecision, codes: list[str]) -> Decision278:
    """A PAS ClaimResponse in the same terms as a 278 response (items matched by sequence)."""
    outcomes = []
    for item in response.items:
        if not 1 <= item.sequence <= len(codes):
            raise ValueError(f"ClaimResponse.item: itemSequence {item.sequence} was not asked for")
        outcomes.append(
            ServiceOutcome(
                codes[item.sequence - 1],
                ACTION_SERVICE.get(item.action, ServiceDecision.PENDED),
                item.action,
                item.quantity,
            )
        )
    start = response.start or next((i.start for i in response.items if i.start), None)
    end = response.end or next((i.end for i in response.items if i.end), None)
    number = response.certification_number or next(
        (i.number for i in response.items if i.number), ""
    )
    return Decision278(
        status=ACTION_STATUS.get(response.action, AuthorizationStatus.PENDED),
        action=response.action,
        certification_number=number,
        start=start,
        end=end,
        reason_code="",
        reason_text=response.disposition,
        services=tuple(outcomes),
        rejected=response.outcome == "error",
    )
