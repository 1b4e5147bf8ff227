"""The demo's users: one per role, scoped to the demo clinic, able to sign in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from finclear.accounts.roles import ROLES
from finclear.demo.load import do_load_clinic
from finclear.demo.records import SeedParams
from finclear.demo.synth import build_clinic
from finclear.demo.users import build_demo_password, do_ensure_demo_users

pytestmark = pytest.mark.django_db


def test_one_user_per_role_scoped_to_the_demo_facilities_who_can_sign_in() -> None:
    do_load_clinic(
        build_clinic(SeedParams(patients=20, days=3, seed=4, start_date=timezone.localdate()))
    )
    password = "Qx7-violet-harbor-92"
    created = do_ensure_demo_users(password)
    assert created == [f"demo-{role}" for role in ROLES]
    users = get_user_model().objects.filter(username__startswith="demo-")
    for user in users:
        role = user.username.removeprefix("demo-")
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert set(user.profile.facilities.values_list("code", flat=True)) == {"NORTH", "SOUTH"}
    assert Client().login(username="demo-specialist", password=password)

    assert do_ensure_demo_users("Lm3-amber-meadow-45") == []
    assert Client().login(username="demo-biller", password="Lm3-amber-meadow-45")
    assert not Client().login(username="demo-biller", password=password)
    with pytest.raises(ValidationError, match="password"):
        do_ensure_demo_users("demo")


def test_the_password_is_generated_once_and_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FINCLEAR_DEMO_PASSWORD", raising=False)
    with override_settings(VAR_DIR=tmp_path):
        first = build_demo_password()
        assert len(first) >= 12
        assert build_demo_password() == first
        assert (tmp_path / "demo-password.txt").stat().st_mode & 0o077 == 0
        monkeypatch.setenv("FINCLEAR_DEMO_PASSWORD", "Given-by-the-environment-3")
        assert build_demo_password() == "Given-by-the-environment-3"
