"""The bulk recompute's plain reads and writes store what the ORM's would (SQLite and
PostgreSQL): the locked cases read, the values prepared, the columns no case changed left out,
the assistance loader's check-in."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.assistance import clearance as assistance
from finclear.assistance import services as assistance_services
from finclear.assistance.models import AssistanceApplication
from finclear.assistance.pos import build_check_in
from finclear.audit.models import AuditAction, AuditEvent
from finclear.audit.services import build_event
from finclear.estimates.models import Estimate
from finclear.estimates.services import do_create_estimate
from finclear.scheduling.models import EncounterType, ServiceLine
from finclear.scheduling.services import ServiceLineInput, do_add_service_line
from finclear.workqueue import rows, services
from finclear.workqueue.models import CaseActivity, ClearanceCase
from finclear.workqueue.rows import build_prep, prep_value
from tests.integration.estimates_support import EstimateClinic, build_policy
from tests.integration.model_builders import Clinic, build_chargemaster_item

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def stored(case_ids: list[int]) -> list[dict[str, Any]]:
    """The cases' rows, but the times a computation stamps."""
    skip = {"computed_at", "updated_at", "cleared_at"}
    rows = ClearanceCase.objects.filter(pk__in=case_ids).order_by("pk")
    return [{k: v for k, v in values(row).items() if k not in skip} for row in rows]


def build_cases(clinic: Clinic, count: int = 3) -> list[int]:
    build_chargemaster_item(clinic.facility, cpt="72148", charge="2450.00")
    encounters = [clinic.encounter() for _ in range(count)]
    do_add_service_line(encounters[0], ServiceLineInput(cpt_hcpcs="72148"))
    do_create_estimate(encounters[0])
    ids = [ClearanceCase.objects.get(encounter=e).pk for e in encounters]
    services.do_recompute_cases(ids)
    return ids


def test_the_batchs_locked_cases_are_the_orms_with_their_encounter_and_facility():
    clinic = Clinic()
    ids = build_cases(clinic)
    with transaction.atomic():
        found = services._lock_cases(list(reversed(ids)))
        with CaptureQueriesContext(connection) as related:
            facilities = [case.encounter.facility for case in found]
            assert all(case.encounter.clearance_case is case for case in found)
        assert len(related) == 0
    expected = list(
        ClearanceCase.objects.select_related("encounter__facility")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    assert [values(c) for c in found] == [values(c) for c in expected]
    assert [values(c.encounter) for c in found] == [values(c.encounter) for c in expected]
    assert [values(f) for f in facilities] == [values(c.encounter.facility) for c in expected]
    assert all(c.computed_parts["findings"] for c in found)
    assert all(not c._state.adding and c._state.db == "default" for c in found)
    assert all(f._state.db == "default" and not f._state.adding for f in facilities)
    # Built without the audit's snapshot (never saved): the ORM's cases have one.
    assert not any(hasattr(c, "_finclear_audit_snapshot") for c in found)
    assert all(hasattr(c, "_finclear_audit_snapshot") for c in expected)


def test_a_bulk_recompute_stores_what_writing_every_field_stores(monkeypatch):
    """Columns no case of the batch changes are left out of the UPDATE; one case's column
    changed behind the recompute's back is written again, the others' rows as before."""
    clinic = Clinic()
    ids = build_cases(clinic)
    case = ClearanceCase.objects.get(pk=ids[1])
    ClearanceCase.objects.filter(pk=ids[1]).update(
        due_date=case.due_date - dt.timedelta(days=3),
        scheduled_at=case.scheduled_at - dt.timedelta(hours=5),
        payer_at_risk=Decimal("12.34"),
    )
    with CaptureQueriesContext(connection) as queries:
        services.do_recompute_cases(ids)
    # executemany is logged as "<n> times: <sql>"
    update = next(q["sql"] for q in queries if re.match(r"(\d+ times: )?UPDATE", q["sql"]))
    assert "due_date" in update and "override_reason" not in update
    assert "computed_parts" in update and "open_items" in update
    fewer = stored(ids)
    assert ClearanceCase.objects.get(pk=ids[1]).due_date == case.due_date

    ClearanceCase.objects.filter(pk=ids[1]).update(due_date=case.due_date - dt.timedelta(days=3))
    monkeypatch.setattr(
        services, "_changed_fields", lambda cases, loaded: services.RECOMPUTED_FIELDS
    )
    services.do_recompute_cases(ids)
    assert stored(ids) == fewer


def test_no_column_left_out_when_nothing_was_read_here():
    assert services._changed_fields([], None) == services.RECOMPUTED_FIELDS


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.text(),
        st.integers(min_value=-(2**31), max_value=2**31 - 1),
        st.datetimes(timezones=st.sampled_from([dt.UTC, ZoneInfo("America/Chicago")])),
    )
)
def test_prep_value_is_get_db_prep_save(value):
    """``prep_value`` gives what ``get_db_prep_save`` gives, for every field of the rows the
    recompute writes (the case's and its audit event's), whatever the value's type."""
    for model in (ClearanceCase, AuditEvent):
        fields = [f for f in model._meta.concrete_fields if f.get_internal_type() != "JSONField"]
        for field, kind in zip(fields, build_prep(fields), strict=True):
            try:
                expected = field.get_db_prep_save(value, connection)
            except Exception:  # a value the field refuses: prep_value asks the field too
                continue
            got = prep_value(field, kind, value)
            assert got == expected and type(got) is type(expected), field.name
    assert any(build_prep(ClearanceCase._meta.concrete_fields))
    assert (dt.datetime in build_prep(ClearanceCase._meta.concrete_fields)) == (
        connection.vendor == "postgresql"
    )


