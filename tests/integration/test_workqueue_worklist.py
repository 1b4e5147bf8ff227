"""The worklist: scoped, filtered, counted per status, sorted, paged, saved views, audited,
in a fixed number of queries whatever the page holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from finclear.audit.models import AuditEvent
from finclear.workqueue.forms import do_forget_drawn_fields
from finclear.workqueue.models import ClearanceCase, SavedView
from finclear.workqueue.names import do_forget_names
from finclear.workqueue.services import do_ensure_case, do_recompute_cases
from tests.integration.webclinic import (
    build_coverage,
    build_encounter,
    build_patient,
    build_payer_plan,
    build_site,
    build_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sites():
    return build_site("NORTH"), build_site("SOUTH")


@pytest.fixture
def specialist(sites):
    return build_user("spec_a", "specialist", sites[0].facility)


@pytest.fixture
def client_a(client: Client, specialist) -> Client:
    client.force_login(specialist)
    return client


def open_case(site, days: int = 10, insured: bool = True, **fields) -> ClearanceCase:
    encounter = build_encounter(
        site, scheduled_at=timezone.now() + dt.timedelta(days=days), **fields
    )
    if insured:
        build_coverage(encounter.patient, build_payer_plan())
    case = do_ensure_case(encounter)
    do_recompute_cases([case.pk])
    case.refresh_from_db()
    return case


def shown(response) -> list[int]:
    return [c.pk for c in response.context["page"].rows]


def test_only_the_users_facilities_with_counts_per_status(client_a: Client, sites) -> None:
    soon = open_case(sites[0], days=1)
    later = open_case(sites[0], days=20)
    open_case(sites[1], days=1)
    response = client_a.get("/worklist/")
    assert response.status_code == 200
    assert shown(response) == [soon.pk, later.pk]  # by priority: the sooner visit first
    counts = response.context["worklist"].counts
    assert counts["at_risk"] == 1 and counts["needs_eligibility"] == 1
    assert counts["todo"] == 2 and counts["all"] == 2
    assert b'At risk <span class="count">1</span>' in response.content


def test_tabs_sort_and_filters(client_a: Client, sites, specialist) -> None:
    soon = open_case(sites[0], days=1)
    later = open_case(sites[0], days=20)
    uninsured = open_case(sites[0], days=30, insured=False)
    assert shown(client_a.get("/worklist/?tab=at_risk")) == [soon.pk]
    assert shown(client_a.get("/worklist/?sort=date")) == [soon.pk, later.pk, uninsured.pk]
    day = timezone.localdate() + dt.timedelta(days=20)
    assert shown(client_a.get(f"/worklist/?date_from={day}&date_to={day}")) == [later.pk]
    assert shown(client_a.get("/worklist/?item=counseling")) == [uninsured.pk]
    assert shown(client_a.get(f"/worklist/?payer={later.payer_id}")) == [later.pk]
    ClearanceCase.objects.filter(pk=later.pk).update(owner=specialist)
    assert shown(client_a.get("/worklist/?assignee=me")) == [later.pk]
    assert shown(client_a.get("/worklist/?assignee=unassigned")) == [soon.pk, uninsured.pk]
    dept = sites[0].department.pk
    assert len(shown(client_a.get(f"/worklist/?department={dept}"))) == 3


def test_another_facility_filter_is_refused_with_a_clear_error(client_a: Client, sites) -> None:
    response = client_a.get(f"/worklist/?facility={sites[1].facility.pk}")
    assert response.status_code == 422
    assert response.context["worklist"] is None
    assert b"Select a valid choice" in response.content


def test_empty_state_says_so(client_a: Client) -> None:
    response = client_a.get("/worklist/")
    assert b"Nothing to do here" in response.content


def test_every_row_shown_is_audited(client_a: Client, sites, specialist) -> None:
    cases = [open_case(sites[0]) for _ in range(3)]
    client_a.get("/worklist/")
    events = AuditEvent.objects.filter(user=specialist, action="view", detail__list="worklist")
    assert sorted(e.object_id for e in events) == sorted(str(c.pk) for c in cases)
    assert {e.patient_id for e in events} == {c.encounter.patient_id for c in cases}
    # One insert wrote them: each with the request's who, how and from where, as one event.
    first = events[0]
    assert (first.username, first.channel, first.path) == ("spec_a", "web", "/worklist/")
    assert first.ip_address == "127.0.0.1" and first.object_type == "workqueue.clearancecase"
    assert first.object_repr == f"clearance case #{first.object_id}"
    assert first.occurred_at is not None and first.occurred_at.tzinfo is not None


def test_rows_show_what_the_case_holds(client_a: Client, sites) -> None:
    case = open_case(sites[0])
    encounter = case.encounter
    row = client_a.get("/worklist/").content.decode()
    start = row.index(f'id="case-{case.pk}"')
    row = row[start : row.index("</tr>", start)]
    patient = encounter.patient
    assert f"{patient.last_name}, {patient.first_name}" in row and f"MRN {patient.mrn}" in row
    assert encounter.department.name in row and encounter.rendering_provider.last_name in row
    assert f'<span class="badge {case.status}">{case.get_status_display()}</span>' in row
    for item in case.open_items:
        assert f'title="{escape(item["reason"])}">{item["item"]}</span>' in row
    assert f'formaction="/worklist/cases/{case.pk}/claim/"' in row
    local = timezone.localtime(case.scheduled_at, sites[0].facility.zone)
    assert local.strftime("%H:%M") in row


def test_names_are_escaped_in_the_rows(client_a: Client, sites) -> None:
    patient = build_patient(sites[0], last_name="O'Hara<script>", first_name='Ann "A" & B')
    open_case(sites[0], patient=patient)
    page = client_a.get("/worklist/").content.decode()
    assert "<script>" not in page.split('id="wq-results"', 1)[1].split("</table>", 1)[0]
    assert "O&#x27;Hara&lt;script&gt;, Ann &quot;A&quot; &amp; B" in page


def test_filter_options_are_the_users_own(client_a: Client, sites) -> None:
    """The selects list the user's facilities and departments only, with the choice kept."""
    north, south = sites
    page = client_a.get(f"/worklist/?facility={north.facility.pk}").content.decode()
    select = page[
        page.index('<select name="facility"') : page.index(
            "</select>", page.index('<select name="facility"')
        )
    ]
    assert f'<option value="{north.facility.pk}" selected>' in select
    assert f'value="{south.facility.pk}"' not in select
    assert f"{north.facility.code} · " in page and f"{south.facility.code} · " not in page


