"""``finclear manage create_api_token USERNAME --name WHAT [--days N]``: print a new token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finclear.api.tokens import do_create_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--days", type=int, default=None, help="Expires after N days.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        try:
            row, token = do_create_token(user, options["name"], options["days"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(token)
        self.stderr.write(
            f"token {row.prefix} for {user.get_username()}: keep it now, it is not stored"
        )
