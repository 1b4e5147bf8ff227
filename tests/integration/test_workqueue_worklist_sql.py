"""The worklist's plain SQL (``queries.build_case_filter``, ``status_counts``,
``read_page_values``) against the ORM querysets it replaced: the same rows, in the same order,
with the same values, and the same counts, for every filter, tab, sort and page; and the
audit events its PostgreSQL statement writes are those ``record_row_views`` writes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, F, QuerySet
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.audit.context import audit_context
from finclear.audit.models import AuditEvent
from finclear.audit.services import record_row_views
from finclear.organizations.models import Department, Provider
from finclear.rules.clearance import ITEM_FLAG, Item
from finclear.workqueue import queries
from finclear.workqueue.models import CaseStatus, ClearanceCase
from tests.integration.webclinic import (
    build_encounter,
    build_payer_plan,
    build_site,
    build_user,
)

pytestmark = pytest.mark.django_db


def orm_cases(user: Any, f: dict[str, Any]) -> QuerySet[Any]:
    """The ORM's form of ``build_case_filter`` (the code the plain SQL replaced)."""
    cases = queries.cases_for_user(user)
    if f.get("date_from"):
        cases = cases.filter(due_date__gte=f["date_from"])
    if f.get("date_to"):
        cases = cases.filter(due_date__lte=f["date_to"])
    if f.get("facility"):
        cases = cases.filter(facility_id=f["facility"].pk)
    if f.get("department"):
        cases = cases.filter(encounter__department_id=f["department"].pk)
    if f.get("provider"):
        cases = cases.filter(encounter__rendering_provider_id=f["provider"].pk)
    if f.get("payer"):
        cases = cases.filter(payer_id=f["payer"].pk)
    if f.get("item"):
        flag = int(ITEM_FLAG[Item(f["item"])])
        cases = cases.annotate(has_item=F("item_flags").bitand(flag)).filter(has_item=flag)
    assignee = f.get("assignee")
    if assignee == "me":
        cases = cases.filter(owner_id=user.pk)
    elif assignee == "unassigned":
        cases = cases.filter(owner__isnull=True)
    elif assignee:
        cases = cases.filter(owner_id=int(assignee))
    return cases


def orm_tab(cases: QuerySet[Any], tab: str) -> QuerySet[Any]:
    if tab == queries.TODO:
        return cases.exclude(status=CaseStatus.CLEARED)
    if tab == queries.ALL:
        return cases
    return cases.filter(status=tab)


ORM_SORTS = {
    "priority": ("-priority", "due_date", "id"),
    "date": ("due_date", "scheduled_at", "id"),
}


@pytest.fixture
def clinic():
    """Two sites (the first with a second department and provider), cases of every status,
    with ties on priority and due date, some owned, some closed, some without a visit time."""
    north, south = build_site("NORTH"), build_site("SOUTH")
    other_department = Department.objects.create(
        facility=north.facility, code="CARD", name="Cardiology"
    )
    other_provider = Provider.objects.create(
        npi="9100000001", first_name="Second", last_name="Doctor"
    )
    payers = [build_payer_plan().payer, build_payer_plan().payer]
    admin = build_user("wq_admin", "admin")
    ann = build_user("wq_ann", "specialist", north.facility)
    bob = build_user("wq_bob", "specialist", north.facility, south.facility)
    nobody = build_user("wq_nobody", "specialist")
    statuses = list(CaseStatus.values)
    today = timezone.localdate()
    flags = [0, 1, 2, 3, 5, 8, 15]
    for n in range(28):
        site = (north, south)[n % 2]
        fields: dict[str, Any] = {}
        if n % 5 == 0 and site is north:
            fields["department"] = other_department
        if n % 3 == 0:
            fields["rendering_provider"] = other_provider
        when = timezone.now() + dt.timedelta(days=n % 4, hours=n)
        encounter = build_encounter(site, scheduled_at=when, **fields)
        ClearanceCase.objects.create(
            encounter=encounter,
            status=statuses[n % len(statuses)],
            computed_status=statuses[(n + 1) % len(statuses)],
            status_reason=f"reason {n}",
            override_status=statuses[n % len(statuses)] if n % 7 == 0 else "",
            owner=(None, ann, bob)[n % 3],
            due_date=today + dt.timedelta(days=n % 3),
            priority=(n * 7) % 3,
            open_items=[{"item": "eligibility", "reason": f"no 271 <{n}>"}] if n % 2 else [],
            item_flags=flags[n % len(flags)],
            priority_explained=f"explained {n}",
            payer_at_risk=Decimal(f"{n * 13}.{n % 100:02d}"),
            patient_at_risk=Decimal(f"{n}.05"),
            is_open=n % 9 != 4,
            facility=site.facility,
            scheduled_at=None if n % 8 == 3 else when,
            payer=None if n % 6 == 1 else payers[n % 2],
            claimed_at=timezone.now() - dt.timedelta(minutes=n) if n % 3 else None,
            computed_at=timezone.now() - dt.timedelta(hours=n),
        )
    return {
        "users": [admin, ann, bob, nobody],
        "facility": [north.facility, south.facility],
        "department": [north.department, other_department, south.department],
        "provider": [north.provider, other_provider, south.provider],
        "payer": payers,
        "ann": ann,
        "bob": bob,
    }


