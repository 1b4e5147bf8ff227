"""Payment plans: terms and schedule from the policy (``finclear.rules.payment_plans``),
installments and payments recorded, the state kept current, a task when a plan defaults.

A plan's schedule is versioned: a balance change (``do_rebalance_plan``) writes a new
version of the installments left, built by ``rebuild_schedule``; the principal of every
version sums to what it finances, to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finclear.assistance.models import (
    PaymentPlan,
    PlanInstallment,
    PlanPayment,
    PlanState,
)
from finclear.assistance.policies import build_plan_policy, require_policy
from finclear.assistance.services import today_at
from finclear.organizations.validation import do_save_checked
from finclear.patients.models import Patient
from finclear.rules import payment_plans as rules
from finclear.scheduling.models import Encounter
from finclear.workqueue.models import ClearanceCase, Task, TaskKind, TaskStatus

DEFAULT_TASK = "Payment plan defaulted"


def schedule_of(plan: PaymentPlan) -> list[PlanInstallment]:
    return list(plan.installments.filter(version=plan.version).order_by("number"))


def rule_schedule(plan: PaymentPlan) -> tuple[rules.Installment, ...]:
    return tuple(
        rules.Installment(i.number, i.due, i.amount, i.principal, i.interest)
        for i in schedule_of(plan)
    )


def _write_installments(plan: PaymentPlan, schedule: tuple[rules.Installment, ...]) -> None:
    PlanInstallment.objects.bulk_create(
        PlanInstallment(
            plan=plan,
            version=plan.version,
            number=i.number,
            due=i.due,
            amount=i.amount,
            principal=i.principal,
            interest=i.interest,
        )
        for i in schedule
    )


def _wrap(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except rules.PlanError as exc:
        text = str(exc)
        field = text.split(":", 1)[0] if ":" in text else "terms"
        raise ValidationError({field: text}) from None


@transaction.atomic
def do_create_plan(
    patient: Patient,
    balance: Decimal,
    first_due: dt.date,
    *,
    user: Any = None,
    encounter: Encounter | None = None,
    months: int | None = None,
) -> PaymentPlan:
    """A plan for ``balance`` on the policy's terms; the schedule sums to the balance financed."""
    day = today_at(patient)
    policy = require_policy(patient.facility, day)
    terms = _wrap(rules.build_terms, balance, build_plan_policy(policy), months)
    schedule = rules.build_schedule(terms, first_due)
    plan = PaymentPlan(
        patient=patient,
        encounter=encounter,
        policy=policy,
        balance=terms.balance,
        down_payment=terms.down_payment,
        financed=terms.financed,
        months=terms.months,
        monthly_payment=terms.monthly_payment,
        apr_percent=terms.apr_percent,
        first_due=first_due,
        created_by=user,
        status_on=day,
    )
    do_save_checked(plan)
    _write_installments(plan, schedule)
    return plan


@transaction.atomic
def do_record_plan_payment(
    plan: PaymentPlan,
    amount: Decimal,
    method: str,
    user: Any = None,
    paid_on: dt.date | None = None,
    reference: str = "",
) -> PlanPayment:
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_open:
        raise ValidationError({"plan": f"plan: #{plan.pk} is {plan.state}"})
    payment = PlanPayment(
        plan=plan,
        paid_on=paid_on or today_at(plan.patient),
        amount=amount,
        method=method,
        reference=reference,
        recorded_by=user,
    )
    do_save_checked(payment)
    do_update_plan_state(plan)
    return payment


def _payments(plan: PaymentPlan) -> list[rules.Payment]:
    """The payments toward the current schedule: those recorded since it was written."""
    rows = plan.payments.order_by("paid_on", "pk")
    if plan.version_started_at is not None:
        rows = rows.filter(created_at__gte=plan.version_started_at)
    return [rules.Payment(p.paid_on, p.amount) for p in rows]


def installments_paid(plan: PaymentPlan) -> int:
    """How many installments of the current schedule the payments cover in full."""
    paid = sum((p.amount for p in _payments(plan)), Decimal(0))
    covered = 0
    due_through = Decimal(0)
    for installment in schedule_of(plan):
        due_through += installment.amount
        if paid >= due_through:
            covered += 1
    return covered


