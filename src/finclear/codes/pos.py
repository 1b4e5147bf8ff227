"""CMS place-of-service codes (the two-digit code on an 837P line and in CMS-1500 item 24B).

Source: CMS Place of Service Code Set,
https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets ,
as of the addition of code 27 (Outreach Site/Street), effective 2023-10-01. Codes not listed
are unassigned. Names are CMS's short names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

POS_SOURCE = "CMS Place of Service Code Set"
POS_SOURCE_URL = "https://www.cms.gov/medicare/coding-billing/place-of-service-codes/code-sets"
POS_AS_OF = date(2023, 10, 1)


@dataclass(frozen=True, slots=True)
class PlaceOfService:
    code: str
    name: str


_NAMES: dict[str, str] = {
    "01": "Pharmacy",
    "02": "Telehealth Provided Other than in Patient's Home",
    "03": "School",
    "04": "Homeless Shelter",
    "05": "Indian Health Service Free-standing Facility",
    "06": "Indian Health Service Provider-based Facility",
    "07": "Tribal 638 Free-standing Facility",
    "08": "Tribal 638 Provider-based Facility",
    "09": "Prison/Correctional Facility",
    "10": "Telehealth Provided in Patient's Home",
    "11": "Office",
    "12": "Home",
    "13": "Assisted Living Facility",
    "14": "Group Home",
    "15": "Mobile Unit",
    "16": "Temporary Lodging",
    "17": "Walk-in Retail Health Clinic",
    "18": "Place of Employment-Worksite",
    "19": "Off Campus-Outpatient Hospital",
    "20": "Urgent Care Facility",
    "21": "Inpatient Hospital",
    "22": "On Campus-Outpatient Hospital",
    "23": "Emergency Room - Hospital",
    "24": "Ambulatory Surgical Center",
    "25": "Birthing Center",
    "26": "Military Treatment Facility",
    "27": "Outreach Site/Street",
    "31": "Skilled Nursing Facility",
    "32": "Nursing Facility",
    "33": "Custodial Care Facility",
    "34": "Hospice",
    "41": "Ambulance - Land",
    "42": "Ambulance - Air or Water",
    "49": "Independent Clinic",
    "50": "Federally Qualified Health Center",
    "51": "Inpatient Psychiatric Facility",
    "52": "Psychiatric Facility-Partial Hospitalization",
    "53": "Community Mental Health Center",
    "54": "Intermediate Care Facility/Individuals with Intellectual Disabilities",
    "55": "Residential Substance Abuse Treatment Facility",
    "56": "Psychiatric Residential Treatment Center",
    "57": "Non-residential Substance Abuse Treatment Facility",
    "58": "Non-residential Opioid Treatment Facility",
    "60": "Mass Immunization Center",
    "61": "Comprehensive Inpatient Rehabilitation Facility",
    "62": "Comprehensive Outpatient Rehabilitation Facility",
    "65": "End-Stage Renal Disease Treatment Facility",
    "71": "Public Health Clinic",
    "72": "Rural Health Clinic",
    "81": "Independent Laboratory",
    "99": "Other Place of Service",
}

PLACES_OF_SERVICE: dict[str, PlaceOfService] = {
    code: PlaceOfService(code, name) for code, name in _NAMES.items()
}


def is_place_of_service(code: str) -> bool:
    return code in PLACES_OF_SERVICE


def check_place_of_service(code: str) -> PlaceOfService:
    """The place of service for a two-digit code; ValueError for a malformed or unassigned one."""
    if len(code) != 2 or not code.isascii() or not code.isdigit():
        raise ValueError(f"{code!r} is not a place-of-service code: expected two digits")
    place = PLACES_OF_SERVICE.get(code)
    if place is None:
        raise ValueError(f"{code} is not an assigned CMS place-of-service code")
    return place


def pos_choices() -> list[tuple[str, str]]:
    """(code, "code name") pairs, for forms and model choices."""
    return [(p.code, f"{p.code} {p.name}") for p in PLACES_OF_SERVICE.values()]
