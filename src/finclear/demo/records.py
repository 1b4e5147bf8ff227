"""The synthetic clinic as plain dataclasses: what the generator builds and the loader writes.

Not frozen: a frozen dataclass is markedly slower to build, and the generator makes millions.

Records refer to each other by natural keys (facility code, MRN, payer key, plan code, NPI,
chargemaster code), never by database ids, so the generator needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(slots=True)
class SeedParams:
    patients: int
    days: int
    seed: int
    start_date: date
    encounters: int | None = None  # None: drawn per patient; a number: exactly that many


@dataclass(slots=True)
class Organization:
    name: str
    npi: str
    tin: str
    address_line1: str
    city: str
    state: str
    postal_code: str


@dataclass(slots=True)
class Department:
    code: str
    name: str


@dataclass(slots=True)
class Facility:
    code: str
    name: str
    npi: str
    tin: str
    address_line1: str
    city: str
    state: str
    postal_code: str
    phone: str
    time_zone: str
    departments: tuple[Department, ...]


@dataclass(slots=True)
class Provider:
    npi: str
    first_name: str
    last_name: str
    credential: str
    taxonomy: str
    department_code: str
    facility_codes: tuple[str, ...]


@dataclass(slots=True)
class PayerIdentifier:
    clearinghouse: str
    payer_id: str


@dataclass(slots=True)
class Payer:
    key: str
    name: str
    payer_type: str
    primary_payer_id: str
    identifiers: tuple[PayerIdentifier, ...]


@dataclass(slots=True)
class Plan:
    payer_key: str
    code: str
    name: str
    product: str
    network: str
    deductible_individual: Decimal
    deductible_family: Decimal
    oop_max_individual: Decimal | None
    oop_max_family: Decimal | None
    coinsurance_percent: Decimal
    copay_primary_care: Decimal
    copay_specialist: Decimal
    copay_er: Decimal
    copay_urgent_care: Decimal
    out_of_network: bool


@dataclass(slots=True)
class Guarantor:
    first_name: str
    last_name: str
    date_of_birth: date
    relationship_to_patient: str  # self, spouse, parent, other
    address_line1: str
    city: str
    state: str
    postal_code: str
    phone: str


@dataclass(slots=True)
class Patient:
    facility_code: str
    mrn: str
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: date
    sex: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    phone: str
    email: str
    guarantor: Guarantor | None


@dataclass(slots=True)
class Coverage:
    """A coverage as registered at the clinic (it may carry an injected error)."""

    facility_code: str
    mrn: str
    payer_key: str
    plan_code: str | None  # None only for self-pay
    order: int
    member_id: str
    group_number: str
    subscriber_relationship: str  # X12: 18 self, 01 spouse, 19 child, G8 other
    subscriber_first_name: str
    subscriber_last_name: str
    subscriber_date_of_birth: date | None
    subscriber_member_id: str
    effective_date: date
    termination_date: date | None
    is_active: bool


@dataclass(slots=True)
class ChargemasterItem:
    facility_code: str
    code: str
    description: str
    cpt_hcpcs: str
    revenue_code: str
    standard_charge: Decimal
    effective_date: date
    department_code: str


@dataclass(slots=True)
class Diagnosis:
    sequence: int
    icd10_code: str


@dataclass(slots=True)
class ServiceLine:
    line_number: int
    cpt_hcpcs: str
    modifiers: tuple[str, ...]
    units: int
    diagnosis_pointers: tuple[int, ...]
    chargemaster_code: str
    charge: Decimal


@dataclass(slots=True)
class Encounter:
    facility_code: str
    department_code: str
    mrn: str
    rendering_npi: str
    attending_npi: str | None
    encounter_type: str  # outpatient, inpatient, emergency
    scheduled_at: datetime
    status: str
    place_of_service: str
    external_id: str
    reason: str
    diagnoses: tuple[Diagnosis, ...]
    lines: tuple[ServiceLine, ...]

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


@dataclass(slots=True)
class Member:
    """A member as the payer knows them: the truth the payer simulator answers from."""

    payer_key: str
    plan_code: str
    member_id: str
    person_code: str  # 01 the subscriber, 02.. dependents
    group_number: str
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: date
    sex: str
    relationship: str  # X12: 18 self (the subscriber), 01 spouse, 19 child
    subscriber_member_id: str
    effective_date: date
    termination_date: date | None
    deductible_met: Decimal
    oop_met: Decimal
    family_deductible_met: Decimal
    family_oop_met: Decimal
    facility_code: str | None  # the clinic patient this member is, if any
    mrn: str | None


@dataclass(slots=True)
class InjectedError:
    """The ground truth of one registration error the specialists (and the simulator) must catch."""

    kind: str
    facility_code: str
    mrn: str
    coverage_order: int
    payer_key: str
    registered: str  # what the clinic has
    truth: str  # what the payer has
    detail: str


ERROR_KINDS: tuple[str, ...] = (
    "wrong_member_id",
    "terminated_coverage",
    "missing_secondary",
    "dependent_as_subscriber",
)


@dataclass(slots=True)
class Clinic:
    params: SeedParams
    organization: Organization
    facilities: tuple[Facility, ...]
    providers: tuple[Provider, ...]
    payers: tuple[Payer, ...]
    plans: tuple[Plan, ...]
    chargemaster: tuple[ChargemasterItem, ...]
    patients: tuple[Patient, ...]
    coverages: tuple[Coverage, ...]
    encounters: tuple[Encounter, ...]
    members: tuple[Member, ...]
    errors: tuple[InjectedError, ...]
