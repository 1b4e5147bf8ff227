"""Running the pure calculators over an encounter's inputs: the estimator, or self-pay prices.

Nothing is computed here that ``finclear.rules`` computes: this module picks the calculator
(``estimator.estimate`` for insured patients, ``pricing.price_self_pay`` for the uninsured),
prices an inpatient stay as a whole first (``pricing.price_stay``), and puts the results in
one shape for storage and display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from finclear.estimates.inputs import EstimateInputs, price_inpatient, stay_days
from finclear.estimates.models import BenefitsSource
from finclear.rules.estimator import LineStatus, estimate
from finclear.rules.money import ZERO, format_money
from finclear.rules.pricing import price_self_pay


@dataclass(frozen=True)
class CalculatedLine:
    line_number: int
    code: str
    description: str
    units: Decimal
    category: str
    network: str
    status: str
    diagnosis_codes: tuple[str, ...]
    charge: Decimal
    allowed: Decimal | None
    plan_pays: Decimal = ZERO
    copay: Decimal = ZERO
    deductible: Decimal = ZERO
    coinsurance: Decimal = ZERO
    non_covered: Decimal = ZERO
    secondary_pays: Decimal = ZERO
    patient_total: Decimal = ZERO
    explanation: str = ""


@dataclass(frozen=True)
class Calculation:
    lines: tuple[CalculatedLine, ...]
    deductible_remaining: Decimal | None = None
    oop_remaining: Decimal | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(line, name) for line in self.lines if line.status == "estimated"), ZERO)

    @property
    def complete(self) -> bool:
        return all(line.status == "estimated" for line in self.lines)

    def totals(self) -> dict[str, Decimal]:
        names = (
            "charge",
            "plan_pays",
            "secondary_pays",
            "copay",
            "deductible",
            "coinsurance",
            "non_covered",
            "patient_total",
        )
        totals = {name: self._sum(name) for name in names}
        totals["allowed"] = sum(
            (line.allowed or ZERO for line in self.lines if line.status == "estimated"), ZERO
        )
        return totals


def calculate(inputs: EstimateInputs) -> Calculation:
    if inputs.source == BenefitsSource.SELF_PAY:
        return _self_pay(inputs)
    assert inputs.benefits is not None
    lines = inputs.estimate_lines()
    days = stay_days(inputs)
    if days is not None:
        lines = price_inpatient(lines, inputs.contract, days)
    result = estimate(
        lines,
        inputs.benefits,
        inputs.contract,
        out_of_network_contract=inputs.out_of_network_contract,
        secondary=inputs.secondary,
    )
    facts = {line.line_number: line for line in inputs.lines}
    out = []
    for line in result.lines:
        fact = facts[line.line_number]
        estimated = line.status is LineStatus.ESTIMATED
        out.append(
            CalculatedLine(
                line_number=line.line_number,
                code=line.code,
                description=fact.description,
                units=fact.units,
                category=line.category,
                network=line.network.value,
                status=line.status.value,
                diagnosis_codes=fact.diagnosis_codes,
                charge=line.charge,
                allowed=line.allowed,
                plan_pays=line.plan_pays,
                copay=line.copay,
                deductible=line.deductible,
                coinsurance=line.coinsurance,
                non_covered=line.non_covered,
                secondary_pays=line.secondary_pays,
                patient_total=line.patient_total if estimated else ZERO,
                explanation=line.text,
            )
        )
    return Calculation(
        tuple(out), result.deductible_remaining, result.out_of_pocket_remaining, inputs.notes
    )


def _self_pay(inputs: EstimateInputs) -> Calculation:
    policy = inputs.self_pay_policy
    out = []
    for line in inputs.lines:
        price = price_self_pay(line.charge, policy)
        amount = price.allowed if price.allowed is not None else line.charge
        out.append(
            CalculatedLine(
                line_number=line.line_number,
                code=line.code,
                description=line.description,
                units=line.units,
                category=line.category,
                network="in",
                status="estimated",
                diagnosis_codes=line.diagnosis_codes,
                charge=line.charge,
                allowed=amount,
                patient_total=amount,
                explanation=f"Self-pay price: {price.detail}, {format_money(amount)}.",
            )
        )
    notes = inputs.notes
    if policy is None:
        notes = (*notes, "The facility has no self-pay discount in force on the visit date.")
    return Calculation(tuple(out), notes=notes)
