"""Da Vinci PAS (Prior Authorization Support, FHIR R4): the Claim request Bundle and the
ClaimResponse, built and read with fhir.resources (its R4B models, which match R4 for every
element used here).

The request is a Bundle (type collection) whose first entry is a Claim with
``use = preauthorization``, followed by the Patient, the Coverage and the insurer and
provider Organizations it references. The response is a Bundle whose first entry is a
ClaimResponse: ``outcome``, ``preAuthRef`` (the certification number), ``preAuthPeriod``, and
per item the PAS extensions ``reviewAction`` (the X12 HCR01 action code and number, on the
item's adjudication), ``itemPreAuthPeriod`` and ``itemAuthorizedDetail`` (the quantity
authorized). Nothing here touches Django or the network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from pydantic import ValidationError

PAYLOAD_TYPE_PAS_REQUEST = "HL7_FHIR_R4_PAS_Claim_Bundle"
PAYLOAD_TYPE_PAS_RESPONSE = "HL7_FHIR_R4_PAS_ClaimResponse_Bundle"

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"
REVIEW_ACTION = PAS + "extension-reviewAction"
REVIEW_ACTION_CODE = PAS + "extension-reviewActionCode"
ITEM_PREAUTH_PERIOD = PAS + "extension-itemPreAuthPeriod"
ITEM_AUTHORIZED_DETAIL = PAS + "extension-itemAuthorizedDetail"
X12_ACTION_SYSTEM = "https://codesystem.x12.org/005010/306"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
POS_SYSTEM = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
IDENTIFIER_SYSTEM = "urn:finclear:authorization-request"

# ClaimResponse.outcome of each overall X12 action.
OUTCOMES = {"A1": "complete", "A2": "partial", "A6": "partial", "A3": "complete", "A4": "queued"}


class PasError(ValueError):
    """A PAS payload that cannot be read: names the resource and element."""


@dataclass(frozen=True)
class PasItem:
    sequence: int
    code: str  # CPT/HCPCS
    quantity: Decimal
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class PasRequest:
    """What a PAS Claim asks for (the fields finclear and the simulator use)."""

    identifier: str
    created: datetime
    patient_family: str
    patient_given: str
    birth_date: date | None
    member_id: str
    payer_id: str
    payer_name: str
    provider_npi: str
    provider_name: str
    service_date: date
    place_of_service: str
    diagnoses: tuple[str, ...]
    items: tuple[PasItem, ...]
    expedited: bool = False


@dataclass(frozen=True)
class PasItemDecision:
    sequence: int
    action: str  # X12 HCR01
    number: str
    start: date | None
    end: date | None
    quantity: Decimal | None


@dataclass(frozen=True)
class PasDecision:
    request_identifier: str
    outcome: str  # complete, partial, queued, error
    action: str  # the overall X12 action
    certification_number: str
    start: date | None
    end: date | None
    disposition: str
    items: tuple[PasItemDecision, ...]


def build_claim_bundle(request: PasRequest) -> str:
    """The PAS request Bundle as JSON (validated by the fhir.resources models)."""
    if request.created.tzinfo is None:
        raise PasError("Claim.created: must be timezone-aware")
    day = request.service_date.isoformat()
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": "claim",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": request.identifier}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "preauthorization",
        "patient": {"reference": "Patient/patient"},
        "created": request.created.isoformat(),
        "insurer": {"reference": "Organization/insurer"},
        "provider": {"reference": "Organization/provider"},
        "priority": {
            "coding": [
                {"system": PROCESS_PRIORITY, "code": "stat" if request.expedited else "normal"}
            ]
        },
        "insurance": [
            {"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/coverage"}}
        ],
        "diagnosis": [
            {
                "sequence": number,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10_SYSTEM, "code": code}]},
            }
            for number, code in enumerate(request.diagnoses, 1)
        ],
        "item": [
            {
                "sequence": item.sequence,
                "productOrService": {"coding": [{"system": CPT_SYSTEM, "code": item.code}]},
                "servicedDate": day,
                "locationCodeableConcept": {
                    "coding": [{"system": POS_SYSTEM, "code": request.place_of_service}]
                },
                "quantity": {"value": _number(item.quantity)},
                **(
                    {"unitPrice": {"value": _number(item.unit_price), "currency": "USD"}}
                    if item.unit_price is not None
                    else {}
                ),
            }
            for item in request.items
        ],
    }
    if not claim["diagnosis"]:
        del claim["diagnosis"]
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": request.patient_family, "given": [request.patient_given]}],
    }
    if request.birth_date:
        patient["birthDate"] = request.birth_date.isoformat()
    resources = [
        claim,
        patient,
        {
            "resourceType": "Coverage",
            "id": "coverage",
            "status": "active",
            "subscriberId": request.member_id,
            "beneficiary": {"reference": "Patient/patient"},
            "payor": [{"reference": "Organization/insurer"}],
        },
        {
            "resourceType": "Organization",
            "id": "insurer",
            "identifier": [{"system": "urn:finclear:payer-id", "value": request.payer_id}],
            "name": request.payer_name,
        },
        {
            "resourceType": "Organization",
            "id": "provider",
            "identifier": [{"system": NPI_SYSTEM, "value": request.provider_npi}],
            "name": request.provider_name,
        },
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": request.created.isoformat(),
        "identifier": {"system": IDENTIFIER_SYSTEM, "value": request.identifier},
        "entry": [
            {"fullUrl": f"urn:uuid:{r['resourceType'].lower()}-{r['id']}", "resource": r}
            for r in resources
        ],
    }
    Bundle.model_validate(bundle)
    return _dumps(bundle)


def parse_claim_bundle(text: str) -> PasRequest:
    bundle = _bundle(text)
    resources = _resources(bundle)
    claim_data = resources.get("Claim")
    if claim_data is None:
        raise PasError("Bundle.entry[0]: a PAS request starts with a Claim")
    claim = _model(Claim, claim_data, "Claim")
    if claim.use != "preauthorization":
        raise PasError(f"Claim.use: {claim.use!r} is not preauthorization")
    patient = resources.get("Patient", {})
    coverage = resources.get("Coverage", {})
    insurer, provider = _organizations(resources)
    name = (patient.get("name") or [{}])[0]
    items = []
    service_date = None
    place = ""
    for item in claim.item or []:
        coding = item.productOrService.coding[0] if item.productOrService.coding else None
        if coding is None or not coding.code:
            raise PasError(f"Claim.item[{item.sequence}].productOrService: no code")
        service_date = service_date or item.servicedDate
        if item.locationCodeableConcept and item.locationCodeableConcept.coding:
            place = place or item.locationCodeableConcept.coding[0].code or ""
        quantity = (
            Decimal(str(item.quantity.value))
            if item.quantity and item.quantity.value
            else Decimal(1)
        )
        price = (
            Decimal(str(item.unitPrice.value))
            if item.unitPrice and item.unitPrice.value is not None
            else None
        )
        items.append(PasItem(item.sequence, coding.code, quantity, price))
    if not items:
        raise PasError("Claim.item: at least one item")
    if service_date is None:
        raise PasError("Claim.item.servicedDate: required")
    priority = claim.priority.coding[0].code if claim.priority and claim.priority.coding else ""
    return PasRequest(
        identifier=claim.identifier[0].value if claim.identifier else "",
        created=claim.created,
        patient_family=name.get("family", ""),
        patient_given=(name.get("given") or [""])[0],
        birth_date=date.fromisoformat(patient["birthDate"]) if patient.get("birthDate") else None,
        member_id=coverage.get("subscriberId", ""),
        payer_id=_identifier(insurer),
        payer_name=insurer.get("name", ""),
        provider_npi=_identifier(provider),
        provider_name=provider.get("name", ""),
        service_date=service_date,
        place_of_service=place,
        diagnoses=tuple(
            d.diagnosisCodeableConcept.coding[0].code
            for d in claim.diagnosis or []
            if d.diagnosisCodeableConcept and d.diagnosisCodeableConcept.coding
        ),
        items=tuple(items),
        expedited=priority == "stat",
    )


def build_claim_response_bundle(
    request: PasRequest, decision: PasDecision, created: datetime
) -> str:
    """The PAS response Bundle (ClaimResponse first) answering ``request``."""
    response: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": "response",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": request.identifier}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "preauthorization",
        "patient": {"reference": "Patient/patient"},
        "created": created.isoformat(),
        "insurer": {"reference": "Organization/insurer"},
        "request": {"identifier": {"system": IDENTIFIER_SYSTEM, "value": request.identifier}},
        "outcome": decision.outcome,
        "item": [_response_item(item) for item in decision.items],
    }
    if decision.disposition:
        response["disposition"] = decision.disposition
    if decision.certification_number:
        response["preAuthRef"] = decision.certification_number
    if decision.start and decision.end:
        response["preAuthPeriod"] = {
            "start": decision.start.isoformat(),
            "end": decision.end.isoformat(),
        }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": created.isoformat(),
        "entry": [
            {"fullUrl": "urn:uuid:claimresponse-response", "resource": response},
            {
                "fullUrl": "urn:uuid:patient-patient",
                "resource": {
                    "resourceType": "Patient",
                    "id": "patient",
                    "name": [{"family": request.patient_family, "given": [request.patient_given]}],
                },
            },
            {
                "fullUrl": "urn:uuid:organization-insurer",
                "resource": {
                    "resourceType": "Organization",
                    "id": "insurer",
                    "name": request.payer_name,
                },
            },
        ],
    }
    Bundle.model_validate(bundle)
    return _dumps(bundle)


def _response_item(item: PasItemDecision) -> dict[str, Any]:
    action: list[dict[str, Any]] = [
        {
            "url": REVIEW_ACTION_CODE,
            "valueCodeableConcept": {
                "coding": [{"system": X12_ACTION_SYSTEM, "code": item.action}]
            },
        }
    ]
    if item.number:
        action.append({"url": "number", "valueString": item.number})
    extensions: list[dict[str, Any]] = []
    if item.start and item.end:
        extensions.append(
            {
                "url": ITEM_PREAUTH_PERIOD,
                "valuePeriod": {"start": item.start.isoformat(), "end": item.end.isoformat()},
            }
        )
    if item.quantity is not None:
        extensions.append(
            {
                "url": ITEM_AUTHORIZED_DETAIL,
                "extension": [
                    {"url": "quantity", "valueQuantity": {"value": _number(item.quantity)}}
                ],
            }
        )
    out: dict[str, Any] = {
        "itemSequence": item.sequence,
        "adjudication": [
            {
                "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
                "extension": [{"url": REVIEW_ACTION, "extension": action}],
            }
        ],
    }
    if extensions:
        out["extension"] = extensions
    return out


def parse_claim_response_bundle(text: str) -> PasDecision:
    bundle = _bundle(text)
    data = _resources(bundle).get("ClaimResponse")
    if data is None:
        raise PasError("Bundle.entry[0]: a PAS response starts with a ClaimResponse")
    response = _model(ClaimResponse, data, "ClaimResponse")
    items = []
    for item in response.item or []:
        action, number = "", ""
        for adjudication in item.adjudication or []:
            for ext in adjudication.extension or []:
                if ext.url != REVIEW_ACTION:
                    continue
                for sub in ext.extension or []:
                    if sub.url == REVIEW_ACTION_CODE and sub.valueCodeableConcept:
                        action = sub.valueCodeableConcept.coding[0].code or ""
                    elif sub.url == "number":
                        number = sub.valueString or ""
        start = end = None
        quantity = None
        for ext in item.extension or []:
            if ext.url == ITEM_PREAUTH_PERIOD and ext.valuePeriod:
                start, end = _day(ext.valuePeriod.start), _day(ext.valuePeriod.end)
            elif ext.url == ITEM_AUTHORIZED_DETAIL:
                for sub in ext.extension or []:
                    if (
                        sub.url == "quantity"
                        and sub.valueQuantity
                        and sub.valueQuantity.value is not None
                    ):
                        quantity = Decimal(str(sub.valueQuantity.value))
        if not action:
            raise PasError(f"ClaimResponse.item[{item.itemSequence}]: no reviewAction code")
        items.append(PasItemDecision(item.itemSequence, action, number, start, end, quantity))
    period = response.preAuthPeriod
    identifier = (
        response.request.identifier.value
        if response.request and response.request.identifier
        else ""
    )
    return PasDecision(
        request_identifier=identifier or "",
        outcome=response.outcome,
        action=_overall(items, response.outcome),
        certification_number=response.preAuthRef or "",
        start=_day(period.start) if period else None,
        end=_day(period.end) if period else None,
        disposition=response.disposition or "",
        items=tuple(items),
    )


def _overall(items: list[PasItemDecision], outcome: str) -> str:
    actions = {i.action for i in items}
    if outcome == "queued" or "A4" in actions:
        return "A4"
    if actions == {"A1"}:
        return "A1"
    if actions & {"A1", "A2", "A6"}:
        return "A2"
    if actions == {"A3"}:
        return "A3"
    return "A4"


def _bundle(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise PasError(f"Bundle: not JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise PasError("Bundle: the payload is not a FHIR Bundle")
    _model(Bundle, data, "Bundle")
    return data


def _resources(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The first resource of each type, and the organizations by id (``Organization/<id>``)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType", "")
        found.setdefault(kind, resource)
        if kind == "Organization":
            found[f"Organization/{resource.get('id', '')}"] = resource
    return found


def _organizations(resources: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    return resources.get("Organization/insurer", {}), resources.get("Organization/provider", {})


def _identifier(resource: dict[str, Any]) -> str:
    identifiers = resource.get("identifier") or [{}]
    return str(identifiers[0].get("value", ""))


def _model(model: Any, data: dict[str, Any], name: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise PasError(f"{name}.{where}: {first.get('msg', 'invalid')}") from None


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _number(value: Decimal | None) -> Decimal:
    """FHIR decimals stay Decimal (never float); ``_dumps`` writes them digit for digit."""
    return value if value is not None else Decimal(0)


_MARK = "\u0000dec:"


def _dumps(data: dict[str, Any]) -> str:
    """JSON with each Decimal written as the number it is (json has no Decimal support)."""

    def encode(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"{_MARK}{value}"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(data, default=encode)
    return re.sub(r'"\\u0000dec:(-?[0-9.E+-]+)"', r"\1", text)
