"""Automatic logoff in a real browser: the countdown warns, then the page goes to sign-in."""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from finclear.audit.models import AuditEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("FINCLEAR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "synthetic-test-password-1"


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # plain synchronous code, so Django's async-safety guard does not apply to them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (set FINCLEAR_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        yield page
        browser.close()


def test_an_idle_page_warns_then_signs_out(live_server, settings, browser_page) -> None:
    settings.FINCLEAR_IDLE_TIMEOUT = 4
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_user("idle_e2e", password=PASSWORD)
    page = browser_page

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "idle_e2e")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.wait_for_selector("#idle-warning", state="visible", timeout=20_000)
    assert "signed out for inactivity" in page.inner_text("#idle-warning")
    page.wait_for_url("**/login/?next=*", timeout=20_000)
    assert "without activity" in page.inner_text("main")
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url


def test_stay_signed_in_keeps_the_session(live_server, settings, browser_page) -> None:
    settings.FINCLEAR_IDLE_TIMEOUT = 6
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_user("stay_e2e", password=PASSWORD)
    page = browser_page

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "stay_e2e")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_selector("#idle-warning", state="visible", timeout=20_000)
    with page.expect_response("**/session/keepalive/") as keepalive:
        page.click("#idle-stay")
    assert keepalive.value.ok
    page.wait_for_selector("#idle-warning", state="hidden", timeout=5_000)
    assert page.url == f"{live_server.url}/"


def test_the_idle_logoff_is_in_the_audit_trail(live_server, settings, browser_page) -> None:
    settings.FINCLEAR_IDLE_TIMEOUT = 3
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_user("trail_e2e", password=PASSWORD)
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "trail_e2e")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/?next=*", timeout=20_000)
    page.close()
    actions = list(
        AuditEvent.objects.filter(username="trail_e2e")
        .order_by("id")
        .values_list("action", "detail__reason")
    )
    assert actions == [("login", None), ("logout", "idle")]
