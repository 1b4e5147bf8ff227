"""The demo's users: one per role, named ``demo-<role>``, sharing one generated password.

The password is generated once (``secrets``) and kept in ``var/demo-password.txt`` (mode 600)
so that every ``finclear demo`` prints the same login; ``FINCLEAR_DEMO_PASSWORD`` overrides it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from finclear.accounts.models import UserProfile
from finclear.accounts.roles import ROLES
from finclear.accounts.services import do_create_user
from finclear.demo import catalog
from finclear.organizations.models import Facility

DEMO_LOGIN = "demo-specialist"


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-password.txt"


def build_demo_password() -> str:
    """The demo password: from the environment, else the saved one, else a new one (saved)."""
    given = os.environ.get("FINCLEAR_DEMO_PASSWORD")
    if given:
        return given
    path = password_file()
    if path.exists():
        saved = path.read_text(encoding="utf-8").strip()
        if saved:
            return saved
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return password


def do_ensure_demo_users(password: str) -> list[str]:
    """Create the missing demo users, align the others' password, scope all to the demo clinic.

    The password must pass the validators (ValidationError names it). Returns the usernames
    created.
    """
    user_model = get_user_model()
    facilities = list(
        Facility.objects.filter(organization__name=catalog.DEMO_ORGANIZATION_NAME).order_by("code")
    )
    created = []
    for role in ROLES:
        username = f"demo-{role}"
        user = user_model._default_manager.filter(username=username).first()
        if user is None:
            do_create_user(username, password, role, facilities)
            created.append(username)
            continue
        with transaction.atomic():
            if not user.check_password(password):
                try:
                    validate_password(password, user=user)
                except ValidationError as error:
                    raise ValidationError(
                        [f"password: {message}" for message in error.messages]
                    ) from None
                user.set_password(password)
                user.save(update_fields=["password"])
            profile, _ = UserProfile.objects.get_or_create(user=user)
            profile.facilities.set(facilities)
    return created
