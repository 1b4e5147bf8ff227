"""FHIR R4 bundles: Patient, Coverage, Appointment or Encounter, ServiceRequest (fhir.resources).

fhir.resources 8 ships R5 at its top level and R4B under ``fhir.resources.R4B``; R4B (4.3) keeps
R4's shape for every resource read here, so R4 bundles validate with it. Each entry is validated
on its own, so one invalid resource fails only the records that use it.

A record is built per Appointment or Encounter (location ``entry N``, N counted from 0 as in
FHIRPath), with its patient (``participant.actor`` / ``subject``), the patient's Coverages
(``beneficiary``), the ServiceRequests it is based on (``basedOn``, or ``ServiceRequest.encounter``)
as service lines, and its ICD-10-CM reason codes as diagnoses. A Patient that no appointment or
encounter uses becomes a registration record on its own.

Mapping: MRN = the Patient identifier typed ``MR`` (else the first); facility = identifier of
the Organization in ``serviceProvider`` / Location.managingOrganization / Patient.
managingOrganization; department = identifier of the Location; provider = the Practitioner's
identifier of system ``http://hl7.org/fhir/sid/us-npi``; payer = identifier and name of the
Organization in ``Coverage.payor`` (a payor that is the Patient or a RelatedPerson means
self-pay); member ID = ``subscriberId`` (else the first identifier); plan / group =
``class`` of type ``plan`` / ``group``. Coverages ``entered-in-error`` are skipped on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from finclear.intake.records import (
    IntakeProblem,
    IntakeRecord,
    IntakeSource,
    build_record,
    origin_namer,
    problem,
)

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10_SYSTEMS = {"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"}
PROCEDURE_SYSTEMS = {
    "http://www.ama-assn.org/go/cpt",
    "urn:oid:2.16.840.1.113883.6.12",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "urn:oid:2.16.840.1.113883.6.285",
}
USED_TYPES = {
    "Patient",
    "Coverage",
    "Appointment",
    "Encounter",
    "ServiceRequest",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "RelatedPerson",
}
_GENDER = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
_RELATIONSHIP = {"self": "18", "spouse": "01", "child": "19"}
_APPOINTMENT_STATUS = {
    "proposed": "scheduled",
    "pending": "scheduled",
    "booked": "scheduled",
    "waitlist": "scheduled",
    "arrived": "arrived",
    "checked-in": "arrived",
    "fulfilled": "discharged",
    "cancelled": "cancelled",
    "noshow": "cancelled",
}
_ENCOUNTER_STATUS = {
    "planned": "scheduled",
    "arrived": "arrived",
    "triaged": "arrived",
    "in-progress": "arrived",
    "onleave": "arrived",
    "finished": "discharged",
    "cancelled": "cancelled",
}
_ENCOUNTER_CLASS = {
    "AMB": "outpatient",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "EMER": "emergency",
}


class _Entry:
    def __init__(self, index: int, resource: Any) -> None:
        self.index = index
        self.resource = resource
        self.path = f"Bundle.entry[{index}].resource"


class _Bundle:
    """The bundle's valid entries, found by fullUrl or by ``Type/id``."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.by_ref: dict[str, _Entry] = {}
        self.invalid: dict[str, int] = {}

    def add(self, entry: _Entry, full_url: str | None) -> None:
        self.entries.append(entry)
        resource = entry.resource
        if full_url:
            self.by_ref[full_url] = entry
        if resource.id:
            self.by_ref[f"{resource.get_resource_type()}/{resource.id}"] = entry

    def resolve(self, reference: Any) -> _Entry | None:
        if reference is None or not reference.reference:
            return None
        ref = str(reference.reference)
        if ref in self.by_ref:
            return self.by_ref[ref]
        tail = "/".join(ref.rstrip("/").split("/")[-2:])
        return self.by_ref.get(tail)

    def of_type(self, resource_type: str) -> list[_Entry]:
        return [e for e in self.entries if e.resource.get_resource_type() == resource_type]


def parse_fhir(
    path: Path, display_name: str | None = None
) -> tuple[list[IntakeRecord], list[IntakeProblem], int]:
    name = display_name or path.name
    try:
        data = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        return [], [problem(name, f"line {exc.lineno}", "json", f"not valid JSON: {exc.msg}")], 1
    except UnicodeDecodeError:
        return [], [problem(name, "file", "json", "not UTF-8 text")], 1
    return parse_fhir_data(data, name)


