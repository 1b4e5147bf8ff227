"""The clearance check of prior authorization.

An encounter that needs an authorization is not cleared until an approved authorization
covers each line that needs one (payer, service, dates and units all matching). A line whose
requirement is unknown, or was never evaluated, needs a person to look at it.
"""

from __future__ import annotations

from finclear.authorizations.models import Requirement
from finclear.authorizations.services import build_coverage
from finclear.workqueue.checks import CaseFacts, Finding
from finclear.workqueue.models import CaseStatus


def check_authorization(facts: CaseFacts) -> Finding | None:
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
