"""The worklist's filters, and the forms of the workspace's actions."""

from __future__ import annotations

import copy
import functools
import html
import time
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from finclear.accounts.scoping import facilities_for, facility_ids_for
from finclear.organizations.models import Department, Provider
from finclear.payers.models import Payer
from finclear.rules.clearance import Item
from finclear.workqueue.models import CaseStatus
from finclear.workqueue.queries import ALL, TAB_ORDER, TODO

ITEM_CHOICES = [("", "Any open item"), *[(i.value, i.value.title()) for i in Item]]
SORT_CHOICES = [("priority", "Priority"), ("date", "Date of service")]
TAB_CHOICES = [
    (TODO, "To do"),
    *[(s.value, s.label) for s in TAB_ORDER],
    (ALL, "All"),
]


def _escaped(value: Any) -> str:
    """``conditional_escape`` without its lazy wrapper: safe text as it is, else escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def plain_flatatt(attrs: dict[str, Any]) -> str:
    """Django's ``flatatt`` (the same attributes, sorted the same way, escaped the same way),
    without a ``format_html`` and its lazy wrappers per attribute: it was half the cost of
    drawing a filter select."""
    pairs, flags = [], []
    for attr, value in attrs.items():
        if isinstance(value, bool):
            if value:
                flags.append((attr,))
        elif value is not None:
            pairs.append((attr, value))
    return "".join(f' {_escaped(a)}="{_escaped(v)}"' for a, v in sorted(pairs)) + "".join(
        f" {_escaped(a)}" for (a,) in sorted(flags)
    )


class PlainSelect(forms.Select):
    """A ``<select>`` drawn in Python: Django's widget templates render every option through
    the template engine, which cost the worklist page more than its fifty rows. The options'
    HTML is drawn once per list of choices and kept (``option_tags``); a render marks the
    chosen one."""

    def use_required_attribute(self, initial: Any) -> bool:
        # Select's own check reads the first choice: for an optional field, not worth a read.
        return bool(self.is_required) and super().use_required_attribute(initial)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = self.format_value(value)
        kept = getattr(self.choices, "func", None)
        if isinstance(kept, KeptChoices):
            texts, labels, tags = kept.drawn()  # with the options, from the cache
            joined = "".join(tags)
        else:
            choices = tuple(
                ("" if option_value is None else str(option_value), label)
                for option_value, label in self.choices
            )
            labels = [label for _, label in choices]
            # Kept only for plain text labels: a safe or lazy label is drawn each time.
            plain = all(type(label) is str for label in labels)
            texts, tags, joined = (option_tags if plain else option_tags.__wrapped__)(choices)
        # The first option whose value is chosen, as Django marks it (one, in a single select).
        if len(chosen) == 1:
            index = texts.index(chosen[0]) if chosen[0] in texts else None
        else:
            wanted = set(chosen)
            index = next((i for i, text in enumerate(texts) if text in wanted), None)
        if index is None:
            options = joined
        else:
            chosen_tag = format_html(
                '<option value="{}" selected>{}</option>', texts[index], labels[index]
            )
            options = "".join(tags[:index]) + chosen_tag + "".join(tags[index + 1 :])
        return mark_safe(  # the name and attributes escaped, the options drawn escaped
            f'<select name="{_escaped(name)}"{plain_flatatt(final)}>{options}</select>'
        )


@functools.lru_cache(maxsize=256)
def option_tags(choices: tuple[tuple[str, Any], ...]) -> tuple[list[str], list[str], str]:
    """(the options' values, their ``<option>`` tags unselected, the tags joined) of a list of
    (value, label) texts; kept per list, so that the same options (a filter's, the same for
    every specialist of a facility) are escaped and formatted once per process."""
    texts = [text for text, _ in choices]
    tags = [format_html('<option value="{}">{}</option>', text, label) for text, label in choices]
    return texts, tags, "".join(tags)


class PlainInputMixin:
    """An ``<input>`` drawn in Python, as Django's input template draws it."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget: Any = self
        final = widget.build_attrs(widget.attrs, attrs)
        shown = widget.format_value(value)
        value_attr = f' value="{_escaped(shown)}"' if shown is not None else ""
        return mark_safe(  # every part escaped
            f'<input type="{_escaped(widget.input_type)}" name="{_escaped(name)}"'
            f"{value_attr}{plain_flatatt(final)}>"
        )


class PlainDateInput(PlainInputMixin, forms.DateInput):
    pass


class PlainHiddenInput(PlainInputMixin, forms.HiddenInput):
    pass


OPTIONS_TTL = 60  # seconds a process may draw the same options of a filter select
FIELDS_KEPT = 512  # drawn filter fields kept per process (``WorklistFilterForm.fields_html``)
_FIELDS_DRAWN: dict[tuple[Any, ...], SafeString] = {}
OPTIONS_KEPT_HERE = 256  # facility scopes whose options a process keeps (``KeptOptions``)
_OPTIONS_HERE: dict[str, dict[str, tuple[float, Any]]] = {}


def do_forget_drawn_fields() -> None:
    """Forget the filter fields and options this process drew and read (tests: ids rolled
    back come again)."""
    _FIELDS_DRAWN.clear()
    _OPTIONS_HERE.clear()


class KeptOptions:
    """The options of every filter select of one facility scope, kept together in one cache
    entry (``key``): a process that has none of them reads the five selects' options in one
    cache read. Each select's part is read from the database when missing or older than
    ``OPTIONS_TTL`` seconds, and the entry written back; the entry is read at most once per
    form. A process keeps the parts it read (``_OPTIONS_HERE``) for the same ``OPTIONS_TTL``
    from their reading: unpickling the shared entry on every page cost more than drawing
    from it."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.parts: dict[str, tuple[float, Any]] | None = None

    def part(self, name: str, build: Callable[[], Any]) -> Any:
        return self.kept(name, build)[1]

    def kept(self, name: str, build: Callable[[], Any]) -> tuple[float, Any]:
        """(when the part was read, the part), read again first if missing or too old."""
        now = time.time()
        here = _OPTIONS_HERE.get(self.key)
        kept = here.get(name) if here is not None else None
        if kept is not None and now - kept[0] <= OPTIONS_TTL:
            return kept
        if self.parts is None:
            found = cache.get(self.key)
            self.parts = dict(found) if isinstance(found, dict) else {}
        kept = self.parts.get(name)
        if kept is None or now - kept[0] > OPTIONS_TTL:
            kept = self.parts[name] = (now, build())
            cache.set(self.key, self.parts, OPTIONS_TTL)
        if here is None:
            if len(_OPTIONS_HERE) >= OPTIONS_KEPT_HERE:
                _OPTIONS_HERE.clear()
            here = _OPTIONS_HERE[self.key] = {}
        here[name] = kept
        return kept


class KeptChoices:
    """A filter select's choices, read only when the select is drawn or a value is checked
    against them (validating a model filter reads its queryset instead), and kept
    ``OPTIONS_TTL`` seconds as ``name`` of ``options`` (``KeptOptions``), with their
    ``<option>`` tags: facilities, departments, providers, payers and colleagues change far
    less often than specialists page through the worklist, and drawing the same tags again
    for every page was most of the selects' cost. The first choices are
    ``("", empty_label)`` and ``fixed``."""

    def __init__(
        self,
        options: KeptOptions,
        name: str,
        empty_label: str,
        read: Callable[[], Iterable[tuple[Any, str]]],
        fixed: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.options = options
        self.name = name
        self.head = (("", empty_label), *fixed)
        self.read = read

    def _build(self) -> tuple[list[tuple[Any, str]], list[str], list[str], list[str]]:
        options = list(self.read())
        choices = tuple(
            ("" if value is None else str(value), str(label))
            for value, label in (*self.head, *options)
        )
        texts, tags, _ = option_tags.__wrapped__(choices)
        return options, texts, [label for _, label in choices], tags

    def __call__(self) -> list[tuple[Any, str]]:
        return [*self.head, *self.options.part(self.name, self._build)[0]]

    def drawn(self) -> tuple[list[str], list[str], list[str]]:
        """(the options' values as text, their labels, their ``<option>`` tags unselected)."""
        _, texts, labels, tags = self.options.part(self.name, self._build)
        return texts, labels, tags

    def stamp(self) -> float:
        """When the options now drawn were read (they are read again first if too old)."""
        return self.options.kept(self.name, self._build)[0]


class AssigneeField(forms.ChoiceField):
    """Anyone, me, unassigned or a colleague; the colleagues are drawn from a list kept a
    minute, but one not (yet) in it is looked up before the choice is refused."""

    user: Any = None

    def valid_value(self, value: Any) -> bool:
        if super().valid_value(value):
            return True
        text = str(value)
        return text.isdigit() and workers(self.user).filter(pk=int(text)).exists()


def workers(user: Any) -> Any:
    """Active users who share a facility with ``user`` (everyone for an admin)."""
    users = get_user_model().objects.filter(is_active=True)
    ids = facility_ids_for(user)
    if ids is not None:
        users = users.filter(profile__facilities__in=ids).distinct()
    return users.order_by("username")


def copy_field(field: forms.Field) -> forms.Field:
    """A form field's copy for one form: its widget and their attributes, error messages and
    validators copied, as ``Field.__deepcopy__`` copies them, the choices shared (a choice
    field's choices are replaced, never changed in place)."""
    copied = copy.copy(field)
    widget = copy.copy(field.widget)
    widget.attrs = field.widget.attrs.copy()
    copied.widget = widget
    copied.error_messages = field.error_messages.copy()
    copied.validators = field.validators[:]
    return copied


class CopiedFields(dict[str, forms.Field]):
    """A form's declared fields, each copied for a new form by ``copy_field``: a form
    deep-copies its declared fields for every instance, and deep-copying the filter's static
    choices on every worklist request was a tenth of the API's CPU."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: copy_field(field) for name, field in self.items()}


class WorklistFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=TAB_CHOICES, required=False, widget=PlainHiddenInput)
    date_from = forms.DateField(
        required=False, label="From", widget=PlainDateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=PlainDateInput(attrs={"type": "date"})
    )
    facility = forms.ModelChoiceField(
        queryset=None, required=False, label="Facility", widget=PlainSelect
    )
    department = forms.ModelChoiceField(
        queryset=None, required=False, label="Department", widget=PlainSelect
    )
    provider = forms.ModelChoiceField(
        queryset=None, required=False, label="Provider", widget=PlainSelect
    )
    payer = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Payer",
        widget=PlainSelect,
    )
    item = forms.ChoiceField(
        choices=ITEM_CHOICES, required=False, label="Open item", widget=PlainSelect
    )
    assignee = AssigneeField(required=False, label="Assignee", widget=PlainSelect)
    sort = forms.ChoiceField(
        choices=SORT_CHOICES, required=False, label="Sort by", widget=PlainSelect
    )

    def fields_html(self) -> SafeString:
        """The filter fields drawn (``workqueue/_filter_fields.html``), kept per process for
        the same options and the same values: specialists page through the same few filters,
        and drawing the nine fields was a tenth of the page's CPU. A form with errors is
        drawn each time."""
        if self.is_bound and self.errors:
            return self._draw_fields()
        choices = [
            kept
            for field in self.fields.values()
            if isinstance(
                kept := getattr(getattr(field, "choices", None), "func", None), KeptChoices
            )
        ]
        values: tuple[Any, ...] = ()
        if self.is_bound:
            getlist = getattr(self.data, "getlist", None)
            values = tuple(
                (name, tuple(getlist(name)) if getlist else self.data.get(name))
                for name in self.fields
            )
        key = (
            self.prefix,
            tuple((kept.options.key, kept.name, kept.stamp()) for kept in choices),
            values,
        )
        drawn = _FIELDS_DRAWN.get(key)
        if drawn is None:
            drawn = self._draw_fields()
            if len(_FIELDS_DRAWN) >= FIELDS_KEPT:
                _FIELDS_DRAWN.clear()
            _FIELDS_DRAWN[key] = drawn
        return drawn

    def _draw_fields(self) -> SafeString:
        """The fields as the template draws them, every time."""
        return mark_safe(render_to_string("workqueue/_filter_fields.html", {"form": self}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        def facilities() -> Any:
            return facilities_for(user).order_by("code")

        def departments() -> Any:
            return Department.objects.filter(facility__in=facilities()).order_by(
                "facility__code", "name"
            )

        def providers() -> Any:
            return (
                Provider.objects.filter(facilities__in=facilities(), is_active=True)
                .distinct()
                .order_by("last_name", "first_name")
            )

        def payers() -> Any:
            return Payer.objects.filter(is_active=True).order_by("name")

        # A queryset validates a choice: built only for a filter given a value (building the
        # four on every request was a sixth of the API's CPU). The options are drawn from
        # plain values, read only when a select is drawn.
        for name, build in (
            ("facility", facilities),
            ("department", departments),
            ("provider", providers),
            ("payer", payers),
        ):
            if self.is_bound and self.data.get(self.add_prefix(name)) not in (None, ""):
                self._set_queryset(name, build())
        ids = facility_ids_for(user)
        scope = "finclear:worklist-options:" + ("all" if ids is None else "-".join(map(str, ids)))
        kept = KeptOptions(f"{scope}:drawn")
        self.fields["facility"].choices = KeptChoices(  # type: ignore[attr-defined]
            kept,
            "facility",
            "All my facilities",
            lambda: [
                (pk, f"{c} {n}") for pk, c, n in facilities().values_list("pk", "code", "name")
            ],
        )
        self.fields["department"].choices = KeptChoices(  # type: ignore[attr-defined]
            kept,
            "department",
            "Any department",
            lambda: [
                (pk, f"{c} · {n}")
                for pk, c, n in departments().values_list("pk", "facility__code", "name")
            ],
        )
        self.fields["provider"].choices = KeptChoices(  # type: ignore[attr-defined]
            kept,
            "provider",
            "Any provider",
            lambda: [
                (pk, f"{first} {last}{f', {cred}' if cred else ''}")
                for pk, first, last, cred in providers().values_list(
                    "pk", "first_name", "last_name", "credential"
                )
            ],
        )
        self.fields["payer"].choices = KeptChoices(  # type: ignore[attr-defined]
            kept, "payer", "Any payer", lambda: list(payers().values_list("pk", "name"))
        )
        assignee = self.fields["assignee"]
        assert isinstance(assignee, AssigneeField)
        assignee.user = user
        assignee.choices = KeptChoices(
            kept,
            "assignee",
            "Anyone",
            lambda: [(str(pk), name) for pk, name in workers(user).values_list("pk", "username")],
            fixed=(("me", "Me"), ("unassigned", "Unassigned")),
        )

    def _set_queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"date_to: {end} is before date_from {start}")
        return data


WorklistFilterForm.base_fields = CopiedFields(WorklistFilterForm.base_fields)


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=60, label="Save these filters as")


class OverrideForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in CaseStatus if s != CaseStatus.PENDING],
        label="Status",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=1000
    )


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note", max_length=4000)


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label="Give to")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers(user)