def test_htmx_gets_the_results_partial(client_a: Client, sites) -> None:
    open_case(sites[0])
    response = client_a.get("/worklist/", headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b'class="wq-table"' in response.content


def test_pages_split_the_rows(client_a: Client, sites, monkeypatch) -> None:
    for _ in range(3):
        open_case(sites[0])
    from finclear.workqueue import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    first = client_a.get("/worklist/")
    assert len(shown(first)) == 2 and first.context["page"].num_pages == 2
    second = client_a.get("/worklist/?page=2")
    assert len(shown(second)) == 1
    assert set(shown(first)).isdisjoint(shown(second))


def worklist_queries(client: Client) -> tuple[int, list[str]]:
    """(rows shown, the SQL of the worklist's own queries) of one GET /worklist/."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/worklist/")
    # The session's activity stamp is written every few seconds: not the worklist's.
    sql = [
        q["sql"]
        for q in queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    return len(shown(response)), sql


def test_the_query_count_does_not_grow_with_the_rows(client_a: Client, sites) -> None:
    counts = []
    for n in (2, 12):
        while ClearanceCase.objects.count() < n:
            open_case(sites[0])
        cache.clear()  # nothing kept: the tab counts, filter options and names are read too
        do_forget_names()
        do_forget_drawn_fields()
        rows, sql = worklist_queries(client_a)
        assert rows == n
        counts.append(len(sql))
    assert counts[0] == counts[1]
    # user, permissions (2), groups, facilities, counts, the page's rows, their names (five
    # tables), audit insert, saved views, the options of four filters, assignees
    assert counts[0] <= 19, counts


def test_a_page_again_reads_a_handful(client_a: Client, sites) -> None:
    """Within the counts' and options' time to live, a page is its rows, not its filters."""
    for _ in range(3):
        open_case(sites[0])
    worklist_queries(client_a)
    rows, sql = worklist_queries(client_a)
    assert rows == 3
    # user, permissions (2), groups, facilities, the page's rows, audit insert, saved views;
    # on PostgreSQL the rows and their audit insert are one statement
    assert len(sql) <= (7 if connection.vendor == "postgresql" else 8), sql
    assert sum('INSERT INTO "audit_auditevent"' in q for q in sql) == 1


def test_saved_views_are_per_user(client_a: Client, sites, client) -> None:
    response = client_a.post("/worklist/views/", {"name": "Soon", "query": "tab=at_risk"})
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert (view.name, view.query) == ("Soon", "tab=at_risk")
    page = client_a.get("/worklist/")
    assert [v.name for v in page.context["saved_views"]] == ["Soon"]
    other = Client()
    other.force_login(build_user("spec_b", "specialist", sites[1].facility))
    assert other.get("/worklist/").context["saved_views"] == []
    assert other.post(f"/worklist/views/{view.pk}/delete/").status_code == 404
    assert client_a.post(f"/worklist/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_roles_without_the_worklist_are_refused(client: Client, sites) -> None:
    client.force_login(build_user("nobody", "biller", sites[0].facility))
    assert client.get("/worklist/").status_code == 200  # billers read cases
    client.force_login(
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.create_user("plain", password="x")
    )
    assert client.get("/worklist/").status_code == 403
    client.logout()
    assert client.get("/worklist/").status_code == 302


def test_a_colleague_new_since_the_options_were_read_can_be_chosen(client_a: Client, sites) -> None:
    client_a.get("/worklist/")  # the assignee options are read and kept
    newcomer = build_user("spec_new", "specialist", sites[0].facility)
    stranger = build_user("spec_far", "specialist", sites[1].facility)
    assert client_a.get(f"/worklist/?assignee={newcomer.pk}").status_code == 200
    refused = client_a.get(f"/worklist/?assignee={stranger.pk}")
    assert refused.status_code == 422 and refused.context["worklist"] is None


def test_the_filter_widgets_draw_what_djangos_own_draw(specialist, sites) -> None:
    from django import forms
    from django.test.html import parse_html

    from finclear.workqueue.forms import WorklistFilterForm

    data = {
        "tab": "at_risk",
        "date_from": "2026-01-02",
        "facility": str(sites[0].facility.pk),
        "item": "estimate",
        "assignee": "me",
        "sort": "date",
    }
    for bound_data in (data, None):
        form = WorklistFilterForm(bound_data, user=specialist)
        for field in form:
            widget = field.field.widget
            stock_class = next(
                c for c in type(widget).__mro__ if c.__module__ == "django.forms.widgets"
            )
            stock = stock_class(attrs=widget.attrs)
            stock.is_required = widget.is_required
            if isinstance(widget, forms.widgets.Input):
                stock.input_type = widget.input_type
            if isinstance(widget, forms.Select):
                stock.choices = list(widget.choices)
            assert parse_html(field.as_widget()) == parse_html(field.as_widget(widget=stock)), (
                field.name
            )


def test_counts_are_kept_apart_per_facilities_filters_and_me(client_a: Client, sites) -> None:
    """Counts are kept under the user's facilities and filters: never another's."""
    from finclear.workqueue.services import do_claim_case

    north = [open_case(sites[0]) for _ in range(2)]
    open_case(sites[0], insured=False)
    for _ in range(4):
        open_case(sites[1])
    bob = build_user("spec_b", "specialist", sites[0].facility)
    do_claim_case(north[0].pk, bob)
    client_b = Client()
    client_b.force_login(bob)
    south = Client()
    south.force_login(build_user("spec_s", "specialist", sites[1].facility))

    def total(client: Client, query: str = "") -> int:
        count: int = client.get(f"/worklist/?tab=all&{query}").context["worklist"].counts["all"]
        return count

    assert (total(client_a), total(south)) == (3, 4)
    assert total(client_a, "assignee=me") == 0 and total(client_b, "assignee=me") == 1
    assert total(client_a, "assignee=unassigned") == 2
    assert total(client_a, f"payer={north[1].payer_id}") == 1  # a payer of its own


def test_a_plain_select_marks_the_chosen_option_as_djangos_own(specialist) -> None:
    """The options are drawn once per list and kept: each render still marks only the first
    option of the chosen value, escapes the labels, and marks none for an unknown value."""
    from django import forms
    from django.test.html import parse_html
    from django.utils.safestring import mark_safe

    from finclear.workqueue.forms import PlainSelect

    lists = [
        [("", "Any"), (1, "A & B"), (2, "<C>"), ("2", "again 2"), (10, "ten")],
        [("", "Any"), (1, "A & B"), (2, mark_safe("<b>safe</b>"))],
    ]
    for choices in lists:
        for _ in range(2):  # drawn, then kept
            for value in ["", "1", "2", 2, "10", "9", None, ["2", "1"]]:
                plain = PlainSelect(attrs={"id": "x"}, choices=choices)
                stock = forms.Select(attrs={"id": "x"}, choices=choices)
                assert parse_html(plain.render("f", value)) == parse_html(
                    stock.render("f", value)
                ), (choices, value)


def saved_view_reads(client: Client) -> tuple[list[str], int]:
    """(the saved views' names a page lists, the queries it made of their table)."""
    with CaptureQueriesContext(connection) as seen:
        page = client.get("/worklist/")
    names = [v.name for v in page.context["saved_views"]]
    return names, sum("workqueue_savedview" in q["sql"] for q in seen)


def test_kept_saved_views_follow_every_write(settings, client_a: Client, specialist, sites) -> None:
    """Kept in a shared cache, the saved views are read once; a save, a change or a deletion
    through the worklist, the API or the ORM is listed by the next page."""
    from finclear.api.tokens import do_create_token

    settings.FINCLEAR_ACCESS_CACHE = True
    assert saved_view_reads(client_a) == ([], 1)
    assert saved_view_reads(client_a) == ([], 0)
    client_a.post("/worklist/views/", {"name": "Soon", "query": "tab=at_risk"})
    assert saved_view_reads(client_a) == (["Soon"], 1)
    api = Client(headers={"authorization": f"Bearer {do_create_token(specialist, 't')[1]}"})
    made = api.post(
        "/api/workqueue/views", {"name": "Mine", "query": "assignee=me"}, "application/json"
    )
    assert made.status_code == 201
    assert saved_view_reads(client_a)[0] == ["Mine", "Soon"]
    view = SavedView.objects.get(name="Soon")
    view.name = "Later"
    view.save()
    assert saved_view_reads(client_a)[0] == ["Later", "Mine"]
    client_a.post(f"/worklist/views/{view.pk}/delete/")
    assert saved_view_reads(client_a)[0] == ["Mine"]
    assert api.delete(f"/api/workqueue/views/{made.json()['id']}").status_code == 204
    assert saved_view_reads(client_a) == ([], 1)
    # another user's views are kept apart
    other = Client()
    bob = build_user("spec_b", "specialist", sites[0].facility)
    other.force_login(bob)
    SavedView.objects.create(user=bob, name="Bob's")
    assert saved_view_reads(other)[0] == ["Bob's"]
    assert saved_view_reads(client_a) == ([], 0)


def test_the_filter_options_are_one_cache_entry_read_again_when_old(
    specialist, sites, monkeypatch
) -> None:
    """The selects' options of a scope are kept together: a process that read them reads
    them again from neither the cache nor the database, one that did not reads them once from
    the cache and none from the database; a part older than OPTIONS_TTL is read again."""
    from django.core.cache import cache as the_cache

    from finclear.organizations.models import Department
    from finclear.workqueue import forms as wq_forms

    def draw() -> str:
        form = wq_forms.WorklistFilterForm(None, user=specialist)
        return "".join(str(form[name]) for name in ("facility", "department", "assignee"))

    cache.clear()
    first = draw()
    reads = []
    real_get = the_cache.get
    monkeypatch.setattr(the_cache, "get", lambda key, *a: reads.append(key) or real_get(key, *a))
    with CaptureQueriesContext(connection) as seen:
        assert draw() == first
    assert len(seen) == 0
    assert not [k for k in reads if k.startswith("finclear:worklist-options:")]
    wq_forms.do_forget_drawn_fields()  # as another process: the shared entry, read once
    with CaptureQueriesContext(connection) as seen:
        assert draw() == first
    assert len(seen) == 0
    assert len([k for k in reads if k.startswith("finclear:worklist-options:")]) == 1
    Department.objects.create(facility=sites[0].facility, code="NEW", name="Newly opened")
    assert "Newly opened" not in draw()  # kept
    later = wq_forms.time.time() + wq_forms.OPTIONS_TTL + 1
    monkeypatch.setattr(wq_forms.time, "time", lambda: later)
    assert "Newly opened" in draw()


@given(
    attrs=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(
            st.text(max_size=8),
            st.booleans(),
            st.none(),
            st.integers(),
            st.text(max_size=8).map(mark_safe),
        ),
        max_size=6,
    )
)
def test_plain_flatatt_writes_what_djangos_flatatt_writes(attrs) -> None:
    from django.forms.utils import flatatt

    from finclear.workqueue.forms import plain_flatatt

    assert plain_flatatt(attrs) == flatatt(attrs)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "tab=at_risk",
        "sort=date&page=2&item=estimate",
        "assignee=me&date_from=2026-01-02&tab=all",
    ],
)
def test_the_tabs_keep_the_filters_as_querydict_writes_them(client_a: Client, query) -> None:
    from django.http import QueryDict

    response = client_a.get(f"/worklist/?{query}")
    expected = []
    for tab in response.context["tabs"]:
        q = QueryDict(query, mutable=True)
        for name in ("page", "csrfmiddlewaretoken", "tab"):
            q.pop(name, None)
        q["tab"] = tab["value"]
        expected.append(q.urlencode())
    assert [tab["query"] for tab in response.context["tabs"]] == expected


