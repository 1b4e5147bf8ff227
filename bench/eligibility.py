"""Eligibility benchmark: real-time latency and batch throughput, on SQLite and PostgreSQL.

Each database runs in a child process (Django reads its database once): a fresh database is
migrated and seeded with a synthetic clinic of ``--encounters`` encounters, estimated, and
every case's status computed (as the demo pipeline does); the payer simulator
(``finclear payersim``, no added latency) answers on loopback. Then:

- batch: every encounter of the window with a coverage to verify, through the tasks API
  (``--processes`` worker processes, as ``finclear eligibility batch --processes`` runs them
  and as a deployment runs its workers: one per core by default; ``--processes 0`` runs
  ``--workers`` task workers in threads of the process instead), storing the checks, tasks,
  estimates and case statuses: encounters verified per second, all in (until the last
  follow-up task is done), with the CPU time of the app's processes and of the simulator per
  encounter;
- real time: ``--checks`` sequential ``do_verify`` calls (270 built, sent, 271 read,
  normalized and stored): latency p50 / p95 / p99, end to end.

Django's debug mode is off, as in production (``FINCLEAR_DEBUG=0``: with it on, every query's
SQL is also kept in memory). The peer figure for scale: CAQH CORE allows 20 s for a real-time round trip. Targets on the
2-core machine with PostgreSQL: p95 <= 25 ms, batch >= 500 encounters/s.

    .venv/bin/python bench/eligibility.py [--encounters 10000] [--checks 1000]
        [--processes N (default: the cores) | --processes 0 --workers 2]
        [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get(
    "FINCLEAR_BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432/postgres"
)
# One database per bench process: two benches at once (people share the machine) would
# otherwise drop each other's database mid-run.
PG_DATABASE = f"finclear_bench_eligibility_{os.getpid()}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another process so far (Linux /proc), 0.0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's ended and waited-for children."""
    usage = os.times()
    return usage.children_user + usage.children_system


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def child(args: argparse.Namespace) -> None:
    """Runs with FINCLEAR_DATABASE_URL and FINCLEAR_VAR_DIR set by the parent."""
    import logging

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    import django

    django.setup()
    logging.getLogger("finclear").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from finclear.audit.context import audit_context
    from finclear.demo.bulk import do_analyze
    from finclear.demo.records import SeedParams
    from finclear.demo.seeding import do_seed
    from finclear.eligibility import endpoints
    from finclear.eligibility.batch import do_start_batch, load_pairs
    from finclear.eligibility.inquiry import build_realtime_trace
    from finclear.eligibility.models import EligibilityBatchRun, EligibilityCheck
    from finclear.eligibility.services import do_exchange, do_record_check
    from finclear.eligibility.simulator import (
        DEV_PASSWORD,
        PASSWORD_ENV,
        build_payers_toml,
        start_simulator,
    )
    from finclear.eligibility.workers import do_run_to_end
    from finclear.estimates.models import Estimate
    from finclear.estimates.services import do_estimate_encounters
    from finclear.payers.models import Payer
    from finclear.scheduling.models import Encounter
    from finclear.workqueue.models import ClearanceCase
    from finclear.workqueue.services import do_recompute_cases

    var = Path(os.environ["FINCLEAR_VAR_DIR"])
    call_command("migrate", interactive=False, verbosity=0)
    days = 14
    params = SeedParams(
        patients=max(1, args.encounters // 2),
        days=days,
        seed=11,
        start_date=timezone.localdate(),
        encounters=args.encounters,
    )
    with audit_context(channel="cli"):
        do_seed(params, reset=False, scenario_path=var / "scenario.json")
        # Every encounter starts with an estimate from its plan's design: the batch's benefits
        # must recalculate them (the refresh is part of what the batch stores).
        do_estimate_encounters(
            Encounter.objects.values_list("pk", flat=True), reason="bench", recompute=False
        )
        # Every case computed once today, as the demo pipeline's last step does and as the
        # app's writes keep them: the batch's case statuses are then recomputed in part (a
        # case never computed would be recomputed in full, and the others with it).
        do_recompute_cases(ClearanceCase.objects.values_list("pk", flat=True))
    # The tables' statistics, as autovacuum would have gathered them by the next day's batch.
    do_analyze()
    simulator = start_simulator(var / "scenario.json", var / "payersim.log")
    try:
        # The endpoints from a payers file, as a deployment has them: worker processes read
        # it too (one endpoint per payer, MIME, the simulator's development password).
        payer_ids = list(
            Payer.objects.exclude(payer_type="self_pay").values_list("primary_payer_id", flat=True)
        )
        payers_file = var / "payers.toml"
        payers_file.write_text(build_payers_toml(simulator.url, payer_ids), encoding="utf-8")
        os.environ[PASSWORD_ENV] = DEV_PASSWORD
        os.environ["FINCLEAR_PAYERS_FILE"] = str(payers_file)
        endpoints.use_endpoints(None)
        finished: list[float] = []

        def note_done(run: EligibilityBatchRun) -> None:
            """The moment every chunk is stored (case statuses follow in their own tasks)."""
            if run.status != "running" and not finished:
                finished.append(time.perf_counter())

        sim_pid = simulator.process.pid
        workers_cpu = children_cpu_seconds()
        with audit_context(channel="cli"):
            clock, cpu, sim_cpu = (
                time.perf_counter(),
                time.process_time(),
                process_cpu_seconds(sim_pid),
            )
            run = do_start_batch(days, triggered_by="bench", chunk_size=args.chunk_size)
            if args.processes:
                run = do_run_to_end(run, 0, on_progress=note_done, processes=args.processes)
            else:
                run = do_run_to_end(run, args.workers, on_progress=note_done)
            # All in: every chunk stored and every follow-up task (case statuses) done.
            total_seconds = time.perf_counter() - clock
            # This process's CPU and its worker processes' (waited for: counted once ended).
            batch_cpu = time.process_time() - cpu + children_cpu_seconds() - workers_cpu
            batch_sim_cpu = process_cpu_seconds(sim_pid) - sim_cpu
            estimates_current = Estimate.objects.filter(
                is_current=True, eligibility_check__batch_run=run
            ).count()
            batch_seconds = (finished[0] if finished else time.perf_counter()) - clock
            recompute_seconds = total_seconds - batch_seconds
            pairs = list(
                EligibilityCheck.objects.filter(status="verified")
                .order_by("pk")
                .values_list("encounter_id", "coverage_id")[: args.checks]
            )
            loaded = load_pairs(pairs)
            encounters, coverages = loaded.encounters, loaded.coverages
            latencies, exchanges = [], []
            cpu, sim_cpu = time.process_time(), process_cpu_seconds(sim_pid)
            for enc_id, cov_id in pairs:
                encounter, coverage = encounters[enc_id], coverages[cov_id]
                # do_verify's two halves, timed apart: the exchange (270 built, sent, 271
                # read and normalized) and the recording (check, tasks, case status).
                start = time.perf_counter()
                done = do_exchange(encounter, coverage, build_realtime_trace(encounter, coverage))
                middle = time.perf_counter()
                check = do_record_check(done, channel="realtime")
                latencies.append((time.perf_counter() - start) * 1000)
                exchanges.append((middle - start) * 1000)
                if check.status == "error":
                    raise SystemExit(f"real-time check failed: {check.error}")
            realtime_cpu = time.process_time() - cpu
            realtime_sim_cpu = process_cpu_seconds(sim_pid) - sim_cpu
    finally:
        simulator.stop()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "scheduled": run.scheduled,
                "verified_in_batch": run.processed,
                "batch_errors": run.errors,
                "batch_status": run.status,
                "batch_error_samples": sorted(
                    set(
                        EligibilityCheck.objects.filter(batch_run=run, status="error").values_list(
                            "error", flat=True
                        )[:200]
                    )
                )[:3],
                "batch_seconds": batch_seconds,
                "batch_rate": run.processed / batch_seconds,
                "total_seconds": total_seconds,
                "total_rate": run.processed / total_seconds,
                "batch_cpu_ms": batch_cpu * 1000 / max(run.processed, 1),
                "batch_sim_cpu_ms": batch_sim_cpu * 1000 / max(run.processed, 1),
                "estimates_from_batch": estimates_current,
                "realtime_cpu_ms": realtime_cpu * 1000 / max(len(latencies), 1),
                "realtime_sim_cpu_ms": realtime_sim_cpu * 1000 / max(len(latencies), 1),
                "checks": len(latencies),
                "p50": percentile(latencies, 0.50),
                "p95": percentile(latencies, 0.95),
                "p99": percentile(latencies, 0.99),
                "mean": statistics.fmean(latencies),
                "x50": percentile(exchanges, 0.50),
                "x95": percentile(exchanges, 0.95),
                "x99": percentile(exchanges, 0.99),
                "recompute_seconds": recompute_seconds,
            }
        )
    )


