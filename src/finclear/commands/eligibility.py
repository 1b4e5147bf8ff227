"""``finclear eligibility``: batch verification of the coming days, and one encounter now.

``batch`` records a run, enqueues one task per chunk (django.tasks) and, on the database task
backend, runs ``--workers`` task workers in this process until the queue is drained (they
run whatever is queued, as ``db_worker --batch`` would), with a progress bar; ``--processes
N`` runs N worker processes instead (forked from this one where the platform forks, else
``django-admin db_worker --batch``: one core each, where threads share one). With ``--workers 0`` it waits for outside workers (``finclear manage
db_worker``) and shows their progress; ``--enqueue-only`` returns at once (for cron).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer

from finclear.commands import setup_django

if TYPE_CHECKING:
    from rich.console import Console

    from finclear.eligibility.models import EligibilityBatchRun

eligibility_app = typer.Typer(help="Eligibility and benefits (270/271) with the payers.")


def follow_with_bar(
    console: Console, run: EligibilityBatchRun, workers: int, processes: int = 0
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from finclear.eligibility.workers import do_run_to_end

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("Verifying", total=run.selected)
        do_run_to_end(
            run,
            workers,
            lambda r: progress.update(bar, completed=r.processed),
            processes=processes,
        )


def print_run(console: Console, run: EligibilityBatchRun, seconds: float) -> None:
    from rich.table import Table

    table = Table(title=f"Eligibility batch #{run.pk}: {run.window_start} to {run.window_end}")
    table.add_column("encounters")
    table.add_column("count", justify="right")
    for label, value in (
        ("scheduled in the window", run.scheduled),
        ("fresh or nothing to verify (skipped)", run.skipped),
        ("to verify", run.selected),
        ("processed", run.processed),
        ("verified", run.verified),
        ("needs review", run.needs_review),
        ("inactive", run.inactive),
        ("rejected", run.rejected),
        ("errors", run.errors),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    rate = run.processed / seconds if seconds > 0 else 0.0
    console.print(
        f"Status: {run.get_status_display()} in {seconds:.1f} s ({rate:,.0f} encounters/s)."
    )
    if run.error:
        console.print(f"[red]{run.error}[/red]")


def register(app: typer.Typer) -> None:
    app.add_typer(eligibility_app, name="eligibility")

    @eligibility_app.command(help="Verify every encounter of the next N days not verified lately.")
    def batch(
        days: int = typer.Option(7, min=1, max=366, help="Days ahead, today included."),
        workers: int = typer.Option(
            4, min=0, max=64, help="Task workers run in this process (0: outside workers)."
        ),
        processes: int = typer.Option(
            0,
            min=0,
            max=64,
            help="Task worker processes to run instead of threads (one core each).",
        ),
        chunk_size: int = typer.Option(50, min=1, max=5000, help="Encounters per task."),
        enqueue_only: bool = typer.Option(
            False, "--enqueue-only", help="Record the run and enqueue its tasks, then return."
        ),
    ) -> None:
        from rich.console import Console

        setup_django()
        from finclear.audit.context import audit_context
        from finclear.eligibility.batch import do_start_batch

        console = Console()
        clock = time.perf_counter()
        with audit_context(channel="cli"):
            run = do_start_batch(days, triggered_by="cli", chunk_size=chunk_size)
        console.print(
            f"Batch #{run.pk}: {run.scheduled:,} open encounters from {run.window_start} to "
            f"{run.window_end}; {run.selected:,} missing or stale, {run.skipped:,} skipped."
        )
        if enqueue_only or run.selected == 0:
            print_run(console, run, time.perf_counter() - clock)
            return
        from finclear.eligibility.workers import WorkerFailed

        try:
            follow_with_bar(console, run, workers, processes)
        except WorkerFailed as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(code=1) from None
        run.refresh_from_db()
        print_run(console, run, time.perf_counter() - clock)
        if run.status == run.Status.FAILED:
            raise typer.Exit(code=1)

    @eligibility_app.command(help="Verify one encounter's primary coverage now (real time).")
    def verify(encounter_id: int = typer.Argument(..., help="The encounter's id.")) -> None:
        from rich.console import Console

        setup_django()
        from finclear.audit.context import audit_context
        from finclear.eligibility.services import NothingToVerify, do_verify
        from finclear.scheduling.models import Encounter

        console = Console()
        encounter = (
            Encounter.objects.select_related("patient", "facility").filter(pk=encounter_id).first()
        )
        if encounter is None:
            console.print(f"[red]finclear eligibility verify: no encounter #{encounter_id}[/red]")
            raise typer.Exit(code=1)
        try:
            with audit_context(channel="cli"):
                check = do_verify(encounter)
        except NothingToVerify as exc:
            console.print(f"[yellow]{exc}[/yellow]")
            raise typer.Exit(code=1) from None
        console.print(
            f"Check #{check.pk}: {check.get_status_display()}, coverage "
            f"{check.get_coverage_status_display().lower()}"
            + (f", {check.elapsed_ms:.0f} ms" if check.elapsed_ms is not None else "")
        )
        for line in [*check.reasons, check.error]:
            if line:
                console.print(f"  {line}")
