"""``finclear import FILE``: import a schedule (CSV, HL7 v2 or FHIR R4 bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finclear.commands import setup_django


def register(app: typer.Typer) -> None:
    @app.command(
        name="import",
        help="Import a schedule with its patients and coverages (CSV, HL7 v2, FHIR R4).",
    )
    def import_file(
        file: Annotated[
            Path,
            typer.Argument(exists=True, dir_okay=False, readable=True, help="The file to import."),
        ],
        facility: Annotated[
            str, typer.Option(help="Facility code for records that name none.")
        ] = "",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check everything, write nothing.")
        ] = False,
    ) -> None:
        setup_django()
        from finclear.intake.services import do_import

        result = do_import(file, facility_code=facility, dry_run=dry_run, channel="cli")
        for item in result.problems:
            typer.echo(str(item), err=True)
        label = " (dry run: nothing written)" if dry_run else ""
        typer.echo(
            f"{result.file} [{result.format}]{label}: created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}, failed {result.failed}"
        )
        raise typer.Exit(code=0 if result.ok else 1)
