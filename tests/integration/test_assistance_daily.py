"""The daily jobs: the payment plan sweep (past due, default with one task, idempotent), the
501(r) clocks in counts, the runner, its task and ``finclear daily``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from typer.testing import CliRunner

from finclear.assistance import plans, services
from finclear.assistance.daily import DAILY_JOBS, SWEEP_JOBS, do_run_daily
from finclear.assistance.demo import do_run_demo_daily_jobs
from finclear.assistance.eca_clocks import build_eca_clocks
from finclear.assistance.models import PaymentPlan, PlanState
from finclear.assistance.plan_sweep import do_sweep_plans
from finclear.assistance.tasks import run_daily
from finclear.audit.models import AuditEvent
from finclear.cli import build_app
from finclear.workqueue.models import ClearanceCase, Task
from tests.integration.estimates_support import EstimateClinic, build_policy

pytestmark = pytest.mark.django_db
D = Decimal
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def month_day(months: int) -> dt.date:
    """The 15th, ``months`` months after next month: installment dates in the future, so
    that what a payment computes as of the real today leaves the plan current."""
    today = timezone.localdate()
    index = today.year * 12 + today.month + months
    return dt.date(index // 12, index % 12 + 1, 15)


FIRST = month_day(0)
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture
def clinic():
    clinic = EstimateClinic()
    build_policy(clinic.facility)  # default after 2 missed installments, no grace days
    return clinic


def build_plan(clinic, first_due=FIRST):
    """$600 over 12 months at the $50 minimum, the first $50 paid before it was due."""
    encounter = clinic.visit("72148")
    plan = plans.do_create_plan(clinic.patient, D("600.00"), first_due, encounter=encounter)
    plans.do_record_plan_payment(plan, D("50.00"), "card", paid_on=first_due)
    return plan


def test_the_sweep_makes_an_untouched_plan_past_due_then_defaulted_once(clinic):
    plan = build_plan(clinic)
    # The first installment is paid; the second falls due unpaid and nobody touches the plan.
    assert do_sweep_plans(month_day(1)).as_counts()["state changed"] == 0
    sweep = do_sweep_plans(month_day(1) + ONE_DAY)
    assert (sweep.checked, sweep.changed, sweep.became, sweep.tasks_opened) == (
        1,
        1,
        {"past_due": 1},
        0,
    )
    plan.refresh_from_db()
    assert (plan.state, plan.missed, plan.past_due_amount) == (PlanState.PAST_DUE, 1, D("50.00"))
    # The third missed too: two misses default the plan and open the task, once.
    sweep = do_sweep_plans(month_day(2) + ONE_DAY)
    assert (sweep.became, sweep.tasks_opened) == ({"defaulted": 1}, 1)
    again = do_sweep_plans(month_day(2) + ONE_DAY)
    assert (again.checked, again.changed, again.tasks_opened) == (1, 0, 0)
    assert do_sweep_plans(month_day(2) + 2 * ONE_DAY).tasks_opened == 0
    titles = list(Task.objects.values_list("title", flat=True))
    assert titles == [f"Payment plan defaulted (plan #{plan.pk})"]


def test_the_sweep_leaves_paid_off_and_cancelled_plans_alone(clinic):
    paid = plans.do_create_plan(clinic.patient, D("100.00"), FIRST)
    plans.do_record_plan_payment(paid, D("100.00"), "cash")  # today: paid off at once
    cancelled = build_plan(clinic)
    PaymentPlan.objects.filter(pk=cancelled.pk).update(state=PlanState.CANCELLED)
    open_plan = build_plan(clinic)
    sweep = do_sweep_plans(month_day(6))
    assert sweep.checked == 1 and sweep.became == {"defaulted": 1}
    states = dict(PaymentPlan.objects.values_list("pk", "state"))
    assert states == {
        paid.pk: PlanState.PAID_OFF,
        cancelled.pk: PlanState.CANCELLED,
        open_plan.pk: PlanState.DEFAULTED,
    }


def test_without_a_day_the_sweep_uses_the_facility_today(clinic):
    today = timezone.localtime(timezone.now(), clinic.facility.zone).date()
    plan = build_plan(clinic, first_due=today - dt.timedelta(days=70))
    # Last computed on the first due day, when it was current; since then installments 2 and
    # 3 (about 40 and 10 days ago) fell due unpaid.
    assert plans.do_update_plan_state(plan, plan.first_due).state == PlanState.CURRENT
    assert do_sweep_plans().became == {"defaulted": 1}
    plan.refresh_from_db()
    assert plan.status_on == today and plan.missed == 2


def test_eca_clocks_count_where_the_accounts_stand(clinic):
    statement = dt.date(2026, 1, 5)  # day 120 is May 5, day 240 is Sep 2
    application = services.do_submit_application(
        clinic.patient,
        household_size=2,
        annual_income=D("90000"),
        received_on=dt.date(2026, 1, 20),
        first_statement_on=statement,
    )
    pending = build_eca_clocks(dt.date(2026, 5, 6)).as_counts()
    assert pending["accounts with a first statement"] == 1
    assert pending["ECAs suspended by an open application"] == 1
    assert pending["ECAs allowed"] == 0
    services.do_decide(application, False, None)
    inside = build_eca_clocks(dt.date(2026, 5, 5))
    assert (inside.in_notification_period, inside.notification_ended_today) == (1, 0)
    ended = build_eca_clocks(dt.date(2026, 5, 6))
    assert (ended.in_notification_period, ended.notification_ended_today) == (0, 1)
    assert (ended.waiting_for_notice, ended.ecas_allowed) == (1, 0)
    services.do_set_collection_dates(application, eca_notice_sent_on=dt.date(2026, 5, 6))
    closes = build_eca_clocks(dt.date(2026, 9, 2))
    assert (closes.application_period_closes_today, closes.ecas_allowed) == (1, 1)
    assert closes.waiting_for_notice == 0


def test_the_clocks_read_the_latest_application_only(clinic):
    services.do_submit_application(
        clinic.patient,
        household_size=2,
        annual_income=D("90000"),
        received_on=dt.date(2026, 1, 20),
        first_statement_on=dt.date(2026, 1, 5),
    )
    services.do_submit_application(
        clinic.patient,
        household_size=2,
        annual_income=D("90000"),
        received_on=dt.date(2026, 2, 1),
    )
    assert build_eca_clocks(dt.date(2026, 6, 1)).with_statement == 0


def test_the_daily_run_does_every_job_in_order(clinic):
    build_plan(clinic)
    results = do_run_daily(month_day(1) + ONE_DAY)
    assert [r.name for r in results] == [job.name for job in DAILY_JOBS]
    assert [r.name for r in results] == ["payment plans", "501(r) clocks", "clearance cases"]
    counts = {r.name: r.counts for r in results}
    assert counts["payment plans"]["now past due"] == 1
    open_cases = ClearanceCase.objects.filter(is_open=True).count()
    assert open_cases >= 1
    assert counts["clearance cases"] == {"open cases recomputed": open_cases}
    assert all(r.seconds >= 0 and r.cpu_seconds >= 0 for r in results)
    again = {r.name: r.counts for r in do_run_daily(month_day(1) + ONE_DAY)}
    assert again["payment plans"]["state changed"] == 0


@override_settings(TASKS=IMMEDIATE)
def test_the_task_runs_the_same_jobs(clinic):
    build_plan(clinic)
    result = run_daily.enqueue((month_day(2) + ONE_DAY).isoformat())
    assert result.return_value["payment plans"]["now defaulted"] == 1
    assert result.return_value["payment plans"]["default tasks opened"] == 1
    assert Task.objects.count() == 1


def test_the_command_prints_counts(clinic):
    build_plan(clinic)
    day = (month_day(1) + ONE_DAY).isoformat()
    result = CliRunner().invoke(build_app(), ["daily", "--as-of", day], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Daily jobs as of {day}" in result.output
    assert "now past due" in result.output and "open cases recomputed" in result.output
    assert clinic.patient.last_name not in result.output
    assert PaymentPlan.objects.get().state == PlanState.PAST_DUE


def test_the_command_names_a_bad_date(clinic):
    result = CliRunner().invoke(build_app(), ["daily", "--as-of", "2026-02-30"])
    assert result.exit_code != 0
    assert "--as-of '2026-02-30' is not a date" in result.output


def test_the_demo_step_runs_the_sweeps_and_leaves_the_cases_to_the_pipeline(clinic):
    build_plan(clinic)
    assert [job.name for job in SWEEP_JOBS] == ["payment plans", "501(r) clocks"]
    assert do_run_demo_daily_jobs() == 1


def test_a_plan_whose_state_did_not_change_is_not_saved_again(clinic):
    plan = build_plan(clinic)
    events = AuditEvent.objects.filter(object_type="assistance.paymentplan", action="update")
    do_sweep_plans(month_day(1) + ONE_DAY)
    changed = events.count()
    do_sweep_plans(month_day(1) + ONE_DAY)
    do_sweep_plans(month_day(1) + 2 * ONE_DAY)  # still one installment missed
    assert events.count() == changed
    plan.refresh_from_db()
    assert plan.status_on == month_day(1) + 2 * ONE_DAY and plan.state == PlanState.PAST_DUE


def test_a_default_with_no_visit_to_attach_the_task_to_is_counted(clinic):
    plan = plans.do_create_plan(clinic.patient, D("600.00"), FIRST)
    ClearanceCase.objects.all().delete()
    sweep = do_sweep_plans(month_day(2) + ONE_DAY)
    assert (sweep.became, sweep.tasks_opened, sweep.defaults_without_task) == (
        {"defaulted": 1},
        0,
        1,
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.DEFAULTED
