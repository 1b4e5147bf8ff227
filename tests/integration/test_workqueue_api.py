"""The workqueue API: token auth, permissions and facility scoping like the web, the same
worklist and actions."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from finclear.api.tokens import do_create_token
from finclear.audit.models import AuditEvent
from finclear.eligibility import endpoints
from finclear.workqueue.models import ClearanceCase
from tests.integration.eligibility_support import FakePayer, build_endpoint
from tests.integration.test_workqueue_worklist import open_case
from tests.integration.webclinic import build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sites():
    return build_site("NORTH"), build_site("SOUTH")


def bearer(user) -> dict[str, str]:
    _, token = do_create_token(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_every_endpoint_needs_a_token(client: Client, sites) -> None:
    case = open_case(sites[0])
    for method, url in [
        ("get", "/api/workqueue/cases"),
        ("get", f"/api/workqueue/cases/{case.pk}"),
        ("post", f"/api/workqueue/cases/{case.pk}/claim"),
        ("post", "/api/workqueue/next"),
        ("get", "/api/workqueue/views"),
    ]:
        assert getattr(client, method)(url).status_code == 401, url
    assert ClearanceCase.objects.get(pk=case.pk).owner is None


def test_worklist_is_scoped_filtered_and_audited(client: Client, sites) -> None:
    soon = open_case(sites[0], days=1)
    later = open_case(sites[0], days=20)
    open_case(sites[1], days=1)
    user = build_user("spec_a", "specialist", sites[0].facility)
    auth = bearer(user)
    body = client.get("/api/workqueue/cases", **auth).json()
    assert [i["id"] for i in body["items"]] == [soon.pk, later.pk]
    assert body["counts"]["at_risk"] == 1 and body["total"] == 2
    assert body["items"][0]["open_items"][0]["item"] == "eligibility"
    at_risk = client.get("/api/workqueue/cases?tab=at_risk", **auth).json()
    assert [i["id"] for i in at_risk["items"]] == [soon.pk]
    refused = client.get(f"/api/workqueue/cases?facility={sites[1].facility.pk}", **auth)
    assert refused.status_code == 422 and "facility" in refused.json()["detail"]
    assert client.get("/api/workqueue/cases?item=astrology", **auth).status_code == 422
    assert AuditEvent.objects.filter(channel="api", detail__list="worklist").count() == 3


def test_the_worklist_body_is_what_the_schema_makes_of_it(client: Client, sites) -> None:
    """The worklist is rendered without validating its rows: it must be byte for byte what
    WorklistOut would render."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from finclear.api.workqueue import WorklistOut

    for days in (1, 5, 20):
        open_case(sites[0], days=days)
    open_case(sites[0], insured=False)
    user = build_user("spec_a", "specialist", sites[0].facility)
    response = client.get("/api/workqueue/cases?tab=all", **bearer(user))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert len(body["items"]) == 4
    schema_made = WorklistOut.model_validate(body).model_dump()
    assert response.content == json.dumps(schema_made, cls=NinjaJSONEncoder).encode()


def test_claim_release_and_workspace(client: Client, sites) -> None:
    case = open_case(sites[0])
    ann = bearer(build_user("ann", "specialist", sites[0].facility))
    bob = bearer(build_user("bob", "specialist", sites[0].facility))
    claimed = client.post(f"/api/workqueue/cases/{case.pk}/claim", **ann)
    assert claimed.status_code == 200 and claimed.json()["owner"] == "ann"
    lost = client.post(f"/api/workqueue/cases/{case.pk}/claim", **bob)
    assert lost.status_code == 409 and "already claimed by ann" in lost.json()["detail"]
    assert client.post(f"/api/workqueue/cases/{case.pk}/release", **bob).status_code == 409
    space = client.get(f"/api/workqueue/cases/{case.pk}", **ann).json()
    assert space["case"]["id"] == case.pk and space["patient"]["mrn"] == case.encounter.patient.mrn
    assert space["history"][0]["kind"] == "claimed"
    assert len(space["coverages"]) == 1
    released = client.post(f"/api/workqueue/cases/{case.pk}/release", **ann).json()
    assert released["owner"] is None
    other = open_case(sites[1])
    assert client.get(f"/api/workqueue/cases/{other.pk}", **ann).status_code == 404
    assert client.post(f"/api/workqueue/cases/{other.pk}/claim", **ann).status_code == 404


def test_next_override_notes_and_views(client: Client, sites) -> None:
    open_case(sites[0], days=20)
    soon = open_case(sites[0], days=2)
    ann_user = build_user("ann", "specialist", sites[0].facility)
    ann = bearer(ann_user)
    sue = bearer(build_user("sue", "supervisor", sites[0].facility))
    assert client.post("/api/workqueue/next", **ann).json()["case"]["id"] == soon.pk
    body = {"status": "cleared", "reason": "confirmed by phone"}
    url = f"/api/workqueue/cases/{soon.pk}/override"
    assert client.post(url, body, content_type="application/json", **ann).status_code == 403
    done = client.post(url, body, content_type="application/json", **sue).json()
    assert (done["status"], done["overridden"]) == ("cleared", True)
    assert client.delete(url, **sue).json()["overridden"] is False
    note = client.post(
        f"/api/workqueue/cases/{soon.pk}/notes",
        {"body": "Called."},
        content_type="application/json",
        **ann,
    )
    assert note.status_code == 201 and note.json()["author"] == "ann"
    reassign = client.post(
        f"/api/workqueue/cases/{soon.pk}/reassign",
        {"owner_id": ann_user.pk},
        content_type="application/json",
        **ann,
    )
    assert reassign.status_code == 403
    saved = client.post(
        "/api/workqueue/views",
        {"name": "Soon", "query": "tab=at_risk"},
        content_type="application/json",
        **ann,
    )
    assert saved.status_code == 201
    assert [v["name"] for v in client.get("/api/workqueue/views", **ann).json()] == ["Soon"]
    assert client.delete(f"/api/workqueue/views/{saved.json()['id']}", **sue).status_code == 404
    assert client.delete(f"/api/workqueue/views/{saved.json()['id']}", **ann).status_code == 204