def drop_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def run_child(database: str, args: argparse.Namespace) -> dict[str, object]:
    try:
        return _run_child(database, args)
    finally:
        if database != "sqlite":
            drop_postgres()


def _run_child(database: str, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="finclear-bench-elig-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3" if database == "sqlite" else fresh_postgres()
        env = {
            **os.environ,
            "FINCLEAR_DATABASE_URL": url,
            "FINCLEAR_VAR_DIR": tmp,
            "FINCLEAR_LOG_LEVEL": "WARNING",
            "FINCLEAR_DEBUG": "0",
        }
        command = [
            sys.executable, __file__, "--child",
            "--encounters", str(args.encounters), "--checks", str(args.checks),
            "--workers", str(args.workers), "--chunk-size", str(args.chunk_size),
            "--processes", str(args.processes),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{database}: the benchmark failed:\n{done.stderr[-4000:]}")
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 2,
        help="task worker processes (default: one per core); 0: --workers threads instead",
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    load = os.getloadavg()[0]
    print(f"eligibility bench: {args.encounters:,} encounters seeded, {args.checks:,} real-time")
    how = f"{args.processes} worker processes" if args.processes else f"{args.workers} task workers"
    print(f"checks, {how}, loopback simulator, debug off; load average {load:.1f}")
    header = (
        f"{'database':<11}{'in window':>10}{'verified':>10}{'batch s':>9}{'enc/s':>8}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    print("batch s and enc/s are all in: checks, tasks, estimates and case statuses stored.")
    print(header)
    for database in args.databases.split(","):
        r = run_child(database.strip(), args)
        print(
            f"{r['database']:<11}{r['scheduled']:>10,}{r['verified_in_batch']:>10,}"
            f"{r['total_seconds']:>9.1f}{r['total_rate']:>8.0f}"
            f"{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}"
        )
        print(
            f"{'':<11}exchange alone (270 built, sent, 271 read): p50 {r['x50']:.1f} ms, "
            f"p95 {r['x95']:.1f} ms, p99 {r['x99']:.1f} ms"
        )
        print(
            f"{'':<11}batch: every chunk stored after {r['batch_seconds']:.1f} s "
            f"({r['batch_rate']:.0f} enc/s), the case statuses {r['recompute_seconds']:.1f} s "
            f"more; {r['estimates_from_batch']:,} estimates recalculated from its benefits"
        )
        print(
            f"{'':<11}CPU per encounter in the batch: {r['batch_cpu_ms']:.2f} ms app, "
            f"{r['batch_sim_cpu_ms']:.2f} ms simulator; per real-time check: "
            f"{r['realtime_cpu_ms']:.2f} ms app, {r['realtime_sim_cpu_ms']:.2f} ms simulator "
            "(PostgreSQL's own CPU not counted)"
        )
        if r["batch_errors"]:
            print(f"  {r['batch_errors']} batch checks ended in error ({r['batch_status']}):")
            for sample in r["batch_error_samples"]:  # type: ignore[attr-defined]
                print(f"    {sample[:300]}")
    print("targets (PostgreSQL, 2 cores): p95 <= 25 ms, batch >= 500 encounters/s;")
    print("CAQH CORE allows 20,000 ms for a real-time round trip.")


if __name__ == "__main__":
    main()
