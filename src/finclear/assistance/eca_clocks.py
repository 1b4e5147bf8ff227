"""The 501(r) clocks as of a day, in counts, for the daily jobs.

Nothing here goes stale: whether an extraordinary collection action (ECA) is allowed is
decided from the dates each time it is asked (``services.eca_decision``, and
``do_take_collection_action`` refuses what 501(r) blocks), so the sweep has nothing to
update. What time does change is worth a line in the daily report: the accounts whose
120-day notification period ended, whose 240-day application period closes, and how many
are blocked and why. The first post-discharge statement is recorded on the patient's
assistance application, so the clocks run for patients who have one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from finclear.assistance.models import AssistanceApplication
from finclear.rules import assistance
from finclear.rules.money import HUNDRED

OPEN_APPLICATION = (assistance.ApplicationStatus.INCOMPLETE, assistance.ApplicationStatus.PENDING)


@dataclass
class EcaClocks:
    """Counts over the patients whose latest application records a first statement."""

    with_statement: int = 0
    in_notification_period: int = 0
    notification_ended_today: int = 0
    application_period_closes_today: int = 0
    suspended_by_application: int = 0
    waiting_for_notice: int = 0
    ecas_allowed: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "accounts with a first statement": self.with_statement,
            "in the 120-day notification period": self.in_notification_period,
            "notification period ended today": self.notification_ended_today,
            "application period closes today (day 240)": self.application_period_closes_today,
            "ECAs suspended by an open application": self.suspended_by_application,
            "ECAs waiting for the 30-day notice": self.waiting_for_notice,
            "ECAs allowed": self.ecas_allowed,
        }


def build_eca_clocks(as_of: dt.date | None = None) -> EcaClocks:
    """The 501(r) standing of every account with a first statement as of ``as_of``
    (each facility's today by default)."""
    clocks = EcaClocks()
    seen: set[int] = set()
    rows = AssistanceApplication.objects.select_related("patient__facility").order_by(
        "patient_id", "-received_on", "-pk"
    )
    for application in rows.iterator(chunk_size=2000):
        if application.patient_id in seen:
            continue
        seen.add(application.patient_id)
        first = application.first_statement_on
        if first is None:
            continue
        day = as_of or timezone.localtime(timezone.now(), application.patient.facility.zone).date()
        _count(clocks, application, first, day)
    return clocks


def _count(
    clocks: EcaClocks, application: AssistanceApplication, first: dt.date, day: dt.date
) -> None:
    clocks.with_statement += 1
    notification_end = assistance.notification_period_end(first)
    if day <= notification_end:
        clocks.in_notification_period += 1
    if day == notification_end + dt.timedelta(days=1):
        clocks.notification_ended_today += 1
    if day == assistance.application_period_end(first):
        clocks.application_period_closes_today += 1
    status = assistance.ApplicationStatus(application.status)
    open_application = status in OPEN_APPLICATION
    if open_application:
        clocks.suspended_by_application += 1
    decision = assistance.may_take_extraordinary_collection_action(
        day, first, status, application.eca_notice_sent_on, application.discount_percent
    )
    free_care = (
        status is assistance.ApplicationStatus.APPROVED and application.discount_percent >= HUNDRED
    )
    if decision.allowed:
        clocks.ecas_allowed += 1
    elif day > notification_end and not open_application and not free_care:
        # Past the notification period and nothing else blocks: only the written notice.
        clocks.waiting_for_notice += 1
