"""The worklist's filter fields, drawn once per options and values and kept: the kept markup
is the template's, new options are drawn once they are read again, errors every time."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finclear.payers.models import Payer
from finclear.workqueue import forms
from finclear.workqueue.forms import WorklistFilterForm
from tests.integration.webclinic import build_payer_plan, build_site, build_user

pytestmark = pytest.mark.django_db

VALUES = {
    "tab": ["", "todo", "all", "cleared", "nonsense"],
    "date_from": ["", "2026-11-01", "2026-13-40"],
    "date_to": ["", "2026-12-31"],
    "facility": ["", "1", "999999", "x"],
    "department": ["", "1"],
    "provider": ["", "1"],
    "payer": ["", "1", "999999"],
    "item": ["", "eligibility", "authorization", "bogus"],
    "assignee": ["", "me", "unassigned", "999999"],
    "sort": ["", "priority", "date", "sideways"],
}


@pytest.fixture
def specialist():
    site = build_site("NORTH")
    build_payer_plan()
    return build_user("spec_f", "specialist", site.facility)


def bound(user, pairs: dict[str, str]) -> WorklistFilterForm:
    data = QueryDict(mutable=True)
    for name, value in pairs.items():
        data[name] = value
    return WorklistFilterForm(data or None, user=user)


@given(st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in VALUES.items()}))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_kept_fields_are_the_templates(specialist, pairs) -> None:
    form = bound(specialist, pairs)
    form.is_valid()
    drawn = form.fields_html()
    assert drawn == form._draw_fields()
    again = bound(specialist, pairs)
    again.is_valid()
    if form.is_bound and form.errors:
        assert again.fields_html() == drawn  # drawn again, the same
    else:
        assert again.fields_html() is drawn  # kept


def test_errors_are_drawn_every_time(specialist) -> None:
    form = bound(specialist, {"date_from": "2026-13-40"})
    assert not form.is_valid()
    assert "date_from" in form.errors and form.fields_html() is not form.fields_html()
    assert "errorlist" in form.fields_html()


def test_new_options_are_drawn_once_read_again(specialist, monkeypatch) -> None:
    clock = [2_000_000.0]
    monkeypatch.setattr(forms.time, "time", lambda: clock[0])
    first = bound(specialist, {}).fields_html()
    Payer.objects.create(name="Zebra Mutual", payer_type="commercial")
    assert bound(specialist, {}).fields_html() is first  # the options are kept a while
    clock[0] += forms.OPTIONS_TTL + 1
    later = bound(specialist, {}).fields_html()
    assert "Zebra Mutual" in later and "Zebra Mutual" not in first


def test_other_values_other_markup(specialist) -> None:
    plain = bound(specialist, {}).fields_html()
    by_date = bound(specialist, {"sort": "date"})
    assert by_date.is_valid()
    assert by_date.fields_html() != plain
    assert '<option value="date" selected>' in by_date.fields_html()


def test_each_form_has_fields_of_its_own(specialist) -> None:
    """The declared fields are copied for each form (more cheaply than Django's deep copy):
    what one form sets on its fields and widgets is not seen by the next."""
    import copy

    first = bound(specialist, {"payer": "1"})
    second = bound(specialist, {})
    for name, field in first.fields.items():
        other = second.fields[name]
        declared = WorklistFilterForm.base_fields[name]
        assert field is not other and field is not declared
        assert field.widget is not other.widget and field.widget is not declared.widget
        assert field.widget.attrs is not other.widget.attrs
        assert field.error_messages is not other.error_messages
        assert field.validators is not other.validators
    first.fields["sort"].choices = [("x", "X")]
    first.fields["date_from"].widget.attrs["data-x"] = "1"
    assert second.fields["sort"].choices == list(forms.SORT_CHOICES)
    assert "data-x" not in bound(specialist, {}).fields["date_from"].widget.attrs
    assert first.fields["payer"].queryset is not None and second.fields["payer"].queryset is None
    # What Django's deep copy gives, field by field, for the attributes a form reads.
    plain = copy.deepcopy(dict(WorklistFilterForm.base_fields))
    for name, field in bound(specialist, {}).fields.items():
        assert type(field) is type(plain[name]) and field.label == plain[name].label
        assert field.widget.attrs == plain[name].widget.attrs
        assert field.required == plain[name].required


def test_a_process_keeps_the_options_it_read(specialist, monkeypatch) -> None:
    """Options read once are drawn again without the shared entry or the database until
    they are ``OPTIONS_TTL`` old; then they are read again."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock = [3_000_000.0]
    monkeypatch.setattr(forms.time, "time", lambda: clock[0])
    first = bound(specialist, {})
    first.fields_html()
    key = next(iter(forms._OPTIONS_HERE))
    assert cache.get(key) is not None
    cache.delete(key)
    Payer.objects.create(name="Yak Assurance", payer_type="commercial")
    clock[0] += forms.OPTIONS_TTL
    with CaptureQueriesContext(connection) as seen:
        kept = bound(specialist, {"sort": "date"})
        assert kept.is_valid()
        drawn = kept.fields_html()
    assert "Yak Assurance" not in drawn and not [
        q for q in seen.captured_queries if "payer" in q["sql"].lower()
    ]
    clock[0] += 1
    assert "Yak Assurance" in bound(specialist, {"sort": "date"}).fields_html()
    assert cache.get(key) is not None  # written back for the other processes
