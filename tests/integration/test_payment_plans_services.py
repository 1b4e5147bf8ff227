"""Payment plans in the app: terms from the policy, a schedule summing to the balance to the
cent, payments, past due and default (with a task), recalculation, the agreement PDF."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from finclear.assistance import plans
from finclear.assistance.documents import build_plan_agreement
from finclear.assistance.models import PlanState
from finclear.workqueue.models import Task, TaskKind
from tests.integration.estimates_support import EstimateClinic, build_policy

pytestmark = pytest.mark.django_db
D = Decimal
FIRST = dt.date(2026, 1, 31)


@pytest.fixture
def clinic():
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    return clinic


def test_terms_schedule_and_agreement(clinic):
    plan = plans.do_create_plan(clinic.patient, D("1000.00"), FIRST)
    # Minimum $50 a month, at most 12 months: $1,000 / 12 = $83.33, the last $83.37.
    assert (plan.months, plan.monthly_payment, plan.financed) == (12, D("83.33"), D("1000.00"))
    schedule = plans.schedule_of(plan)
    assert sum(i.amount for i in schedule) == D("1000.00")
    assert [i.due for i in schedule[:3]] == [FIRST, dt.date(2026, 2, 28), dt.date(2026, 3, 31)]
    assert schedule[-1].amount == D("83.37")
    reader = PdfReader(io.BytesIO(build_plan_agreement(plan)))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Payment plan agreement" in text and "Your monthly payment $83.33" in text
    assert "12 2026-12-31 $83.37 $0 $83.37" in text
    assert "Total $1,000 $0 $1,000" in text


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    balance=st.decimals(min_value=D("50.00"), max_value=D("25000.00"), places=2),
    apr=st.sampled_from([D(0), D("4.9"), D("12")]),
)
def test_every_schedule_sums_to_the_balance_to_the_cent(clinic, balance, apr):
    clinic.facility.fap_policies.update(plan_apr_percent=apr)
    plan = plans.do_create_plan(clinic.patient, balance, FIRST)
    schedule = plans.schedule_of(plan)
    assert sum(i.principal for i in schedule) == plan.financed == balance - plan.down_payment
    assert all(i.amount == i.principal + i.interest for i in schedule)


def test_missed_payments_make_it_past_due_then_default_with_a_task(clinic):
    encounter = clinic.visit("72148")
    plan = plans.do_create_plan(clinic.patient, D("600.00"), FIRST, encounter=encounter)
    plans.do_record_plan_payment(plan, D("50.00"), "card", paid_on=dt.date(2026, 1, 30))
    plan = plans.do_update_plan_state(plan, dt.date(2026, 3, 1))
    assert (plan.state, plan.missed) == (PlanState.PAST_DUE, 1)
    plan = plans.do_update_plan_state(plan, dt.date(2026, 4, 1))
    assert (plan.state, plan.missed) == (PlanState.DEFAULTED, 2)
    task = Task.objects.get(case__encounter=encounter, kind=TaskKind.COUNSELING)
    assert task.title == f"Payment plan defaulted (plan #{plan.pk})"
    plans.do_update_plan_state(plan, dt.date(2026, 4, 2))
    assert Task.objects.filter(case__encounter=encounter).count() == 1


def test_paying_it_all_pays_it_off(clinic):
    plan = plans.do_create_plan(clinic.patient, D("100.00"), FIRST)
    plans.do_record_plan_payment(plan, D("100.00"), "cash", paid_on=FIRST)
    plan.refresh_from_db()
    assert plan.state == PlanState.PAID_OFF
    with pytest.raises(ValidationError, match="paid_off"):
        plans.do_record_plan_payment(plan, D("1.00"), "cash")


def test_a_balance_change_recalculates_what_is_left(clinic):
    plan = plans.do_create_plan(clinic.patient, D("1200.00"), FIRST)
    for day in (FIRST, dt.date(2026, 2, 28)):
        plans.do_record_plan_payment(plan, D("100.00"), "card", paid_on=day)
    plan = plans.do_rebalance_plan(plan, D("700.00"))
    schedule = plans.schedule_of(plan)
    assert plan.version == 2 and plan.first_due == dt.date(2026, 3, 31)
    assert sum(i.amount for i in schedule) == D("700.00")
    assert len(schedule) == 10  # the 10 months left at $70 (at least the $50 minimum)
    assert plan.installments.filter(version=1).count() == 12


def test_terms_the_policy_refuses_name_the_field(clinic):
    with pytest.raises(ValidationError, match="months: 24 is not between 1 and the policy's 12"):
        plans.do_create_plan(clinic.patient, D("1000.00"), FIRST, months=24)
    with pytest.raises(ValidationError, match="balance"):
        plans.do_create_plan(clinic.patient, D("0.00"), FIRST)
