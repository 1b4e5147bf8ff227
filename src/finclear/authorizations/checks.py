"""The clearance check of prior authorization.

An encounter that needs an authorization is not cleared until an approved authorization
covers each line that needs one (payer, service, dates and units all matching). A line whose
requirement is unknown, or was never evaluated, needs a person to look at it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from finclear.authorizations.models import Requirement
from finclear.authorizations.services import build_coverage
from finclear.scheduling.models import ServiceLine
from finclear.workqueue.checks import CaseFacts, Finding
from finclear.workqueue.models import CaseStatus, ClearanceCase

FACTS_KEY = "authorizations.requirements"


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    """Each encounter's line requirements, for the whole batch in one query.

    An encounter whose lines are all "not required" (or that has no line) is cleared without
    looking further; only the others go through ``build_coverage`` in the check.
    """
    by_encounter: dict[int, list[str]] = defaultdict(list)
    lines = (
        ServiceLine.objects.filter(encounter_id__in=[c.encounter_id for c in cases])
        .order_by("encounter_id", "line_number")
        .values_list("encounter_id", "auth_requirement__requirement")
    )
    for encounter_id, requirement in lines:
        by_encounter[encounter_id].append(requirement or "")
    for case in cases:
        facts[case.pk].extra[FACTS_KEY] = tuple(by_encounter.get(case.encounter_id, ()))


def check_authorization(facts: CaseFacts) -> Finding | None:
    requirements = facts.extra.get(FACTS_KEY)
    if requirements is not None and all(r == Requirement.NOT_REQUIRED for r in requirements):
        return None
    open_lines = [c for c in build_coverage(facts.encounter) if not c.cleared]
    if not open_lines:
        return None
    first = open_lines[0]
    label = f"line {first.line.line_number} ({first.line.cpt_hcpcs})"
    more = f" and {len(open_lines) - 1} more line(s)" if len(open_lines) > 1 else ""
    if first.requirement == Requirement.REQUIRED:
        problem = first.problems[0] if first.problems else "no approved authorization on file"
        reason = f"{label} needs an authorization: {problem}"
    elif first.requirement == Requirement.UNKNOWN:
        reason = f"{label}: authorization requirement unknown ({first.reason})"
    else:
        reason = f"{label}: authorization requirement not evaluated yet"
    return Finding(CaseStatus.NEEDS_AUTHORIZATION, reason + more)
