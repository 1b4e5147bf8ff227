"""Sessions read from a shared cache (cached_db): sign-out and idle logoff still end them."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from finclear.accounts.idle import LAST_ACTIVITY_KEY
from finclear.app.settings import build_cache, build_session_engine

pytestmark = pytest.mark.django_db

CACHED = "django.contrib.sessions.backends.cached_db"


def test_sessions_are_read_from_the_cache_only_when_the_processes_share_it() -> None:
    assert build_session_engine(build_cache("")) == "django.contrib.sessions.backends.db"
    assert build_session_engine(build_cache("redis://127.0.0.1:6379/1")) == CACHED
    assert build_session_engine(build_cache("file:///srv/finclear/cache")) == CACHED


@pytest.fixture
def signed_in(settings) -> Client:
    settings.SESSION_ENGINE = CACHED
    settings.FINCLEAR_IDLE_TIMEOUT = 600
    user = get_user_model().objects.create_user("keeper", password="unused-password-1")
    client = Client()
    client.force_login(user)
    return client


def session_queries(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as seen:
        assert client.get("/session/").status_code == 200
    return [q["sql"] for q in seen if "django_session" in q["sql"]]


def test_a_kept_session_is_not_read_from_the_database(signed_in: Client) -> None:
    session_queries(signed_in)
    assert session_queries(signed_in) == []


def test_a_signed_out_session_is_refused_though_it_was_kept(signed_in: Client) -> None:
    cookie = signed_in.cookies["sessionid"].value
    session_queries(signed_in)
    signed_in.post("/logout/")
    assert not Session.objects.filter(session_key=cookie).exists()
    stale = Client()
    stale.cookies["sessionid"] = cookie
    response = stale.get("/worklist/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_idle_kept_session_is_ended(signed_in: Client) -> None:
    session = signed_in.session
    session[LAST_ACTIVITY_KEY] = time.time() - 601
    session.save()
    response = signed_in.get("/worklist/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in signed_in.session
