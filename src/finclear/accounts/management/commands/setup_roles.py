from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from finclear.accounts.roles import ROLE_PERMISSIONS
from finclear.accounts.services import do_setup_roles


class Command(BaseCommand):
    help = "Create the roles (groups) and give each exactly its permissions; safe to re-run."

    def handle(self, *args: Any, **options: Any) -> None:
        missing = do_setup_roles()
        for entry in missing:
            self.stderr.write(f"not found (model not migrated yet?): {entry}")
        self.stdout.write(f"roles set up: {', '.join(ROLE_PERMISSIONS)}")