def parse_fhir_data(data: Any, name: str) -> tuple[list[IntakeRecord], list[IntakeProblem], int]:
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return [], [problem(name, "file", "resourceType", "expected a FHIR Bundle")], 1
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        return [], [problem(name, "file", "Bundle.entry", "expected a list of entries")], 1
    bundle = _Bundle()
    problems: list[IntakeProblem] = []
    failed = 0
    for index, entry in enumerate(entries):
        location = f"entry {index}"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(
                problem(name, location, f"Bundle.entry[{index}]", "entry without a resource")
            )
            failed += 1
            continue
        kind = str(resource.get("resourceType", ""))
        if kind not in USED_TYPES:
            problems.append(
                problem(name, location, "resourceType", f"{kind or '(blank)'} is not imported")
            )
            failed += 1
            continue
        try:
            model = get_fhir_model_class(kind).model_validate(resource)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in error["loc"] if p != "class_fhir") or kind
                problems.append(problem(name, location, f"{kind}.{loc}", str(error["msg"])))
            failed += 1
            if resource.get("id"):
                bundle.invalid[f"{kind}/{resource['id']}"] = index
            if entry.get("fullUrl"):
                bundle.invalid[str(entry["fullUrl"])] = index
            continue
        bundle.add(_Entry(index, model), entry.get("fullUrl"))

    records: list[IntakeRecord] = []
    used_patients: set[int] = set()
    for visit in bundle.of_type("Appointment") + bundle.of_type("Encounter"):
        result = _visit_record(bundle, visit, name, used_patients)
        if isinstance(result, IntakeRecord):
            records.append(result)
        else:
            problems.extend(result)
            failed += 1
    for patient in bundle.of_type("Patient"):
        if patient.index in used_patients:
            continue
        result = _record(bundle, patient, None, name, f"entry {patient.index}", "registration")
        if isinstance(result, IntakeRecord):
            records.append(result)
        else:
            problems.extend(result)
            failed += 1
    return records, sorted(problems, key=_entry_order), failed


def _entry_order(item: IntakeProblem) -> tuple[int, str]:
    number = item.location.removeprefix("entry ")
    return (int(number) if number.isascii() and number.isdigit() else -1, item.field)


def _visit_record(
    bundle: _Bundle, visit: _Entry, name: str, used_patients: set[int]
) -> IntakeRecord | list[IntakeProblem]:
    resource = visit.resource
    location = f"entry {visit.index}"
    if resource.get_resource_type() == "Appointment":
        refs = [p.actor for p in resource.participant or [] if p.actor is not None]
    else:
        refs = [resource.subject] if resource.subject is not None else []
    patient = next((e for e in map(bundle.resolve, refs) if e and _is(e, "Patient")), None)
    if patient is None:
        broken = [r.reference for r in refs if r.reference in bundle.invalid]
        message = (
            "references an invalid Patient" if broken else "no Patient in the bundle is referenced"
        )
        field = "participant.actor" if resource.get_resource_type() == "Appointment" else "subject"
        return [problem(name, location, f"{visit.path}.{field}", message)]
    used_patients.add(patient.index)
    return _record(bundle, patient, visit, name, location, "schedule")


def _record(
    bundle: _Bundle, patient: _Entry, visit: _Entry | None, name: str, location: str, kind: str
) -> IntakeRecord | list[IntakeProblem]:
    origin: dict[str, str] = {"patient": patient.path}
    raw: dict[str, Any] = {
        "kind": kind,
        "patient": _patient(patient, origin),
        "coverages": _coverages(bundle, patient, origin),
        "facility_code": _identifier_value(bundle.resolve(patient.resource.managingOrganization)),
    }
    if visit is not None:
        raw["encounter"], facility = _encounter(bundle, visit, origin)
        raw["facility_code"] = facility or raw["facility_code"]
    source = IntakeSource(file=name, location=location, format="fhir")
    return build_record(raw, source, origin_namer(origin), origin)


def _patient(entry: _Entry, origin: dict[str, str]) -> dict[str, Any]:
    resource = entry.resource
    identifiers = resource.identifier or []
    mrn_index, mrn = 0, ""
    for i, ident in enumerate(identifiers):
        codes = [c.code for c in (ident.type.coding or [])] if ident.type else []
        if "MR" in codes:
            mrn_index, mrn = i, ident.value or ""
            break
    else:
        mrn = identifiers[0].value or "" if identifiers else ""
    names = resource.name or []
    official = next((n for n in names if n.use == "official"), names[0] if names else None)
    given = list(official.given or []) if official else []
    addresses = resource.address or []
    address = addresses[0] if addresses else None
    lines = list(address.line or []) if address else []
    telecoms = resource.telecom or []
    path = entry.path
    origin.update(
        {
            "patient.mrn": f"{path}.identifier[{mrn_index}].value",
            "patient.last_name": f"{path}.name.family",
            "patient.first_name": f"{path}.name.given[0]",
            "patient.middle_name": f"{path}.name.given[1]",
            "patient.date_of_birth": f"{path}.birthDate",
            "patient.sex": f"{path}.gender",
            "patient.address_line1": f"{path}.address.line[0]",
            "patient.postal_code": f"{path}.address.postalCode",
            "patient.phone": f"{path}.telecom",
            "patient.email": f"{path}.telecom",
        }
    )
    return {
        "mrn": mrn,
        "last_name": (official.family or "") if official else "",
        "first_name": given[0] if given else "",
        "middle_name": " ".join(given[1:]),
        "date_of_birth": resource.birthDate.isoformat() if resource.birthDate else "",
        "sex": _GENDER.get(resource.gender or "unknown", "U"),
        "address_line1": lines[0] if lines else "",
        "address_line2": ", ".join(lines[1:]),
        "city": (address.city or "") if address else "",
        "state": (address.state or "") if address else "",
        "postal_code": (address.postalCode or "") if address else "",
        "phone": next((t.value for t in telecoms if t.system == "phone" and t.value), ""),
        "email": next((t.value for t in telecoms if t.system == "email" and t.value), ""),
    }


