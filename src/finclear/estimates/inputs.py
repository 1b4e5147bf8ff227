"""What an estimate is calculated from, loaded for many encounters in a fixed number of queries.

For each encounter: its lines (with their service category), the primary coverage in force on
the visit date and the secondary one, each coverage's benefits (the latest 271 on file for the
encounter when it has benefit rows, else the plan's design), the payers' contracts, the
facility's self-pay discount. Uninsured and self-pay patients get self-pay prices and a Good
Faith Estimate. ``EstimateInputs.fingerprint`` changes whenever any of it changes: that is
what recalculates an estimate.

finclear keeps no provider network participation: every line is estimated in network.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Model

from finclear.contracts.queries import ContractBook, load_book
from finclear.eligibility.models import CoverageState, EligibilityCheck
from finclear.eligibility.queries import rows_from_json
from finclear.eligibility.reads import (
    fetch,
    load_active_coverages,
    load_encounters,
    load_values,
    match_any,
)
from finclear.estimates.benefit_facts import (
    PlanDesign,
    build_design_benefits,
    build_row_benefits,
    category_of,
    is_primary_care,
)
from finclear.estimates.models import BenefitsSource, EstimateKind, GfeRequest
from finclear.patients.models import Coverage
from finclear.payers.models import Plan
from finclear.rules import pricing
from finclear.rules.benefits import BenefitRow
from finclear.rules.estimator import Benefits, CobMethod, EstimateLine, SecondaryCoverage
from finclear.scheduling.models import (
    ChargemasterItem,
    Diagnosis,
    Encounter,
    EncounterType,
    ServiceLine,
)
from finclear.workqueue.rows import Columns

INPATIENT_CARE = ("99221", "99239")  # hospital inpatient care: one a day


@dataclass(frozen=True)
class LineFacts:
    line_number: int
    code: str
    description: str
    units: Decimal
    charge: Decimal
    category: str
    diagnosis_codes: tuple[str, ...]


@dataclass(frozen=True)
class EstimateInputs:
    encounter: Encounter
    kind: str
    source: str
    visit_date: dt.date
    lines: tuple[LineFacts, ...]
    benefits: Benefits | None = None
    contract: tuple[pricing.FeeSchedule, ...] = ()
    out_of_network_contract: tuple[pricing.FeeSchedule, ...] = ()
    secondary: SecondaryCoverage | None = None
    self_pay_policy: pricing.SelfPayPolicy | None = None
    coverage_id: int | None = None
    secondary_coverage_id: int | None = None
    eligibility_check_id: int | None = None
    plan_name: str = ""
    notes: tuple[str, ...] = ()
    gfe_requested_on: dt.date | None = None

    @cached_property
    def fingerprint(self) -> str:
        """A digest of everything the calculation reads (Decimal and dataclass reprs are stable).

        Kept once computed: the inputs are immutable (compared, then stored with the estimate).
        """
        parts: list[Any] = [
            self.kind,
            self.source,
            self.lines,
            self.benefits,
            [_schedule_key(s) for s in self.contract],
            [_schedule_key(s) for s in self.out_of_network_contract],
            self.secondary.benefits if self.secondary else None,
            [_schedule_key(s) for s in self.secondary.contract] if self.secondary else None,
            self.self_pay_policy,
            self.coverage_id,
            self.secondary_coverage_id,
        ]
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def estimate_lines(self) -> tuple[EstimateLine, ...]:
        return tuple(
            EstimateLine(
                code=line.code,
                units=line.units,
                charge=line.charge,
                category=line.category,
                service_date=self.visit_date,
                line_number=line.line_number,
            )
            for line in self.lines
        )


def _schedule_key(schedule: pricing.FeeSchedule) -> tuple[Any, ...]:
    base = schedule.base
    return (
        schedule.name,
        schedule.effective_from,
        schedule.effective_to,
        sorted(schedule.rates.items()),
        (base.name, sorted(base.rates.items())) if base else None,
        schedule.base_percent,
        schedule.charges_percent,
        schedule.case_rate,
        schedule.per_diem,
    )


def visit_date(encounter: Encounter) -> dt.date:
    return encounter.scheduled_at.astimezone(encounter.facility.zone).date()


def design_of(plan: Plan) -> PlanDesign:
    return PlanDesign(
        name=plan.name,
        deductible_individual=plan.deductible_individual,
        deductible_family=plan.deductible_family,
        oop_max_individual=plan.oop_max_individual,
        oop_max_family=plan.oop_max_family,
        coinsurance_percent=plan.coinsurance_percent,
        copay_primary_care=plan.copay_primary_care,
        copay_specialist=plan.copay_specialist,
        copay_er=plan.copay_er,
        copay_urgent_care=plan.copay_urgent_care,
    )


@dataclass(frozen=True)
class CheckBenefits:
    """What an estimate reads of an eligibility check: its benefit rows and when."""

    pk: int
    rows: tuple[BenefitRow, ...]
    requested_at: dt.datetime


def _latest_checks(
    encounter_ids: Sequence[int], known: Mapping[int, tuple[BenefitRow, ...]] | None = None
) -> dict[tuple[int, int], CheckBenefits]:
    """The latest check with benefit rows of an active coverage, per (encounter, coverage).

    First the active checks, newest first, as plain values (no JSON read); then the benefit
    rows of each pair's newest check alone, unless ``known`` holds them: rows the caller has
    (checks it has just written, their ``BenefitRow`` values, not read back nor converted). A
    check without rows gives way to the next newest, read the same way. Which checks have rows
    is decided from the rows, not by the database: a check's rows are stored out of line
    (18 kB of JSON, compressed), and comparing them with ``[]`` in SQL fetched and
    decompressed every one (a tenth of PostgreSQL's CPU in a batch, by perf).
    """
    newest_first = EligibilityCheck.objects.filter(
        encounter_id__in=encounter_ids, coverage_status=CoverageState.ACTIVE
    ).order_by("encounter_id", "coverage_id", "-requested_at", "-pk")
    candidates: dict[tuple[int, int], list[tuple[int, dt.datetime]]] = {}
    for pk, encounter_id, coverage_id, requested_at in newest_first.values_list(
        "pk", "encounter_id", "coverage_id", "requested_at"
    ):
        candidates.setdefault((encounter_id, coverage_id), []).append((pk, requested_at))
    found: dict[int, tuple[BenefitRow, ...]] = dict(known or {})
    chosen: dict[tuple[int, int], CheckBenefits] = {}
    waiting = {key: iter(checks) for key, checks in candidates.items()}
    while waiting:
        to_read: dict[tuple[int, int], tuple[int, dt.datetime]] = {}
        for key, checks in list(waiting.items()):
            for pk, requested_at in checks:
                if pk not in found:
                    to_read[key] = (pk, requested_at)
                    break
                if found[pk]:
                    chosen[key] = CheckBenefits(pk, found[pk], requested_at)
                    break
            if key not in to_read:
                del waiting[key]
        if to_read:
            read = EligibilityCheck.objects.filter(pk__in=[pk for pk, _ in to_read.values()])
            found.update(
                (pk, rows_from_json(items)) for pk, items in read.values_list("pk", "benefits")
            )
            for key, (pk, requested_at) in to_read.items():
                if found.get(pk):
                    chosen[key] = CheckBenefits(pk, found[pk], requested_at)
                    del waiting[key]
                elif pk not in found:
                    del waiting[key]  # deleted meanwhile: no rows to use
    return chosen


def _stay_days(lines: Sequence[LineFacts]) -> int:
    days = [
        int(line.units) for line in lines if INPATIENT_CARE[0] <= line.code <= INPATIENT_CARE[1]
    ]
    return max([1, *days])


def price_inpatient(
    lines: Sequence[EstimateLine], contract: Sequence[pricing.FeeSchedule], days: int
) -> tuple[EstimateLine, ...]:
    """An inpatient stay's lines with their share of the case rate or per diem, when it has one."""
    if not lines:
        return tuple(lines)
    schedule = pricing.schedule_in_force(contract, lines[0].service_date)
    if schedule is None or (schedule.case_rate is None and schedule.per_diem is None):
        return tuple(lines)
    prices = pricing.price_stay(
        schedule, [pricing.StayLine(line.code, line.charge) for line in lines], days
    )
    return tuple(
        EstimateLine(
            code=line.code,
            units=line.units,
            charge=line.charge,
            category=line.category,
            service_date=line.service_date,
            network=line.network,
            allowed=price.allowed,
            line_number=line.line_number,
        )
        for line, price in zip(lines, prices, strict=True)
    )


@functools.cache
def _columns(model: type[Model], names: tuple[str, ...]) -> Columns:
    return Columns(model, "v", names)


@functools.cache
def _line_columns() -> tuple[Columns, Columns, str]:
    line = Columns(
        ServiceLine,
        "l",
        ("encounter", "line_number", "cpt_hcpcs", "units", "charge", "diagnosis_pointers"),
    )
    item = Columns(ChargemasterItem, "m", ("description",))
    sql = (
        f"SELECT {line.select}, {item.select} FROM {line.table} LEFT OUTER JOIN {item.table} "
        f"ON {item.column('id')} = {line.column('chargemaster_item')} WHERE {{}} "
        f"ORDER BY {line.column('encounter')}, {line.column('line_number')}"
    )
    return line, item, sql


def load_lines(ids: Sequence[int]) -> list[list[Any]]:
    """The encounters' lines as ``values_list("encounter_id", "line_number", "cpt_hcpcs",
    "units", "charge", "diagnosis_pointers", "chargemaster_item__description")`` by encounter
    and line number, in plain SQL (``finclear.eligibility.reads``)."""
    if not ids:
        return []
    line, item, sql = _line_columns()
    where, params = match_any(line.column("encounter"), ids)
    convert_line, convert_item = line.converter(), item.converter()
    return [
        convert_line(row) + convert_item(row, line.width)
        for row in fetch(sql.format(where), params)
    ]


def load_inputs(
    encounter_ids: Iterable[int],
    book: ContractBook | None = None,
    known_rows: Mapping[int, tuple[BenefitRow, ...]] | None = None,
) -> dict[int, EstimateInputs]:
    """The inputs of each encounter's estimate (``known_rows``: see ``_latest_checks``)."""
    ids = sorted(set(encounter_ids))
    encounters = list(load_encounters(ids, provider=True).values())
    # Plain values: a line and its chargemaster item as model instances cost more than the
    # estimate's calculation.
    lines_by: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for encounter_id, *line in load_lines(ids):
        lines_by[encounter_id].append(tuple(line))
    dx_by: dict[int, dict[int, str]] = defaultdict(dict)
    for encounter_id, sequence, code in load_values(
        _columns(Diagnosis, ("encounter", "sequence", "icd10_code")),
        "encounter",
        ids,
        ("encounter", "sequence"),
    ):
        dx_by[encounter_id][sequence] = code
    coverages: dict[int, list[Coverage]] = defaultdict(list)
    for coverage in load_active_coverages({e.patient_id for e in encounters}):
        coverages[coverage.patient_id].append(coverage)
    checks = _latest_checks(ids, known_rows)
    requests: dict[int, dt.date] = {}
    for encounter_id, day in load_values(
        _columns(GfeRequest, ("encounter", "requested_on")), "encounter", ids
    ):
        requests[encounter_id] = min(day, requests.get(encounter_id, day))
    if book is None:
        book = load_book()
    out = {}
    for encounter in encounters:
        day = visit_date(encounter)
        primary_care = is_primary_care(encounter.rendering_provider.taxonomy)
        dx = dx_by[encounter.pk]
        lines = tuple(
            LineFacts(
                line_number=line_number,
                code=code,
                description=description or "",
                units=units,
                charge=charge,
                category=category_of(code, encounter.place_of_service, primary_care),
                diagnosis_codes=tuple(dx[p] for p in pointers if p in dx)
                or tuple(dx[k] for k in sorted(dx)[:1]),
            )
            for line_number, code, units, charge, pointers, description in lines_by[encounter.pk]
        )
        in_force = [c for c in coverages[encounter.patient_id] if c.is_in_force_on(day)]
        out[encounter.pk] = build_inputs(
            encounter, day, lines, in_force, checks, book, requests.get(encounter.pk)
        )
    return out


def _benefits_of(
    encounter: Encounter,
    coverage: Coverage,
    categories: Sequence[str],
    checks: dict[tuple[int, int], CheckBenefits],
) -> tuple[Benefits, CheckBenefits | None]:
    design = design_of(coverage.plan) if coverage.plan is not None else None
    check = checks.get((encounter.pk, coverage.pk))
    if check is not None:
        return build_row_benefits(check.rows, categories, design), check
    if design is None:
        return Benefits(categories=()), None
    return build_design_benefits(design, categories), None


def build_inputs(
    encounter: Encounter,
    day: dt.date,
    lines: tuple[LineFacts, ...],
    in_force: Sequence[Coverage],
    checks: dict[tuple[int, int], CheckBenefits],
    book: ContractBook,
    requested_on: dt.date | None = None,
) -> EstimateInputs:
    primary = in_force[0] if in_force else None
    if primary is None or primary.payer.is_self_pay:
        return EstimateInputs(
            encounter=encounter,
            kind=EstimateKind.GFE,
            source=BenefitsSource.SELF_PAY,
            visit_date=day,
            lines=lines,
            self_pay_policy=book.self_pay_policy(encounter.facility_id, day),
            coverage_id=primary.pk if primary else None,
            notes=(
                "No insurance is on file for this visit: the amounts are the facility's "
                "self-pay prices.",
            ),
            gfe_requested_on=requested_on,
        )
    categories = [line.category for line in lines]
    benefits, check = _benefits_of(encounter, primary, categories, checks)
    notes = []
    if check is None:
        notes.append(
            "Benefits come from the plan's design on file: what you have already paid toward "
            "this year's deductible and out-of-pocket maximum is not known, so the estimate "
            "assumes nothing."
        )
    else:
        when = check.requested_at.astimezone(encounter.facility.zone).date().isoformat()
        notes.append(f"Benefits come from your insurer's eligibility response of {when}.")
    secondary = None
    secondary_id = None
    if len(in_force) > 1 and not in_force[1].payer.is_self_pay and in_force[1].plan is not None:
        second = in_force[1]
        second_benefits, _ = _benefits_of(encounter, second, categories, checks)
        secondary = SecondaryCoverage(
            benefits=second_benefits,
            method=CobMethod.STANDARD,
            contract=book.contract(second.payer_id, second.plan_id),
        )
        secondary_id = second.pk
    return EstimateInputs(
        encounter=encounter,
        kind=EstimateKind.ESTIMATE,
        source=BenefitsSource.ELIGIBILITY if check else BenefitsSource.PLAN_DESIGN,
        visit_date=day,
        lines=lines,
        benefits=benefits,
        contract=book.contract(primary.payer_id, primary.plan_id),
        out_of_network_contract=book.contract(primary.payer_id, primary.plan_id, "out"),
        secondary=secondary,
        coverage_id=primary.pk,
        secondary_coverage_id=secondary_id,
        eligibility_check_id=check.pk if check else None,
        plan_name=benefits.plan_name or (primary.plan.name if primary.plan else ""),
        notes=tuple(notes),
    )


def stay_days(inputs: EstimateInputs) -> int | None:
    """The days an inpatient stay is priced for (None: not an inpatient stay)."""
    if inputs.encounter.encounter_type != EncounterType.INPATIENT:
        return None
    return _stay_days(inputs.lines)