@pytest.mark.parametrize("kind", [EncounterType.OUTPATIENT, EncounterType.EMERGENCY])
@pytest.mark.parametrize("cpt", ["", "72148", "27447"])  # none, imaging, surgery
def test_the_loaders_check_in_is_the_pos_one(kind, cpt):
    clinic = Clinic()
    encounter = clinic.encounter(encounter_type=kind)
    codes = []
    if cpt:
        build_chargemaster_item(clinic.facility, cpt=cpt, charge="980.00")
        do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs=cpt))
        do_create_estimate(encounter)
        codes = [cpt]
    estimate = Estimate.objects.filter(encounter=encounter, is_current=True).first()
    pair = None if estimate is None else (estimate.copay, estimate.patient_total)
    prior = (Decimal("35.10"), False)
    kinds: dict[Any, str] = {}
    for _ in range(2):  # the second from the kept kind
        got = assistance.build_check_in(encounter, pair, prior, codes, kinds)
        assert got == build_check_in(encounter, estimate, prior, codes)
    assert len(kinds) == 1


@pytest.mark.parametrize("count", [3, rows.COPY_ABOVE + 25], ids=["insert", "copy"])
def test_many_rows_inserted_are_the_ones_bulk_create_would_store(count):
    """More than ``COPY_ABOVE`` rows go by COPY on PostgreSQL: the same stored values, in the
    same order, as ``bulk_create``'s (audit events with JSON and nulls, case activities)."""
    clinic = Clinic()
    case = ClearanceCase.objects.get(pk=build_cases(clinic, 1)[0])
    at = timezone.now()

    def events(marker: str) -> list[AuditEvent]:
        out = []
        for n in range(count):
            event = build_event(
                AuditAction.UPDATE,
                obj=case,
                patient_id=None if n % 3 else clinic.patient.pk,
                detail={
                    "fields": ["status", marker, str(n)],
                    "count": n,
                    "reason": 'it\'s \t "quoted"',
                },
            )
            event.occurred_at = at
            out.append(event)
        return out

    def activities(marker: str) -> list[CaseActivity]:
        return [
            CaseActivity(
                case=case,
                kind=CaseActivity.Kind.STATUS,
                from_status="pending",
                to_status=marker,
                detail=f"{marker} {n}\\ttab\\nline",
                occurred_at=at,
            )
            for n in range(count)
        ]

    AuditEvent.objects.bulk_create(events("bulk"))
    CaseActivity.objects.bulk_create(activities("bulk"))
    rows.do_insert_rows(AuditEvent, events("rows"))
    rows.do_insert_rows(CaseActivity, activities("rows"))

    def stored_events(marker: str) -> list[dict[str, Any]]:
        out = []
        for row in AuditEvent.objects.filter(detail__fields__1=marker).order_by("pk"):
            row.detail["fields"][1] = "-"
            out.append({k: v for k, v in values(row).items() if k != "id"})
        return out

    def stored_activities(marker: str) -> list[dict[str, Any]]:
        found = CaseActivity.objects.filter(to_status=marker).order_by("pk")
        return [
            {k: v for k, v in values(row).items() if k not in ("id", "to_status")}
            | {"detail": row.detail.replace(marker, "-")}
            for row in found
        ]

    assert stored_events("rows") == stored_events("bulk") and len(stored_events("rows")) == count
    assert stored_activities("rows") == stored_activities("bulk")
    assert len(stored_activities("rows")) == count


def test_the_assistance_loaders_reads_are_the_orms():
    """Applications latest first, current estimates, service lines' codes: the plain reads
    give the ORM's ``values_list`` rows in the ORM's order (PostgreSQL's decimals and
    SQLite's alike)."""
    clinic = EstimateClinic()
    build_policy(clinic.facility)
    for n, day in enumerate((dt.date(2026, 3, 2), dt.date(2026, 5, 4), dt.date(2026, 5, 4))):
        assistance_services.do_submit_application(
            clinic.patient, household_size=1 + n, annual_income=Decimal("20000"), received_on=day
        )
    encounters = [clinic.encounter() for _ in range(3)]
    for cpt, charge in (("72148", "2450.00"), ("27447", "980.10")):
        build_chargemaster_item(clinic.facility, cpt=cpt, charge=charge)
        for encounter in encounters[:2]:
            do_add_service_line(encounter, ServiceLineInput(cpt_hcpcs=cpt))
    for encounter in encounters[:2]:
        do_create_estimate(encounter)
    do_create_estimate(encounters[0])  # the first one no longer current
    applications, estimates, lines, _ = assistance._reads()
    patients = [clinic.patient.pk, clinic.patient.pk + 1000]
    ids = [e.pk for e in encounters]

    assert [tuple(r) for r in applications(patients)] == list(
        AssistanceApplication.objects.filter(patient_id__in=patients)
        .order_by("patient_id", "-received_on", "-pk")
        .values_list("patient_id", "status")
    )
    assert len(applications(patients)) == 3
    expected = list(
        Estimate.objects.filter(encounter_id__in=ids, is_current=True).values_list(
            "encounter_id", "copay", "patient_total"
        )
    )
    assert [tuple(r) for r in estimates(ids, [True])] == expected and len(expected) == 2
    assert all(type(v) is Decimal for r in expected for v in r[1:])
    assert [tuple(r) for r in lines(ids)] == list(
        ServiceLine.objects.filter(encounter_id__in=ids).values_list("encounter_id", "cpt_hcpcs")
    )
    assert len(lines(ids)) == 4 and lines([]) == []
