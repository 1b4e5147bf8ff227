"""Sign-in, sign-out and failed sign-ins: counted for lockout and written to the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from finclear.accounts.access import do_forget_everyone, do_forget_users
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

User: Any = get_user_model()


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


# What a user may do and see is kept in the cache (finclear.accounts.access): every change to
# it makes the kept entry stale.


def _forget_on_m2m(forward_user_id: Any, action: str, reverse: bool) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        do_forget_everyone()
    else:
        do_forget_users([forward_user_id])


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="finclear-access-groups")
def on_user_groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    _forget_on_m2m(instance.pk, action, reverse)


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="finclear-access-perms")
def on_user_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    _forget_on_m2m(instance.pk, action, reverse)


@receiver(
    m2m_changed, sender=UserProfile.facilities.through, dispatch_uid="finclear-access-facilities"
)
def on_profile_facilities_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    _forget_on_m2m(getattr(instance, "user_id", None), action, reverse)


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="finclear-access-roles")
def on_group_permissions_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        do_forget_everyone()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="finclear-access-user-saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="finclear-access-user-gone")
def on_user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    do_forget_users([instance.pk])


@receiver(post_save, sender=UserProfile, dispatch_uid="finclear-access-profile-saved")
@receiver(post_delete, sender=UserProfile, dispatch_uid="finclear-access-profile-gone")
def on_profile_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    do_forget_users([instance.user_id])


@receiver(post_save, sender=Group, dispatch_uid="finclear-access-group-saved")
@receiver(post_delete, sender=Group, dispatch_uid="finclear-access-group-gone")
@receiver(post_save, sender=Permission, dispatch_uid="finclear-access-permission-saved")
@receiver(post_delete, sender=Permission, dispatch_uid="finclear-access-permission-gone")
@receiver(
    post_delete, sender="organizations.Facility", dispatch_uid="finclear-access-facility-gone"
)
@receiver(post_migrate, dispatch_uid="finclear-access-migrated")
def on_roles_changed(sender: Any, **kwargs: Any) -> None:
    """A role renamed or deleted, a permission or a facility gone, a migrate: anyone's access."""
    do_forget_everyone()
