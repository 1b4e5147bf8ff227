"""The user admin, with each user's profile (facilities, lockout) inline and an unlock action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from finclear.accounts.lockout import do_unlock
from finclear.accounts.models import UserProfile

User = get_user_model()


class UserProfileInline(admin.StackedInline):  # type: ignore[type-arg]
    model = UserProfile
    can_delete = False
    fields = ["facilities", "failed_logins", "locked_until"]
    readonly_fields = ["failed_logins", "locked_until"]
    filter_horizontal = ["facilities"]


@admin.action(description="Unlock the selected users' sign-in")
def unlock_users(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    for user in queryset:
        do_unlock(user)
    messages.success(request, f"Unlocked {queryset.count()} user(s).")


class FinclearUserAdmin(UserAdmin):  # type: ignore[type-arg]
    inlines = [UserProfileInline]
    actions = [unlock_users]
    list_display = ["username", "is_active", "is_staff", "last_login", "role_names"]
    list_filter = ["is_active", "is_staff", "groups"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_names(self, user: Any) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all()))


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, FinclearUserAdmin)
