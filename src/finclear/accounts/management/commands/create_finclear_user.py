from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finclear.accounts.roles import ROLES
from finclear.accounts.services import do_create_user


class Command(BaseCommand):
    help = "Create a user with a role and the facilities (codes) whose patients they may see."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument(
            "--facility", action="append", default=[], help="facility code; repeat for more"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("password: the two entries differ")
        try:
            user = do_create_user(
                options["username"], password, options["role"], options["facility"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"created {user.get_username()} ({options['role']})")