def test_bulk_verify_through_the_eligibility_service(client: Client, sites) -> None:
    fake = FakePayer()
    endpoints.use_endpoints({"default": build_endpoint()})
    endpoints.use_gateway(fake)
    try:
        cases = [open_case(sites[0], days=20) for _ in range(2)]
        auth = bearer(build_user("ann", "specialist", sites[0].facility))
        result = client.post(
            "/api/workqueue/bulk",
            {"action": "verify_eligibility", "case_ids": [c.pk for c in cases]},
            content_type="application/json",
            **auth,
        ).json()
        assert (result["done"], result["refused"]) == (2, [])
        assert len(fake.received) == 2
        biller = bearer(build_user("bill", "biller", sites[0].facility))
        denied = client.post(
            "/api/workqueue/bulk",
            {"action": "verify_eligibility", "case_ids": [cases[0].pk]},
            content_type="application/json",
            **biller,
        )
        assert denied.status_code == 403
    finally:
        endpoints.use_endpoints(None)
        endpoints.use_gateway(None)


@given(
    value=st.one_of(
        st.none(),
        st.datetimes(
            timezones=st.sampled_from(
                [dt.UTC, zoneinfo.ZoneInfo("America/New_York"), dt.timezone(dt.timedelta(hours=5))]
            )
        ),
        st.datetimes(),
    )
)
def test_json_datetime_writes_what_ninjas_encoder_writes(value) -> None:
    """The worklist's rows carry their times as strings: the encoder's own, whatever the
    microseconds and the zone."""
    from ninja.responses import NinjaJSONEncoder

    from finclear.api.workqueue import json_datetime

    assert json.dumps(json_datetime(value)) == json.dumps(value, cls=NinjaJSONEncoder)


texts = st.text(max_size=12)
times = st.one_of(st.none(), st.datetimes(timezones=st.just(dt.UTC)))
ids = st.integers(1, 2**63 - 1)


@given(
    strings=st.tuples(texts, texts, texts, texts, texts),
    items=st.lists(st.tuples(texts, texts), max_size=3),
    money=st.tuples(
        *[st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)] * 2
    ),
    stamps=st.tuples(times, times, times),
    numbers=st.tuples(ids, ids, ids, st.integers(-(2**31), 2**31 - 1)),
    optional=st.tuples(st.one_of(st.none(), ids), st.one_of(st.none(), ids)),
    owner=st.one_of(st.none(), texts),
    overridden=st.sampled_from(["", "cleared"]),
    due=st.dates(),
)
def test_a_row_is_what_the_schema_makes_of_it(
    strings, items, money, stamps, numbers, optional, owner, overridden, due
) -> None:
    """Whatever the text (quotes, control characters, non-ASCII), the numbers and the times,
    a row's JSON is what json.dumps writes of CaseOut's rendering of it."""
    from ninja.responses import NinjaJSONEncoder

    from finclear.api.workqueue import CaseOut, row_json
    from finclear.workqueue.queries import CaseRow

    status, computed, reason, explained, mrn = strings
    row = CaseRow(
        id=numbers[0],
        encounter_id=numbers[1],
        patient_id=numbers[2],
        status=status,
        computed_status=computed,
        status_reason=reason,
        override_status=overridden,
        open_items=[{"item": i, "reason": r} for i, r in items],
        priority=numbers[3],
        priority_explained=explained,
        payer_at_risk=money[0],
        patient_at_risk=money[1],
        due_date=due,
        scheduled_at=stamps[0],
        claimed_at=stamps[1],
        computed_at=stamps[2],
        facility_id=optional[0],
        facility_code=None,
        time_zone=None,
        payer_id=optional[1],
        payer_name=None,
        owner_id=None,
        owner_name=owner,
        mrn=mrn,
        patient_first_name="",
        patient_last_name="",
        department="",
        provider_first_name="",
        provider_last_name="",
    )
    fields = {
        "id": row.id,
        "encounter_id": row.encounter_id,
        "patient_id": row.patient_id,
        "status": row.status,
        "computed_status": row.computed_status,
        "status_reason": row.status_reason,
        "overridden": bool(row.override_status),
        "open_items": row.open_items,
        "priority": row.priority,
        "priority_explained": row.priority_explained,
        "payer_at_risk": row.payer_at_risk,
        "patient_at_risk": row.patient_at_risk,
        "due_date": row.due_date,
        "scheduled_at": row.scheduled_at,
        "facility_id": row.facility_id,
        "payer_id": row.payer_id,
        "owner": row.owner_name,
        "claimed_at": row.claimed_at,
        "computed_at": row.computed_at,
    }
    schema_made = CaseOut.model_validate(fields).model_dump()
    assert row_json(row) == json.dumps(schema_made, cls=NinjaJSONEncoder)
