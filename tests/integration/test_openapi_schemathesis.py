"""schemathesis against the OpenAPI document: generated requests to every API operation never
get a 5xx, and an operation that answers a token's request refuses the same request without
the token or with a wrong one (``ignored_auth``).

The app runs in-process (WSGI) on the test database, with a supervisor's token over a small
clinic; the payer endpoints are an empty table, so nothing reaches a network.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth

from finclear.api.tokens import do_create_token
from finclear.eligibility import endpoints
from tests.integration.test_workqueue_worklist import open_case
from tests.integration.webclinic import build_site, build_user

CHECKS = [not_a_server_error, ignored_auth]


# The document is read through the app itself (no database needed to serve it).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    """Django's test client stops each request from closing the database connection; this
    WSGI client does not, and on PostgreSQL closing it would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, settings, keep_test_connection):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    endpoints.use_endpoints({})
    site = build_site("NORTH")
    for days in (1, 5, 20):
        open_case(site, days=days)
    user = build_user("sue_fuzz", "supervisor", site.facility)
    _, value = do_create_token(user, "schemathesis")
    yield value
    endpoints.use_endpoints(None)


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_and_no_unauthenticated_access(case, token) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
