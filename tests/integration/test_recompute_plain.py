"""The bulk recompute's plain reads and writes give and store what the ORM's paths would
(SQLite and PostgreSQL): the loaders' reads, the audit events and activities written as values,
the cases' UPDATE from one JSON array (PostgreSQL), the encounters built without ``from_db``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.assistance import balances, pos
from finclear.assistance import clearance as assistance
from finclear.assistance.models import (
    AssistancePolicy,
    PaymentPlan,
    PlanState,
    PosKind,
    PosPayment,
)
from finclear.assistance.plans import do_create_plan
from finclear.audit.context import audit_context
from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import EVENT_COLUMNS, build_event, build_event_rows
from finclear.estimates import clearance as estimates_clearance
from finclear.estimates import services as estimates
from finclear.estimates.models import Estimate, GfeRequest
from finclear.scheduling.models import Encounter, EncounterStatus
from finclear.scheduling.services import do_set_encounter_status
from finclear.workqueue import rows, services
from finclear.workqueue.checks import CaseFacts
from finclear.workqueue.models import CaseActivity, CaseStatus, ClearanceCase
from tests.integration.estimates_support import EstimateClinic, build_policy
from tests.integration.model_builders import build_chargemaster_item

pytestmark = pytest.mark.django_db
D = Decimal


def values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def orm_prior_balances(patient_ids: set[int]) -> dict[int, tuple[Decimal, bool]]:
    """``balances.prior_balances`` as it was written with the ORM."""
    shares: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for patient_id, encounter_id, total in Estimate.objects.filter(
        encounter__patient_id__in=patient_ids,
        encounter__status=EncounterStatus.DISCHARGED,
        is_current=True,
    ).values_list("encounter__patient_id", "encounter_id", "patient_total"):
        shares[patient_id][encounter_id] = total
    encounter_ids = {e for per in shares.values() for e in per}
    paid = dict(
        PosPayment.objects.filter(encounter_id__in=encounter_ids)
        .values_list("encounter_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    financed: dict[int, Decimal] = defaultdict(lambda: D("0.00"))
    open_plan = set()
    for patient_id, encounter_id, balance, state in (
        PaymentPlan.objects.filter(patient_id__in=patient_ids)
        .exclude(state=PlanState.CANCELLED)
        .values_list("patient_id", "encounter_id", "balance", "state")
    ):
        if encounter_id in encounter_ids:
            financed[patient_id] += balance
        if state in balances.OPEN_PLAN_STATES:
            open_plan.add(patient_id)
    zero = D("0.00")
    return {
        patient_id: (
            max(
                sum(
                    (max(t - paid.get(e, zero), zero) for e, t in shares[patient_id].items()),
                    zero,
                )
                - financed[patient_id],
                zero,
            ),
            patient_id in open_plan,
        )
        for patient_id in patient_ids
    }


@pytest.fixture
def clinics():
    """Two patients with discharged visits (current and superseded estimates), payments taken
    at check-in, plans (one cancelled, one for a visit, one not), a GFE requested twice."""
    first, second = EstimateClinic(), EstimateClinic("SOUTH")
    for clinic in (first, second):
        build_policy(clinic.facility)
        build_chargemaster_item(clinic.facility, cpt="29881", charge="9800.00")
    earlier = []
    for clinic, codes in ((first, ("72148",)), (first, ("72148", "99213")), (second, ("29881",))):
        visit = clinic.visit(*codes)
        estimates.do_create_estimate(visit)
        estimates.do_create_estimate(visit)  # the first no longer current
        do_set_encounter_status(visit, "arrived")
        do_set_encounter_status(visit, "discharged")
        earlier.append(visit)
    pos.do_record_pos_payment(earlier[0], D("100.00"), "cash", PosKind.COPAY)
    pos.do_record_pos_payment(earlier[0], D("25.50"), "card", PosKind.DEPOSIT)
    pos.do_record_pos_payment(earlier[2], D("300.00"), "card", PosKind.DEPOSIT)
    plan = do_create_plan(first.patient, D("400.00"), dt.date(2026, 12, 31), encounter=earlier[1])
    PaymentPlan.objects.filter(pk=plan.pk).update(state=PlanState.CANCELLED)
    do_create_plan(first.patient, D("300.00"), dt.date(2026, 12, 31), encounter=earlier[1])
    do_create_plan(second.patient, D("50.00"), dt.date(2026, 12, 31))
    coming = [first.visit("72148"), second.visit("29881"), first.visit("99213")]
    for visit in coming[:2]:
        estimates.do_create_estimate(visit)
        pos.do_record_pos_payment(visit, D("40.00"), "cash", PosKind.DEPOSIT)
        pos.do_record_pos_payment(visit, D("2.25"), "cash", PosKind.DEPOSIT)
    second.make_self_pay()
    estimates.do_request_gfe(coming[1], None, requested_on=dt.date(2026, 10, 20))
    estimates.do_request_gfe(coming[1], None, requested_on=dt.date(2026, 10, 12))
    return first, second, earlier, coming


def test_prior_balances_are_the_orms(clinics):
    first, second, _, _ = clinics
    ids = {first.patient.pk, second.patient.pk, second.patient.pk + 1000}
    found = balances.prior_balances(ids)
    assert found == orm_prior_balances(ids)
    assert found[first.patient.pk][0] > 0 and found[first.patient.pk][1]
    assert all(type(amount) is Decimal for amount, _ in found.values())
    assert balances.prior_balances(set()) == {}


def test_the_deposits_read_is_the_orms_sum(clinics):
    _, _, earlier, coming = clinics
    ids = [e.pk for e in earlier + coming]
    deposits = assistance._reads()[3]
    expected = dict(
        PosPayment.objects.filter(encounter_id__in=ids, kind=PosKind.DEPOSIT)
        .values_list("encounter_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    found = dict(deposits(ids, [PosKind.DEPOSIT]))
    assert found == expected and found[coming[0].pk] == D("42.25")
    assert all(type(v) is Decimal for v in found.values())


def test_the_estimate_loaders_reads_and_facts_are_the_orms(clinics):
    _, _, earlier, coming = clinics
    ids = [e.pk for e in earlier + coming]
    current, requests = estimates_clearance._reads()
    orm_current = {
        e.encounter_id: e
        for e in Estimate.objects.filter(encounter_id__in=ids, is_current=True).only(
            "pk", "encounter_id", "kind", "patient_total", "copay", "delivered_at"
        )
    }
    found = {row[0]: row[1:] for row in current(ids, [True])}
    assert found == {
        pk: [e.kind, e.patient_total, e.copay, e.delivered_at] for pk, e in orm_current.items()
    }
    orm_requests: dict[int, dt.date] = {}
    for encounter_id, day in GfeRequest.objects.filter(encounter_id__in=ids).values_list(
        "encounter_id", "requested_on"
    ):
        orm_requests[encounter_id] = min(day, orm_requests.get(encounter_id, day))
    assert dict(requests(ids)) == orm_requests == {coming[1].pk: dt.date(2026, 10, 12)}
    cases = list(
        ClearanceCase.objects.select_related("encounter__facility").filter(encounter_id__in=ids)
    )
    for case in cases:
        encounter = case.encounter
        facts = CaseFacts(encounter, dt.date(2026, 11, 2), [])
        orm = orm_current.get(encounter.pk)
        plain = estimates_clearance.CurrentEstimate(*found[encounter.pk]) if orm else None
        day = orm_requests.get(encounter.pk)
        assert estimates_clearance.build_estimate_facts(
            facts, plain, day
        ) == estimates_clearance.build_estimate_facts(facts, orm, day)


@pytest.mark.parametrize("user", [False, True], ids=["system", "user"])
def test_event_rows_store_what_build_event_stores(clinics, django_user_model, user):
    first, _, earlier, _ = clinics
    acting = django_user_model.objects.create_user("clerk") if user else None
    case = ClearanceCase.objects.get(encounter=earlier[0])
    details = [{"fields": ["status", "priority"]}, {"fields": []}, {"fields": ["status"]}]
    at = timezone.now()
    with audit_context(user=acting, channel="task", ip_address="10.1.2.3", path="/x"):
        expected = [
            build_event(AuditAction.UPDATE, obj=case, patient_id=first.patient.pk, detail=d)
            for d in details
        ] + [build_event(AuditAction.UPDATE, obj=case, detail=details[0])]
        row = build_event_rows(AuditAction.UPDATE)
        written = [row(case, first.patient.pk, d) for d in details] + [row(case, None, details[0])]
    for event in expected:
        event.occurred_at = at
    for values_ in written:
        values_[EVENT_COLUMNS.index("occurred_at")] = at
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    AuditEvent.objects.bulk_create(expected)
    rows.do_insert_values(AuditEvent, EVENT_COLUMNS, written * 10)  # COPY on PostgreSQL
    stored = [
        {k: v for k, v in values(e).items() if k != "id"}
        for e in AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    ]
    assert len(stored) == 4 + 40
    assert stored[4:] == stored[:4] * 10
    assert stored[3]["patient_id"] == first.patient.pk
    assert stored[0]["user_id"] == (acting.pk if acting else None)


def test_activity_rows_store_what_the_model_stores(clinics):
    _, _, earlier, _ = clinics
    case = ClearanceCase.objects.get(encounter=earlier[0])
    at = timezone.now()
    args = [
        (case.pk, CaseActivity.Kind.STATUS, None, "pending", "needs_eligibility", "why", at),
        (case.pk, CaseActivity.Kind.OVERRIDE_LIFTED, None, "cleared", "pending", "", at),
    ]
    before = CaseActivity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    CaseActivity.objects.bulk_create(
        CaseActivity(
            case_id=c, kind=k, user_id=u, from_status=f, to_status=t, detail=d, occurred_at=o
        )
        for c, k, u, f, t, d, o in args
    )
    rows.do_insert_values(
        CaseActivity, services.ACTIVITY_COLUMNS, [services._activity_row(*a) for a in args] * 15
    )
    stored = [
        {k: v for k, v in values(a).items() if k != "id"}
        for a in CaseActivity.objects.filter(pk__gt=before).order_by("pk")
    ]
    assert len(stored) == 32 and stored[2:] == stored[:2] * 15


def test_encounters_built_plainly_know_their_loaded_status(clinics):
    _, _, _, coming = clinics
    ids = list(
        ClearanceCase.objects.filter(encounter__in=coming)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert rows._plain_init(Encounter, receivers=True) is None  # the audit's snapshot
    assert rows._plain_init(Encounter, receivers=False) is not None
    with transaction.atomic():
        found = services._lock_cases(ids)
    orm = [Encounter.objects.get(pk=case.encounter_id) for case in found]
    assert [values(c.encounter) for c in found] == [values(e) for e in orm]
    assert [c.encounter.loaded_status for c in found] == [e.loaded_status for e in orm]
    assert all(c.encounter.loaded_status == "scheduled" for c in found)
    assert not any(hasattr(c.encounter, "_finclear_audit_snapshot") for c in found)


# -- the cases' UPDATE from one JSON array (PostgreSQL) --------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
ZONES = st.sampled_from([dt.UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
WHEN = st.builds(
    lambda at, zone: at.replace(tzinfo=dt.UTC).astimezone(zone),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2090, 1, 1)),
    ZONES,
)
MONEY = st.decimals(
    D("-9999999999.99"), D("9999999999.99"), places=2, allow_nan=False, allow_infinity=False
)
WRITTEN = {
    "status": st.sampled_from(CaseStatus.values),
    "status_reason": TEXT,
    "computed_status": st.sampled_from(["", *CaseStatus.values]),
    "computed_at": st.none() | WHEN,
    "priority": st.integers(-(2**31), 2**31 - 1),
    "priority_explained": TEXT.map(lambda t: t[:200]),
    "open_items": st.lists(st.fixed_dictionaries({"item": TEXT, "reason": TEXT}), max_size=3),
    "computed_parts": st.dictionaries(TEXT, JSON, max_size=4),
    "item_flags": st.integers(0, 32767),
    "payer_at_risk": MONEY,
    "patient_at_risk": MONEY,
    "is_open": st.booleans(),
    "due_date": st.dates(dt.date(1990, 1, 1), dt.date(2090, 1, 1)),
    "cleared_at": st.none() | WHEN,
    "override_reason": TEXT,
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the JSON UPDATE is PostgreSQL's")
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.fixed_dictionaries(WRITTEN))
def test_the_json_update_stores_what_one_update_per_row_stores(clinics, written):
    _, _, _, coming = clinics
    ids = list(
        ClearanceCase.objects.filter(encounter__in=coming[:2])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        plain, each = services._lock_cases(ids)
        for case in (plain, each):
            for name, value in written.items():
                setattr(case, name, value)
        names = list(written)
        services._write_json([plain], names)
        services._write_each([each], names)
        stored = {
            c.pk: {name: getattr(c, name) for name in names}
            for c in ClearanceCase.objects.filter(pk__in=ids)
        }
        transaction.set_rollback(True)
    assert stored[plain.pk] == stored[each.pk]


def test_the_policies_read_is_the_orms(clinics):
    first, second, _, _ = clinics
    build_policy(first.facility, name="Later FAP", effective_from=dt.date(2026, 1, 1))
    ids = {first.facility.pk, second.facility.pk, second.facility.pk + 1000}
    found = assistance._policies(ids)
    expected: dict[int, list[Any]] = defaultdict(list)
    for policy in AssistancePolicy.objects.filter(facility_id__in=ids).order_by(
        "-effective_from", "-pk"
    ):
        expected[policy.facility_id].append(policy)
    assert {k: [values(p) for p in v] for k, v in found.items()} == {
        k: [values(p) for p in v] for k, v in expected.items()
    }
    assert [p.name for p in found[first.facility.pk]] == ["Later FAP", "Synthetic FAP"]
    assert assistance._policies(set()) == {}


@pytest.mark.parametrize("count", [1, 3, 120])
def test_keys_kept_by_in_marks_are_those_of_an_in_list(clinics, count):
    ids = list(Encounter.objects.order_by("pk").values_list("pk", flat=True))
    wanted = [*(ids * count)[:count], max(ids) + 5]
    table = connection.ops.quote_name(Encounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id {rows.in_marks(wanted)} ORDER BY id",
            rows.in_params(wanted),
        )
        found = [row[0] for row in cursor.fetchall()]
    assert found == sorted(set(wanted) & set(ids))
