"""A NUL character in a request is refused, naming the field, on SQLite and PostgreSQL alike
(PostgreSQL cannot store one; schemathesis found the 500 it used to give)."""

from __future__ import annotations

import pytest
from django.test import Client

from finclear.api.parser import find_nul
from finclear.workqueue.models import CaseNote
from tests.integration.test_workqueue_api import bearer
from tests.integration.test_workqueue_worklist import open_case
from tests.integration.webclinic import build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    site = build_site("NORTH")
    case = open_case(site)
    return case, bearer(build_user("sue_nul", "supervisor", site.facility))


def test_a_nul_in_the_body_is_refused_and_named(client: Client, auth) -> None:
    case, headers = auth
    url = f"/api/workqueue/cases/{case.pk}/notes"
    refused = client.post(url, '{"body": "call back\\u0000"}', "application/json", **headers)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("body.body: a NUL character")
    assert not CaseNote.objects.exists()
    taken = client.post(url, '{"body": "call back \\\\u0000 later"}', "application/json", **headers)
    assert taken.status_code == 201  # an escaped backslash then "u0000" is plain text


def test_a_nul_in_the_query_is_refused_and_named(client: Client, auth) -> None:
    _, headers = auth
    refused = client.get("/api/workqueue/cases?tab=at%00risk", **headers)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("query.tab: a NUL character")


def test_a_malformed_body_is_still_a_bare_400(client: Client, auth) -> None:
    case, headers = auth
    url = f"/api/workqueue/cases/{case.pk}/notes"
    assert client.post(url, "{not json", "application/json", **headers).status_code == 400


def test_find_nul_names_the_path() -> None:
    assert find_nul({"a": [{"b": "x"}, {"c": "y\x00"}]}, "body") == "body.a[1].c"
    assert find_nul({"a": ["ok", 3, None]}, "body") is None
