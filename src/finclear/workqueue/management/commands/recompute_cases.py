"""``finclear manage recompute_cases``: recompute every open case (run it daily, e.g. from cron).

Facts that change recompute their cases at once; time does not: a visit comes within the
at-risk window, a verification grows old, a GFE falls due. This brings those up to date.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from finclear.audit.context import audit_context
from finclear.workqueue.models import ClearanceCase
from finclear.workqueue.services import do_recompute_cases


class Command(BaseCommand):
    help = "Recompute the clearance status of every open case."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(ClearanceCase.objects.filter(is_open=True).values_list("pk", flat=True))
        with audit_context(channel="task"):
            count = do_recompute_cases(ids)
        self.stdout.write(f"{count} open case(s) recomputed")
