"""A user's profile: the facilities whose patients they may see, and their sign-in lockout."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    facilities = models.ManyToManyField(
        "organizations.Facility",
        blank=True,
        related_name="user_profiles",
        help_text="The facilities whose patients this user may see (admins see all)",
    )
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "user profile"

    def __str__(self) -> str:
        return f"profile of {self.user.get_username()}"

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()