def _coverages(bundle: _Bundle, patient: _Entry, origin: dict[str, str]) -> list[dict[str, Any]]:
    coverages: list[dict[str, Any]] = []
    for entry in bundle.of_type("Coverage"):
        resource = entry.resource
        if (
            bundle.resolve(resource.beneficiary) is not patient
            or resource.status == "entered-in-error"
        ):
            continue
        index = len(coverages)
        path = entry.path
        payor = next((e for e in map(bundle.resolve, resource.payor or []) if e), None)
        self_pay = payor is not None and payor.resource.get_resource_type() in {
            "Patient",
            "RelatedPerson",
        }
        subscriber = bundle.resolve(resource.subscriber)
        sub_name = (subscriber.resource.name or [None])[0] if subscriber else None
        classes = {
            (c.type.coding or [None])[0].code if c.type.coding else "": c.value
            for c in resource.class_fhir or []
        }
        relation = ""
        if resource.relationship and resource.relationship.coding:
            relation = resource.relationship.coding[0].code or ""
        period = resource.period
        origin.update(
            {
                f"coverages.{index}": f"{path}.payor",
                f"coverages.{index}.order": f"{path}.order",
                f"coverages.{index}.member_id": f"{path}.subscriberId",
                f"coverages.{index}.plan_code": f"{path}.class",
                f"coverages.{index}.group_number": f"{path}.class",
                f"coverages.{index}.subscriber_relationship": f"{path}.relationship",
                f"coverages.{index}.subscriber_date_of_birth": f"{path}.subscriber",
                f"coverages.{index}.effective_date": f"{path}.period.start",
                f"coverages.{index}.termination_date": f"{path}.period.end",
            }
        )
        identifiers = resource.identifier or []
        coverages.append(
            {
                "order": resource.order or index + 1,
                "self_pay": self_pay,
                "payer_id": "" if self_pay else _identifier_value(payor),
                "payer_name": (payor.resource.name or "") if payor and not self_pay else "",
                "plan_code": classes.get("plan", "") or "",
                "group_number": classes.get("group", "") or "",
                "member_id": resource.subscriberId
                or (identifiers[0].value if identifiers else "")
                or "",
                "subscriber_relationship": _RELATIONSHIP.get(relation, "G8" if relation else "18"),
                "subscriber_first_name": (sub_name.given or [""])[0] if sub_name else "",
                "subscriber_last_name": (sub_name.family or "") if sub_name else "",
                "subscriber_date_of_birth": (
                    subscriber.resource.birthDate.isoformat()
                    if subscriber and getattr(subscriber.resource, "birthDate", None)
                    else None
                ),
                "effective_date": _date_part(period.start) if period and period.start else None,
                "termination_date": _date_part(period.end) if period and period.end else None,
            }
        )
    return coverages


