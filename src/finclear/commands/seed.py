"""``finclear seed``: load a synthetic clinic (and write the payer simulator's scenario file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from finclear.commands import setup_django

if TYPE_CHECKING:
    from rich.console import Console

    from finclear.demo.seeding import SeedOutcome


def parse_start(value: str | None) -> dt.date:
    from django.utils import timezone

    if value is None:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--start"
        ) from None


def print_outcome(console: Console, outcome: SeedOutcome) -> None:
    from rich.table import Table

    p = outcome.params
    if outcome.deleted:
        console.print(
            f"Reset: deleted {sum(outcome.deleted.values()):,} rows of the previous demo clinic."
        )
    console.print(
        f"Synthetic clinic: seed {p.seed}, {p.patients:,} patients, {p.days} days "
        f"from {p.start_date.isoformat()}"
    )
    table = Table()
    table.add_column("created")
    table.add_column("rows", justify="right")
    for name, n in outcome.load.counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    errors = ", ".join(
        f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(outcome.errors_injected.items())
    )
    console.print(f"Registration errors injected for the specialists to catch: {errors or 'none'}.")
    console.print(f"Scenario file for the payer simulator: {outcome.scenario_path}")
    phases = ", ".join(f"{name} {s:.1f} s" for name, s in outcome.load.phases.items())
    console.print(
        f"Time: {outcome.total_seconds:.1f} s (generate {outcome.generate_seconds:.1f} s, "
        f"load {outcome.load.seconds:.1f} s: {phases}; scenario {outcome.scenario_seconds:.1f} s)."
    )


def register(app: typer.Typer) -> None:
    @app.command(help="Load a synthetic clinic: the same seed always gives the same data.")
    def seed(
        patients: int = typer.Option(2000, min=1, help="Patients on the schedule."),
        days: int = typer.Option(14, min=1, help="Days of schedule from the start date."),
        seed: int = typer.Option(1, min=0, max=2**63 - 1, help="Random seed."),
        start: str | None = typer.Option(None, help="First day, YYYY-MM-DD (default: today)."),
        encounters: int | None = typer.Option(
            None, min=1, help="Exactly this many encounters (default: 1 to 4 per patient)."
        ),
        reset: bool = typer.Option(False, "--reset", help="Delete the demo clinic first."),
        scenario: str | None = typer.Option(
            None, help="Where to write the scenario file (default: var/scenario.json)."
        ),
    ) -> None:
        from rich.console import Console

        setup_django()
        from finclear.audit.context import audit_context
        from finclear.demo.load import SeedRefused
        from finclear.demo.records import SeedParams
        from finclear.demo.seeding import do_seed

        console = Console()
        params = SeedParams(
            patients=patients, days=days, seed=seed, start_date=parse_start(start),
            encounters=encounters,
        )  # fmt: skip
        try:
            with audit_context(channel="cli"):
                outcome = do_seed(
                    params, reset=reset, scenario_path=Path(scenario) if scenario else None
                )
        except (SeedRefused, ValueError) as exc:
            console.print(f"[red]finclear seed: {exc}[/red]")
            raise typer.Exit(code=1) from None
        print_outcome(console, outcome)
