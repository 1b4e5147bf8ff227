"""How long seeding 100,000 encounters takes, on SQLite and on PostgreSQL.

Each database runs in a child process (Django reads its database from the environment once):
migrate a fresh database, build the synthetic clinic, load it. SQLite gets a temp file;
PostgreSQL (FINCLEAR_DATABASE_URL when it points at one, else the local server at
postgres://postgres:postgres@127.0.0.1:5432/postgres, when reachable) gets a temp database
``finclear_bench``, dropped afterwards. Not a test: it prints a table.

    .venv/bin/python bench/seed.py [--encounters 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOCAL_PG = "postgres://postgres:postgres@127.0.0.1:5432/postgres"
BENCH_DB = "finclear_bench"


def child(encounters: int) -> None:
    """Runs inside the child process: migrate, generate, load; print the figures as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from finclear.demo.load import do_load_clinic
    from finclear.demo.records import SeedParams
    from finclear.demo.synth import build_clinic

    clock = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate = time.perf_counter() - clock
    params = SeedParams(
        patients=encounters * 7 // 10,
        days=30,
        seed=1,
        start_date=timezone.localdate(),
        encounters=encounters,
    )
    clock = time.perf_counter()
    clinic = build_clinic(params)
    generate = time.perf_counter() - clock
    clock = time.perf_counter()
    result = do_load_clinic(clinic)
    load = time.perf_counter() - clock
    rows = sum(result.counts.values())
    print(
        json.dumps(
            {
                "migrate": migrate,
                "generate": generate,
                "load": load,
                "encounters": result.counts["encounters"],
                "rows": rows,
                "phases": result.phases,
            }
        )
    )


def run_child(url: str, var: Path, encounters: int) -> dict[str, object]:
    env = {**os.environ, "FINCLEAR_DATABASE_URL": url, "FINCLEAR_VAR_DIR": str(var)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--encounters", str(encounters)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed on {url.split('@')[-1]}:\n{done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def find_postgres() -> str | None:
    """The PostgreSQL server URL to create the bench database on, if one answers."""
    import psycopg

    given = os.environ.get("FINCLEAR_DATABASE_URL", "")
    url = given if given.startswith(("postgres://", "postgresql://")) else LOCAL_PG
    try:
        with psycopg.connect(url, connect_timeout=3):
            return url
    except psycopg.OperationalError:
        return None


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.encounters)
        return
    results: list[tuple[str, dict[str, object] | str]] = []
    with tempfile.TemporaryDirectory(prefix="finclear-bench-") as tmp:
        var = Path(tmp)
        url = f"sqlite:///{var / 'bench.sqlite3'}"
        results.append(("SQLite (temp file)", run_child(url, var, args.encounters)))
        server = find_postgres()
        if server is None:
            results.append(("PostgreSQL", "skipped: no server answers"))
        else:
            admin_sql(server, f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            admin_sql(server, f'CREATE DATABASE "{BENCH_DB}"')
            try:
                pg = run_child(with_database(server, BENCH_DB), var, args.encounters)
                results.append(("PostgreSQL (temp database)", pg))
            finally:
                admin_sql(server, f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
    print(f"finclear seed: {args.encounters:,} encounters (generate + load; migrate apart)")
    header = f"{'database':<28}{'rows':>10}{'generate s':>12}{'load s':>9}{'total s':>9}"
    print(header + f"{'enc/s':>10}{'migrate s':>11}")
    for name, r in results:
        if isinstance(r, str):
            print(f"{name:<28}{r}")
            continue
        generate, load = float(r["generate"]), float(r["load"])  # type: ignore[arg-type]
        total = generate + load
        rate = int(r["encounters"]) / total  # type: ignore[call-overload]
        print(
            f"{name:<28}{int(r['rows']):>10,}{generate:>12.1f}{load:>9.1f}{total:>9.1f}"  # type: ignore[call-overload]
            f"{rate:>10,.0f}{float(r['migrate']):>11.1f}"  # type: ignore[arg-type]
        )
    for name, r in results:
        if not isinstance(r, str):
            phases = ", ".join(f"{k} {v:.1f}" for k, v in r["phases"].items())  # type: ignore[attr-defined]
            print(f"  {name}: load phases (s): {phases}")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f} (a shared machine)")


if __name__ == "__main__":
    main()
