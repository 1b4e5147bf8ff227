"""Template tags of the page shell: navigation and the automatic-logoff countdown."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from finclear.accounts.idle import idle_timeout

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, URL names to try in order, permission needed or "" for any signed-in user, staff only)
NAV = [
    ("Worklist", ("workqueue:worklist", "worklist"), "workqueue.view_clearancecase", False),
    ("Encounters", ("web:encounter_list",), "scheduling.view_encounter", False),
    ("Dashboard", ("reports:dashboard",), "workqueue.override_clearance", False),
    ("Eligibility", ("eligibility:batch_runs",), "eligibility.view_eligibilitybatchrun", False),
    ("Imports", ("intake:import_list",), "patients.view_patient", False),
    ("Audit trail", ("audit:search",), "audit.view_auditevent", False),
    ("Admin", ("admin:index",), "", True),
]


def _first_url(names: tuple[str, ...]) -> str | None:
    return _first_url_under(names, get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))


@cache
def _first_url_under(names: tuple[str, ...], prefix: str, urlconf: Any) -> str | None:
    """Reversed once per script prefix and URLconf: every page drew the menu's seven."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@register.simple_tag
def shell_url(name: str) -> str:
    """``{% url name %}`` for a URL without arguments, reversed once per script prefix and
    URLconf (the shell reversed four on every page); a name that does not reverse raises
    ``NoReverseMatch`` as ``{% url %}`` does."""
    url = _first_url((name,))
    if url is None:
        raise NoReverseMatch(f"shell_url: {name!r} does not reverse")
    return url


@register.simple_tag(takes_context=True)
def nav_items(context: Any) -> list[NavItem]:
    """The sections the user may open; a section whose page does not exist is not shown."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    items = []
    for label, names, permission, staff_only in NAV:
        if staff_only and not user.is_staff:
            continue
        if permission and not user.has_perm(permission):
            continue
        url = _first_url(names)
        if url is None:
            continue
        active = path.startswith(url) if url != "/" else path == "/"
        items.append(NavItem(label=label, url=url, active=active))
    return items


@register.simple_tag
def idle_timeout_seconds() -> int:
    return idle_timeout()
