"""Sign-in, sign-out and failed sign-ins: counted for lockout and written to the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from finclear.accounts.idle import LOGOUT_REASON_ATTR, stamp_activity
from finclear.accounts.lockout import (
    do_clear_failures,
    do_count_ip_failure,
    do_register_failure,
    find_user,
    is_locked,
)
from finclear.accounts.models import UserProfile
from finclear.audit.context import client_ip
from finclear.audit.models import AuditAction
from finclear.audit.services import record_event


@receiver(user_logged_in, dispatch_uid="finclear-accounts-logged-in")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    do_clear_failures(user)
    if request is not None and hasattr(request, "session"):
        stamp_activity(request)
    record_event(AuditAction.LOGIN, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="finclear-accounts-logged-out")
def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, LOGOUT_REASON_ATTR, "user")
    record_event(AuditAction.LOGOUT, user=user, request=request, detail={"reason": reason})


@receiver(user_login_failed, dispatch_uid="finclear-accounts-login-failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is not None:
        do_count_ip_failure(client_ip(request))
    user = find_user(credentials.get("username"))
    if user is None:
        # What was typed is not recorded: a mistyped password often lands in the user name.
        record_event(
            AuditAction.LOGIN_FAILED,
            username="",
            request=request,
            detail={"reason": "unknown_user"},
        )
        return
    was_locked = is_locked(user)
    profile = do_register_failure(user)
    if was_locked:
        reason = "locked"
    elif profile.is_locked():
        reason = "locked_now"
    else:
        reason = "bad_credentials"
    record_event(AuditAction.LOGIN_FAILED, user=user, request=request, detail={"reason": reason})


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="finclear-accounts-profile")
def on_user_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    if created and not raw:
        UserProfile.objects.get_or_create(user=instance)
