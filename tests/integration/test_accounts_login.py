"""Sign-in, sign-out, lockout after repeated failures, and throttling by address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from finclear.accounts.models import UserProfile
from finclear.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fast_hasher_and_clear_cache(settings):
    """Argon2 is deliberately slow; these tests sign in dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def test_passwords_are_stored_with_argon2(settings) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = get_user_model().objects.create_user("hashed", password=PASSWORD)
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("alice", password=PASSWORD)


def sign_in(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_the_login_page_is_served(client: Client) -> None:
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'name="password"' in page.content
    assert b"htmx.min.js" in page.content


def test_sign_in_and_out_are_audited(client: Client, alice) -> None:
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    login = AuditEvent.objects.get(action="login")
    assert (login.user, login.username, login.channel, login.ip_address) == (
        alice,
        "alice",
        "web",
        "127.0.0.1",
    )
    response = client.post("/logout/", follow=True)
    assert b"You are signed out" in response.content
    logout = AuditEvent.objects.get(action="logout")
    assert logout.user == alice
    assert logout.detail == {"reason": "user"}
    assert client.get("/").status_code == 302


def test_logout_needs_a_post(client: Client, alice) -> None:
    client.force_login(alice)
    assert client.get("/logout/").status_code == 405


def test_five_failures_lock_the_account_even_for_the_right_password(
    client: Client, alice, settings
) -> None:
    settings.FINCLEAR_LOGIN_MAX_FAILURES = 5
    for _ in range(5):
        assert sign_in(client, "alice", "wrong-password-000").status_code == 200
    profile = UserProfile.objects.get(user=alice)
    assert profile.is_locked()
    assert profile.locked_until - timezone.now() <= timedelta(seconds=900)

    page = sign_in(client, "alice", PASSWORD)
    assert page.status_code == 200
    assert b"locked" in page.content
    assert "_auth_user_id" not in client.session

    reasons = list(
        AuditEvent.objects.filter(action="login_failed")
        .order_by("id")
        .values_list("detail__reason", flat=True)
    )
    assert reasons == ["bad_credentials"] * 4 + ["locked_now", "locked"]
    assert not AuditEvent.objects.filter(action="login").exists()


def test_the_lock_expires_and_a_success_resets_the_count(client: Client, alice) -> None:
    for _ in range(5):
        sign_in(client, "alice", "wrong-password-000")
    UserProfile.objects.filter(user=alice).update(locked_until=timezone.now() - timedelta(1))
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    profile = UserProfile.objects.get(user=alice)
    assert (profile.failed_logins, profile.locked_until) == (0, None)


def test_fewer_failures_than_the_limit_do_not_lock(client: Client, alice) -> None:
    for _ in range(4):
        sign_in(client, "alice", "wrong-password-000")
    assert UserProfile.objects.get(user=alice).failed_logins == 4
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_a_lock_does_not_end_a_session_already_open(client: Client, alice) -> None:
    client.force_login(alice)
    other = Client()
    for _ in range(6):
        sign_in(other, "alice", "wrong-password-000")
    assert UserProfile.objects.get(user=alice).is_locked()
    assert client.get("/session/").json()["authenticated"] is True


def test_the_admin_login_honours_the_lock(client: Client) -> None:
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "nope-nope-nope"})
    client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_an_unknown_user_name_is_not_recorded(client: Client) -> None:
    sign_in(client, "Sup3rSecretPassw0rd", "whatever-it-is")
    event = AuditEvent.objects.get(action="login_failed")
    assert event.username == ""
    assert event.user is None
    assert event.detail == {"reason": "unknown_user"}
    assert not AuditEvent.objects.filter(username__icontains="Sup3r").exists()


def test_an_address_with_many_failures_is_throttled(client: Client, alice, settings) -> None:
    settings.FINCLEAR_LOGIN_IP_MAX_FAILURES = 3
    for name in ("bob", "carol", "dave"):
        sign_in(client, name, "wrong-password-000")
    page = sign_in(client, "alice", PASSWORD)
    assert b"Too many failed sign-ins from this address" in page.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(detail__reason="throttled").count() == 1
    assert sign_in(Client(REMOTE_ADDR="10.9.9.9"), "alice", PASSWORD).status_code == 302


def test_a_signed_in_user_visiting_login_goes_home(client: Client, alice) -> None:
    client.force_login(alice)
    assert client.get("/login/").status_code == 302
