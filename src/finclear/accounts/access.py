"""A user's permissions and facilities, kept in the shared cache between requests.

Each request used to read them again: two queries for the permissions (the user's own and
their groups'), two for the facilities (the all-facility role, the profile's facilities).
An entry is kept under the user's id, stamped with two versions: the user's, bumped when their
groups, permissions, profile, facilities or account change, and everyone's, bumped when a
group, a permission or a facility changes or is deleted, and after every migrate. An entry whose
stamps are not the current versions is never used, and a missing version never matches.

A version is bumped at once and again when the transaction commits: a request that read the
old rows while the change was not yet committed stored its entry under a stamp that the second
bump makes stale. Changes that bypass Django's signals (``QuerySet.update`` of these tables, raw
SQL) are seen when the entry expires, after ``ENTRY_SECONDS``.

Only a cache the web processes share (Redis, files) is used: a change made in one process must
reach the others, which a per-process memory cache cannot do. ``FINCLEAR_ACCESS_CACHE`` (True or
False) overrides that choice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from finclear.accounts.roles import ALL_FACILITY_ROLES

ENTRY_SECONDS = 300
EVERYONE_KEY = "finclear:access:v:all"
LOCAL_BACKENDS = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)
_USER_ATTR = "_finclear_access"


@dataclass(frozen=True)
class Access:
    permissions: frozenset[str]
    all_facilities: bool
    facility_ids: tuple[int, ...]


def is_cache_used() -> bool:
    chosen = getattr(settings, "FINCLEAR_ACCESS_CACHE", None)
    if chosen is not None:
        return bool(chosen)
    return settings.CACHES["default"]["BACKEND"] not in LOCAL_BACKENDS


def user_key(user_id: int) -> str:
    return f"finclear:access:v:user:{user_id}"


def entry_key(user_id: int) -> str:
    return f"finclear:access:entry:{user_id}"


def build_access(user: Any) -> Access:
    """Read the user's permissions and facilities from the database."""
    backend = ModelBackend()
    permissions = frozenset(
        {*backend.get_user_permissions(user), *backend.get_group_permissions(user)}
    )
    if user.groups.filter(name__in=ALL_FACILITY_ROLES).exists():
        return Access(permissions, True, ())
    through = apps.get_model("accounts", "UserProfile").facilities.through
    ids = through.objects.filter(userprofile__user=user).values_list("facility_id", flat=True)
    return Access(permissions, False, tuple(sorted(ids)))


def access_of(user: Any) -> Access:
    """The user's access: kept on the user object for the request, in the cache across them."""
    kept = getattr(user, _USER_ATTR, None)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    access = _cached_access(user) if is_cache_used() else build_access(user)
    setattr(user, _USER_ATTR, access)
    return access


def _cached_access(user: Any) -> Access:
    keys = [EVERYONE_KEY, user_key(user.pk), entry_key(user.pk)]
    found = cache.get_many(keys)
    everyone = found.get(EVERYONE_KEY) or version_of(EVERYONE_KEY)
    own = found.get(keys[1]) or version_of(keys[1])
    entry = found.get(keys[2])
    if isinstance(entry, tuple) and len(entry) == 3 and entry[:2] == (everyone, own):
        return entry[2]  # type: ignore[no-any-return]
    access = build_access(user)
    cache.set(keys[2], (everyone, own, access), ENTRY_SECONDS)
    return access


def version_of(key: str) -> str:
    """The version under ``key``, made now if there is none (never expired, never reused)."""
    found: str | None = cache.get(key)
    if found:
        return found
    cache.add(key, uuid.uuid4().hex, None)
    return cache.get(key) or ""


def _bump(keys: list[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)


def do_forget_users(user_ids: list[int]) -> None:
    """Make these users' kept access stale now and again when the transaction commits."""
    if not user_ids:
        return
    keys = [user_key(pk) for pk in user_ids]
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


def do_forget_everyone() -> None:
    """Make every user's kept access stale now and again when the transaction commits."""
    _bump([EVERYONE_KEY])
    transaction.on_commit(lambda: _bump([EVERYONE_KEY]))
