"""How fast ``finclear import`` takes a CSV schedule, on SQLite and on PostgreSQL.

For each size (1,000 and 10,000 rows by default) a CSV is written from a synthetic clinic
(``finclear.demo.synth``: real coverages, guarantors, diagnoses and service lines, one row per
encounter) and imported three times into a fresh database holding the seed's reference data:
first import, re-import unchanged, re-import with 10% of the rows changed (visit time and
reason). Beside each figure: a plain ``csv.DictReader`` pass over the same file, the floor no
importer goes below. Each database runs in a child process; SQLite gets a temp file,
PostgreSQL (FINCLEAR_DATABASE_URL when it points at one, else the local server at
postgres://postgres:postgres@127.0.0.1:5432/postgres, when reachable) a temp database
``finclear_bench_intake``, dropped afterwards. Not a test: it prints a table.

    .venv/bin/python bench/intake.py [--rows 1000 10000] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LOCAL_PG = "postgres://postgres:postgres@127.0.0.1:5432/postgres"
BENCH_DB = "finclear_bench_intake"
SEED = 42
START = dt.date(2026, 3, 2)
CHANGED_SHARE = 10  # every 10th row is changed in the third import


def build_csv_rows(clinic: Any, mrn_prefix: str) -> list[dict[str, str]]:
    """One CSV row per encounter of the clinic, with its patient, guarantor and coverages."""
    from finclear.demo.catalog import PAYERS_BY_KEY
    from finclear.intake.csv_format import COLUMNS

    patients = {(p.facility_code, p.mrn): p for p in clinic.patients}
    coverages: dict[tuple[str, str], dict[int, Any]] = {}
    for c in clinic.coverages:
        if c.is_active and c.order <= 2:
            coverages.setdefault((c.facility_code, c.mrn), {})[c.order] = c
    rows = []
    for e in clinic.encounters:
        p = patients[(e.facility_code, e.mrn)]
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            facility_code=p.facility_code,
            mrn=f"{mrn_prefix}{p.mrn}",
            last_name=p.last_name,
            first_name=p.first_name,
            middle_name=p.middle_name,
            date_of_birth=p.date_of_birth.isoformat(),
            sex=p.sex,
            address_line1=p.address_line1,
            address_line2=p.address_line2,
            city=p.city,
            state=p.state,
            postal_code=p.postal_code,
            phone=p.phone,
            email=p.email,
        )
        if p.guarantor is not None:
            g = p.guarantor
            row.update(
                guarantor_relationship=g.relationship_to_patient,
                guarantor_last_name=g.last_name,
                guarantor_first_name=g.first_name,
                guarantor_date_of_birth=g.date_of_birth.isoformat(),
                guarantor_address_line1=g.address_line1,
                guarantor_city=g.city,
                guarantor_state=g.state,
                guarantor_postal_code=g.postal_code,
                guarantor_phone=g.phone,
            )
        for order, c in coverages.get((e.facility_code, e.mrn), {}).items():
            prefix = "primary" if order == 1 else "secondary"
            payer = PAYERS_BY_KEY[c.payer_key]
            values = {
                "payer_id": payer.primary_payer_id,
                "payer_name": payer.name,
                "plan_code": c.plan_code or "",
                "member_id": c.member_id,
                "group_number": c.group_number,
                "subscriber_relationship": c.subscriber_relationship,
                "subscriber_last_name": c.subscriber_last_name,
                "subscriber_first_name": c.subscriber_first_name,
                "subscriber_date_of_birth": c.subscriber_date_of_birth.isoformat()
                if c.subscriber_date_of_birth
                else "",
                "subscriber_member_id": c.subscriber_member_id,
                "effective_date": c.effective_date.isoformat(),
                "termination_date": c.termination_date.isoformat() if c.termination_date else "",
            }
            row.update({f"{prefix}_{k}": v for k, v in values.items()})
        row.update(
            appointment_id=f"{mrn_prefix}{e.external_id}",
            scheduled_at=e.scheduled_at.strftime("%Y-%m-%d %H:%M"),
            department_code=e.department_code,
            rendering_npi=e.rendering_npi,
            attending_npi=e.attending_npi or "",
            encounter_type=e.encounter_type,
            place_of_service=e.place_of_service,
            reason=e.reason,
            icd10_codes=";".join(d.icd10_code for d in e.diagnoses),
            cpt_codes=";".join(
                line.cpt_hcpcs
                + "".join(f"-{m}" for m in line.modifiers)
                + (f"*{line.units}" if line.units != 1 else "")
                + "@"
                + ":".join(str(ptr) for ptr in line.diagnosis_pointers)
                for line in e.lines
            ),
        )
        rows.append(row)
    return rows


def build_changed(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Every 10th row moved by 30 minutes with another reason: an encounter update each."""
    changed = []
    for n, row in enumerate(rows):
        row = dict(row)
        if n % CHANGED_SHARE == 0:
            at = dt.datetime.strptime(row["scheduled_at"], "%Y-%m-%d %H:%M")
            row["scheduled_at"] = (at + dt.timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
            row["reason"] = f"Rescheduled: {row['reason']}"[:200]
        changed.append(row)
    return changed


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def time_reader(path: Path) -> float:
    """Rows per second of a bare ``csv.DictReader`` pass (reading every cell once)."""
    clock = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        count = sum(1 for row in csv.DictReader(handle) if row["mrn"])
    return count / (time.perf_counter() - clock)


def child(sizes: list[int], tmp: Path) -> None:
    """Inside the child process: migrate, load the seed's reference data, import and time."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finclear.app.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from finclear.demo.load import do_load_clinic
    from finclear.demo.records import SeedParams
    from finclear.demo.synth import build_clinic
    from finclear.intake.services import do_import

    call_command("migrate", interactive=False, verbosity=0)
    do_load_clinic(build_clinic(SeedParams(patients=1, days=1, seed=SEED, start_date=START)))
    figures: list[dict[str, Any]] = []
    for size in sizes:
        params = SeedParams(
            patients=max(1, size * 7 // 10), days=30, seed=SEED, start_date=START, encounters=size
        )
        rows = build_csv_rows(build_clinic(params), f"B{size}-")
        plain, changed = tmp / f"schedule-{size}.csv", tmp / f"schedule-{size}-changed.csv"
        write_csv(plain, rows)
        write_csv(changed, build_changed(rows))
        for label, path in (
            ("first import", plain),
            ("re-import unchanged", plain),
            ("re-import 10% changed", changed),
        ):
            # The import's own transaction sits inside this one, so the work other apps do when
            # it commits (the workqueue's and the estimates' recompute) is timed apart.
            clock, cpu = time.perf_counter(), time.process_time()
            with transaction.atomic():
                result = do_import(path)
                imported = time.perf_counter()
            done, cpu = time.perf_counter(), time.process_time() - cpu
            figures.append(
                {
                    "rows": size,
                    "run": label,
                    "seconds": done - clock,
                    "on_commit": done - imported,
                    "cpu": cpu,
                    "counts": [result.created, result.updated, result.unchanged, result.failed],
                    "first_problem": str(result.problems[0]) if result.problems else "",
                    "reader": time_reader(path),
                }
            )
    print(json.dumps(figures))


def run_child(url: str, var: Path, sizes: list[int]) -> list[dict[str, Any]]:
    env = {**os.environ, "FINCLEAR_DATABASE_URL": url, "FINCLEAR_VAR_DIR": str(var)}
    args = [sys.executable, __file__, "--child", str(var), "--rows", *map(str, sizes)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child failed on {url.split('@')[-1]}:\n{done.stderr[-3000:]}")
    figures: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


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


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def print_table(results: list[tuple[str, list[dict[str, Any]] | str]]) -> None:
    print("finclear import (CSV schedule) beside a bare csv.DictReader pass over the same file")
    print(
        "(total: the whole import with its commit; on commit: of which the workqueue's and the "
        "estimates' recompute of the touched cases; CPU: this process's CPU time, steadier on a "
        "busy machine, but without PostgreSQL's own work)"
    )
    print(
        f"{'database':<22}{'rows':>7}  {'run':<23}{'total s':>8}{'rows/s':>8}{'CPU rows/s':>11}"
        f"{'on commit s':>12}"
        f"{'rows/s w/o':>11}{'DictReader rows/s':>18}  created/updated/unchanged/failed"
    )
    for name, figures in results:
        if isinstance(figures, str):
            print(f"{name:<22}{figures}")
            continue
        for f in figures:
            rate = f["rows"] / f["seconds"]
            own = f["rows"] / max(f["seconds"] - f["on_commit"], 1e-9)
            counts = "/".join(str(c) for c in f["counts"])
            print(
                f"{name:<22}{f['rows']:>7,}  {f['run']:<23}{f['seconds']:>8.1f}{rate:>8,.0f}"
                f"{f['rows'] / f['cpu']:>11,.0f}"
                f"{f['on_commit']:>12.1f}{own:>11,.0f}{f['reader']:>18,.0f}  {counts}"
            )
            if f["first_problem"]:
                print(f"{'':<32}first problem: {f['first_problem']}")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f} (a shared machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rows, args.child)
        return
    results: list[tuple[str, list[dict[str, Any]] | str]] = []
    with tempfile.TemporaryDirectory(prefix="finclear-bench-intake-") as tmp:
        var = Path(tmp)
        url = f"sqlite:///{var / 'bench.sqlite3'}"
        results.append(("SQLite (temp file)", run_child(url, var, args.rows)))
        server = None if args.sqlite_only else find_postgres()
        if server is None:
            results.append(("PostgreSQL", "skipped: no server answers (or --sqlite-only)"))
        else:
            base = server.rpartition("/")[0]
            admin_sql(server, f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
            admin_sql(server, f'CREATE DATABASE "{BENCH_DB}"')
            try:
                pg = run_child(f"{base}/{BENCH_DB}", var, args.rows)
                results.append(("PostgreSQL (temp db)", pg))
            finally:
                admin_sql(server, f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
    print_table(results)


if __name__ == "__main__":
    main()
