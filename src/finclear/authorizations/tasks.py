"""Background tasks (django.tasks): thin shims onto the authorization services.

Schedule ``daily_upkeep`` once a day (enqueue it from cron, or ``manage.py
authorization_upkeep``): it expires the authorizations whose last day has passed and opens
the alert tasks (expiring within 14 days, units nearly used, decision overdue).
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from finclear.audit.context import audit_context
from finclear.authorizations.services import do_expire, do_raise_alerts


@task()
def daily_upkeep() -> int:
    """Returns how many authorizations expired plus how many alerts were opened."""
    with audit_context(channel="task"):
        expired = do_expire(timezone.localdate())
        return expired + len(do_raise_alerts())
