"""A user's permissions and facilities kept between requests: every change is seen at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finclear.accounts import access
from finclear.accounts.models import UserProfile
from finclear.accounts.scoping import facility_ids_for
from finclear.api.tokens import do_create_token
from finclear.workqueue.services import do_ensure_case, do_recompute_cases
from tests.integration.webclinic import build_encounter, build_site, build_user

pytestmark = pytest.mark.django_db

WORK = "workqueue.change_clearancecase"


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FINCLEAR_ACCESS_CACHE = True


@pytest.fixture
def sites():
    return build_site("NORTH"), build_site("SOUTH")


def fresh(user: Any) -> Any:
    """The user as the next request loads it: nothing kept on the object."""
    return get_user_model().objects.get(pk=user.pk)


def test_a_second_request_reads_nothing_of_the_users_access(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility)
    loaded = fresh(user)
    with CaptureQueriesContext(connection) as first:
        assert facility_ids_for(loaded) == [sites[0].facility.pk]
    again = fresh(user)
    with CaptureQueriesContext(connection) as second:
        assert facility_ids_for(again) == [sites[0].facility.pk]
        assert again.has_perm(WORK)
        assert not again.has_perm("eligibility.view_raw_x12")
    # permissions (the user's own, their groups'), the all-facility role, the facilities
    assert len(first) == 4, [q["sql"] for q in first]
    assert len(second) == 0, [q["sql"] for q in second]


def test_a_change_of_facilities_is_seen_by_the_next_request(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility)
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    user.profile.facilities.set([sites[1].facility])
    assert facility_ids_for(fresh(user)) == [sites[1].facility.pk]
    sites[1].facility.user_profiles.remove(user.profile)  # from the facility's side
    assert facility_ids_for(fresh(user)) == []
    sites[0].facility.user_profiles.add(user.profile)
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    user.profile.facilities.clear()
    assert facility_ids_for(fresh(user)) == []


def test_a_deleted_facility_or_profile_is_seen_by_the_next_request(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility, sites[1].facility)
    assert len(facility_ids_for(fresh(user))) == 2
    sites[1].department.delete()
    sites[1].facility.delete()
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    UserProfile.objects.filter(user=user).delete()
    assert facility_ids_for(fresh(user)) == []


def test_a_change_of_role_is_seen_by_the_next_request(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility)
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    admin = Group.objects.get(name="admin")
    user.groups.add(admin)
    assert facility_ids_for(fresh(user)) is None  # every facility
    admin.user_set.remove(user)  # from the group's side
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    specialist = Group.objects.get(name="specialist")
    assert fresh(user).has_perm(WORK)
    user.groups.remove(specialist)
    assert not fresh(user).has_perm(WORK)
    specialist.user_set.add(user)
    assert fresh(user).has_perm(WORK)


def test_a_change_of_a_roles_permissions_is_seen_by_the_next_request(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility)
    other = build_user("spec_b", "specialist", sites[1].facility)
    assert fresh(user).has_perm(WORK) and fresh(other).has_perm(WORK)
    permission = Permission.objects.get(codename="change_clearancecase")
    Group.objects.get(name="specialist").permissions.remove(permission)
    assert not fresh(user).has_perm(WORK)
    assert not fresh(other).has_perm(WORK)
    user.user_permissions.add(permission)
    assert fresh(user).has_perm(WORK)
    assert not fresh(other).has_perm(WORK)
    permission.user_set.remove(user)  # from the permission's side
    assert not fresh(user).has_perm(WORK)


def test_a_renamed_or_deleted_role_is_seen_by_the_next_request(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility)
    group = Group.objects.get(name="specialist")
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    Group.objects.filter(name="admin").delete()
    group.name = "admin"  # now the all-facility role
    group.save()
    assert facility_ids_for(fresh(user)) is None
    group.delete()
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]
    assert not fresh(user).has_perm(WORK)


def test_a_deactivated_user_sees_nothing(sites) -> None:
    user = build_user("spec_a", "specialist", sites[0].facility)
    assert fresh(user).has_perm(WORK)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)  # no signal
    gone = fresh(user)
    assert facility_ids_for(gone) == []
    assert not gone.has_perm(WORK)


def test_an_entry_read_before_a_commit_is_stale_after_it(
    sites, django_capture_on_commit_callbacks
) -> None:
    """A request that read the old rows before the change committed never serves them after."""
    user = build_user("spec_a", "specialist", sites[0].facility)
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]  # the versions exist
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user.profile.facilities.set([sites[1].facility])
        # What a concurrent request would store: stamped now, with the rows it read before.
        stamp = cache.get_many([access.EVERYONE_KEY, access.user_key(user.pk)])
        old = access.Access(frozenset({WORK}), False, (sites[0].facility.pk,))
        cache.set(
            access.entry_key(user.pk),
            (stamp[access.EVERYONE_KEY], stamp[access.user_key(user.pk)], old),
        )
    assert facility_ids_for(fresh(user)) == [sites[0].facility.pk]  # before the commit
    for callback in callbacks:
        callback()
    assert facility_ids_for(fresh(user)) == [sites[1].facility.pk]


def test_each_user_has_their_own_entry(sites) -> None:
    north = build_user("spec_a", "specialist", sites[0].facility)
    south = build_user("spec_b", "specialist", sites[1].facility)
    assert facility_ids_for(fresh(north)) == [sites[0].facility.pk]
    assert facility_ids_for(fresh(south)) == [sites[1].facility.pk]
    assert facility_ids_for(fresh(north)) == [sites[0].facility.pk]


@pytest.mark.parametrize(
    ("backend", "chosen", "used"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", None, False),
        ("django.core.cache.backends.filebased.FileBasedCache", None, True),
        ("django.core.cache.backends.redis.RedisCache", None, True),
        ("django.core.cache.backends.redis.RedisCache", False, False),
        ("django.core.cache.backends.locmem.LocMemCache", True, True),
    ],
)
def test_only_a_cache_the_processes_share_is_used(settings, backend, chosen, used) -> None:
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "/tmp/unused"}}
    settings.FINCLEAR_ACCESS_CACHE = chosen
    assert access.is_cache_used() is used


def test_without_the_cache_every_request_reads_again(settings, sites) -> None:
    settings.FINCLEAR_ACCESS_CACHE = False
    user = build_user("spec_a", "specialist", sites[0].facility)
    facility_ids_for(fresh(user))
    again = fresh(user)
    with CaptureQueriesContext(connection) as second:
        facility_ids_for(again)
    assert len(second) == 4  # permissions (2), the all-facility role, the facilities


def page_sql(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The session's activity stamp is written every few seconds: not the page's.
    return [
        q["sql"]
        for q in queries
        if "SAVEPOINT" not in q["sql"] and "django_session" not in q["sql"]
    ]


def test_the_worklist_page_and_api_after_a_change_of_facilities(settings, sites) -> None:
    """The worklist's rows follow the facilities at once; kept, it reads none of the access."""
    user = build_user("spec_a", "specialist", sites[0].facility)
    cases = {}
    for site in sites:
        encounter = build_encounter(site, scheduled_at=timezone.now() + dt.timedelta(days=3))
        case = do_ensure_case(encounter)
        do_recompute_cases([case.pk])
        cases[site.facility.pk] = case.pk
    client = Client()
    client.force_login(user)
    api = Client(headers={"authorization": f"Bearer {do_create_token(user, 'test')[1]}"})

    def shown() -> set[int]:
        return {row["id"] for row in api.get("/api/workqueue/cases?tab=all").json()["items"]}

    assert shown() == {cases[sites[0].facility.pk]}
    page_sql(client, "/worklist/")
    warm = page_sql(client, "/worklist/")
    assert not [sql for sql in warm if "auth_permission" in sql or "accounts_userprofile" in sql]
    settings.FINCLEAR_ACCESS_CACHE = False
    read = page_sql(client, "/worklist/")
    # permissions (2), the all-facility role, the facilities, the session's user and the
    # user's saved views
    assert len(read) - len(warm) == 6
    settings.FINCLEAR_ACCESS_CACHE = True
    user.profile.facilities.set([sites[1].facility])
    assert shown() == {cases[sites[1].facility.pk]}
    page = client.get("/worklist/?tab=all")
    assert [row.pk for row in page.context["page"].rows] == [cases[sites[1].facility.pk]]
