"""A signed-in user kept in the shared cache between requests (``LockoutModelBackend.get_user``):
a deactivation, a new password or a change of the user is seen by the next
request."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.integration.webclinic import build_site, build_user

pytestmark = pytest.mark.django_db

PAGE = "/worklist/"


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FINCLEAR_ACCESS_CACHE = True


@pytest.fixture
def user() -> Any:
    return build_user("kept_a", "specialist", build_site("NORTH").facility)


@pytest.fixture
def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_reads(client: Client) -> tuple[int, int]:
    """(status, queries reading the user table) of one page."""
    table = get_user_model()._meta.db_table
    with CaptureQueriesContext(connection) as seen:
        status = client.get(PAGE).status_code
    return status, sum(f'FROM "{table}"' in q["sql"] for q in seen)


def test_the_next_page_does_not_read_the_user(signed_in: Client) -> None:
    status, reads = user_reads(signed_in)
    assert status == 200 and reads >= 1  # the user, and the colleagues of the assignee filter
    assert user_reads(signed_in) == (200, 0)


def test_nothing_is_kept_when_the_cache_is_not_shared(settings, signed_in: Client) -> None:
    settings.FINCLEAR_ACCESS_CACHE = False
    user_reads(signed_in)
    assert user_reads(signed_in) == (200, 1)


def test_a_deactivated_user_is_signed_out_at_once(signed_in: Client, user) -> None:
    user_reads(signed_in)
    user.is_active = False
    user.save()
    response = signed_in.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_new_password_ends_the_other_sessions_at_once(signed_in: Client, user) -> None:
    user_reads(signed_in)
    user.set_password("another-password-2")
    user.save()
    response = signed_in.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_change_of_the_user_is_seen_by_the_next_page(signed_in: Client, user) -> None:
    user_reads(signed_in)
    user.username = "kept_renamed"
    user.save()
    assert b"kept_renamed" in signed_in.get(PAGE).content


def test_a_stale_entry_is_not_used(signed_in: Client, user) -> None:
    """An entry whose stamp is not the user's version is read afresh (a save that bypassed
    the cache would be seen when the entry expires; a signal's bump at once)."""
    from finclear.accounts.access import do_forget_users

    user_reads(signed_in)
    get_user_model().objects.filter(pk=user.pk).update(username="kept_updated")
    assert b"kept_updated" not in signed_in.get(PAGE).content  # kept: update() sends no signal
    do_forget_users([user.pk])
    assert b"kept_updated" in signed_in.get(PAGE).content
