"""Working an item: the workspace, claim, next, release, reassign, override, notes,
counseling, bulk actions; the recompute when facts change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.audit.models import AuditEvent
from finclear.workqueue import services
from finclear.workqueue.models import CaseActivity, CaseStatus, ClearanceCase, Task
from tests.integration.test_workqueue_worklist import open_case
from tests.integration.webclinic import build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sites():
    return build_site("NORTH"), build_site("SOUTH")


@pytest.fixture
def people(sites):
    north = sites[0].facility
    return {
        "ann": build_user("ann", "specialist", north),
        "bob": build_user("bob", "specialist", north),
        "sue": build_user("sue", "supervisor", north),
    }


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_workspace_shows_the_item_and_is_audited(sites, people) -> None:
    case = open_case(sites[0], days=10)
    ann = login(people["ann"])
    response = ann.get(f"/worklist/cases/{case.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for heading in (
        "Patient",
        "Coverages",
        "Eligibility and benefits",
        "Notes",
        "Tasks",
        "History",
    ):
        assert heading in body
    assert "Needs eligibility" in body
    assert AuditEvent.objects.filter(
        user=people["ann"],
        action="view",
        object_type="workqueue.clearancecase",
        object_id=str(case.pk),
    ).exists()
    other = open_case(sites[1])
    assert ann.get(f"/worklist/cases/{other.pk}/").status_code == 404


def test_the_workspace_query_count_is_bounded(sites, people) -> None:
    case = open_case(sites[0])
    ann = login(people["ann"])
    ann.get(f"/worklist/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as queries:
        ann.get(f"/worklist/cases/{case.pk}/")
    assert len(queries) <= 30, [q["sql"][:80] for q in queries]


def test_claim_is_exclusive_and_release_gives_it_back(sites, people) -> None:
    case = open_case(sites[0])
    ann, bob = login(people["ann"]), login(people["bob"])
    response = ann.post(f"/worklist/cases/{case.pk}/claim/")
    assert response.status_code == 302 and response.url == f"/worklist/cases/{case.pk}/"
    refused = bob.post(f"/worklist/cases/{case.pk}/claim/", headers={"HX-Request": "true"})
    assert refused.status_code == 409
    assert b"already claimed by ann" in refused.content
    case.refresh_from_db()
    assert case.owner == people["ann"] and case.claimed_at is not None
    assert bob.post(f"/worklist/cases/{case.pk}/release/").status_code == 302
    case.refresh_from_db()
    assert case.owner == people["ann"]  # bob may not release ann's item
    ann.post(f"/worklist/cases/{case.pk}/release/")
    case.refresh_from_db()
    assert case.owner is None
    kinds = list(case.activities.order_by("occurred_at", "pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["claimed", "released"]


def test_claim_next_takes_the_most_urgent_unowned_item(sites, people) -> None:
    later = open_case(sites[0], days=20)
    soon = open_case(sites[0], days=1)
    open_case(sites[1], days=0)  # another facility: never offered
    ann, bob = login(people["ann"]), login(people["bob"])
    first = ann.post("/worklist/next/")
    assert first.url == f"/worklist/cases/{soon.pk}/"
    second = bob.post("/worklist/next/")
    assert second.url == f"/worklist/cases/{later.pk}/"
    third = ann.post("/worklist/next/", follow=True)
    assert b"Nothing left to claim" in third.content


def test_reassign_and_override_are_for_supervisors(sites, people) -> None:
    case = open_case(sites[0], days=20)
    ann, sue = login(people["ann"]), login(people["sue"])
    data = {"owner": people["bob"].pk}
    assert ann.post(f"/worklist/cases/{case.pk}/reassign/", data).status_code == 403
    assert sue.post(f"/worklist/cases/{case.pk}/reassign/", data).status_code == 302
    case.refresh_from_db()
    assert case.owner == people["bob"]
    override = {"status": "cleared", "reason": "payer confirmed by phone, ref 123"}
    assert ann.post(f"/worklist/cases/{case.pk}/override/", override).status_code == 403
    assert (
        sue.post(f"/worklist/cases/{case.pk}/override/", {"status": "cleared"}).status_code == 302
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.NEEDS_ELIGIBILITY  # no reason, no override
    sue.post(f"/worklist/cases/{case.pk}/override/", override)
    case.refresh_from_db()
    assert (case.status, case.computed_status) == ("cleared", "needs_eligibility")
    assert case.overridden_by == people["sue"]
    event = AuditEvent.objects.filter(
        object_type="workqueue.clearancecase", object_id=str(case.pk), action="update"
    ).latest("id")
    assert "override_status" in event.detail["fields"] and event.username == "sue"
    activity = case.activities.get(kind=CaseActivity.Kind.OVERRIDDEN)
    assert activity.detail == override["reason"]
    services.do_recompute_cases([case.pk])  # nothing changed: the override stands
    case.refresh_from_db()
    assert case.status == "cleared"
    sue.post(f"/worklist/cases/{case.pk}/override/lift/")
    case.refresh_from_db()
    assert case.status == "needs_eligibility" and not case.override_status


def test_an_override_lapses_when_the_computed_status_changes(sites, people) -> None:
    case = open_case(sites[0], days=20)
    services.do_override_status(case.pk, "cleared", "accepted risk", people["sue"])
    case.encounter.scheduled_at = timezone.now() + dt.timedelta(days=1)
    case.encounter.save()
    services.do_recompute_cases([case.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.AT_RISK and not case.override_status
    assert case.activities.filter(kind=CaseActivity.Kind.OVERRIDE_LIFTED).exists()


def test_notes_and_counseling(sites, people) -> None:
    case = open_case(sites[0], days=20, insured=False)
    assert "counseling" in [i["item"] for i in case.open_items]
    ann = login(people["ann"])
    ann.post(f"/worklist/cases/{case.pk}/notes/", {"body": "Left a voicemail."})
    assert case.notes.get().body == "Left a voicemail."
    ann.post(f"/worklist/cases/{case.pk}/counseling/", {"body": "Screened for FAP: applying."})
    case.refresh_from_db()
    assert "counseling" not in [i["item"] for i in case.open_items]
    assert Task.objects.get(case=case, kind="counseling").status == "done"


def test_verified_eligibility_clears_the_item(sites, people, payer) -> None:
    case = open_case(sites[0], days=20)
    ann = login(people["ann"])
    ann.post(f"/worklist/cases/{case.pk}/claim/")
    response = ann.post(
        f"/eligibility/encounters/{case.encounter_id}/verify/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.CLEARED, case.status_reason
    assert case.priority == 0 and case.cleared_at is not None
    status = case.activities.filter(kind=CaseActivity.Kind.STATUS).latest("occurred_at")
    assert (status.to_status, status.user) == ("cleared", people["ann"])
    panel = ann.get(f"/worklist/cases/{case.pk}/status/")
    assert b"Cleared: nothing is left to do" in panel.content


def test_bulk_verify_and_claim(sites, people, payer) -> None:
    cases = [open_case(sites[0], days=20) for _ in range(2)]
    other = open_case(sites[1], days=20)
    ann = login(people["ann"])
    ids = [c.pk for c in cases] + [other.pk]
    response = ann.post(
        "/worklist/bulk/", {"action": "verify_eligibility", "case": ids}, follow=True
    )
    assert b"2 item(s) verified; 1 not" in response.content
    assert {c.status for c in ClearanceCase.objects.filter(pk__in=[c.pk for c in cases])} == {
        "cleared"
    }
    assert ClearanceCase.objects.get(pk=other.pk).status == "needs_eligibility"
    ann.post("/worklist/bulk/", {"action": "claim", "case": [cases[0].pk]})
    assert ClearanceCase.objects.get(pk=cases[0].pk).owner == people["ann"]
    assert ann.post("/worklist/bulk/", {"action": "explode", "case": ids}).status_code == 302
    biller = login(build_user("bill", "biller", sites[0].facility))
    denied = biller.post("/worklist/bulk/", {"action": "verify_eligibility", "case": ids})
    assert denied.status_code == 403


def test_a_coverage_change_recomputes_on_commit(sites, django_capture_on_commit_callbacks) -> None:
    case = open_case(sites[0], days=20, insured=False)
    assert case.payer_id is None
    from tests.integration.webclinic import build_coverage, build_payer_plan

    with django_capture_on_commit_callbacks(execute=True):
        build_coverage(case.encounter.patient, build_payer_plan())
    case.refresh_from_db()
    assert case.payer_id is not None
    assert "counseling" not in [i["item"] for i in case.open_items]


def test_a_cancelled_encounter_leaves_the_worklist(sites, people) -> None:
    case = open_case(sites[0], days=20)
    case.encounter.status = "cancelled"
    case.encounter.save()
    services.do_recompute_cases([case.pk])
    case.refresh_from_db()
    assert not case.is_open
    assert login(people["ann"]).get("/worklist/?tab=all").context["page"].total == 0


def test_claiming_a_missing_case_is_404(people) -> None:
    assert login(people["ann"]).post("/worklist/cases/999999/claim/").status_code == 404
    user = get_user_model().objects.get(username="ann")
    with pytest.raises(ClearanceCase.DoesNotExist):
        services.do_claim_case(999999, user)


def test_the_daily_recompute_brings_time_up_to_date(sites) -> None:
    from io import StringIO

    from django.core.management import call_command

    case = open_case(sites[0], days=10)
    ClearanceCase.objects.filter(pk=case.pk).update(due_date=timezone.localdate())
    case.encounter.__class__.objects.filter(pk=case.encounter_id).update(
        scheduled_at=timezone.now() + dt.timedelta(hours=1)
    )
    out = StringIO()
    call_command("recompute_cases", stdout=out)
    assert out.getvalue().strip() == "1 open case(s) recomputed"
    case.refresh_from_db()
    assert case.status == CaseStatus.AT_RISK
