"""``manage.py authorization_upkeep``: expire what has ended and open the alert tasks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from finclear.audit.context import audit_context
from finclear.authorizations.services import do_expire, do_raise_alerts


class Command(BaseCommand):
    help = "Expire ended authorizations; open alert tasks (expiring, units, overdue decisions)."

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(channel="cli"):
            expired = do_expire(timezone.localdate())
            alerts = do_raise_alerts()
        self.stdout.write(f"{expired} authorizations expired, {len(alerts)} alert tasks opened")
