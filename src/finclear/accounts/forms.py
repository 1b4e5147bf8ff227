from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from finclear.accounts.lockout import find_user, is_ip_throttled, locked_until
from finclear.audit.context import client_ip
from finclear.audit.models import AuditAction
from finclear.audit.services import record_event


class LoginForm(AuthenticationForm):
    """The sign-in form, which says when an account or an address is locked out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": (
            "This account is locked after too many failed sign-ins. Try again in %(minutes)s "
            "minute(s), or ask an administrator to unlock it."
        ),
        "throttled": "Too many failed sign-ins from this address. Try again later.",
    }

    def clean(self) -> dict[str, Any]:
        if self.request is not None and is_ip_throttled(client_ip(self.request)):
            record_event(
                AuditAction.LOGIN_FAILED,
                username="",
                request=self.request,
                detail={"reason": "throttled"},
            )
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError:
            user = find_user(self.cleaned_data.get("username"))
            until = locked_until(user) if user is not None else None
            if until is not None:
                minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
                raise ValidationError(
                    self.error_messages["locked"], code="locked", params={"minutes": minutes}
                ) from None
            raise