def _encounter(
    bundle: _Bundle, visit: _Entry, origin: dict[str, str]
) -> tuple[dict[str, Any], str]:
    resource = visit.resource
    path = visit.path
    is_appointment = resource.get_resource_type() == "Appointment"
    if is_appointment:
        actors = [
            (p.actor, [c.code for t in p.type or [] for c in t.coding or []])
            for p in resource.participant or []
        ]
        locations = [a for a, _ in actors if a is not None]
        start = resource.start.isoformat() if resource.start else ""
        status = _APPOINTMENT_STATUS.get(resource.status or "")
        encounter_type = "outpatient"
        start_field = f"{path}.start"
        based_on = list(resource.basedOn or [])
    else:
        actors = [
            (p.individual, [c.code for t in p.type or [] for c in t.coding or []])
            for p in resource.participant or []
        ]
        locations = [loc.location for loc in resource.location or []]
        start = (
            resource.period.start.isoformat() if resource.period and resource.period.start else ""
        )
        status = _ENCOUNTER_STATUS.get(resource.status or "")
        encounter_type = _ENCOUNTER_CLASS.get(
            resource.class_fhir.code if resource.class_fhir else "", "outpatient"
        )
        start_field = f"{path}.period.start"
        based_on = list(resource.basedOn or [])
    practitioners = [(e, roles) for e, roles in ((bundle.resolve(a), r) for a, r in actors) if e]
    practitioners = [(_practitioner(bundle, e), roles) for e, roles in practitioners]
    practitioners = [(e, roles) for e, roles in practitioners if e is not None]
    attending = next((e for e, roles in practitioners if "ATND" in roles), None)
    rendering = next((e for e, roles in practitioners if "ATND" not in roles), attending)
    location = next((e for e in map(bundle.resolve, locations) if e and _is(e, "Location")), None)
    facility_org = bundle.resolve(location.resource.managingOrganization) if location else None
    if not is_appointment and resource.serviceProvider is not None:
        facility_org = bundle.resolve(resource.serviceProvider) or facility_org
    requests = [e for e in map(bundle.resolve, based_on) if e and _is(e, "ServiceRequest")]
    for entry in bundle.of_type("ServiceRequest"):
        if bundle.resolve(entry.resource.encounter) is visit and entry not in requests:
            requests.append(entry)
    diagnoses: list[str] = []
    for entry in [visit, *requests]:
        for concept in entry.resource.reasonCode or []:
            for coding in concept.coding or []:
                if coding.system in ICD10_SYSTEMS and coding.code and coding.code not in diagnoses:
                    diagnoses.append(coding.code)
    pointers = list(range(1, min(len(diagnoses), 4) + 1))
    lines = []
    for number, entry in enumerate(requests, start=1):
        codes = (
            [c.code for c in (entry.resource.code.coding or []) if c.system in PROCEDURE_SYSTEMS]
            if entry.resource.code
            else []
        )
        quantity = entry.resource.quantityQuantity
        lines.append(
            {
                "line_number": number,
                "cpt_hcpcs": codes[0] if codes else "",
                "units": str(quantity.value) if quantity and quantity.value is not None else "1",
                "diagnosis_pointers": pointers,
            }
        )
        origin[f"encounter.service_lines.{number - 1}"] = f"{entry.path}.code"
    identifiers = resource.identifier or []
    reason = ""
    if is_appointment:
        reason = resource.description or ""
    elif resource.reasonCode and resource.reasonCode[0].text:
        reason = resource.reasonCode[0].text
    origin.update(
        {
            "encounter": path,
            "encounter.external_id": f"{path}.identifier",
            "encounter.scheduled_at": start_field,
            "encounter.department_code": f"{location.path}.identifier"
            if location
            else f"{path}.location",
            "encounter.rendering_provider_npi": f"{path}.participant",
            "encounter.attending_provider_npi": f"{path}.participant",
            "encounter.diagnoses": f"{path}.reasonCode",
            **{f"encounter.diagnoses.{i}": f"{path}.reasonCode" for i in range(len(diagnoses))},
        }
    )
    encounter = {
        "external_id": (identifiers[0].value if identifiers else None) or resource.id or "",
        "scheduled_at": start,
        "status": status,
        "encounter_type": encounter_type,
        "department_code": _identifier_value(location),
        "rendering_provider_npi": rendering or "",
        "attending_provider_npi": attending or "",
        "reason": reason[:200],
        "diagnoses": [{"sequence": i, "icd10_code": c} for i, c in enumerate(diagnoses, start=1)],
        "service_lines": lines,
    }
    return encounter, _identifier_value(facility_org)


def _practitioner(bundle: _Bundle, entry: _Entry) -> str | None:
    """The NPI of a Practitioner (or of a PractitionerRole's practitioner)."""
    if _is(entry, "PractitionerRole"):
        resolved = bundle.resolve(entry.resource.practitioner)
        if resolved is None:
            return None
        entry = resolved
    if not _is(entry, "Practitioner"):
        return None
    identifiers = entry.resource.identifier or []
    return next((i.value for i in identifiers if i.system == NPI_SYSTEM and i.value), None)


def _identifier_value(entry: _Entry | None) -> str:
    if entry is None:
        return ""
    identifiers = getattr(entry.resource, "identifier", None) or []
    return next((str(i.value) for i in identifiers if i.value), "")


def _is(entry: _Entry, resource_type: str) -> bool:
    return bool(entry.resource.get_resource_type() == resource_type)


def _date_part(value: Any) -> str:
    return str(value.isoformat())[:10] if hasattr(value, "isoformat") else str(value)[:10]
