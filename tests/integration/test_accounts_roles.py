"""Roles: groups with their permissions, created by migration and re-applicable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command

from finclear.accounts.models import UserProfile
from finclear.accounts.roles import ROLES
from finclear.accounts.services import do_create_user, do_setup_roles
from tests.integration.webclinic import PASSWORD, build_site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def perms_of(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migration_created_every_role() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    assert all(perms_of(role) for role in ROLES)


def test_every_declared_permission_exists() -> None:
    assert do_setup_roles() == []


@pytest.mark.parametrize(
    ("role", "has", "has_not"),
    [
        (
            "specialist",
            {"patients.view_patient", "patients.change_coverage", "workqueue.add_casenote"},
            {"audit.view_auditevent", "workqueue.override_clearance", "patients.delete_patient"},
        ),
        (
            "counselor",
            {"patients.view_coverage", "workqueue.change_task"},
            {"audit.view_auditevent", "patients.add_patient", "workqueue.override_clearance"},
        ),
        (
            "biller",
            {"scheduling.change_serviceline", "scheduling.add_diagnosis"},
            {"audit.view_auditevent", "patients.change_patient", "workqueue.override_clearance"},
        ),
        (
            "supervisor",
            {"workqueue.override_clearance", "workqueue.assign_task", "patients.change_patient"},
            {"audit.view_auditevent", "patients.delete_patient"},
        ),
        (
            "admin",
            {"audit.view_auditevent", "patients.delete_patient", "workqueue.override_clearance"},
            set(),
        ),
        (
            "auditor",
            {"audit.view_auditevent", "audit.export_auditevent", "patients.view_patient"},
            {"patients.change_patient", "workqueue.add_casenote", "scheduling.change_encounter"},
        ),
    ],
)
def test_role_permissions(role: str, has: set[str], has_not: set[str]) -> None:
    perms = perms_of(role)
    assert has <= perms
    assert not (has_not & perms)


def test_nobody_may_change_or_delete_the_audit_trail() -> None:
    for role in ROLES:
        assert not {
            "audit.add_auditevent",
            "audit.change_auditevent",
            "audit.delete_auditevent",
        } & perms_of(role)


def test_the_auditor_only_reads() -> None:
    writes = {p for p in perms_of("auditor") if not p.split(".")[1].startswith("view_")}
    assert writes == {"audit.export_auditevent"}


def test_setup_roles_restores_a_tampered_role(capsys) -> None:
    specialist = Group.objects.get(name="specialist")
    specialist.permissions.add(Permission.objects.get(codename="view_auditevent"))
    Group.objects.filter(name="auditor").delete()
    call_command("setup_roles")
    assert "audit.view_auditevent" not in perms_of("specialist")
    assert "audit.view_auditevent" in perms_of("auditor")
    assert "roles set up" in capsys.readouterr().out


def test_do_create_user_gives_role_and_facilities() -> None:
    north, south = build_site("NORTH"), build_site("SOUTH")
    user = do_create_user("spec1", PASSWORD, "specialist", [north.facility, "SOUTH"])
    assert list(user.groups.values_list("name", flat=True)) == ["specialist"]
    profile = UserProfile.objects.get(user=user)
    assert set(profile.facilities.all()) == {north.facility, south.facility}
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert user.has_perm("patients.view_patient")
    assert not user.has_perm("audit.view_auditevent")
    assert do_create_user("boss", PASSWORD, "admin").is_staff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x1", PASSWORD, "janitor", []), "role: 'janitor'"),
        (("x2", "short", "biller", []), "password: "),
        (("x3", PASSWORD, "biller", ["NOWHERE"]), "facilities: no facility with code 'NOWHERE'"),
    ],
)
def test_do_create_user_refuses_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        do_create_user(*args)
    assert message in str(error.value)
    assert not UserProfile.objects.filter(user__username=args[0]).exists()


def test_do_create_user_refuses_a_taken_name() -> None:
    do_create_user("twice", PASSWORD, "biller")
    with pytest.raises(ValidationError, match="username: twice already exists"):
        do_create_user("twice", PASSWORD, "biller")
