"""Automatic logoff after inactivity (FINCLEAR_IDLE_TIMEOUT)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from finclear.accounts.idle import LAST_ACTIVITY_KEY
from finclear.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, settings) -> Client:
    settings.FINCLEAR_IDLE_TIMEOUT = 600
    user = get_user_model().objects.create_user("idler", password="unused-password-1")
    client.force_login(user)
    return client


def set_last_activity(client: Client, seconds_ago: float) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds_ago
    session.save()


def test_a_session_idle_too_long_is_ended(signed_in: Client) -> None:
    set_last_activity(signed_in, 601)
    response = signed_in.get("/audit/?action=login")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/audit/")
    assert "_auth_user_id" not in signed_in.session
    event = AuditEvent.objects.get(action="logout")
    assert event.username == "idler"
    assert event.detail == {"reason": "idle"}
    page = signed_in.get(response["Location"])
    assert b"signed out after 10 minutes without activity" in page.content


def test_a_session_active_within_the_timeout_continues(signed_in: Client) -> None:
    set_last_activity(signed_in, 599)
    before = signed_in.session[LAST_ACTIVITY_KEY]
    assert signed_in.get("/").status_code == 200
    assert signed_in.session[LAST_ACTIVITY_KEY] > before
    assert not AuditEvent.objects.filter(action="logout").exists()


def test_an_htmx_request_is_told_to_go_to_the_login_page(signed_in: Client) -> None:
    set_last_activity(signed_in, 601)
    response = signed_in.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/"


def test_asking_how_long_is_left_is_not_activity(signed_in: Client) -> None:
    set_last_activity(signed_in, 100)
    stamp = signed_in.session[LAST_ACTIVITY_KEY]
    status = signed_in.get("/session/").json()
    assert status["authenticated"] is True
    assert 0 < status["remaining"] <= 500
    assert signed_in.session[LAST_ACTIVITY_KEY] == stamp


def test_the_session_status_after_the_timeout_says_signed_out(signed_in: Client) -> None:
    set_last_activity(signed_in, 700)
    assert signed_in.get("/session/").json() == {"authenticated": False, "remaining": 0}
    assert "_auth_user_id" not in signed_in.session


def test_stay_signed_in_restarts_the_clock(signed_in: Client) -> None:
    set_last_activity(signed_in, 500)
    before = signed_in.session[LAST_ACTIVITY_KEY]
    response = signed_in.post("/session/keepalive/")
    assert response.json() == {"authenticated": True, "remaining": 600}
    assert signed_in.session[LAST_ACTIVITY_KEY] > before


def test_the_page_carries_the_timeout_for_its_countdown(signed_in: Client) -> None:
    page = signed_in.get("/")
    assert b'data-idle-timeout="600"' in page.content
    assert b"idle.js" in page.content
    assert b'id="idle-warning"' in page.content


def test_a_session_with_under_a_second_left_is_still_open(signed_in: Client) -> None:
    """The countdown leaves only when the server says the session ended: never early."""
    set_last_activity(signed_in, 599.5)
    status = signed_in.get("/session/").json()
    assert status == {"authenticated": True, "remaining": 1}