def test_old_counts_are_recounted_by_one_request_and_shown_meanwhile(
    specialist, sites, monkeypatch
) -> None:
    """Counts past their TTL are recounted by the request that takes the refresh; one that
    comes while another holds it shows the old counts; a write makes every request recount."""
    import hashlib

    from finclear.workqueue import queries

    open_case(sites[0])
    clock = [1_000_000.0]
    monkeypatch.setattr(queries.time, "time", lambda: clock[0])
    case_filter = queries.build_case_filter(specialist, {})
    key = queries.build_counts_key(specialist, {})
    name = "finclear:worklist-counts:" + hashlib.sha256(key.encode()).hexdigest()
    refresh = f"{name}:refresh"

    def counted() -> tuple[int, int]:
        """(the count of every tab, how many COUNT statements it took)"""
        with CaptureQueriesContext(connection) as seen:
            total = queries.cached_status_counts(case_filter, key)["all"]
        return total, sum("COUNT(*)" in q["sql"] for q in seen.captured_queries)

    assert counted() == (1, 1)
    assert counted() == (1, 0)  # kept
    open_case(sites[0])  # a write through the services: recounted at once, within the TTL
    assert counted() == (2, 1)
    # Past the TTL while another request holds the refresh: the old counts, no recount,
    # even after a write it cannot see (as if from outside the services).
    clock[0] += queries.COUNTS_TTL + 1
    assert cache.add(refresh, 1, queries.REFRESH_SECONDS)
    generation = cache.get(queries._COUNTS_GENERATION)
    open_case(sites[0])
    cache.set(queries._COUNTS_GENERATION, generation, None)
    assert counted() == (2, 0)
    # The refresh free again: this request takes it, recounts and frees it.
    cache.delete(refresh)
    assert counted() == (3, 1)
    assert cache.get(name)[1] == clock[0] and cache.get(refresh) is None
    assert counted() == (3, 0)
    # A write while the refresh is held: recounted at once all the same.
    clock[0] += queries.COUNTS_TTL + 1
    assert cache.add(refresh, 1, queries.REFRESH_SECONDS)
    open_case(sites[0])
    assert counted() == (4, 1)
