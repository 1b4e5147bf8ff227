"""The synthetic clinic generator: pure Python, no database, no clock.

``build_clinic(SeedParams(...))`` draws everything from one ``random.Random(seed)``; the only
date it knows is the explicit start date, so the same parameters give the same clinic, byte for
byte (``build_digest`` proves it).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from finclear.demo import catalog
from finclear.demo.catalog import SERVICES_BY_CODE, ServiceSpec
from finclear.demo.records import (
    ChargemasterItem,
    Clinic,
    Coverage,
    Department,
    Diagnosis,
    Encounter,
    Facility,
    Guarantor,
    InjectedError,
    Member,
    Organization,
    Patient,
    Payer,
    PayerIdentifier,
    Plan,
    Provider,
    SeedParams,
    ServiceLine,
)

T = TypeVar("T")
CENT = Decimal("0.01")
SELF_PAY_SHARE = 0.08
# Share of each eligible group that gets the error (counts are exact, not drawn, so that every
# kind is present whenever anyone is eligible).
ERROR_RATES: dict[str, float] = {
    "wrong_member_id": 0.03,
    "terminated_coverage": 0.025,
    "missing_secondary": 0.25,
    "dependent_as_subscriber": 0.15,
}
RIGHT_SIDE = frozenset({"M1711", "M25561", "S83241A", "M23221", "H2511", "Z96651"})
LEFT_SIDE = frozenset({"M1712", "M25562", "H2512"})


class Picker:
    """Weighted choice with precomputed cumulative weights (``random.choices`` is slower)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, weighted: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in weighted]
        self.cum = list(itertools.accumulate(weight for _, weight in weighted))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def choose(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` at a fraction of its cost (it matters over millions of draws)."""
    return seq[int(rng.random() * len(seq))]


def below(rng: random.Random, n: int) -> int:
    """A number in [0, n)."""
    return int(rng.random() * n)


def between(rng: random.Random, low: int, high: int) -> int:
    """A number in [low, high], both ends included."""
    return low + int(rng.random() * (high - low + 1))


def build_npi(rng: random.Random, used: set[str]) -> str:
    """A 10-digit NPI: a random 9-digit base starting with 1 and its Luhn check digit."""
    while True:
        base = f"1{below(rng, 10**8):08d}"
        npi = base + str(build_npi_check_digit(base))
        if npi not in used:
            used.add(npi)
            return npi


def build_npi_check_digit(base: str) -> int:
    """Luhn check digit over the prefix 80840 and the NPI's first nine digits."""
    total = 0
    for i, ch in enumerate(reversed("80840" + base)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ClinicBuilder:
    """Holds the random state and the indexes while one clinic is built."""

    def __init__(self, params: SeedParams) -> None:
        if params.patients < 1:
            raise ValueError(f"patients: {params.patients} must be at least 1")
        if params.days < 1:
            raise ValueError(f"days: {params.days} must be at least 1")
        if params.encounters is not None and params.encounters < params.patients:
            raise ValueError(
                f"encounters: {params.encounters} must be at least the number of patients "
                f"({params.patients}): every scheduled patient has an encounter"
            )
        self.params = params
        self.rng = random.Random(params.seed)
        self.start = params.start_date
        self.npis: set[str] = set()
        self.member_ids: set[str] = set()
        self.phone_counter = itertools.count()
        self.group_numbers: dict[str, list[str]] = {}

    # -- reference data ------------------------------------------------------------------------

    def phone(self, area_code: str) -> str:
        return f"{area_code}-555-01{below(self.rng, 100):02d}"

    def build_organization(self) -> Organization:
        return Organization(
            name=catalog.DEMO_ORGANIZATION_NAME,
            npi=build_npi(self.rng, self.npis),
            tin=f"00{below(self.rng, 10**7):07d}",
            address_line1="1 Synthetic Plaza",
            city="Testville",
            state="PA",
            postal_code="19001",
        )

    def build_facilities(self) -> tuple[Facility, ...]:
        departments = tuple(Department(d.code, d.name) for d in catalog.DEPARTMENTS)
        return tuple(
            Facility(
                code=spec.code,
                name=spec.name,
                npi=build_npi(self.rng, self.npis),
                tin=f"00{below(self.rng, 10**7):07d}",
                address_line1=f"{100 + 100 * i} {catalog.STREETS[i]}",
                city=spec.city,
                state=spec.state,
                postal_code=spec.postal_code,
                phone=f"{spec.area_code}-555-0100",
                time_zone=spec.time_zone,
                departments=departments,
            )
            for i, spec in enumerate(catalog.FACILITIES)
        )

    def build_providers(self) -> tuple[Provider, ...]:
        rng = self.rng
        codes = [f.code for f in catalog.FACILITIES]
        providers = []
        for home in codes:
            for dept in catalog.DEPARTMENTS:
                for _ in range(dept.providers_per_facility):
                    first = choose(rng, choose(rng, (catalog.FIRST_NAMES_F, catalog.FIRST_NAMES_M)))
                    facilities: tuple[str, ...] = (home,)
                    if rng.random() < 0.2:
                        facilities = tuple(codes)
                    providers.append(
                        Provider(
                            npi=build_npi(rng, self.npis),
                            first_name=first,
                            last_name=choose(rng, catalog.LAST_NAMES),
                            credential=dept.credential,
                            taxonomy=dept.taxonomy,
                            department_code=dept.code,
                            facility_codes=facilities,
                        )
                    )
        return tuple(providers)

    def build_payers(self) -> tuple[tuple[Payer, ...], tuple[Plan, ...]]:
        payers = []
        plans = []
        for n, spec in enumerate(catalog.PAYERS):
            identifiers = [PayerIdentifier("direct", spec.primary_payer_id)]
            if spec.payer_type != "self_pay":
                identifiers.append(PayerIdentifier("availity", f"ZZAV{n + 1:03d}"))
                identifiers.append(PayerIdentifier("change", f"ZZCH{n + 1:03d}"))
            payers.append(
                Payer(
                    spec.key, spec.name, spec.payer_type, spec.primary_payer_id, tuple(identifiers)
                )
            )
            for p in spec.plans:
                plans.append(
                    Plan(
                        payer_key=spec.key,
                        code=p.code,
                        name=p.name,
                        product=p.product,
                        network=p.network,
                        deductible_individual=p.deductible_individual,
                        deductible_family=p.deductible_family,
                        oop_max_individual=p.oop_max_individual,
                        oop_max_family=p.oop_max_family,
                        coinsurance_percent=p.coinsurance_percent,
                        copay_primary_care=p.copay_primary_care,
                        copay_specialist=p.copay_specialist,
                        copay_er=p.copay_er,
                        copay_urgent_care=p.copay_urgent_care,
                        out_of_network=p.out_of_network,
                    )
                )
        return tuple(payers), tuple(plans)

    def build_chargemaster(self) -> tuple[ChargemasterItem, ...]:
        effective = date(self.start.year, 1, 1)
        return tuple(
            ChargemasterItem(
                facility_code=fac.code,
                code=chargemaster_code(svc),
                description=svc.description,
                cpt_hcpcs=svc.cpt_hcpcs,
                revenue_code=svc.revenue_code,
                standard_charge=(svc.standard_charge * fac.charge_factor).quantize(CENT),
                effective_date=effective,
                department_code=svc.department,
            )
            for fac in catalog.FACILITIES
            for svc in catalog.SERVICES
        )

    # -- people and coverage -------------------------------------------------------------------

    def member_id(self, prefix: str) -> str:
        while True:
            value = f"{prefix}{below(self.rng, 10**9):09d}"
            if value not in self.member_ids:
                self.member_ids.add(value)
                return value

    def group_number(self, plan_code: str) -> str:
        pool = self.group_numbers.get(plan_code)
        if pool is None:
            pool = [f"ZZG{below(self.rng, 10**6):06d}" for _ in range(40)]
            self.group_numbers[plan_code] = pool
        return choose(self.rng, pool)

    def person(self, sex: str, min_age: int, max_age: int) -> tuple[str, str, date]:
        rng = self.rng
        names = catalog.FIRST_NAMES_F if sex == "F" else catalog.FIRST_NAMES_M
        age_days = between(rng, min_age * 365, max_age * 365 + 363)
        return (
            choose(rng, names),
            choose(rng, catalog.MIDDLE_INITIALS),
            self.start - timedelta(days=age_days),
        )

    def coverage_start(self, dob: date) -> date:
        rng = self.rng
        start = date(self.start.year - between(rng, 0, 7), choose(rng, (1, 1, 1, 4, 7, 10)), 1)
        if start > self.start - timedelta(days=30):
            start = date(self.start.year, 1, 1)
        return max(start, dob.replace(day=1))

    def accumulators(self, plan: Plan) -> tuple[Decimal, Decimal]:
        """Deductible and out-of-pocket met so far this plan year, growing through the year."""
        rng = self.rng
        year_share = (self.start - date(self.start.year, 1, 1)).days / 365
        if plan.deductible_individual == 0 and not plan.oop_max_individual:
            return Decimal("0.00"), Decimal("0.00")
        if rng.random() < 0.3:
            return Decimal("0.00"), Decimal("0.00")
        spent = Decimal(str(round(rng.random() * min(1.0, 2 * year_share), 4)))
        ded = (plan.deductible_individual * spent).quantize(CENT)
        oop = ded
        if plan.oop_max_individual:
            extra = (plan.oop_max_individual - ded) * Decimal(str(round(rng.random() * 0.3, 4)))
            oop = min(plan.oop_max_individual, ded + extra.quantize(CENT))
        return ded, oop


def chargemaster_code(svc: ServiceSpec) -> str:
    return f"{svc.revenue_code}-{svc.cpt_hcpcs}"


def build_clinic(params: SeedParams) -> Clinic:
    """Build the whole synthetic clinic for these parameters (see the module docstring)."""
    b = ClinicBuilder(params)
    organization = b.build_organization()
    facilities = b.build_facilities()
    providers = b.build_providers()
    payers, plans = b.build_payers()
    chargemaster = b.build_chargemaster()
    people = build_people(b, {p.code: p for p in plans})
    errors = inject_errors(b, people)
    coverages = tuple(c for person in people for c in person.coverages)
    members = tuple(m for person in people for m in person.members)
    encounters = build_encounters(b, people, providers, chargemaster)
    return Clinic(
        params=params,
        organization=organization,
        facilities=facilities,
        providers=providers,
        payers=payers,
        plans=plans,
        chargemaster=chargemaster,
        patients=tuple(p.patient for p in people),
        coverages=coverages,
        encounters=encounters,
        members=members,
        errors=errors,
    )


class Person:
    """A patient while being built: the registered coverages and the payers' member records."""

    __slots__ = ("age", "coverages", "members", "patient", "wc")

    def __init__(self, patient: Patient, age: int) -> None:
        self.patient = patient
        self.age = age
        self.coverages: list[Coverage] = []
        self.members: list[Member] = []
        self.wc = False


def build_people(b: ClinicBuilder, plans: dict[str, Plan]) -> list[Person]:
    rng = b.rng
    facility_picker = Picker(
        [(f, 60.0 if i == 0 else 40.0) for i, f in enumerate(catalog.FACILITIES)]
    )
    age_picker = Picker([((0, 17), 15.0), ((18, 39), 25.0), ((40, 64), 35.0), ((65, 92), 25.0)])
    people = []
    for n in range(b.params.patients):
        fac = facility_picker.pick(rng)
        sex = "U" if rng.random() < 0.005 else choose(rng, "FM")
        low, high = age_picker.pick(rng)
        first, middle, dob = b.person("F" if sex == "U" else sex, low, high)
        age = (b.start - dob).days // 365
        last = choose(rng, catalog.LAST_NAMES)
        mrn = f"ZZM{n + 1:07d}"
        street = f"{between(rng, 100, 9998)} {choose(rng, catalog.STREETS)}"
        phone = b.phone(fac.area_code)
        guarantor = None
        if age < 18:
            g_first, _, g_dob = b.person(choose(rng, "FM"), 20 + age, 45 + age)
            guarantor = Guarantor(
                g_first, last, g_dob, "parent", street, fac.city, fac.state, fac.postal_code, phone
            )
        patient = Patient(
            facility_code=fac.code,
            mrn=mrn,
            first_name=first,
            middle_name=middle,
            last_name=last,
            date_of_birth=dob,
            sex=sex,
            address_line1=street,
            address_line2="" if rng.random() < 0.85 else f"Apt {between(rng, 1, 39)}",
            city=fac.city,
            state=fac.state,
            postal_code=fac.postal_code,
            phone=phone,
            email=f"{first}.{last}{n + 1}@example.com".lower() if rng.random() < 0.6 else "",
            guarantor=guarantor,
        )
        person = Person(patient, age)
        build_coverages(b, person, plans)
        people.append(person)
    return people


def build_coverages(b: ClinicBuilder, person: Person, plans: dict[str, Plan]) -> None:
    rng = b.rng
    age = person.age
    if rng.random() < SELF_PAY_SHARE:
        add_self_pay(b, person)
        return
    r = rng.random()
    if age < 18:
        if r < 0.4:
            add_own(b, person, plans["MCD-MC"], 1)
        else:
            add_dependent(b, person, plans[choose(rng, COMMERCIAL_PLANS)], 1, "19")
    elif age < 65:
        if r < 0.15:
            add_own(b, person, plans["MCD-MC"], 1)
        elif r < 0.19:
            add_own(b, person, plans["WC"], 1)
            person.wc = True
        elif r < 0.19 + 0.81 * 0.3:
            add_dependent(b, person, plans[choose(rng, COMMERCIAL_PLANS)], 1, "01")
        else:
            primary = plans[choose(rng, COMMERCIAL_PLANS)]
            add_own(b, person, primary, 1)
            if rng.random() < 0.12:
                # Also covered by the spouse's employer, through another payer.
                others = [c for c in COMMERCIAL_PLANS if plans[c].payer_key != primary.payer_key]
                add_dependent(b, person, plans[choose(rng, others)], 2, "01")
    elif r < 0.75:
        add_own(b, person, plans["MEDB"], 1)
        s = rng.random()
        if s < 0.1:
            add_own(b, person, plans["MCD-MC"], 2)
        elif s < 0.4:
            add_own(b, person, plans[choose(rng, ("SB-PPO", "CI-POS"))], 2)
    else:
        add_own(b, person, plans["SB-MA"], 1)


COMMERCIAL_PLANS = ("SB-PPO", "SB-HDHP", "MH-HMO", "MH-EPO", "CI-POS", "CI-HDHP")
MEMBER_PREFIX = {p.key: p.member_id_prefix for p in catalog.PAYERS}
SHARED_IDS = {
    plan.code for payer in catalog.PAYERS for plan in payer.plans if plan.dependents_share_member_id
}


def add_self_pay(b: ClinicBuilder, person: Person) -> None:
    p = person.patient
    person.coverages.append(
        Coverage(
            facility_code=p.facility_code,
            mrn=p.mrn,
            payer_key="self",
            plan_code=None,
            order=1,
            member_id="",
            group_number="",
            subscriber_relationship="18",
            subscriber_first_name=p.first_name,
            subscriber_last_name=p.last_name,
            subscriber_date_of_birth=p.date_of_birth,
            subscriber_member_id="",
            effective_date=max(date(b.start.year, 1, 1), p.date_of_birth),
            termination_date=None,
            is_active=True,
        )
    )


def add_own(b: ClinicBuilder, person: Person, plan: Plan, order: int) -> None:
    """The patient is the subscriber of this plan, with a member ID of their own."""
    p = person.patient
    member_id = b.member_id(MEMBER_PREFIX[plan.payer_key])
    group = b.group_number(plan.code) if plan.payer_key in ("blue", "meridian", "cascade") else ""
    effective = b.coverage_start(p.date_of_birth)
    ded, oop = b.accumulators(plan)
    person.members.append(
        Member(
            payer_key=plan.payer_key,
            plan_code=plan.code,
            member_id=member_id,
            person_code="01",
            group_number=group,
            first_name=p.first_name,
            middle_name=p.middle_name,
            last_name=p.last_name,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            relationship="18",
            subscriber_member_id=member_id,
            effective_date=effective,
            termination_date=None,
            deductible_met=ded,
            oop_met=oop,
            family_deductible_met=ded,
            family_oop_met=oop,
            facility_code=p.facility_code,
            mrn=p.mrn,
        )
    )
    person.coverages.append(
        Coverage(
            facility_code=p.facility_code,
            mrn=p.mrn,
            payer_key=plan.payer_key,
            plan_code=plan.code,
            order=order,
            member_id=member_id,
            group_number=group,
            subscriber_relationship="18",
            subscriber_first_name=p.first_name,
            subscriber_last_name=p.last_name,
            subscriber_date_of_birth=p.date_of_birth,
            subscriber_member_id=member_id,
            effective_date=effective,
            termination_date=None,
            is_active=True,
        )
    )


def add_dependent(
    b: ClinicBuilder, person: Person, plan: Plan, order: int, relationship: str
) -> None:
    """The patient is covered as a spouse (01) or child (19) of a subscriber who is not a patient.

    Commercial dependents carry the subscriber's member ID (person code 02 or more): the payer
    finds them by the subscriber's ID and their own name and date of birth.
    """
    rng = b.rng
    p = person.patient
    if relationship == "19":
        # A child's subscriber is the parent registered as the guarantor.
        first = p.guarantor.first_name if p.guarantor else choose(rng, catalog.FIRST_NAMES_F)
        sub_dob = p.guarantor.date_of_birth if p.guarantor else add_years(p.date_of_birth, -30)
        sex = "F" if first in catalog.FIRST_NAMES_F else "M"
        middle = choose(rng, catalog.MIDDLE_INITIALS)
        last = p.last_name
    else:
        sex = "M" if p.sex == "F" else "F"
        first, middle, sub_dob = b.person(sex, max(18, person.age - 8), min(90, person.age + 8))
        last = p.last_name if rng.random() < 0.8 else choose(rng, catalog.LAST_NAMES)
    member_id = b.member_id(MEMBER_PREFIX[plan.payer_key])
    group = b.group_number(plan.code)
    effective = b.coverage_start(p.date_of_birth)
    sub_ded, sub_oop = b.accumulators(plan)
    ded, oop = b.accumulators(plan)
    shared = plan.code in SHARED_IDS
    # The family is the subscriber and this dependent: its accumulators are their sum, capped
    # by the plan's family amounts.
    family_ded = min(sub_ded + ded, plan.deductible_family)
    family_oop = sub_oop + oop
    if plan.oop_max_family is not None:
        family_oop = min(family_oop, plan.oop_max_family)
    subscriber = Member(
        payer_key=plan.payer_key,
        plan_code=plan.code,
        member_id=member_id,
        person_code="01",
        group_number=group,
        first_name=first,
        middle_name=middle,
        last_name=last,
        date_of_birth=sub_dob,
        sex=sex,
        relationship="18",
        subscriber_member_id=member_id,
        effective_date=effective,
        termination_date=None,
        deductible_met=sub_ded,
        oop_met=sub_oop,
        family_deductible_met=family_ded,
        family_oop_met=family_oop,
        facility_code=None,
        mrn=None,
    )
    dependent_id = member_id if shared else b.member_id(MEMBER_PREFIX[plan.payer_key])
    dependent = replace(
        subscriber,
        member_id=dependent_id,
        person_code="02",
        first_name=p.first_name,
        middle_name=p.middle_name,
        last_name=p.last_name,
        date_of_birth=p.date_of_birth,
        sex=p.sex,
        relationship=relationship,
        deductible_met=ded,
        oop_met=oop,
        facility_code=p.facility_code,
        mrn=p.mrn,
    )
    person.members.extend((subscriber, dependent))
    person.coverages.append(
        Coverage(
            facility_code=p.facility_code,
            mrn=p.mrn,
            payer_key=plan.payer_key,
            plan_code=plan.code,
            order=order,
            member_id=dependent_id,
            group_number=group,
            subscriber_relationship=relationship,
            subscriber_first_name=first,
            subscriber_last_name=last,
            subscriber_date_of_birth=sub_dob,
            subscriber_member_id=member_id,
            effective_date=effective,
            termination_date=None,
            is_active=True,
        )
    )


def sample_exact(rng: random.Random, eligible: list[Person], rate: float) -> list[Person]:
    if not eligible:
        return []
    return rng.sample(eligible, max(1, round(rate * len(eligible))))


def inject_errors(b: ClinicBuilder, people: list[Person]) -> tuple[InjectedError, ...]:
    """Spoil some registrations in the ways a specialist must catch; return the ground truth.

    Each patient gets at most one error. The payer's member records stay the truth, except for
    terminated coverage, where the payer's record ends and the clinic's still looks active.
    """
    rng = b.rng
    taken: set[str] = set()
    errors: list[InjectedError] = []

    def free(candidates: list[Person]) -> list[Person]:
        return [p for p in candidates if p.patient.mrn not in taken]

    insured = [p for p in people if p.coverages[0].payer_key != "self"]

    dependents = [
        p
        for p in insured
        if p.coverages[0].subscriber_relationship != "18" and p.coverages[0].plan_code in SHARED_IDS
    ]
    for person in sample_exact(rng, free(dependents), ERROR_RATES["dependent_as_subscriber"]):
        cov = person.coverages[0]
        p = person.patient
        person.coverages[0] = replace(
            cov,
            subscriber_relationship="18",
            subscriber_first_name=p.first_name,
            subscriber_last_name=p.last_name,
            subscriber_date_of_birth=p.date_of_birth,
        )
        taken.add(p.mrn)
        errors.append(
            InjectedError(
                "dependent_as_subscriber",
                p.facility_code,
                p.mrn,
                1,
                cov.payer_key,
                registered="relationship 18 (self), subscriber is the patient",
                truth=f"relationship {cov.subscriber_relationship}, subscriber {cov.subscriber_member_id} person code 01",
                detail="the patient is a dependent on the subscriber's member ID",
            )
        )

    with_secondary = [p for p in insured if len(p.coverages) > 1]
    for person in sample_exact(rng, free(with_secondary), ERROR_RATES["missing_secondary"]):
        secondary = person.coverages.pop(1)
        p = person.patient
        taken.add(p.mrn)
        errors.append(
            InjectedError(
                "missing_secondary",
                p.facility_code,
                p.mrn,
                2,
                secondary.payer_key,
                registered="no secondary coverage",
                truth=f"{secondary.payer_key} {secondary.plan_code} member {secondary.member_id}",
                detail="the payer has a second active coverage the clinic did not register",
            )
        )

    terminable = [p for p in insured if p.coverages[0].payer_key != "wc"]
    for person in sample_exact(rng, free(terminable), ERROR_RATES["terminated_coverage"]):
        cov = person.coverages[0]
        p = person.patient
        ended = b.start - timedelta(days=between(rng, 5, 89))
        ended = max(ended, cov.effective_date)
        for i, m in enumerate(person.members):
            if m.mrn == p.mrn and m.payer_key == cov.payer_key and m.plan_code == cov.plan_code:
                person.members[i] = replace(m, termination_date=ended)
        taken.add(p.mrn)
        errors.append(
            InjectedError(
                "terminated_coverage",
                p.facility_code,
                p.mrn,
                1,
                cov.payer_key,
                registered="active, no termination date",
                truth=f"terminated {ended.isoformat()}",
                detail="the coverage ended before the dates of service",
            )
        )

    for person in sample_exact(rng, free(insured), ERROR_RATES["wrong_member_id"]):
        cov = person.coverages[0]
        p = person.patient
        wrong = build_wrong_member_id(rng, cov.member_id)
        sub_id = wrong if cov.subscriber_member_id == cov.member_id else cov.subscriber_member_id
        person.coverages[0] = replace(cov, member_id=wrong, subscriber_member_id=sub_id)
        taken.add(p.mrn)
        errors.append(
            InjectedError(
                "wrong_member_id",
                p.facility_code,
                p.mrn,
                1,
                cov.payer_key,
                registered=wrong,
                truth=cov.member_id,
                detail="one digit of the member ID was keyed wrong",
            )
        )
    errors.sort(key=lambda e: (e.facility_code, e.mrn))
    return tuple(errors)


def build_wrong_member_id(rng: random.Random, member_id: str) -> str:
    """Change one digit of the member ID's numeric tail (a keying error)."""
    i = len(member_id) - 1 - below(rng, 9)
    old = member_id[i]
    new = choose(rng, [d for d in "0123456789" if d != old])
    return member_id[:i] + new + member_id[i + 1 :]


# -- the schedule ------------------------------------------------------------------------------

DEPT_WEIGHTS_CHILD = {"PC": 50, "LAB": 15, "IMG": 10, "ED": 20, "ORTHO": 5}
DEPT_WEIGHTS_WC = {"ORTHO": 35, "PT": 35, "IMG": 25, "ED": 5}
DEPT_WEIGHTS_ADULT = {d.code: d.weight for d in catalog.DEPARTMENTS}
DEPT_BY_CODE = {d.code: d for d in catalog.DEPARTMENTS}
ENCOUNTERS_PER_PATIENT = Picker([(1, 70.0), (2, 18.0), (3, 8.0), (4, 4.0)])


def build_encounters(
    b: ClinicBuilder,
    people: list[Person],
    providers: tuple[Provider, ...],
    chargemaster: tuple[ChargemasterItem, ...],
) -> tuple[Encounter, ...]:
    rng = b.rng
    params = b.params
    counts = build_encounter_counts(rng, len(people), params.encounters)
    by_dept_fac: dict[tuple[str, str], list[Provider]] = {}
    for prov in providers:
        for fac in prov.facility_codes:
            by_dept_fac.setdefault((prov.department_code, fac), []).append(prov)
    prices = {(c.facility_code, c.cpt_hcpcs): c for c in chargemaster}
    pickers = {
        "child": Picker(list(DEPT_WEIGHTS_CHILD.items())),
        "wc": Picker(list(DEPT_WEIGHTS_WC.items())),
        "adult": Picker(list(DEPT_WEIGHTS_ADULT.items())),
    }
    zones = {f.code: ZoneInfo(f.time_zone) for f in catalog.FACILITIES}
    day_pickers = {
        d.code: Picker(
            [
                (
                    offset,
                    1.0 if (b.start + timedelta(days=offset)).weekday() < 5 else d.weekend_share,
                )
                for offset in range(params.days)
            ]
        )
        for d in catalog.DEPARTMENTS
        if d.code != "ED"
    }
    encounters = []
    serial = itertools.count(1)
    for person, count in zip(people, counts, strict=True):
        kind = "wc" if person.wc else ("child" if person.age < 18 else "adult")
        first_pt = True
        for _ in range(count):
            dept = pickers[kind].pick(rng)
            if dept in day_pickers and not day_pickers[dept].total:
                dept = "PC"  # a weekend-only window: clinics are closed, primary care is not
            lines_spec, dx = build_services(rng, dept, person, first_pt)
            if dept == "PT":
                first_pt = False
            encounters.append(
                build_encounter(
                    b,
                    person,
                    dept,
                    lines_spec,
                    dx,
                    by_dept_fac,
                    prices,
                    zones,
                    day_pickers,
                    next(serial),
                )
            )
    return tuple(encounters)


def build_encounter_counts(rng: random.Random, patients: int, total: int | None) -> list[int]:
    if total is None:
        return [ENCOUNTERS_PER_PATIENT.pick(rng) for _ in range(patients)]
    counts = [1] * patients
    for _ in range(total - patients):
        counts[below(rng, patients)] += 1
    return counts


ServicePlan = list[tuple[ServiceSpec, int]]  # (service, units)


def build_services(
    rng: random.Random, dept: str, person: Person, first_pt: bool
) -> tuple[ServicePlan, list[str]]:
    """The services of one encounter (1 to 4) and its diagnoses (billable, fitting them)."""
    s = SERVICES_BY_CODE
    age = person.age
    lines: ServicePlan = []
    dx: list[str] = []
    if dept == "PC":
        if 18 <= age < 65 and rng.random() < 0.15:
            lines.append((s["99395" if age < 40 else "99396"], 1))
        elif rng.random() < 0.15:
            lines.append((s[choose(rng, ("99202", "99203", "99203", "99204", "99205"))], 1))
        else:
            lines.append((s[NEW_OR_EST.pick(rng)], 1))
        if age >= 18 and rng.random() < 0.25:
            lines.append((s["36415"], 1))
            lines.append((s[choose(rng, ("80053", "83036", "80061", "84443"))], 1))
    elif dept == "CARD":
        lines.append((s["99204" if rng.random() < 0.3 else choose(rng, ("99213", "99214"))], 1))
        if rng.random() < 0.7:
            lines.append((s["93000"], 1))
        if rng.random() < 0.2:
            lines.append((s["93306"], 1))
    elif dept == "ORTHO":
        lines.append((s[choose(rng, ("99203", "99213", "99214"))], 1))
        if rng.random() < 0.5:
            lines.append((s["73560"], 1))
        if rng.random() < 0.25:
            lines.append((s["20610"], 1))
    elif dept == "IMG":
        lines.append((s[IMAGING.pick(rng)], 1))
        if rng.random() < 0.1:
            second = s[IMAGING.pick(rng)]
            if second is not lines[0][0]:
                lines.append((second, 1))
    elif dept == "LAB":
        lines.append((s["36415"], 1))
        for code in rng.sample(("80053", "85025", "83036", "80061", "84443"), between(rng, 1, 3)):
            lines.append((s[code], 1))
    elif dept == "PT":
        if first_pt:
            lines.append((s["97161"], 1))
            lines.append((s["97110"], 1))
        else:
            lines.append((s["97110"], between(rng, 2, 3)))
            if rng.random() < 0.6:
                lines.append((s["97140"], between(rng, 1, 2)))
            if rng.random() < 0.4:
                lines.append((s["97530"], 1))
    elif dept == "SURG":
        code = SURGERY_OLD.pick(rng) if age >= 60 else SURGERY.pick(rng)
        lines.append((s[code], 1))
    else:  # ED
        lines.append((s[ED_LEVEL.pick(rng)], 1))
        for code, p in (("71046", 0.25), ("70450", 0.15), ("80053", 0.3), ("85025", 0.3)):
            if len(lines) < 4 and rng.random() < p:
                lines.append((s[code], 1))
    first_dx = choose(rng, lines[0][0].diagnoses).replace(".", "")
    dx.append(first_dx)
    if age >= 40 and dept in ("PC", "CARD") and rng.random() < 0.35:
        extra = choose(rng, catalog.COMORBIDITY_DX)
        if extra not in dx:
            dx.append(extra)
    for svc, _ in lines[1:]:
        fits = FITS[svc.cpt_hcpcs]
        if not any(d in fits for d in dx) and len(dx) < 4:
            dx.append(choose(rng, fits))
    return lines, dx


FITS: dict[str, tuple[str, ...]] = {
    svc.cpt_hcpcs: tuple(d.replace(".", "") for d in svc.diagnoses) for svc in catalog.SERVICES
}
NEW_OR_EST = Picker(
    [("99211", 2.0), ("99212", 10.0), ("99213", 40.0), ("99214", 35.0), ("99215", 6.0)]
)
IMAGING = Picker(
    [("71046", 35.0), ("70450", 15.0), ("72148", 15.0), ("73721", 15.0), ("74177", 20.0)]
)
SURGERY = Picker([("29881", 55.0), ("47562", 35.0), ("66984", 10.0)])
SURGERY_OLD = Picker([("29881", 20.0), ("47562", 20.0), ("66984", 60.0)])
ED_LEVEL = Picker([("99283", 45.0), ("99284", 40.0), ("99285", 15.0)])
SLOTS = [time(h, m) for h in range(7, 18) for m in (0, 15, 30, 45)]
SURGERY_SLOTS = [time(h, m) for h in range(6, 15) for m in (0, 30)]


def build_encounter(
    b: ClinicBuilder,
    person: Person,
    dept: str,
    services: ServicePlan,
    dx: list[str],
    by_dept_fac: dict[tuple[str, str], list[Provider]],
    prices: dict[tuple[str, str], ChargemasterItem],
    zones: dict[str, ZoneInfo],
    day_pickers: dict[str, Picker],
    serial: int,
) -> Encounter:
    rng = b.rng
    p = person.patient
    fac = p.facility_code
    rendering = choose(rng, by_dept_fac[(dept, fac)])
    attending = None
    status = "scheduled"
    if dept == "ED":
        # The emergency department does not book ahead: its visits are yesterday's (discharged)
        # and today's (arrived), waiting for retrospective clearance.
        offset = choose(rng, (-1, 0))
        day = b.start + timedelta(days=offset)
        at = time(below(rng, 24), below(rng, 60))
        encounter_type = "emergency"
        status = "discharged" if offset < 0 else "arrived"
        attending = rendering.npi
        pos = "23"
    else:
        day = b.start + timedelta(days=day_pickers[dept].pick(rng))
        at = choose(rng, SURGERY_SLOTS if dept == "SURG" else SLOTS)
        encounter_type = "outpatient"
        pos = DEPT_BY_CODE[dept].place_of_service
        if services[0][0].cpt_hcpcs == "47562" and rng.random() < 0.3:
            encounter_type = "inpatient"
            attending = rendering.npi
            pos = "21"
    diagnoses = tuple(Diagnosis(i + 1, code) for i, code in enumerate(dx))
    lines = []
    for n, (svc, units) in enumerate(services, start=1):
        fits = FITS[svc.cpt_hcpcs]
        pointers = tuple(d.sequence for d in diagnoses if d.icd10_code in fits)[:4] or (1,)
        if svc.department in ("PC", "CARD") and svc.cpt_hcpcs.startswith("99"):
            pointers = tuple(d.sequence for d in diagnoses)[:4]
        modifiers = svc.modifiers
        if svc.lateral:
            side = diagnoses[pointers[0] - 1].icd10_code
            modifiers = (
                *modifiers,
                "RT"
                if side in RIGHT_SIDE
                else "LT"
                if side in LEFT_SIDE
                else choose(rng, ("RT", "LT")),
            )
        item = prices[(fac, svc.cpt_hcpcs)]
        lines.append(
            ServiceLine(
                line_number=n,
                cpt_hcpcs=svc.cpt_hcpcs,
                modifiers=modifiers,
                units=units,
                diagnosis_pointers=pointers,
                chargemaster_code=item.code,
                charge=item.standard_charge * units,
            )
        )
    return Encounter(
        facility_code=fac,
        department_code=dept,
        mrn=p.mrn,
        rendering_npi=rendering.npi,
        attending_npi=attending,
        encounter_type=encounter_type,
        scheduled_at=datetime.combine(day, at, tzinfo=zones[fac]),
        status=status,
        place_of_service=pos,
        external_id=f"ZZV{serial:08d}",
        reason=services[0][0].description,
        diagnoses=diagnoses,
        lines=tuple(lines),
    )


def build_digest(clinic: Clinic) -> str:
    """SHA-256 of the clinic's canonical JSON: equal digests mean identical data."""
    payload = json.dumps(asdict(clinic), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
