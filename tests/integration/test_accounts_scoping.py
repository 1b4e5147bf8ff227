"""Facility scoping: users see their facilities' patients and encounters; others are 404."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from finclear.accounts.scoping import (
    facilities_for,
    get_encounter_for_user_or_404,
    get_patient_for_user_or_404,
    scope_encounters,
    scope_patients,
)
from finclear.patients.models import Patient
from finclear.scheduling.models import Encounter
from tests.integration.webclinic import build_encounter, build_site, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic():
    a, b = build_site("NORTH"), build_site("SOUTH")
    return {"a": a, "b": b, "enc_a": build_encounter(a), "enc_b": build_encounter(b)}


def test_a_user_sees_only_their_facilities(clinic) -> None:
    user = build_user("spec_a", "specialist", clinic["a"].facility)
    assert list(facilities_for(user)) == [clinic["a"].facility]
    assert list(scope_patients(Patient.objects.all(), user)) == [clinic["enc_a"].patient]
    assert list(scope_encounters(Encounter.objects.all(), user)) == [clinic["enc_a"]]
    assert get_patient_for_user_or_404(user, clinic["enc_a"].patient_id) == clinic["enc_a"].patient
    assert get_encounter_for_user_or_404(user, clinic["enc_a"].pk) == clinic["enc_a"]


def test_another_facilitys_rows_are_404(clinic) -> None:
    user = build_user("spec_a", "specialist", clinic["a"].facility)
    with pytest.raises(Http404):
        get_patient_for_user_or_404(user, clinic["enc_b"].patient_id)
    with pytest.raises(Http404):
        get_encounter_for_user_or_404(user, clinic["enc_b"].pk)


@pytest.mark.parametrize("kind", ["admin", "superuser"])
def test_admins_and_superusers_see_every_facility(clinic, kind: str) -> None:
    if kind == "admin":
        user = build_user("adm", "admin")
    else:
        user = get_user_model().objects.create_superuser("root", password="unused-password-1")
    assert set(facilities_for(user)) == {clinic["a"].facility, clinic["b"].facility}
    assert scope_encounters(Encounter.objects.all(), user).count() == 2
    assert get_encounter_for_user_or_404(user, clinic["enc_b"].pk) == clinic["enc_b"]


def test_a_user_with_no_facility_sees_nothing(clinic) -> None:
    user = build_user("nobody", "specialist")
    assert not facilities_for(user).exists()
    assert not scope_patients(Patient.objects.all(), user).exists()


def test_anonymous_and_inactive_users_see_nothing(clinic) -> None:
    assert not scope_encounters(Encounter.objects.all(), AnonymousUser()).exists()
    user = build_user("gone", "admin")
    user.is_active = False
    user.save()
    assert not scope_encounters(Encounter.objects.all(), user).exists()
