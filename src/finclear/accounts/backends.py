"""Authentication that refuses a locked account, whatever the password, and keeps a signed-in
user between requests.

A session's user was read from the database on every request (``ModelBackend.get_user``: one
query a page). When the web processes share a cache (``accounts.access.is_cache_used``), the
user is kept there for ``KEPT_SECONDS`` under its id, stamped with the user's access version:
a save or deletion of the user (a deactivation, a new password, a sign-in's last_login) bumps
it, now and when the transaction commits, and an entry with another stamp is never used. The
stamp is read before the row, so a save committed after the read leaves the entry stale.
Changes that bypass Django's signals (``QuerySet.update`` of users, raw SQL) are seen when the
entry expires. Django still checks the session's password hash against the user each request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

from finclear.accounts.access import access_of, is_cache_used, user_key, version_of
from finclear.accounts.lockout import is_locked

KEPT_SECONDS = 60


def kept_user_key(user_id: Any) -> str:
    return f"finclear:session-user:{user_id}"


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses to sign in a locked account.

    Only new sign-ins are refused: sessions already open stay open, so someone guessing at an
    account cannot sign its owner out.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and is_locked(user):
            return None
        return user

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """The user's permissions, read through ``accounts.access`` (kept between requests)."""
        if (
            obj is None
            and user_obj.is_active
            and not user_obj.is_anonymous
            and not hasattr(user_obj, "_perm_cache")
        ):
            user_obj._perm_cache = set(access_of(user_obj).permissions)
        return super().get_all_permissions(user_obj, obj)

    def get_user(self, user_id: Any) -> Any:
        """The session's user: from the shared cache while its stamp is the user's access
        version, else from the database (and kept)."""
        if not is_cache_used():
            return super().get_user(user_id)
        key, version_key = kept_user_key(user_id), user_key(user_id)
        found = cache.get_many([key, version_key])
        entry, stamp = found.get(key), found.get(version_key)
        if isinstance(entry, tuple) and len(entry) == 2 and stamp and entry[0] == stamp:
            user = entry[1]
            return user if self.user_can_authenticate(user) else None
        stamp = version_of(version_key)  # before the row: a later save makes the entry stale
        user = super().get_user(user_id)
        if user is not None:
            cache.set(key, (stamp, user), KEPT_SECONDS)
        return user
