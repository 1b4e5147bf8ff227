"""``finclear daily``: the daily jobs, in order, once a day (cron or a systemd timer).

Payment plans (missed installments: past due, defaulted with a task), the 501(r) clocks,
then every open clearance case recomputed. Each job is idempotent: running it twice on a day
does nothing more. ``--enqueue`` hands the same work to a task worker instead
(``finclear.assistance.tasks.run_daily``). Prints counts only, never patient data.
"""

from __future__ import annotations

import datetime as dt

import typer

from finclear.commands import setup_django


def parse_as_of(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"--as-of {raw!r} is not a date (YYYY-MM-DD)") from None


def register(app: typer.Typer) -> None:
    @app.command(
        help="Run the daily jobs in order: payment plans (past due, default), the 501(r) "
        "clocks, the open clearance cases. Idempotent; prints counts."
    )
    def daily(
        as_of: str = typer.Option(
            "", "--as-of", help="The day to run for (YYYY-MM-DD); default: each facility's today."
        ),
        enqueue: bool = typer.Option(
            False, "--enqueue", help="Enqueue the run_daily task for a worker instead."
        ),
    ) -> None:
        from rich.console import Console
        from rich.table import Table

        day = parse_as_of(as_of)
        console = Console()
        setup_django()
        if enqueue:
            from finclear.assistance.tasks import run_daily

            result = run_daily.enqueue(day.isoformat() if day else None)
            console.print(f"Enqueued the daily jobs as task {result.id} ({result.status}).")
            return

        from finclear.assistance.daily import do_run_daily

        label = day.isoformat() if day else "each facility's today"
        console.print(f"Daily jobs as of {label}.")
        results = do_run_daily(
            day,
            on_job=lambda job: console.print(f"{job.name}: {job.description}"),
            channel="cli",
        )
        table = Table(title="Daily jobs")
        table.add_column("job")
        table.add_column("what")
        table.add_column("count", justify="right")
        for result in results:
            for what, count in result.counts.items():
                table.add_row(result.name, what, f"{count:,}")
            table.add_row(
                result.name,
                "seconds (wall / CPU)",
                f"{result.seconds:.2f} / {result.cpu_seconds:.2f}",
            )
            table.add_section()
        console.print(table)
