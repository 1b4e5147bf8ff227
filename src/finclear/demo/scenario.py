"""The payer simulator's scenario file: payers, plans with benefit designs, members, and the
ground truth of the registration errors injected into the synthetic clinic.

``finclear seed`` writes it (``build_scenario`` then ``write_scenario``); the payer simulator
reads it with ``read_scenario`` and answers eligibility from it, never from the application's
database. Pure pydantic: no Django here (the simulator imports this module). The schema is
documented in docs/scenario.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finclear.demo import catalog
from finclear.demo.records import Clinic, InjectedError, Member, Plan

SCHEMA_VERSION: Literal[1] = 1
PayerType = Literal["medicare", "medicaid", "commercial", "workers_comp", "self_pay", "other"]
Relationship = Literal["18", "01", "19", "G8"]
ErrorKind = Literal[
    "wrong_member_id", "terminated_coverage", "missing_secondary", "dependent_as_subscriber"
]
Money = Decimal


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneratorInfo(Strict):
    """The parameters that rebuild the same clinic byte for byte."""

    seed: int
    patients: int = Field(ge=1)
    days: int = Field(ge=1)
    start_date: date
    encounters: int = Field(ge=0, description="how many encounters the clinic has")
    encounters_requested: int | None = Field(
        default=None, description="the exact count asked for (None: drawn per patient)"
    )


class PayerIdentifier(Strict):
    clearinghouse: str
    payer_id: str


class ScenarioPayer(Strict):
    payer_id: str = Field(description="The payer's own ID (NM109 of the 2100A loop)")
    key: str
    name: str
    payer_type: PayerType
    identifiers: list[PayerIdentifier]


class NetworkLimits(Strict):
    """Deductible and out-of-pocket maximum for one network tier; None means no limit."""

    deductible_individual: Money
    deductible_family: Money
    oop_max_individual: Money | None
    oop_max_family: Money | None


class ServiceBenefit(Strict):
    """What the plan pays for one X12 service type (EB03) in one network tier."""

    service_type: str
    service_type_name: str
    network: Literal["in", "out"]
    provider_scope: Literal["all", "primary_care", "specialist"] = "all"
    covered: bool
    copay: Money | None = None
    coinsurance_percent: Money | None = Field(default=None, ge=0, le=100)
    deductible_applies: bool = False
    authorization_required: bool = False
    visit_limit: int | None = Field(default=None, ge=1)


class ScenarioPlan(Strict):
    payer_id: str
    plan_code: str
    name: str
    product: str
    network_name: str
    plan_year_start: date
    in_network: NetworkLimits
    out_of_network: NetworkLimits | None = Field(
        description="None: the plan pays nothing out of network (HMO, EPO, Medicaid managed care)"
    )
    benefits: list[ServiceBenefit]


class Accumulators(Strict):
    """Amounts met so far this plan year, in network."""

    deductible_met: Money = Field(ge=0)
    oop_met: Money = Field(ge=0)
    family_deductible_met: Money = Field(ge=0)
    family_oop_met: Money = Field(ge=0)


class PatientRef(Strict):
    """The clinic patient a member record or error belongs to (facility code and MRN)."""

    facility_code: str
    mrn: str


class ScenarioMember(Strict):
    payer_id: str
    plan_code: str
    member_id: str
    person_code: str = Field(description="01 the subscriber, 02 and up the dependents")
    group_number: str
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: date
    gender: Literal["F", "M", "U"]
    relationship: Relationship = Field(description="X12 INS02: 18 self, 01 spouse, 19 child")
    subscriber_member_id: str
    effective_date: date
    termination_date: date | None
    accumulators: Accumulators
    patient: PatientRef | None = Field(description="None: a subscriber who is not a patient")

    def is_active_on(self, day: date) -> bool:
        return self.effective_date <= day and (
            self.termination_date is None or day <= self.termination_date
        )


class ScenarioError(Strict):
    kind: ErrorKind
    patient: PatientRef
    coverage_order: int = Field(ge=1, le=3)
    payer_id: str
    registered: str = Field(description="what the clinic registered")
    truth: str = Field(description="what the payer has")
    detail: str


class Scenario(Strict):
    schema_version: Literal[1]
    generator: GeneratorInfo
    payers: list[ScenarioPayer]
    plans: list[ScenarioPlan]
    members: list[ScenarioMember]
    errors: list[ScenarioError]

    @model_validator(mode="after")
    def check_references(self) -> Scenario:
        payer_ids = {p.payer_id for p in self.payers}
        if len(payer_ids) != len(self.payers):
            raise ValueError("payers: payer_id must be unique")
        plans = {(p.payer_id, p.plan_code) for p in self.plans}
        for i, plan in enumerate(self.plans):
            if plan.payer_id not in payer_ids:
                raise ValueError(f"plans[{i}].payer_id: {plan.payer_id} is not a payer")
        seen: set[tuple[str, str, str]] = set()
        subscribers = {(m.payer_id, m.member_id) for m in self.members if m.relationship == "18"}
        for i, m in enumerate(self.members):
            if (m.payer_id, m.plan_code) not in plans:
                raise ValueError(
                    f"members[{i}].plan_code: {m.plan_code} is not a plan of payer {m.payer_id}"
                )
            key = (m.payer_id, m.member_id, m.person_code)
            if key in seen:
                raise ValueError(
                    f"members[{i}]: member {m.member_id} person code {m.person_code} "
                    f"appears twice for payer {m.payer_id}"
                )
            seen.add(key)
            if (m.payer_id, m.subscriber_member_id) not in subscribers:
                raise ValueError(
                    f"members[{i}].subscriber_member_id: {m.subscriber_member_id} is not a "
                    f"subscriber of payer {m.payer_id}"
                )
        for i, e in enumerate(self.errors):
            if e.payer_id not in payer_ids:
                raise ValueError(f"errors[{i}].payer_id: {e.payer_id} is not a payer")
        return self


def build_scenario(clinic: Clinic) -> Scenario:
    """The scenario of a generated clinic.

    Members and errors go in as plain dicts, validated in one call: pydantic validates a
    nested structure much faster than it builds 100,000 models one by one.
    """
    payer_ids = {p.key: p.primary_payer_id for p in clinic.payers}
    start = clinic.params.start_date
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generator": {
            "seed": clinic.params.seed,
            "patients": clinic.params.patients,
            "days": clinic.params.days,
            "start_date": start,
            "encounters": len(clinic.encounters),
            "encounters_requested": clinic.params.encounters,
        },
        "payers": [
            {
                "payer_id": p.primary_payer_id,
                "key": p.key,
                "name": p.name,
                "payer_type": p.payer_type,
                "identifiers": [
                    {"clearinghouse": i.clearinghouse, "payer_id": i.payer_id}
                    for i in p.identifiers
                ],
            }
            for p in clinic.payers
        ],
        "plans": [
            build_plan(plan, payer_ids[plan.payer_key], date(start.year, 1, 1))
            for plan in clinic.plans
        ],
        "members": [build_member(m, payer_ids[m.payer_key]) for m in clinic.members],
        "errors": [build_error(e, payer_ids[e.payer_key]) for e in clinic.errors],
    }
    return Scenario.model_validate(data)


def build_member(m: Member, payer_id: str) -> dict[str, Any]:
    return {
        "payer_id": payer_id,
        "plan_code": m.plan_code,
        "member_id": m.member_id,
        "person_code": m.person_code,
        "group_number": m.group_number,
        "first_name": m.first_name,
        "middle_name": m.middle_name,
        "last_name": m.last_name,
        "date_of_birth": m.date_of_birth,
        "gender": m.sex,
        "relationship": m.relationship,
        "subscriber_member_id": m.subscriber_member_id,
        "effective_date": m.effective_date,
        "termination_date": m.termination_date,
        "accumulators": {
            "deductible_met": m.deductible_met,
            "oop_met": m.oop_met,
            "family_deductible_met": m.family_deductible_met,
            "family_oop_met": m.family_oop_met,
        },
        "patient": {"facility_code": m.facility_code, "mrn": m.mrn}
        if m.facility_code is not None and m.mrn is not None
        else None,
    }


def build_error(e: InjectedError, payer_id: str) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "patient": {"facility_code": e.facility_code, "mrn": e.mrn},
        "coverage_order": e.coverage_order,
        "payer_id": payer_id,
        "registered": e.registered,
        "truth": e.truth,
        "detail": e.detail,
    }


# Service types whose benefit is a copay when the plan has one (else coinsurance after the
# deductible), with the plan field that holds the copay.
COPAY_SERVICES: tuple[tuple[str, str, str], ...] = (
    ("98", "primary_care", "copay_primary_care"),
    ("98", "specialist", "copay_specialist"),
    ("UC", "all", "copay_urgent_care"),
    ("86", "all", "copay_er"),
)
COINSURANCE_SERVICES = ("30", "1", "2", "4", "5", "47", "48", "50", "62", "PT")
# Which service types need prior authorization, by product.
AUTH_REQUIRED: dict[str, frozenset[str]] = {
    "medicare_ffs": frozenset(),
    "medicare_advantage": frozenset({"2", "48", "62"}),
    "medicaid_managed": frozenset({"2", "48", "62", "PT"}),
    "workers_comp": frozenset({"2", "48", "62", "PT"}),
}
COMMERCIAL_AUTH = frozenset({"2", "48", "62"})
OON_FACTOR = Decimal(2)
OON_EXTRA_COINSURANCE = Decimal(20)


def build_plan(plan: Plan, payer_id: str, plan_year_start: date) -> ScenarioPlan:
    """A plan's benefit design per service type, in network and (when covered) out of network."""
    in_limits = NetworkLimits(
        deductible_individual=plan.deductible_individual,
        deductible_family=plan.deductible_family,
        oop_max_individual=plan.oop_max_individual,
        oop_max_family=plan.oop_max_family,
    )
    out_limits = None
    if plan.out_of_network and plan.product not in ("medicare_ffs", "workers_comp"):
        out_limits = NetworkLimits(
            deductible_individual=plan.deductible_individual * OON_FACTOR,
            deductible_family=plan.deductible_family * OON_FACTOR,
            oop_max_individual=plan.oop_max_individual * OON_FACTOR
            if plan.oop_max_individual is not None
            else None,
            oop_max_family=plan.oop_max_family * OON_FACTOR
            if plan.oop_max_family is not None
            else None,
        )
    elif plan.out_of_network:
        out_limits = in_limits  # Medicare FFS and workers' comp: no network tiers
    auth = AUTH_REQUIRED.get(plan.product, COMMERCIAL_AUTH)
    has_deductible = plan.deductible_individual > 0
    benefits: list[ServiceBenefit] = []
    for network in ("in", "out"):
        covered_here = network == "in" or out_limits is not None
        coinsurance = plan.coinsurance_percent
        if network == "out" and out_limits is not in_limits:
            coinsurance = min(Decimal(100), coinsurance + OON_EXTRA_COINSURANCE)
        for code, scope, field in COPAY_SERVICES:
            copay: Decimal = getattr(plan, field)
            # Emergency care is covered at the in-network level wherever it happens.
            covered = covered_here or code == "86"
            use_copay = copay > 0 and (network == "in" or code == "86")
            benefits.append(
                ServiceBenefit(
                    service_type=code,
                    service_type_name=catalog.SERVICE_TYPES[code],
                    network=network,
                    provider_scope=scope,  # type: ignore[arg-type]
                    covered=covered,
                    copay=copay if use_copay and covered else None,
                    coinsurance_percent=None
                    if use_copay or not covered
                    else (plan.coinsurance_percent if code == "86" else coinsurance),
                    deductible_applies=covered and not use_copay and has_deductible,
                )
            )
        for code in COINSURANCE_SERVICES:
            benefits.append(
                ServiceBenefit(
                    service_type=code,
                    service_type_name=catalog.SERVICE_TYPES[code],
                    network=network,
                    covered=covered_here,
                    coinsurance_percent=coinsurance if covered_here else None,
                    deductible_applies=covered_here and has_deductible,
                    authorization_required=covered_here and code in auth,
                    visit_limit=30
                    if code == "PT" and covered_here and plan.product not in ("workers_comp",)
                    else None,
                )
            )
    return ScenarioPlan(
        payer_id=payer_id,
        plan_code=plan.code,
        name=plan.name,
        product=plan.product,
        network_name=plan.network,
        plan_year_start=plan_year_start,
        in_network=in_limits,
        out_of_network=out_limits,
        benefits=benefits,
    )


def write_scenario(scenario: Scenario, path: Path) -> None:
    """Write the scenario as JSON (indented while it stays small enough to read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    indent = 1 if len(scenario.members) <= 20_000 else None
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(scenario.model_dump_json(indent=indent) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; pydantic's ValidationError names the bad field."""
    return Scenario.model_validate_json(path.read_bytes())
