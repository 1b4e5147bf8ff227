"""The page shell's menu: the sections a role may open, the current one marked, and its
addresses (reversed once per script prefix and URLconf) under the script prefix in use."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import set_script_prefix

from finclear.accounts.services import do_create_user
from finclear.web.templatetags.shell import _first_url

pytestmark = pytest.mark.django_db
PASSWORD = "nav-password-not-secret-1"


def menu(client: Client, path: str) -> list[tuple[str, str, bool]]:
    html = client.get(path).content.decode()
    nav = html.split('<ul class="nav">', 1)[1].split("</ul>", 1)[0]
    return [
        (label, url, bool(current))
        for url, current, label in re.findall(
            r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+)</a></li>', nav
        )
    ]


def signed_in(role: str) -> Client:
    do_create_user(f"nav-{role}", PASSWORD, role)
    client = Client()
    assert client.login(username=f"nav-{role}", password=PASSWORD)
    return client


def test_a_specialist_sees_the_worklist_marked_and_not_the_audit_trail() -> None:
    items = menu(signed_in("specialist"), "/worklist/")
    assert ("Worklist", "/worklist/", True) in items
    assert all(label != "Audit trail" for label, _, _ in items)
    assert all(label != "Admin" for label, _, _ in items)


def test_an_auditor_sees_the_audit_trail() -> None:
    items = menu(signed_in("auditor"), "/audit/")
    assert any(label == "Audit trail" and current for label, _, current in items)


def test_the_addresses_follow_the_script_prefix() -> None:
    assert _first_url(("workqueue:worklist",)) == "/worklist/"
    set_script_prefix("/finclear/")
    try:
        assert _first_url(("workqueue:worklist",)) == "/finclear/worklist/"
    finally:
        set_script_prefix("/")
    assert _first_url(("workqueue:worklist",)) == "/worklist/"
    assert _first_url(("no-such:page",)) is None


def test_the_shells_addresses_are_those_url_reverses() -> None:
    """``shell_url`` gives what ``{% url %}`` gives, under another script prefix too, and
    refuses a name that does not reverse as it does."""
    from django.urls import NoReverseMatch, reverse

    from finclear.web.templatetags.shell import shell_url

    names = [
        "accounts:session_status",
        "accounts:session_keepalive",
        "accounts:login",
        "accounts:logout",
    ]
    for prefix in ("/", "/finclear/", "/"):
        set_script_prefix(prefix)
        try:
            assert [shell_url(n) for n in names] == [reverse(n) for n in names]
            assert all(shell_url(n).startswith(prefix) for n in names)
        finally:
            set_script_prefix("/")
    with pytest.raises(NoReverseMatch):
        shell_url("no-such:page")
