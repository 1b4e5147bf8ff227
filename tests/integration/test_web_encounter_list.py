"""The encounter list: scoped, filtered, paginated, audited, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from finclear.audit.models import AuditEvent
from finclear.workqueue.models import ClearanceCase
from tests.integration.webclinic import build_encounter, build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sites():
    return build_site("NORTH"), build_site("SOUTH")


@pytest.fixture
def client_a(client: Client, sites) -> Client:
    client.force_login(build_user("spec_a", "specialist", sites[0].facility))
    return client


def shown(response) -> list[int]:
    return [e.pk for e in response.context["page"].object_list]


def test_only_the_users_facilities_are_listed(client_a: Client, sites) -> None:
    mine = build_encounter(sites[0])
    build_encounter(sites[1])
    response = client_a.get("/encounters/")
    assert shown(response) == [mine.pk]
    choices = [label for _, label in response.context["form"].fields["facility"].choices]
    assert choices == ["All my facilities", str(sites[0].facility)]


def test_asking_for_another_facility_is_refused(client_a: Client, sites) -> None:
    build_encounter(sites[1])
    response = client_a.get(f"/encounters/?facility={sites[1].facility.pk}")
    assert response.context["page"] is None
    assert b"Select a valid choice" in response.content


def test_filters_by_date_range_and_status(client_a: Client, sites) -> None:
    now = timezone.now()
    today = build_encounter(sites[0], scheduled_at=now)
    later = build_encounter(sites[0], scheduled_at=now + dt.timedelta(days=5))
    build_encounter(sites[0], scheduled_at=now + dt.timedelta(days=5), status="cancelled")
    past = build_encounter(sites[0], scheduled_at=now - dt.timedelta(days=3))
    local_today = timezone.localdate()
    in5 = (timezone.localtime(now) + dt.timedelta(days=5)).date()

    assert past.pk not in shown(client_a.get("/encounters/")), "defaults to today onwards"
    response = client_a.get(f"/encounters/?date_from={in5}&date_to={in5}&status=scheduled")
    assert shown(response) == [later.pk]
    response = client_a.get(f"/encounters/?date_from={local_today - dt.timedelta(days=7)}")
    assert shown(response)[:2] == [past.pk, today.pk]
    response = client_a.get(f"/encounters/?date_to={local_today}&status=scheduled")
    assert set(shown(response)) >= {past.pk}
    assert later.pk not in shown(response)


def test_a_reversed_range_is_an_error(client_a: Client) -> None:
    response = client_a.get("/encounters/?date_from=2026-05-02&date_to=2026-05-01")
    assert b"is before date_from" in response.content


def test_the_empty_state(client_a: Client) -> None:
    response = client_a.get("/encounters/")
    assert b"No encounters match these filters in your facilities." in response.content


def test_pagination_keeps_the_filters(client_a: Client, sites) -> None:
    when = timezone.now() + dt.timedelta(days=1)
    for _ in range(55):
        build_encounter(sites[0], scheduled_at=when)
    day = timezone.localtime(when).date()
    first = client_a.get(f"/encounters/?date_from={day}")
    assert len(shown(first)) == 50
    second = client_a.get(f"/encounters/?date_from={day}&page=2")
    assert len(shown(second)) == 5
    assert f"date_from={day}&amp;page=1".encode() in second.content


def test_each_row_shown_is_audited(client_a: Client, sites) -> None:
    encounters = [build_encounter(sites[0]) for _ in range(3)]
    client_a.get("/encounters/")
    recorded = {
        (e.object_id, e.patient_id, e.detail["list"])
        for e in AuditEvent.objects.filter(action="view")
    }
    assert recorded == {(str(e.pk), e.patient_id, "encounters") for e in encounters}


def test_htmx_gets_only_the_rows(client_a: Client, sites) -> None:
    build_encounter(sites[0])
    response = client_a.get("/encounters/", headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"<table" in response.content


def build_rows(site, count: int) -> None:
    for n in range(count):
        encounter = build_encounter(site)
        if n % 2:
            ClearanceCase.objects.create(encounter=encounter, due_date=timezone.localdate())


def test_the_query_count_does_not_grow_with_rows(
    client_a: Client, sites, django_assert_num_queries
) -> None:
    build_rows(sites[0], 2)
    client_a.get("/encounters/")  # warm the session's activity stamp
    # session, user, user and group permissions, admin-role check, the user's facilities,
    # count, rows (with patient, facility, department, provider and case joined), one audit
    # insert for all rows, the facility filter's choices
    with django_assert_num_queries(10):
        assert len(shown(client_a.get("/encounters/"))) == 2
    build_rows(sites[0], 40)
    with django_assert_num_queries(10):
        assert len(shown(client_a.get("/encounters/"))) == 42
