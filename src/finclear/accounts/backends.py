"""Authentication that refuses a locked account, whatever the password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from finclear.accounts.access import access_of
from finclear.accounts.lockout import is_locked


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
