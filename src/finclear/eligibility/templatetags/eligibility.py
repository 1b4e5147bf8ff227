"""``{% eligibility_section encounter %}``: the eligibility section, rendered with the page.

The encounter page includes it server-side; its buttons then update it with htmx.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def eligibility_section(context: Any, encounter: Any) -> SafeString | str:
    request = context.get("request")
    if request is None or not request.user.has_perm("eligibility.view_eligibilitycheck"):
        return ""
    from finclear.eligibility.views import build_section_context

    return render_to_string(
        "eligibility/_section.html", build_section_context(request, encounter), request=request
    )
