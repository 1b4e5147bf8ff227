"""``manage.py import_auth_rules FILE``: load authorization rules from YAML or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finclear.authorizations.services import do_import_rules


class Command(BaseCommand):
    help = "Load prior authorization rules from a YAML or CSV file (docs/authorizations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        result = do_import_rules(text, str(path))
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(
            f"{path}: {result.created} rules created, {result.updated} updated, "
            f"{len(result.problems)} not loaded"
        )
        if result.problems and not (result.created or result.updated):
            raise CommandError(f"{path}: no rule could be loaded")
