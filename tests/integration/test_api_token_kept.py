"""A token's user kept in the shared cache: revocation, expiry and deactivation are seen at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.api import tokens
from finclear.api.models import ApiToken
from finclear.api.tokens import do_create_token, do_revoke_token, find_user
from tests.integration.webclinic import build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FINCLEAR_ACCESS_CACHE = True


@pytest.fixture
def user() -> Any:
    return build_user("tok_a", "specialist", build_site("NORTH").facility)


def queries_of(token: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as seen:
        found = find_user(token)
    return found, len(seen)


def test_the_second_lookup_reads_nothing(user) -> None:
    _, token = do_create_token(user, "tests")
    first, first_count = queries_of(token)
    second, second_count = queries_of(token)
    assert first == user and second == user
    assert second.is_active
    # the token and its user (one query), and last_used_at stamped
    assert first_count == 2
    assert second_count == 0


def test_nothing_is_kept_when_the_cache_is_not_shared(settings, user) -> None:
    settings.FINCLEAR_ACCESS_CACHE = False
    _, token = do_create_token(user, "tests")
    find_user(token)
    assert queries_of(token) == (user, 1)


def test_a_wrong_secret_is_refused_after_the_right_one_was_kept(user) -> None:
    _, token = do_create_token(user, "tests")
    assert find_user(token) == user
    assert find_user(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_a_revoked_token_is_refused_at_once(user) -> None:
    row, token = do_create_token(user, "tests")
    assert find_user(token) == user
    do_revoke_token(row)
    assert find_user(token) is None


def test_a_token_revoked_by_saving_it_is_refused_at_once(user) -> None:
    row, token = do_create_token(user, "tests")
    assert find_user(token) == user
    row.revoked_at = timezone.now()
    row.save()
    assert find_user(token) is None


def test_a_deleted_token_is_refused_at_once(user) -> None:
    row, token = do_create_token(user, "tests")
    assert find_user(token) == user
    row.delete()
    assert find_user(token) is None


def test_an_expired_token_is_refused_though_kept(user, monkeypatch) -> None:
    _, token = do_create_token(user, "tests", days=1)
    assert find_user(token) == user
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(tokens.timezone, "now", lambda: later)
    with CaptureQueriesContext(connection) as seen:
        assert find_user(token) is None
    assert len(seen) == 1  # the kept entry was not enough: the row was read


def test_a_deactivated_user_is_refused_at_once(user) -> None:
    _, token = do_create_token(user, "tests")
    assert find_user(token) == user
    user.is_active = False
    user.save()
    assert find_user(token) is None


def test_a_change_of_the_user_is_seen_by_the_next_lookup(user) -> None:
    _, token = do_create_token(user, "tests")
    assert find_user(token).email == user.email
    user.email = "changed@example.test"
    user.save()
    assert find_user(token).email == "changed@example.test"


def test_an_unknown_token_is_never_kept(user) -> None:
    _, token = do_create_token(user, "tests")
    ApiToken.objects.all().delete()
    assert find_user(token) is None
    assert queries_of(token)[1] == 1
