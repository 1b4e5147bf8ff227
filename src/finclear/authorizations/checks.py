"""The clearance check of prior authorization.

An encounter that needs an authorization is not cleared until an approved authorization
covers each line that needs one (payer, service, dates and units all matching). A line whose
requirement is unknown, or was never evaluated, needs a person to look at it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from finclear.authorizations.models import Requirement
from finclear.authorizations.services import build_coverage, build_coverages
from finclear.scheduling.models import ServiceLine
from finclear.workqueue.checks import CaseFacts, Finding
from finclear.workqueue.models import CaseStatus, ClearanceCase

FACTS_KEY = "authorizations.requirements"
COVERAGE_KEY = "authorizations.coverage"


def load_facts(cases: Sequence[ClearanceCase], facts: dict[int, CaseFacts]) -> None:
    """Each encounter's line requirements, and the line coverage of those that need it.

    One query gives every line's requirement; an encounter whose lines are all "not required"
    (or that has none) is cleared without looking further. The others' coverage (which
    authorization covers which line) is built for the whole batch in a fixed number of
    queries (``build_coverages``), not one encounter at a time.
    """
    by_encounter: dict[int, list[str]] = defaultdict(list)
    lines = (
        ServiceLine.objects.filter(encounter_id__in=[c.encounter_id for c in cases])
        .order_by("encounter_id", "line_number")
        .values_list("encounter_id", "auth_requirement__requirement")
    )
    for encounter_id, requirement in lines:
        by_encounter[encounter_id].append(requirement or "")
    pending = []
    for case in cases:
        requirements = tuple(by_encounter.get(case.encounter_id, ()))
        facts[case.pk].extra[FACTS_KEY] = requirements
        if not all(r == Requirement.NOT_REQUIRED for r in requirements):
            pending.append(case)
    coverages = build_coverages([case.encounter for case in pending])
    for case in pending:
        facts[case.pk].extra[COVERAGE_KEY] = coverages[case.encounter_id]


def check_authorization(facts: CaseFacts) -> Finding | None:
    requirements = facts.extra.get(FACTS_KEY)
    if requirements is not None and all(r == Requirement.NOT_REQUIRED for r in requirements):
        return None
    coverage = facts.extra.get(COVERAGE_KEY)
    if coverage is None:
        coverage = build_coverage(facts.encounter)
    open_lines = [c for c in coverage if not c.cleared]
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
