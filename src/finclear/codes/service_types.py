"""X12 service type codes (data element 1365) and the CPT/HCPCS -> service type map.

A 270 asks the payer about service types (EQ01), not procedures; the eligibility service
derives them from the encounter's service lines with ``service_types_for``.

Sources: the service type code names are those of X12 005010X279A1, EQ01/EB03 (element 1365)
and the CAQH CORE 154 eligibility data content rule (which lists the service types a payer
must answer: 1, 30, 33, 35, 47, 48, 50, 86, 88, 98, AL, MH, UC). The CPT ranges are the
public section ranges of the AMA CPT code set (anesthesia 00100-01999, surgery 10004-69990,
radiology 70010-79999, pathology and laboratory 80047-89398, medicine 90281-99607, evaluation
and management 99202-99499); the sub-ranges (CT, MRI, physical therapy...) are those
sections' published subsection ranges. Codes are bare codes: no CPT descriptor is shipped.
The map is finclear's own choice of the closest service type, as of 2026-01-01.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SERVICE_TYPE_SOURCE = "X12 005010X279A1 element 1365; CAQH CORE 154; AMA CPT section ranges"

PLAN_COVERAGE = "30"

SERVICE_TYPE_NAMES: dict[str, str] = {
    "1": "Medical Care",
    "2": "Surgical",
    "4": "Diagnostic X-Ray",
    "5": "Diagnostic Lab",
    "6": "Radiation Therapy",
    "7": "Anesthesia",
    "12": "Durable Medical Equipment Purchase",
    "30": "Health Benefit Plan Coverage",
    "33": "Chiropractic",
    "35": "Dental Care",
    "47": "Hospital",
    "48": "Hospital - Inpatient",
    "50": "Hospital - Outpatient",
    "62": "MRI/CAT Scan",
    "69": "Maternity",
    "73": "Diagnostic Medical",
    "86": "Emergency Services",
    "88": "Pharmacy",
    "98": "Professional (Physician) Visit - Office",
    "AD": "Occupational Therapy",
    "AL": "Vision (Optometry)",
    "DM": "Durable Medical Equipment",
    "MH": "Mental Health",
    "PT": "Physical Therapy",
    "UC": "Urgent Care",
}


@dataclass(frozen=True, slots=True)
class CodeRange:
    first: str
    last: str
    service_type: str

    def holds(self, code: str) -> bool:
        return len(code) == len(self.first) and self.first <= code <= self.last


def _r(first: str, last: str, service_type: str) -> CodeRange:
    return CodeRange(first, last, service_type)


# Checked in order: the narrower ranges come before the section that contains them.
CPT_RANGES: tuple[CodeRange, ...] = (
    # Computed tomography, by body area (radiology subsections).
    _r("70450", "70498", "62"),
    _r("71250", "71275", "62"),
    _r("72125", "72133", "62"),
    _r("72191", "72194", "62"),
    _r("73200", "73206", "62"),
    _r("73700", "73706", "62"),
    _r("74150", "74178", "62"),
    _r("74261", "74263", "62"),
    # Magnetic resonance imaging and angiography.
    _r("70336", "70336", "62"),
    _r("70540", "70559", "62"),
    _r("71550", "71555", "62"),
    _r("72141", "72159", "62"),
    _r("72195", "72198", "62"),
    _r("73218", "73225", "62"),
    _r("73718", "73725", "62"),
    _r("74181", "74185", "62"),
    _r("75557", "75565", "62"),
    _r("77046", "77049", "62"),
    _r("77261", "77799", "6"),  # radiation oncology
    _r("78012", "79999", "73"),  # nuclear medicine
    _r("70010", "77092", "4"),  # diagnostic radiology, ultrasound, mammography
    _r("59000", "59899", "69"),  # maternity care and delivery
    _r("36415", "36416", "5"),  # venous and capillary blood collection
    _r("00100", "01999", "7"),
    _r("10004", "69990", "2"),
    _r("80047", "89398", "5"),
    _r("90785", "90899", "MH"),  # psychiatry
    _r("92002", "92499", "AL"),  # ophthalmology
    _r("93000", "93799", "73"),  # cardiovascular diagnostics
    _r("97161", "97164", "PT"),  # physical therapy evaluations
    _r("97165", "97168", "AD"),  # occupational therapy evaluations
    _r("97010", "97799", "PT"),  # physical medicine and rehabilitation
    _r("98940", "98943", "33"),  # chiropractic manipulative treatment
    _r("99202", "99215", "98"),  # office or other outpatient visits
    _r("99221", "99239", "48"),  # hospital inpatient care
    _r("99281", "99288", "86"),  # emergency department services
    _r("99381", "99397", "98"),  # preventive medicine visits
    # HCPCS Level II: durable medical equipment.
    _r("E0100", "E8002", "DM"),
)

# Place of service (CMS code) -> the service type the setting itself calls for.
PLACE_OF_SERVICE_TYPES: dict[str, str] = {
    "20": "UC",  # urgent care facility
    "21": "48",  # inpatient hospital
    "22": "50",  # on-campus outpatient hospital
    "19": "50",  # off-campus outpatient hospital
    "23": "86",  # emergency room, hospital
}


def service_type_for(code: str) -> str:
    """The service type of one CPT/HCPCS code; plan coverage (30) when none fits."""
    code = code.strip().upper()
    for item in CPT_RANGES:
        if item.holds(code):
            return item.service_type
    return PLAN_COVERAGE


def service_types_for(codes: Iterable[str], place_of_service: str = "") -> tuple[str, ...]:
    """The service types to ask about: 30 (the plan), then the services' own, first seen first.

    30 always comes first: it brings the plan-level status, deductible and out-of-pocket
    maximum; the others bring each service's copay, coinsurance and limits. The 270 guide
    allows up to 99 repetitions of EQ01.
    """
    found = [PLAN_COVERAGE]
    setting = PLACE_OF_SERVICE_TYPES.get(place_of_service)
    if setting is not None:
        found.append(setting)
    found.extend(service_type_for(code) for code in codes)
    return tuple(dict.fromkeys(found))[:99]


def service_type_name(code: str) -> str:
    return SERVICE_TYPE_NAMES.get(code, code)