@dataclass(frozen=True)
class PlanStateChange:
    """A plan after its state was computed, the state before, the default task it opened."""

    plan: PaymentPlan
    before: str
    task: Task | None


@transaction.atomic
def do_update_plan_state(plan: PaymentPlan, day: dt.date | None = None) -> PaymentPlan:
    """The plan's state from its schedule and payments (``plan_status``); a default opens a task."""
    return do_refresh_plan_state(plan.pk, day).plan


@transaction.atomic
def do_refresh_plan_state(plan_id: int, day: dt.date | None = None) -> PlanStateChange:
    """``do_update_plan_state`` by id, saying what changed (for the daily sweep's counts)."""
    plan = (
        PaymentPlan.objects.select_for_update(of=("self",))
        .select_related("policy", "patient__facility")
        .get(pk=plan_id)
    )
    before = plan.state
    if plan.state == PlanState.CANCELLED:
        return PlanStateChange(plan, before, None)
    day = day or today_at(plan.patient)
    status = rules.plan_status(
        rule_schedule(plan),
        _payments(plan),
        day,
        plan.policy.plan_default_after,
        plan.policy.plan_grace_days,
    )
    computed = (status.state.value, status.missed, status.past_due_amount, status.paid)
    if computed == (plan.state, plan.missed, plan.past_due_amount, plan.paid):
        # Nothing changed: only the day it was computed, written without a save (no audit
        # event per plan per day; a daily sweep recomputes every open plan).
        if plan.status_on != day:
            PaymentPlan.objects.filter(pk=plan.pk).update(status_on=day)
            plan.status_on = day
        return PlanStateChange(plan, before, None)
    plan.state, plan.missed, plan.past_due_amount, plan.paid = computed
    plan.status_on = day
    do_save_checked(
        plan,
        update_fields=["state", "missed", "past_due_amount", "paid", "status_on", "updated_at"],
    )
    task = None
    if plan.state == PlanState.DEFAULTED and before != PlanState.DEFAULTED:
        task = _open_default_task(plan, status)
    return PlanStateChange(plan, before, task)


def _open_default_task(plan: PaymentPlan, status: rules.PlanStatus) -> Task | None:
    cases = ClearanceCase.objects.filter(encounter__patient_id=plan.patient_id)
    if plan.encounter_id is not None:
        cases = cases.filter(encounter_id=plan.encounter_id)
    case = cases.order_by("-encounter__scheduled_at").first()
    if case is None:
        return None
    title = f"{DEFAULT_TASK} (plan #{plan.pk})"
    if Task.objects.filter(case=case, title=title, status=TaskStatus.OPEN).exists():
        return None
    task = Task(
        case=case,
        kind=TaskKind.COUNSELING,
        title=title,
        detail=f"{status.missed} installments missed, {status.past_due_amount} past due: call "
        "the patient, offer to recalculate the plan, screen for financial assistance.",
    )
    do_save_checked(task)
    return task


@transaction.atomic
def do_rebalance_plan(plan: PaymentPlan, new_balance: Decimal, user: Any = None) -> PaymentPlan:
    """Recalculate the installments left for a changed balance (``rebuild_schedule``)."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_open:
        raise ValidationError({"plan": f"plan: #{plan.pk} is {plan.state}"})
    policy = build_plan_policy(plan.policy)
    paid_count = installments_paid(plan)
    left = [i for i in schedule_of(plan) if i.number > paid_count]
    next_due = left[0].due if left else today_at(plan.patient)
    terms = rules.PlanTerms(
        plan.balance,
        plan.down_payment,
        plan.financed,
        plan.months,
        plan.monthly_payment,
        plan.apr_percent,
    )
    new_terms, schedule = _wrap(
        rules.rebuild_schedule, terms, new_balance, paid_count, next_due, policy
    )
    plan.version += 1
    plan.version_started_at = timezone.now()
    plan.balance = new_terms.balance
    plan.down_payment = new_terms.down_payment
    plan.financed = new_terms.financed
    plan.months = new_terms.months
    plan.monthly_payment = new_terms.monthly_payment
    plan.first_due = next_due
    do_save_checked(plan)
    _write_installments(plan, schedule)
    return do_update_plan_state(plan)
