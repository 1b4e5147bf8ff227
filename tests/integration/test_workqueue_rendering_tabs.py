"""The status tabs drawn in Python are the markup the results template drew in its loop."""

from __future__ import annotations

import re

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from finclear.workqueue.rendering import build_tabs_html

TEMPLATE = engines["django"].from_string(
    "{% for tab in tabs %}"
    '<li><a href="?{{ tab.query }}" hx-get="?{{ tab.query }}" hx-target="#wq-results" '
    'hx-push-url="true"\n         class="wq-tab {{ tab.value }}"'
    '{% if tab.active %} aria-current="page"{% endif %}>{{ tab.label }} '
    '<span class="count">{{ tab.count }}</span></a></li>\n'
    "{% endfor %}"
)

tab = st.fixed_dictionaries(
    {
        "value": st.text(max_size=20),
        "label": st.text(max_size=20),
        "count": st.integers(min_value=0, max_value=10**7),
        "query": st.text(max_size=60),
        "active": st.booleans(),
    }
)


def spaced(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@settings(max_examples=200)
@given(st.lists(tab, max_size=9))
def test_the_tabs_are_the_templates_markup(tabs: list[dict[str, object]]) -> None:
    assert spaced(build_tabs_html(tabs)) == spaced(TEMPLATE.render({"tabs": tabs}))


def test_a_query_and_label_are_escaped() -> None:
    html = build_tabs_html(
        [{"value": "todo", "label": "<b>", "count": 3, "query": 'a=1&b="x"', "active": True}]
    )
    assert 'href="?a=1&amp;b=&quot;x&quot;"' in html
    assert "&lt;b&gt; " in html
    assert 'aria-current="page"' in html
