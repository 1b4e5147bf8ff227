"""The auditor's search page: filters, pagination, export, and who may use it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from finclear.audit.context import audit_context
from finclear.audit.models import AuditEvent
from finclear.audit.services import record_event

pytestmark = pytest.mark.django_db


def user_with_role(username: str, role: str):
    user = get_user_model().objects.create_user(username, password="unused-password-1")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def auditor_client(client: Client) -> Client:
    client.force_login(user_with_role("auditor1", "auditor"))
    return client


@pytest.fixture
def trail():
    nurse = get_user_model().objects.create_user("nurse", password="unused-password-1")
    clerk = get_user_model().objects.create_user("clerk", password="unused-password-1")
    with audit_context(user=nurse, channel="web"):
        record_event("view", object_type="patients.patient", object_id="11", patient_id=11)
        record_event("update", object_type="patients.coverage", object_id="5", patient_id=11)
    with audit_context(user=clerk, channel="api"):
        record_event("view", object_type="patients.patient", object_id="12", patient_id=12)
    record_event("export", object_type="reports.aging")
    return {"nurse": nurse, "clerk": clerk}


def rows(page) -> list[tuple]:
    return [
        (e.username, e.action, e.object_type, e.patient_id)
        for e in page.context["page"].object_list
    ]


def test_a_specialist_is_forbidden(client: Client, trail) -> None:
    client.force_login(user_with_role("spec", "specialist"))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_auditor_sees_the_trail_and_the_nav_link(auditor_client: Client, trail) -> None:
    page = auditor_client.get("/audit/")
    assert page.status_code == 200
    assert b'href="/audit/"' in page.content
    assert {
        ("nurse", "view", "patients.patient", 11),
        ("clerk", "view", "patients.patient", 12),
    } <= set(rows(page))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "username=NURSE",
            {
                ("nurse", "view", "patients.patient", 11),
                ("nurse", "update", "patients.coverage", 11),
            },
        ),
        ("patient_id=12", {("clerk", "view", "patients.patient", 12)}),
        ("action=update", {("nurse", "update", "patients.coverage", 11)}),
        ("object_type=patients.patient&channel=api", {("clerk", "view", "patients.patient", 12)}),
    ],
)
def test_filters(auditor_client: Client, trail, query: str, expected: set) -> None:
    page = auditor_client.get(f"/audit/?{query}")
    assert {row for row in rows(page) if row[0] != "auditor1"} == expected


def test_date_range_includes_both_days(auditor_client: Client, trail) -> None:
    today = timezone.localdate()
    page = auditor_client.get(f"/audit/?date_from={today}&date_to={today}&username=nurse")
    assert len(rows(page)) == 2
    yesterday = today - dt.timedelta(days=1)
    page = auditor_client.get(f"/audit/?date_from={yesterday}&date_to={yesterday}&username=nurse")
    assert rows(page) == []
    assert b"No audit events match" in page.content


def test_a_reversed_date_range_is_an_error(auditor_client: Client) -> None:
    page = auditor_client.get("/audit/?date_from=2026-03-02&date_to=2026-03-01")
    assert page.status_code == 200
    assert b"is before date_from" in page.content


def test_pagination(auditor_client: Client) -> None:
    with audit_context(channel="task"):
        for n in range(120):
            record_event("view", object_type="patients.patient", object_id=str(n), patient_id=7)
    first = auditor_client.get("/audit/?patient_id=7&object_type=patients.patient")
    assert first.context["page"].paginator.num_pages == 3
    assert len(first.context["page"].object_list) == 50
    last = auditor_client.get("/audit/?patient_id=7&object_type=patients.patient&page=3")
    assert len(last.context["page"].object_list) == 20
    assert b"object_type=patients.patient&amp;page=2" in last.content


def test_searching_is_itself_audited_by_filter_name(auditor_client: Client, trail) -> None:
    auditor_client.get("/audit/?patient_id=11&action=view")
    event = AuditEvent.objects.filter(username="auditor1").latest("id")
    assert (event.action, event.object_type, event.patient_id) == ("view", "audit.auditevent", 11)
    assert sorted(event.detail["filters"]) == ["action", "patient_id"]


def test_htmx_gets_only_the_results(auditor_client: Client, trail) -> None:
    page = auditor_client.get("/audit/?action=update", headers={"HX-Request": "true"})
    assert b"<html" not in page.content
    assert b"<table" in page.content


def test_export_is_audited_and_holds_no_detail_values(auditor_client: Client, trail) -> None:
    response = auditor_client.get("/audit/export.csv?username=nurse")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("occurred_at,username,action")
    assert len(lines) == 3
    assert AuditEvent.objects.filter(action="export", username="auditor1").count() == 1
