"""The intake API (upload, runs) and the Imports page: permissions, facility scope, audit."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from finclear.accounts.roles import AUDITOR, BILLER, SPECIALIST
from finclear.api.tokens import do_create_token
from tests.integration.webclinic import PASSWORD, build_user

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def bearer(role: str, *facilities: Any) -> tuple[Any, dict[str, str]]:
    user = build_user(f"intake-{role}-{next(_serial)}", role, *facilities)
    _, token = do_create_token(user, "tests")
    return user, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def upload(client: Client, path: Path, auth: dict[str, str], **fields: Any) -> Any:
    with path.open("rb") as handle:
        return client.post("/api/intake/imports", {"file": handle, **fields}, **auth)


def test_upload_imports_and_reports_problems(
    client: Client, clinic: dict[str, Any], examples: Path
) -> None:
    from finclear.audit.models import AuditEvent
    from finclear.intake.models import ImportRun

    user, auth = bearer(SPECIALIST, clinic["facility"])
    good = upload(client, examples / "schedule.csv", auth)
    assert good.status_code == 200, good.content
    body = good.json()
    assert (body["format"], body["created"], body["failed"], body["problems"]) == (
        "csv",
        6,
        0,
        [],
    )
    run = ImportRun.objects.get(pk=body["run_id"])
    assert (run.user, run.channel, run.file_name) == (user, "api", "schedule.csv")
    events = AuditEvent.objects.filter(user=user, action="create", channel="api")
    assert events.filter(object_type="patients.patient").count() == 5

    bad = upload(client, examples / "schedule_bad.csv", auth).json()
    assert (bad["created"], bad["failed"]) == (2, 10)
    assert {
        "file": "schedule_bad.csv",
        "location": "line 8",
        "field": "primary_payer_id",
    }.items() <= (next(p for p in bad["problems"] if p["location"] == "line 8").items())

    runs = client.get("/api/intake/imports", **auth).json()
    assert [r["file_name"] for r in runs] == ["schedule_bad.csv", "schedule.csv"]
    one = client.get(f"/api/intake/imports/{runs[0]['id']}", **auth).json()
    assert one["failed"] == 10 and one["user"] == user.get_username()


def test_dry_run_over_the_api_writes_nothing(
    client: Client, clinic: dict[str, Any], examples: Path
) -> None:
    from finclear.intake.models import ImportRun
    from finclear.patients.models import Patient

    _, auth = bearer(SPECIALIST, clinic["facility"])
    before = Patient.objects.count()
    body = upload(client, examples / "bundle.json", auth, dry_run="true").json()
    assert (body["dry_run"], body["created"], body["run_id"]) == (True, 3, None)
    assert Patient.objects.count() == before and not ImportRun.objects.exists()


def test_permissions_and_facility_scope(
    client: Client, clinic: dict[str, Any], examples: Path
) -> None:
    from finclear.organizations.models import Facility

    _, biller = bearer(BILLER, clinic["facility"])
    assert upload(client, examples / "schedule.csv", biller).status_code == 403
    assert client.get("/api/intake/imports").status_code == 401
    _, auditor = bearer(AUDITOR, clinic["facility"])
    assert upload(client, examples / "schedule.csv", auditor).status_code == 403
    assert client.get("/api/intake/imports", **auditor).status_code == 200

    _, south = bearer(SPECIALIST, Facility.objects.get(code="SOUTH"))
    body = upload(client, examples / "schedule.csv", south).json()
    assert (body["created"], body["failed"]) == (0, 6)
    assert body["problems"][0]["message"] == "NORTH is not one of your facilities"


def test_imports_page_lists_runs_with_problems(
    client: Client, clinic: dict[str, Any], examples: Path
) -> None:
    from finclear.intake.services import do_import

    do_import(examples / "schedule_bad.csv")
    user = build_user("intake-page", SPECIALIST, clinic["facility"])
    client.login(username=user.get_username(), password=PASSWORD)
    page = client.get("/imports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "schedule_bad.csv" in text and "primary_payer_id" in text
    assert 'href="/imports/"' in text  # in the navigation
    for patient_data in ("Futureborn", "2031-01-01", "Nomember"):
        assert patient_data not in text

    client.logout()
    assert client.get("/imports/").status_code == 302
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("intake-no-role", password=PASSWORD)
    client.force_login(nobody)
    assert client.get("/imports/").status_code == 403