def filters_strategy(clinic: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    today = timezone.localdate()
    days = st.one_of(st.none(), st.integers(0, 4).map(lambda d: today + dt.timedelta(days=d)))
    return st.fixed_dictionaries(
        {
            "date_from": days,
            "date_to": days,
            "facility": st.one_of(st.none(), st.sampled_from(clinic["facility"])),
            "department": st.one_of(st.none(), st.sampled_from(clinic["department"])),
            "provider": st.one_of(st.none(), st.sampled_from(clinic["provider"])),
            "payer": st.one_of(st.none(), st.sampled_from(clinic["payer"])),
            "item": st.one_of(st.none(), st.sampled_from([i.value for i in Item])),
            "assignee": st.sampled_from(
                ["", "me", "unassigned", str(clinic["ann"].pk), str(clinic["bob"].pk)]
            ),
        }
    )


TABS = [queries.TODO, queries.ALL, *[str(s) for s in queries.TAB_ORDER]]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_plain_sql_reads_what_the_orm_read(clinic, data) -> None:
    user = data.draw(st.sampled_from(clinic["users"]))
    f = data.draw(filters_strategy(clinic))
    tab = data.draw(st.sampled_from(TABS))
    sort = data.draw(st.sampled_from(["priority", "date"]))
    start = data.draw(st.integers(0, 20))
    count = data.draw(st.integers(1, 12))
    case_filter = queries.build_case_filter(user, f)
    cases = orm_cases(user, f)
    expected = list(
        orm_tab(cases, tab)
        .order_by(*ORM_SORTS[sort])
        .values_list(*queries.ROW_LOOKUPS)[start : start + count]
    )
    got = queries.read_page_values(case_filter, tab, sort, start, count)
    assert got == expected
    # The values' types too (== would let 1 == 1.0 or a str for a date pass).
    for row_got, row_expected in zip(got, expected, strict=True):
        assert [type(v) for v in row_got] == [type(v) for v in row_expected]
    orm_counts = dict(cases.order_by().values_list("status").annotate(n=Count("*")))
    counts = queries.status_counts(case_filter)
    assert {k: v for k, v in counts.items() if v and k not in (queries.ALL, queries.TODO)} == {
        str(k): v for k, v in orm_counts.items()
    }
    assert counts[queries.ALL] == sum(orm_counts.values())
    assert counts[queries.TODO] == cases.exclude(status=CaseStatus.CLEARED).count()


def test_a_user_without_facilities_reads_nothing(clinic) -> None:
    nobody = clinic["users"][3]
    case_filter = queries.build_case_filter(nobody, {})
    assert queries.read_page_values(case_filter, queries.ALL, "priority", 0, 50) == []
    assert queries.status_counts(case_filter)[queries.ALL] == 0
    # and the admin reads every open case
    admin_filter = queries.build_case_filter(clinic["users"][0], {})
    rows = queries.read_page_values(admin_filter, queries.ALL, "priority", 0, 100)
    assert len(rows) == ClearanceCase.objects.filter(is_open=True).count() > 0


def _events(**filters: Any) -> list[tuple[Any, ...]]:
    return sorted(
        AuditEvent.objects.filter(**filters).values_list(
            "user_id",
            "username",
            "action",
            "channel",
            "ip_address",
            "path",
            "detail",
            "object_type",
            "object_id",
            "object_repr",
            "patient_id",
        )
    )


def test_the_rows_statement_audits_what_record_row_views_would(clinic) -> None:
    """Read with a request: each row shown has its view event, as ``record_row_views``
    writes it (on PostgreSQL written by the rows' own statement)."""
    bob = clinic["bob"]
    request = RequestFactory().get("/worklist/", REMOTE_ADDR="10.1.2.3")
    request.user = bob
    case_filter = queries.build_case_filter(bob, {})
    for tab, start, count in itertools.product([queries.TODO, queries.ALL], [0, 5], [3, 50]):
        mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with audit_context(user=bob, channel="web"):
            rows = queries.read_page_values(case_filter, tab, "priority", start, count, request)
        made = _events(pk__gt=mark)
        mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        record_row_views(request, ClearanceCase, [(r[0], r[2]) for r in rows], "worklist")
        expected = _events(pk__gt=mark)
        assert made == expected
        assert len(made) == len(rows) > 0
        assert {e[8] for e in made} == {str(r[0]) for r in rows}
        assert {e[10] for e in made} == {r[2] for r in rows}
        assert made[0][1:7] == (
            "wq_bob",
            "view",
            "web",
            "10.1.2.3",
            "/worklist/",
            {"list": "worklist"},
        )
    occurred = AuditEvent.objects.filter(user=bob).values_list("occurred_at", flat=True)
    assert all(t.tzinfo is not None for t in occurred)


def test_no_rows_no_events(clinic) -> None:
    nobody = clinic["users"][3]
    request = RequestFactory().get("/worklist/")
    request.user = nobody
    before = AuditEvent.objects.count()
    assert (
        queries.read_page_values(
            queries.build_case_filter(nobody, {}), "all", "date", 0, 50, request
        )
        == []
    )
    assert AuditEvent.objects.count() == before
