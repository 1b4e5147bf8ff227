"""Writes for accounts: creating users with a role and facilities, and keeping roles in sync."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models, transaction

from finclear.accounts.access import do_forget_everyone
from finclear.accounts.models import UserProfile
from finclear.accounts.roles import ADMIN, ROLES, apply_roles

logger = logging.getLogger(__name__)


def do_setup_roles(using: str = DEFAULT_DB_ALIAS, app_registry: Any = None) -> list[str]:
    """Create every role's group with exactly its permissions; return entries that matched none.

    Safe to run again at any time (``finclear manage setup_roles``); it also runs after every
    ``migrate``, so permissions of models added later reach their roles.
    """
    registry = app_registry or global_apps
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=registry)
    with transaction.atomic(using=using):
        return apply_roles(
            registry.get_model("auth", "Group"),
            registry.get_model("auth", "Permission"),
            registry.get_model("contenttypes", "ContentType"),
        )


def do_sync_roles_after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    if getattr(sender, "label", None) != "accounts":
        return
    missing = do_setup_roles(using=using, app_registry=kwargs.get("apps"))
    do_forget_everyone()  # a migration's models send no signal the kept access listens to
    for entry in missing:
        logger.warning("role permission not found (model not migrated yet?): %s", entry)


def resolve_facilities(facilities: Iterable[Any]) -> list[models.Model]:
    """Facilities given as instances, codes (``"NORTH"``) or primary keys."""
    facility_model = global_apps.get_model("organizations", "Facility")
    resolved = []
    for item in facilities:
        if isinstance(item, facility_model):
            resolved.append(item)
            continue
        lookup = {"code": item} if isinstance(item, str) else {"pk": item}
        found = facility_model._default_manager.filter(**lookup).first()
        if found is None:
            raise ValidationError(f"facilities: no facility with {next(iter(lookup))} {item!r}")
        resolved.append(found)
    return resolved


def do_create_user(username: str, password: str, role: str, facilities: Iterable[Any] = ()) -> Any:
    """Create a user with one role and the facilities whose patients they may see.

    The password must pass the configured validators. Admins become staff (admin site access)
    and see every facility; everyone else sees only the facilities given.
    """
    if role not in ROLES:
        raise ValidationError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    user_model = get_user_model()
    if not username:
        raise ValidationError("username: required")
    if user_model._default_manager.filter(username=username).exists():
        raise ValidationError(f"username: {username} already exists")
    try:
        validate_password(password, user=user_model(username=username))
    except ValidationError as error:
        raise ValidationError([f"password: {message}" for message in error.messages]) from None
    resolved = resolve_facilities(facilities)
    with transaction.atomic():
        group = Group.objects.filter(name=role).first()
        if group is None:
            do_setup_roles()
            group = Group.objects.get(name=role)
        user = user_model._default_manager.create_user(
            username=username, password=password, is_staff=(role == ADMIN)
        )
        user.groups.add(group)
        profile, _ = UserProfile.objects.get_or_create(user=user)
        profile.facilities.set(resolved)
    return user
