"""``finclear manage import_fee_schedules FILE...``: load fee schedules from CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finclear.audit.context import audit_context
from finclear.contracts.importing import do_import_fee_schedules


class Command(BaseCommand):
    help = "Import fee schedules, base schedules and rates from CSV (docs/contracts-csv.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        with audit_context(channel="cli"):
            for path in options["files"]:
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError as exc:
                    raise CommandError(f"{path}: {exc.strerror}") from None
                report = do_import_fee_schedules(text, str(path))
                for message in report.warnings + report.errors:
                    self.stderr.write(message)
                self.stdout.write(report.summary())
                failed += report.failed
        if failed:
            raise CommandError(f"{failed} row(s) failed")
