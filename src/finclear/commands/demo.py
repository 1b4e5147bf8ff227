"""``finclear demo``: migrate, seed a synthetic clinic, run the clearance pipeline, summarize, serve.

``FINCLEAR_DEMO_SERVE=0`` stops before serving. ``FINCLEAR_DEMO_PATIENTS``,
``FINCLEAR_DEMO_DAYS`` and ``FINCLEAR_DEMO_SEED`` change the clinic (default 2,000 patients
over 14 days, seed 42); a clinic already seeded with the same parameters is kept.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import typer

from finclear.commands import setup_django

if TYPE_CHECKING:
    from rich.console import Console

    from finclear.demo.summary import ClearanceSummary


def read_env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise typer.BadParameter(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise typer.BadParameter(f"{name}={value} must be at least {minimum}")
    return value


def print_summary(console: Console, summary: ClearanceSummary) -> None:
    from rich.table import Table

    table = Table(title="Clearance status of the open encounters (scheduled or arrived)")
    table.add_column("status")
    table.add_column("encounters", justify="right")
    table.add_column("charges", justify="right")
    for row in summary.rows:
        table.add_row(row.label, f"{row.encounters:,}", f"${row.charges:,.2f}")
    table.add_section()
    table.add_row("Total", f"{summary.encounters:,}", f"${summary.charges:,.2f}")
    console.print(table)
    console.print(
        f"Dollars at risk (charges of encounters not cleared): "
        f"[bold]${summary.dollars_at_risk:,.2f}[/bold]"
    )


def print_eligibility(console: Console) -> None:
    from rich.table import Table

    from finclear.eligibility.summary import build_eligibility_summary

    summary = build_eligibility_summary()
    table = Table(title="Eligibility of the open encounters (latest check)")
    table.add_column("outcome")
    table.add_column("encounters", justify="right")
    for label, count in summary.rows:
        table.add_row(label, f"{count:,}")
    table.add_section()
    table.add_row("Total", f"{summary.total:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command(
        help="Migrate, seed a synthetic clinic, run the clearance pipeline, print a summary "
        "and serve the app (FINCLEAR_DEMO_SERVE=0: do all but serve)."
    )
    def demo(
        host: str = typer.Option("127.0.0.1", help="Address to serve on."),
        port: int = typer.Option(8000, help="Port to serve on."),
    ) -> None:
        from rich.console import Console

        patients = read_env_int("FINCLEAR_DEMO_PATIENTS", 2000, 1)
        days = read_env_int("FINCLEAR_DEMO_DAYS", 14, 1)
        seed = read_env_int("FINCLEAR_DEMO_SEED", 42, 0)
        serve = os.environ.get("FINCLEAR_DEMO_SERVE", "1").strip().lower() not in {
            "0", "false", "no", "off",
        }  # fmt: skip
        console = Console()
        setup_django()
        from django.conf import settings
        from django.core.exceptions import ValidationError
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from finclear.audit.context import audit_context
        from finclear.commands.seed import print_outcome
        from finclear.demo.load import SeedRefused
        from finclear.demo.pipeline import do_run_pipeline
        from finclear.demo.records import SeedParams
        from finclear.demo.seeding import do_restore_scenario, do_seed, find_seed_run
        from finclear.demo.summary import build_summary
        from finclear.demo.users import DEMO_LOGIN, build_demo_password, do_ensure_demo_users

        console.print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        call_command("migrate", interactive=False, verbosity=0)
        console.print("Migrated.")
        params = SeedParams(
            patients=patients, days=days, seed=seed, start_date=timezone.localdate()
        )
        with audit_context(channel="cli"):
            run = find_seed_run(params)
            if run is not None:
                console.print(
                    f"The clinic is already seeded with these parameters (seed {seed}, "
                    f"{patients:,} patients, {days} days from {params.start_date}): kept."
                )
                restored = do_restore_scenario(run)
                if restored is not None:
                    console.print(f"Scenario file was missing: rewrote {restored}")
            else:
                try:
                    outcome = do_seed(params, reset=True)
                except SeedRefused as exc:
                    console.print(f"[red]finclear demo: {exc}[/red]")
                    raise typer.Exit(code=1) from None
                print_outcome(console, outcome)
            password = build_demo_password()
            try:
                created = do_ensure_demo_users(password)
            except ValidationError as exc:
                console.print(f"[red]finclear demo: {'; '.join(exc.messages)}[/red]")
                raise typer.Exit(code=1) from None
            if created:
                console.print(f"Created the demo users: {', '.join(created)}.")
            for result in do_run_pipeline(
                on_step=lambda step: console.print(f"Pipeline: {step.name} ({step.description})")
            ):
                console.print(f"  {result.processed:,} processed in {result.seconds:.1f} s")
        print_eligibility(console)
        print_summary(console, build_summary())
        kept_in = (
            "FINCLEAR_DEMO_PASSWORD"
            if os.environ.get("FINCLEAR_DEMO_PASSWORD")
            else f"{settings.VAR_DIR}/demo-password.txt"
        )
        console.print(
            f"Demo login: [bold]{DEMO_LOGIN}[/bold] / [bold]{password}[/bold] "
            f"(one user per role, demo-<role>, all with this password, kept in {kept_in})"
        )
        if not serve:
            console.print("FINCLEAR_DEMO_SERVE=0: not serving.")
            return
        import uvicorn

        console.print(f"Serving at http://{host}:{port} (Ctrl-C stops).")
        sys.exit(
            uvicorn.run(
                "finclear.app.asgi:application", host=host, port=port, workers=1, log_level="info"
            )
        )
