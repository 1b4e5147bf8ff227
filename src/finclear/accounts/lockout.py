"""Sign-in throttling: an account locks after repeated failures, an address after many more.

An account locks for ``FINCLEAR_LOCKOUT_SECONDS`` (default 900) after
``FINCLEAR_LOGIN_MAX_FAILURES`` (default 5) failed sign-ins in a row; a success resets the
count. An address that fails ``FINCLEAR_LOGIN_IP_MAX_FAILURES`` (default 50) times within the
lockout window is refused for the rest of it, whatever user names it tries. The address count
lives in Django's cache, so it is per process unless a shared cache is configured.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from finclear.accounts.models import UserProfile


def max_failures() -> int:
    return int(getattr(settings, "FINCLEAR_LOGIN_MAX_FAILURES", 5))


def lockout_seconds() -> int:
    return int(getattr(settings, "FINCLEAR_LOCKOUT_SECONDS", 15 * 60))


def ip_max_failures() -> int:
    return int(getattr(settings, "FINCLEAR_LOGIN_IP_MAX_FAILURES", 50))


def find_user(username: str | None) -> Any:
    if not username:
        return None
    user_model = get_user_model()
    try:
        return user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist:
        return None


def locked_until(user: Any) -> datetime | None:
    """When the account's lock ends, or None when it is not locked."""
    until: datetime | None = (
        UserProfile.objects.filter(user=user, locked_until__gt=timezone.now())
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


def is_locked(user: Any) -> bool:
    return locked_until(user) is not None


def do_register_failure(user: Any) -> UserProfile:
    """Count a failed sign-in; lock the account when the count reaches the limit.

    Failures while locked do not extend the lock, so nobody can keep an account locked forever
    by guessing at it; the count starts over once a lock has expired.
    """
    now = timezone.now()
    with transaction.atomic():
        UserProfile.objects.get_or_create(user=user)
        profile = UserProfile.objects.select_for_update().get(user=user)
        if profile.locked_until is not None and profile.locked_until > now:
            return profile
        if profile.locked_until is not None:
            profile.failed_logins = 0
            profile.locked_until = None
        profile.failed_logins += 1
        if profile.failed_logins >= max_failures():
            profile.locked_until = now + timedelta(seconds=lockout_seconds())
        profile.save(update_fields=["failed_logins", "locked_until", "updated_at"])
    return profile


def do_clear_failures(user: Any) -> None:
    UserProfile.objects.filter(user=user).exclude(failed_logins=0, locked_until=None).update(
        failed_logins=0, locked_until=None, updated_at=timezone.now()
    )


def do_unlock(user: Any) -> None:
    """Lift a lock by hand (an administrator's act)."""
    do_clear_failures(user)


def _ip_key(ip: str) -> str:
    return f"finclear:login-failures:{ip}"


def do_count_ip_failure(ip: str | None) -> int:
    if not ip:
        return 0
    key = _ip_key(ip)
    if cache.add(key, 1, timeout=lockout_seconds()):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.set(key, 1, timeout=lockout_seconds())
        return 1


def is_ip_throttled(ip: str | None) -> bool:
    return bool(ip) and int(cache.get(_ip_key(ip or ""), 0)) >= ip_max_failures()
