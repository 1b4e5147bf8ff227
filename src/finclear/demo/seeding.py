"""Seeding a database with the synthetic clinic: generate, load, write the scenario file.

Shared by ``finclear seed`` and ``finclear demo``; the commands only parse and print.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from finclear.demo import catalog
from finclear.demo.bulk import do_analyze
from finclear.demo.load import (
    WRITTEN_MODELS,
    LoadResult,
    SeedRefused,
    check_can_seed,
    do_load_clinic,
    do_reset_demo_data,
)
from finclear.demo.models import SeedRun
from finclear.demo.records import SeedParams
from finclear.demo.scenario import build_scenario, write_scenario
from finclear.demo.synth import build_clinic
from finclear.organizations.models import Facility, Organization


@dataclass
class SeedOutcome:
    params: SeedParams
    load: LoadResult
    deleted: dict[str, int]
    scenario_path: Path
    errors_injected: dict[str, int]
    generate_seconds: float
    scenario_seconds: float
    total_seconds: float


def default_scenario_path() -> Path:
    return Path(settings.VAR_DIR) / "scenario.json"


def check_migrated() -> None:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise SeedRefused(
            f"the database is not migrated ({len(pending)} migrations pending): "
            "run `finclear manage migrate` first"
        )


def find_seed_run(params: SeedParams) -> SeedRun | None:
    """The latest seed run, if it loaded these very parameters and its clinic is still here."""
    run = SeedRun.objects.order_by("-loaded_at", "-pk").first()
    if run is None or not Organization.objects.filter(name=catalog.DEMO_ORGANIZATION_NAME).exists():
        return None
    same = run.same_parameters(
        seed=params.seed,
        patients=params.patients,
        days=params.days,
        start_date=params.start_date,
        encounters=params.encounters,
    )
    return run if same else None


def do_seed(params: SeedParams, *, reset: bool, scenario_path: Path | None = None) -> SeedOutcome:
    """Build the clinic for ``params`` and load it; refuse (SeedRefused) if data is in the way."""
    started = time.perf_counter()
    check_migrated()
    deleted = do_reset_demo_data() if reset else {}
    check_can_seed(reset)
    clash = list(
        Facility.objects.filter(code__in=[f.code for f in catalog.FACILITIES]).values_list(
            "code", flat=True
        )
    )
    if clash:
        raise SeedRefused(
            f"facilities {', '.join(clash)} already exist outside the demo clinic: "
            "seed into another database"
        )
    clock = time.perf_counter()
    clinic = build_clinic(params)
    generate_seconds = time.perf_counter() - clock
    path = scenario_path or default_scenario_path()
    load = do_load_clinic(clinic, scenario_path=str(path))
    do_analyze(WRITTEN_MODELS)
    clock = time.perf_counter()
    write_scenario(build_scenario(clinic), path)
    scenario_seconds = time.perf_counter() - clock
    errors: dict[str, int] = {}
    for e in clinic.errors:
        errors[e.kind] = errors.get(e.kind, 0) + 1
    return SeedOutcome(
        params=params,
        load=load,
        deleted=deleted,
        scenario_path=path,
        errors_injected=errors,
        generate_seconds=generate_seconds,
        scenario_seconds=scenario_seconds,
        total_seconds=time.perf_counter() - started,
    )


def do_restore_scenario(run: SeedRun) -> Path | None:
    """Rewrite a kept clinic's scenario file if it has gone missing (same seed, same bytes)."""
    path = Path(run.scenario_path) if run.scenario_path else default_scenario_path()
    if path.exists():
        return None
    params = SeedParams(
        patients=run.patients,
        days=run.days,
        seed=run.seed,
        start_date=run.start_date,
        encounters=run.encounters_requested,
    )
    write_scenario(build_scenario(build_clinic(params)), path)
    return path
