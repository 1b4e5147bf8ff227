"""Good Faith Estimates (45 CFR 149.610): their content and deadline, from an encounter's facts.

The deadline is computed by ``finclear.rules.gfe`` from the date the visit was scheduled (the
day the encounter was entered in finclear, in the facility's time zone), the visit date and
the date of the patient's first request, if any. The content is the regulation's list: the
convening facility and the rendering provider (named with the facility's TIN, under which a
hospital-employed provider bills), each item with its service and diagnosis codes and the
self-pay charge expected, and the disclaimers below, which the GFE document prints in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from finclear.rules.gfe import (
    GfeDeadline,
    GfeItem,
    GfeProvider,
    GoodFaithEstimate,
    gfe_deadline,
    local_date,
)
from finclear.scheduling.models import Encounter

DISCLAIMER_TEXT = {
    "disclaimer_estimate_only": (
        "This Good Faith Estimate shows the costs of items and services that are reasonably "
        "expected for your health care needs for an item or service. The estimate is based "
        "on information known at the time the estimate was created. It is only an estimate: "
        "the actual items, services or charges may differ, and it does not include unknown "
        "or unexpected costs that may arise during treatment. You could be charged more if "
        "complications or special circumstances occur."
    ),
    "disclaimer_additional_items": (
        "Additional items or services may be recommended as part of the course of care that "
        "must be scheduled or requested separately and are not reflected in this Good Faith "
        "Estimate."
    ),
    "disclaimer_dispute_resolution": (
        "If you are billed for at least $400 more than this Good Faith Estimate for any "
        "provider or facility, you have the right to dispute the bill through the "
        "patient-provider dispute resolution process. You may first contact the provider or "
        "facility listed to tell them the billed charges are higher than this estimate and "
        "ask them to update the bill or negotiate it. To start a dispute with the U.S. "
        "Department of Health and Human Services, you must do so within 120 calendar days of "
        "the date on the original bill; a fee may apply. For how to start it, visit "
        "www.cms.gov/nosurprises or call 1-800-985-3059. Starting the dispute process will not "
        "affect the quality of the care you receive. Keep a copy of this Good Faith Estimate."
    ),
    "disclaimer_not_a_contract": (
        "This Good Faith Estimate is not a contract and does not require you to obtain the "
        "items or services from any of the providers or facilities identified in it."
    ),
}
SEPARATELY_SCHEDULED_NOTE = (
    "Items or services expected to be scheduled separately, before or after this period of "
    "care, are listed here; a separate Good Faith Estimate for them is available on request."
)
PROFESSIONAL = ("10000", "69999", "99202", "99499")


def scheduled_on(encounter: Encounter) -> dt.date:
    """When the visit was scheduled: the day it was entered, in the facility's time zone."""
    return local_date(encounter.created_at, encounter.facility.time_zone)


def build_deadline(
    encounter: Encounter, visit_day: dt.date, requested_on: dt.date | None
) -> GfeDeadline:
    return gfe_deadline(scheduled_on(encounter), visit_day, requested_on)


def _is_professional(code: str) -> bool:
    return code.isdigit() and (
        PROFESSIONAL[0] <= code <= PROFESSIONAL[1] or PROFESSIONAL[2] <= code <= PROFESSIONAL[3]
    )


def build_gfe(encounter: Encounter, visit_day: dt.date, lines: Sequence[Any]) -> GoodFaithEstimate:
    """The GFE of an encounter's lines (calculated or stored: code, description, units,
    ``patient_total`` as the expected charge, ``diagnosis_codes``)."""
    facility = encounter.facility
    doctor = encounter.rendering_provider
    location = ", ".join(
        p
        for p in (
            facility.address_line1,
            facility.city,
            f"{facility.state} {facility.postal_code}".strip(),
        )
        if p
    )
    providers = [GfeProvider(facility.name, facility.npi, facility.tin, facility.state, location)]
    doctor_name = " ".join(p for p in (doctor.first_name, doctor.last_name) if p)
    if doctor.credential:
        doctor_name = f"{doctor_name}, {doctor.credential}"
    if doctor.npi != facility.npi:
        providers.append(
            GfeProvider(doctor_name, doctor.npi, facility.tin, facility.state, location)
        )
    items = tuple(
        GfeItem(
            description=line.description or f"Service {line.code}",
            service_code=line.code,
            expected_charge=line.patient_total,
            provider_npi=doctor.npi
            if _is_professional(line.code) and len(providers) > 1
            else facility.npi,
            diagnosis_codes=tuple(line.diagnosis_codes),
            quantity=max(int(line.units), 1),
        )
        for line in lines
    )
    patient = encounter.patient
    primary = encounter.reason or (items[0].description if items else "")
    return GoodFaithEstimate(
        patient_name=patient.full_name,
        patient_date_of_birth=patient.date_of_birth,
        primary_service=primary,
        scheduled_date=visit_day,
        providers=tuple(providers),
        items=items,
        separately_scheduled=(),
        disclaimers=frozenset(DISCLAIMER_TEXT),
    )
